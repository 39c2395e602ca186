"""Master trainers' data protection pages: the audit log and erasing a participant."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.modules.participants import queries as participants
from edt.security import Role, role_required

from . import queries, services
from .forms import AuditFilterForm, EraseForm

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
PER_PAGE = 50


@bp.route("/audit")
@role_required(Role.MASTER_TRAINER)
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + [(a, a) for a in queries.actions()]
    valid = form.validate()
    filters = queries.Filters(
        person=(form.person.data or "").strip() if valid else "",
        code=(form.code.data or "").strip() if valid else "",
        action=form.action.data or "" if valid else "",
        since=form.since.data if valid else None, until=form.until.data if valid else None)
    # Recorded first: the page lists its own visit too.
    audit.record(current_user, "audit_log_viewed", None, None, details={"filters": filters.used})
    rows, found = queries.search(filters, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    args = {name: request.args.get(name, "") for name in ("person", "code", "action", "since", "until")
            if request.args.get(name)}
    return render_template("privacy/audit.html", form=form, rows=rows, total=found.total, page=found.page,
                           pages=max(found.pages, 1), args=args), (200 if valid else 400)


@bp.route("/participants/<int:participant_id>/erase", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def erase(participant_id):
    participant = participants.participant_for(current_user, participant_id)
    form = EraseForm()
    error = None
    if participant.erased_at is None and form.validate_on_submit():
        if (form.code.data or "").strip().upper() != participant.code.upper():
            form.code.errors.append(_("That is not this participant's code. Nothing was erased."))
        else:
            try:
                services.erase(current_user, participant)
            except services.PrivacyError as problem:
                error = str(problem)
            else:
                flash(_("The personal data of %(code)s was erased. The code and the counts stay.",
                        code=participant.code), "ok")
                return redirect(url_for("participants.detail", participant_id=participant.id))
    elif request.method == "POST" and participant.erased_at is not None:
        error = _("This participant's data was already erased.")
    if request.method == "GET":
        audit.record(current_user, "participant_viewed", "participant", participant.id,
                     details={"page": "erase"})
    failed = bool(error or form.errors)
    return render_template("privacy/erase.html", participant=participant, form=form, error=error,
                           found=services.plan(participant) if participant.erased_at is None else None), (
        400 if failed else 200)
