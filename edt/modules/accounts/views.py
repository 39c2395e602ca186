from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select

from edt import sessions, throttle
from edt.extensions import db
from edt.forms import ConfirmForm, partner_choices
from edt.security import ALL_ROLES, Role, client_address, public, role_required, safe_next, scoped_or_404

from . import services
from .forms import (ChangeSecretForm, LanguageForm, LoginForm, ParticipantLoginForm,
                    PartnerForm, ResetPasswordForm, UserForm)
from .models import Partner, User

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _after_login(next_url: str | None):
    return redirect(safe_next(next_url) or url_for("site.home"))


def _login_page(form_class, template: str, *, participant: bool):
    """The two login pages differ only in their form: staff type a username and a password,
    participants their code and 6-digit PIN."""
    if current_user.is_authenticated:
        return _after_login(request.args.get("next"))
    form = form_class(next=request.args.get("next", ""))
    if participant and request.method == "GET" and not form.code.data:
        # A code card's QR code opens this page with the code filled in (never the PIN).
        form.code.data = (request.args.get("code") or "").strip()[:32]
    name_field, secret_field = (form.code, form.pin) if participant else (form.username, form.password)
    if form.validate_on_submit():
        device = throttle.read_device()
        user, error = services.authenticate(name_field.data, secret_field.data, participant=participant,
                                            address=client_address(), device=device)
        if user:
            sessions.start(user)
            response = _after_login(form.next.data)
            throttle.remember_device(response, device, user.username)  # "this phone logged in before"
            sessions.remember_kind(response, user)
            return response
        secret_field.errors.append(error)
    return render_template(template, form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    return _login_page(LoginForm, "accounts/login.html", participant=False)


@bp.route("/login/participant", methods=["GET", "POST"])
@public
def participant_login():
    return _login_page(ParticipantLoginForm, "accounts/participant_login.html", participant=True)


@bp.route("/logout", methods=["POST"])
@role_required(*ALL_ROLES)
def logout():
    participant = current_user.is_participant
    message = _("You are logged out.")  # in the language she was reading: the session decides it
    services.logout(current_user)
    sessions.end_now()
    flash(message, "ok")
    response = redirect(url_for("accounts.participant_login" if participant else "accounts.login"))
    # Nothing kept for working offline survives a logout (static/js/offline.js sends and deletes it
    # first; this covers a browser where that script did not run): kept pages, outbox, worker.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def password():
    form = ChangeSecretForm()
    if form.validate_on_submit():
        try:
            services.change_own_secret(current_user, form.current.data, form.new.data)
        except services.WrongSecret as error:
            failures = sessions.note_wrong_secret()
            if failures >= current_app.config["SECRET_CHANGE_MAX_FAILURES"]:
                participant = current_user.is_participant
                services.end_sessions_after_wrong_secrets(current_user, failures)
                sessions.end_now()
                flash(_("For your safety you were logged out after several wrong attempts. Log in again."), "warn")
                return redirect(url_for("accounts.participant_login" if participant else "accounts.login"))
            form.current.errors.append(str(error))
        except services.AccountError as error:
            form.new.errors.append(str(error))
        else:
            sessions.start(current_user._get_current_object())  # this device stays logged in
            flash(_("Saved. Other phones and computers were logged out."), "ok")
            return redirect(url_for("site.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/language", methods=["POST"])
@public
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400, _("Choose English or Bangla."))
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
    response = redirect(safe_next(form.next.data) or url_for("site.home"))
    sessions.remember_language(response, form.locale.data)  # this phone's choice, kept after logout
    return response


# --- users (master trainers) -------------------------------------------------------------------

def _partner_choices(form: UserForm) -> None:
    form.partner_id.choices = partner_choices(current_user, services.partners(), empty=_("None"))


@bp.route("/users")
@role_required(Role.MASTER_TRAINER)
def users():
    return render_template("accounts/users.html", users=services.staff_users(), form=ConfirmForm())


@bp.route("/locked")
@role_required(Role.MASTER_TRAINER)
def locked():
    """Accounts that the throttle holds (locked, or waiting), and its recent alerts."""
    held, unknown = services.held_accounts()
    return render_template("accounts/locked.html", held=held, unknown=unknown, alerts=services.alerts(),
                           networks=services.throttled_networks(), form=ConfirmForm(), labels=services.ALERT_LABELS,
                           lock_after=current_app.config["LOGIN_LOCK_AFTER"])


@bp.route("/locked/<int:user_id>/clear", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def clear_lock(user_id):
    user = scoped_or_404(db.session.get(User, user_id), target_type="user", target_id=user_id, actor=current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.clear_lock(current_user, user)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s can log in again.", name=user.username), "ok")
    return redirect(url_for("accounts.locked"))


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def create_user():
    form = UserForm()
    _partner_choices(form)
    if form.validate_on_submit():
        try:
            user = services.create_staff(current_user, username=form.username.data, password=form.password.data or "",
                                         role=form.role.data, display_name=form.display_name.data or "",
                                         partner_id=form.partner_id.data or None, locale=form.locale.data or None)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Account %(name)s created.", name=user.username), "ok")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=None)


def _staff_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    return scoped_or_404(user if user is not None and user.is_staff else None, target_type="user",
                         target_id=user_id, actor=current_user)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def edit_user(user_id):
    user = _staff_or_404(user_id)
    form = UserForm(obj=user)
    _partner_choices(form)
    del form.password
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.partner_id.data = user.partner_id or 0
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        try:
            services.update_staff(current_user, user, display_name=form.display_name.data or "", role=form.role.data,
                                  partner_id=form.partner_id.data or None, locale=form.locale.data or None)
        except services.AccountError as error:
            form.role.errors.append(str(error))
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/user_form.html", form=form, user=user,
                           reset_form=ResetPasswordForm(), confirm=ConfirmForm())


@bp.route("/users/<int:user_id>/enabled/<int:enabled>", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def set_user_enabled(user_id, enabled):
    user = _staff_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.set_enabled(current_user, user, bool(enabled))
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("Account activated.") if enabled else _("Account deactivated. Its sessions have ended."), "ok")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def reset_password(user_id):
    user = _staff_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Password reset. Tell the user in person, never by SMS or chat."), "ok")
            return redirect(url_for("accounts.users"))
    edit_form = UserForm(obj=user)
    _partner_choices(edit_form)
    del edit_form.password
    return render_template("accounts/user_form.html", form=edit_form, user=user, reset_form=form,
                           confirm=ConfirmForm()), 400


# --- partners ------------------------------------------------------------------------------------

@bp.route("/partners")
@role_required(Role.MASTER_TRAINER)
def partners():
    return render_template("accounts/partners.html", partners=services.partners())


@bp.route("/partners/new", methods=["GET", "POST"])
@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"], endpoint="edit_partner")
@role_required(Role.MASTER_TRAINER)
def create_partner(partner_id=None):
    partner = scoped_or_404(db.session.get(Partner, partner_id), target_type="partner", target_id=partner_id,
                            actor=current_user) if partner_id else None
    form = PartnerForm(obj=partner)
    if form.validate_on_submit():
        try:
            services.save_partner(current_user, partner, name=form.name.data, district=form.district.data)
        except services.AccountError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("accounts.partners"))
    return render_template("accounts/partner_form.html", form=form, partner=partner)


def _account(ident: int) -> User | None:
    """The account a session names, with what higher modules read on every page of its owner
    (app.extensions["edt.session_columns"]: pairs of a column made from the account's id and what
    keeps its value for the request) in the same statement."""
    extras = current_app.extensions.get("edt.session_columns", ())
    statement = current_app.extensions.get("edt.session_statement")
    if statement is None:  # built once: making the statement costs more Python than running it
        statement = current_app.extensions["edt.session_statement"] = select(
            User, *(column(User.id) for column, _keep in extras)).where(User.id == bindparam("ident"))
    row = db.session.execute(statement, {"ident": ident}).first()
    if row is None:
        return None
    for (_column, keep), value in zip(extras, row[1:]):
        keep(ident, value)
    return row[0]


def load_user(user_id: str):
    """Flask-Login's loader: a bumped session version ends the session (edt/sessions.py)."""
    return sessions.load(user_id, _account)
