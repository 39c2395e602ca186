"""The page that offers a kept form again, and the hooks that keep it.

Two ways a form can arrive without a usable session: the session reached its idle or absolute
limit while the page was open, or the person logged in again in another tab, so the form's CSRF
token is stale. Either way what was sent is kept for its owner and shown again after the login;
it is saved only when they send it again.

A form is kept only for a session that was valid when it ended: its user is the one the session
check itself loaded and then ended in this request (g.expired_user_id), never whoever a cookie
names. A cookie that was logged out (on this device or another: its session version was bumped),
or of a deactivated account, keeps nothing, so it cannot plant a pre-filled form for its owner.
"""
from datetime import timezone

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from edt.clock import TIMEZONE
from edt import sessions
from edt.extensions import db
from edt.forms import ConfirmForm
from edt.modules.accounts.models import User
from edt.security import ALL_ROLES, role_required, scoped_or_404

from . import services

bp = Blueprint("kept_forms", __name__, url_prefix="/kept-forms")

# Pages that show a kept form themselves, pre-filled, when opened with ?kept=<token>.
PREFILLED = frozenset({"attendance.mark"})


@bp.record_once
def _install(state):
    state.app.extensions.setdefault("edt.login_needed", []).append(keep_for_after_login)


def _owner() -> User | None:
    """Whose valid session ended in this request: set by the idle check (edt.session_expired)
    only after the session loader accepted the cookie (current session version, enabled
    account). None for any other request, whatever its cookie says."""
    user_id = g.get("expired_user_id")
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_enabled else None


def keep_for_after_login():
    """Hook for edt.security.login_needed: keep a POST whose session ended, then ask for a login
    that comes back to it. Returns None (the plain login redirect) when there is nothing to keep."""
    if request.method != "POST" or not services.keepable(request.endpoint, request.form, request.files):
        return None
    owner = _owner()
    if owner is None:
        return None
    stash = services.keep(owner, request.endpoint, request.path, request.form)
    flash(_("You were logged out, so this was not saved yet. Log in again: what you sent is kept, "
            "and you can send it again."), "warn")
    login = "accounts.participant_login" if owner.is_participant else "accounts.login"
    return redirect(url_for(login, next=url_for("kept_forms.review", token=stash.token)))


@bp.app_errorhandler(CSRFError)
def _stale_form(error):
    """A form whose CSRF token is stale (the person logged in again in another tab, or the
    session ended) is kept for its owner and offered again, never saved as it is."""
    # Only a real token that went stale (a login since the page was opened) is kept; a missing or
    # forged token is refused as before.
    stale = error.description in ("The CSRF tokens do not match.", "The CSRF token has expired.",
                                  "The CSRF session token is missing.")
    if request.method == "POST" and stale and current_user.is_authenticated:
        if sessions.expired():
            g.expired_user_id = current_user.id
            sessions.end_now()
            response = keep_for_after_login()
        elif services.keepable(request.endpoint, request.form, request.files):
            stash = services.keep(current_user, request.endpoint, request.path, request.form)
            flash(_("This form was opened before your latest login, so it was not saved yet. Check it "
                    "and send it again."), "warn")
            response = redirect(url_for("kept_forms.review", token=stash.token))
        else:
            response = None
        if response is not None:
            return response
    return render_template("errors/error.html", code=400, description=_(
        "This form was open too long or was sent twice. Please go back, reload and try again.")), 400


@bp.after_app_request
def _sent_again(response):
    """Once a kept form was sent again and saved (a redirect after the POST), delete it."""
    if request.method != "POST":  # the session is not even read for other requests
        return response
    kept = session.get("kept_form")
    if (kept and response.status_code in (302, 303) and request.path == kept.get("path")
            and current_user.is_authenticated):
        services.finish(current_user, kept.get("token", ""))
        session.pop("kept_form", None)
    return response


@bp.route("/<token>")
@role_required(*ALL_ROLES)
def review(token):
    stash = scoped_or_404(services.take_up(current_user, token), target_type="form_stash", target_id=None,
                          actor=current_user)
    if stash.endpoint in PREFILLED:
        return redirect(f"{stash.path}?kept={stash.token}")
    sent = stash.created_at if stash.created_at.tzinfo else stash.created_at.replace(tzinfo=timezone.utc)
    return render_template("kept_forms/review.html", stash=stash, typed=services.typed_values(stash),
                           sent_at=sent.astimezone(TIMEZONE).strftime("%H:%M"), form=ConfirmForm())


@bp.route("/<token>/discard", methods=["POST"])
@role_required(*ALL_ROLES)
def discard(token):
    stash = scoped_or_404(services.claim(current_user, token), target_type="form_stash", target_id=None,
                          actor=current_user)
    if ConfirmForm().validate_on_submit():
        services.discard(current_user, stash)
        session.pop("kept_form", None)
        flash(_("Thrown away. Nothing was saved."), "ok")
    return redirect(url_for("site.home"))
