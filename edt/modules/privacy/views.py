"""Master trainers' data protection pages: the audit log and erasing a participant."""
import csv
import io
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.clock import TIMEZONE
from edt.modules.participants import queries as participants
from edt.security import Role, role_required

from . import queries, services
from .actions import action_label, outcome_label
from .forms import AuditFilterForm, EraseForm

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
PER_PAGE = 50


def _audit_filters():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + sorted(((a, action_label(a)) for a in queries.actions()),
                                                            key=lambda choice: choice[1].lower())
    valid = form.validate()
    filters = queries.Filters(
        person=(form.person.data or "").strip() if valid else "",
        code=(form.code.data or "").strip() if valid else "",
        action=form.action.data or "" if valid else "",
        since=form.since.data if valid else None, until=form.until.data if valid else None)
    args = {name: request.args.get(name, "") for name in ("person", "code", "action", "since", "until")
            if request.args.get(name)}
    return form, valid, filters, args


@bp.route("/audit")
@role_required(Role.MASTER_TRAINER)
def audit_log():
    form, valid, filters, args = _audit_filters()
    # Recorded first: the page lists its own visit too.
    audit.record(current_user, "audit_log_viewed", None, None, details={"filters": filters.used})
    rows, found = queries.search(filters, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template("privacy/audit.html", form=form, rows=rows, total=found.total, page=found.page,
                           pages=max(found.pages, 1), args=args, action_label=action_label,
                           outcome_label=outcome_label, local=_local), (200 if valid else 400)


def _local(moment):
    """A stored instant in Bangladesh time (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(TIMEZONE)


AUDIT_CSV_HEADER = ["when_dhaka", "who", "action", "action_label", "about", "about_id", "outcome", "fields"]


@bp.route("/audit.csv")
@role_required(Role.MASTER_TRAINER)
def audit_csv():
    """The filtered log for an auditor: what the page shows, every row, Bangladesh time."""
    form, valid, filters, _args = _audit_filters()
    if not valid:
        abort(400, form.errors and next(iter(form.errors.values()))[0])
    audit.record(current_user, "audit_log_exported", None, None, details={"filters": filters.used}, commit=True)

    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        writer.writerow(AUDIT_CSV_HEADER)
        for n, row in enumerate(queries.export(filters), start=1):
            e = row.event
            details = e.details if isinstance(e.details, dict) else {}
            writer.writerow([_local(e.at).isoformat(timespec="seconds"), row.actor, e.action, action_label(e.action),
                             e.target_type or "", row.target or (e.target_id or ""), e.outcome,
                             " ".join(str(f) for f in details.get("fields") or [])])
            if n % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    stamp = _local(datetime.now(timezone.utc)).date().isoformat()
    return Response(stream_with_context(stream()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="edt-audit-{stamp}.csv"'})


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
