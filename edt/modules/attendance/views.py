from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from edt.clock import today
from edt import audit
from edt.modules.batches import queries as batch_queries
from edt.modules.batches.models import EnrolmentStatus
from edt.modules.kept_forms import services as kept_forms
from edt.security import STAFF, role_required
from edt.signals import PagePart, page_parts

from . import queries, services
from .forms import AttendanceForm, parse_entries
from .models import LETTERS, STATUSES, Mark

bp = Blueprint("attendance", __name__, url_prefix="/attendance")
bp.add_app_template_global(Mark, "Mark")  # the marks' labels and letters, in every template


def _rows(enrolments, marks, *, prefill: bool, posted=None):
    """Ready-made rows for the template: what each radio shows and what the page showed."""
    rows = []
    for enrolment in enrolments:
        mark = marks.get(enrolment.id)
        was_status, was_note = (mark.status, mark.note) if mark else ("", "")
        prefilled = prefill and mark is None
        status = was_status or (Mark.PRESENT if prefilled else "")
        note = was_note
        if posted is not None:
            status = posted.get(f"s-{enrolment.id}", "") or ""
            note = posted.get(f"n-{enrolment.id}", "") or ""
            was_status, was_note = posted.get(f"ws-{enrolment.id}", ""), posted.get(f"wn-{enrolment.id}", "")
            prefilled = posted.get(f"pf-{enrolment.id}") == "1"
        rows.append({"enrolment": enrolment, "participant": enrolment.participant, "status": status, "note": note,
                     "was_status": was_status, "was_note": was_note, "prefilled": prefilled,
                     "left": enrolment.status != EnrolmentStatus.ACTIVE})
    return rows


def _render_day(day, *, prefill=False, posted=None, error=None, status=200):
    enrolments = queries.day_roster(day)
    marks = queries.day_marks(day)
    on_day = today()
    days = day.batch.days
    counts = dict.fromkeys(STATUSES, 0)
    for mark in marks.values():
        counts[mark.status] += 1
    return render_template(
        "attendance/mark.html", day=day, batch=day.batch, rows=_rows(enrolments, marks, prefill=prefill,
                                                                     posted=posted),
        counts=counts, unmarked=len(enrolments) - len(marks), statuses=STATUSES, letters=LETTERS,
        form=AttendanceForm(), prefill=prefill, error=error, can_save=services.can_save(current_user, day), today=on_day,
        previous=next((d for d in days if d.number == day.number - 1), None),
        following=next((d for d in days if d.number == day.number + 1), None)), status


def _kept_form():
    """The marks this user sent for this page after their session ended (edt.modules.kept_forms)."""
    token = request.args.get("kept")
    if not token:
        return None
    stash = kept_forms.take_up(current_user, token, path=request.path)
    return kept_forms.as_form(stash) if stash is not None else None


@bp.route("/days/<int:day_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def mark(day_id):
    day = batch_queries.day_for(current_user, day_id)
    if request.method == "GET":
        audit.record(current_user, "attendance_viewed", "training_day", day.id)
        kept = _kept_form()
        if kept is not None:  # sent after the session ended: shown again, pre-filled, to save
            return _render_day(day, posted=kept, error=_("You were logged out before these marks were saved. "
                                                         "Check them, then press Save."))
        return _render_day(day, prefill=request.args.get("all") == Mark.PRESENT)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _render_day(day, posted=request.form, status=400,
                           error=_("This form was open too long or was sent twice. Please reload and try again."))
    try:
        result = services.save_day(current_user, day, parse_entries(request.form))
    except services.AttendanceError as error:  # refused before anything was written
        return _render_day(day, posted=request.form, error=str(error), status=400)
    counts = result.counts
    message = _("Saved day %(n)d: %(p)d present, %(l)d late, %(e)d excused, %(a)d absent.", n=day.number,
                p=counts[Mark.PRESENT], l=counts[Mark.LATE], e=counts[Mark.EXCUSED], a=counts[Mark.ABSENT])
    flash(message, "ok")
    if result.kept:
        flash(_("%(n)d marks saved by a colleague after you opened the page were kept.", n=result.kept), "warn")
    if result.conflicts:
        flash(_("%(n)d marks a colleague had just saved were replaced by yours.", n=result.conflicts), "warn")
    return redirect(url_for("attendance.mark", day_id=day.id))


@bp.route("/days/<int:day_id>/sheet.pdf")
@role_required(*STAFF)
def sheet(day_id):
    day = batch_queries.day_for(current_user, day_id)
    enrolments = [e for e in queries.day_roster(day)
                  if e.status == EnrolmentStatus.ACTIVE or e.ended_on >= day.date]
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    data = pdf.sign_in_sheet(day, enrolments,
                             facilitators=[f.display_name or f.username for f in day.batch.facilitators])
    audit.record(current_user, "signin_sheet_exported", "training_day", day.id, details={"rows": len(enrolments)})
    filename = f"sign-in-{day.batch.code}-day{day.number:02d}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={filename}"})


@bp.route("/batches/<int:batch_id>")
@role_required(*STAFF)
def grid(batch_id):
    batch = batch_queries.batch_for(current_user, batch_id)
    return render_template("attendance/grid.html", grid=queries.grid(batch), batch=batch, letters=LETTERS,
                           today=today())


# --- this module's parts of lower modules' pages (edt.signals.page_parts) ----------------------

@page_parts.connect_via("participants.detail")
def _participant_batches(_page, *, actor, participant, **_objects):
    """The participant's record: each batch they were in, with their attendance day by day."""
    enrolments = batch_queries.participant_enrolments(participant.id)
    return PagePart("attendance/_participant_batches.html", {
        "enrolments": enrolments,
        "summaries": queries.summaries(list({e.batch_id for e in enrolments}), enrolments),
        "reachable": batch_queries.reachable_ids(actor, [e.batch_id for e in enrolments])})


@page_parts.connect_via("batches.detail")
def _batch_attendance(_page, *, batch, enrolments, **_objects):
    """The batch page: how many marks each day has, and each person's days attended."""
    return PagePart(context={"summaries": queries.summaries([batch.id], enrolments),
                             "counts": queries.batch_day_counts(batch)})
