from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from edt import audit
from edt.clock import today
from edt.errors import attach
from edt.extensions import db
from edt.forms import ConfirmForm, partner_choices
from edt.modules.accounts.models import Partner
from edt.modules.accounts.services import partners as all_partners
from edt.security import STAFF, Role, role_required, scoped_or_404
from edt.signals import collect_parts

from . import queries, roster, services
from .forms import (BatchEditForm, BatchForm, DropForm, EnrolForm, HolidayForm, ImportConfirmForm, ImportForm,
                    MoveDayForm, TransferForm, UndoMoveForm)
from .models import Batch, BatchStatus, EnrolmentStatus, Holiday, LeavingReason

bp = Blueprint("batches", __name__, url_prefix="/batches")
PER_PAGE = 50
for _enum in (BatchStatus, EnrolmentStatus, LeavingReason):  # their labels, for templates/batches/_labels.html
    bp.add_app_template_global(_enum, _enum.__name__)
STATUS_FILTERS = (BatchStatus.RUNNING, BatchStatus.PLANNED, BatchStatus.COMPLETED, BatchStatus.CANCELLED)


@bp.record_once
def _language_of_participants(state) -> None:
    """A participant reads her batch's language unless she chose another (edt._select_locale)."""
    state.app.extensions.setdefault("edt.participant_language", []).append(queries.participant_language)
    state.app.extensions.setdefault("edt.session_columns", []).append(queries.language_column)


def _staff_label(user) -> str:
    return user.display_name or user.username



# --- batches -------------------------------------------------------------------------------------

@bp.route("/")
@role_required(*STAFF)
def index():
    status = request.args.get("status", "")
    status = status if status in STATUS_FILTERS else ""
    query = request.args.get("q", "")[:40]
    rows, found = queries.list_batches(current_user, status=status, query=query,
                                       page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template("batches/index.html", rows=rows, total=found.total, status=status, query=query,
                           page=found.page, pages=max(found.pages, 1), today=today(),
                           statuses=STATUS_FILTERS)


def _fill_staff_choices(form, partner_id: int | None) -> None:
    form.master_trainer_id.choices = [(0, _("None"))] + [(u.id, _staff_label(u)) for u in queries.master_trainers()]
    form.facilitator_ids.choices = [
        (u.id, f"{_staff_label(u)} ({u.partner.name})" if u.partner else _staff_label(u))
        for u in queries.facilitators_of(partner_id)]


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def create():
    form = BatchForm()
    partners = all_partners()
    form.partner_id.choices = partner_choices(current_user, partners, empty=_("Choose…"))
    if request.method == "GET":
        form.master_trainer_id.data = current_user.id
        form.start_date.data = today()
        if len(partners) == 1:
            form.partner_id.data = partners[0].id
    _fill_staff_choices(form, None)
    question = None
    if form.validate_on_submit():
        try:
            off_days = services.parse_off_days(form.off_days.data or [])
            batch = services.create_batch(
                current_user, partner_id=form.partner_id.data, district=form.district.data or None,
                venue=form.venue.data or "", start_date=form.start_date.data, off_days=off_days,
                language=form.language.data, capacity=form.capacity.data,
                master_trainer_id=form.master_trainer_id.data or None, facilitator_ids=form.facilitator_ids.data or [],
                lapse_reason=form.lapse_reason.data or "", clash_ok=form.clash_ok.data or None)
        except services.BookingClash as ask:
            question, form.clash_ok.data = str(ask), ask.token
        except services.BatchError as error:
            attach(form, error, "start_date")
        else:
            flash(_("Batch %(code)s created: day 1 is %(first)s, day 10 is %(last)s.", code=batch.code,
                    first=batch.start_date.isoformat(), last=batch.end_date.isoformat()), "ok")
            return redirect(url_for("batches.detail", batch_id=batch.id))
    return render_template("batches/form.html", form=form, batch=None, question=question), 400 if form.errors else 200


@bp.route("/<int:batch_id>/code-cards.pdf")
@role_required(*STAFF)
def code_cards(batch_id):
    """One card per active participant of the batch: code, login address, a QR code of the login
    with the code filled in; for the batch's facilitators and master trainers."""
    batch = queries.batch_for(current_user, batch_id)
    codes = [e.participant.code for e in queries.batch_roster(batch) if e.status == EnrolmentStatus.ACTIVE]
    from . import code_cards as code_cards_pdf  # noqa: ReportLab loads on the first PDF, not in every worker
    data = code_cards_pdf.render(batch, codes)
    audit.record(current_user, "code_cards_printed", "batch", batch.id, details={"cards": len(codes)})
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=code-cards-{batch.code}.pdf"})


@bp.route("/<int:batch_id>")
@role_required(*STAFF)
def detail(batch_id):
    batch = queries.batch_for(current_user, batch_id)
    enrolments = queries.batch_roster(batch)
    on_day = today()
    days = batch.days
    holidays = queries.holiday_dates(days[0].date, days[-1].date) if days else {}
    form = EnrolForm()
    candidates = queries.unenrolled_participants(current_user, batch.partner_id)
    form.participant_ids.choices = [(p.id, p.code) for p in candidates]
    # The attendance module adds each day's mark count and each person's attendance (page_parts).
    parts = {"counts": {}, "summaries": {},
             **collect_parts("batches.detail", actor=current_user, batch=batch, enrolments=enrolments)}
    return render_template("batches/detail.html", batch=batch, days=days, enrolments=enrolments, holidays=holidays,
                           today=on_day, last_move=queries.last_move(batch.id), status=batch.status_on(on_day),
                           active=sum(1 for e in enrolments if e.is_active), form=form, confirm=ConfirmForm(),
                           **parts)


@bp.route("/<int:batch_id>/edit", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def edit(batch_id):
    batch = queries.batch_for(current_user, batch_id)
    form = BatchEditForm(obj=batch)
    _fill_staff_choices(form, batch.partner_id)
    if request.method == "GET":
        form.off_days.data = [str(d) for d in sorted(batch.off_weekdays)]
        form.master_trainer_id.data = batch.master_trainer_id or 0
        form.facilitator_ids.data = [f.id for f in batch.facilitators]
    question = None
    if form.validate_on_submit():
        try:
            services.update_batch(current_user, batch, venue=form.venue.data or "",
                                  off_days=services.parse_off_days(form.off_days.data or []),
                                  language=form.language.data, capacity=form.capacity.data,
                                  master_trainer_id=form.master_trainer_id.data or None,
                                  facilitator_ids=form.facilitator_ids.data or [],
                                  lapse_reason=form.lapse_reason.data or "", clash_ok=form.clash_ok.data or None)
        except services.BookingClash as ask:
            question, form.clash_ok.data = str(ask), ask.token
        except services.BatchError as error:
            attach(form, error, "capacity")
        else:
            flash(_("Saved."), "ok")
            return redirect(url_for("batches.detail", batch_id=batch.id))
    return render_template("batches/form.html", form=form, batch=batch, question=question,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<int:batch_id>/cancelled/<int:flag>", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def set_cancelled(batch_id, flag):
    batch = queries.batch_for(current_user, batch_id)
    if not ConfirmForm().validate_on_submit() or flag not in (0, 1):
        abort(400)
    services.set_cancelled(current_user, batch, bool(flag))
    flash(_("Batch cancelled.") if flag else _("Batch reinstated."), "ok")
    return redirect(url_for("batches.detail", batch_id=batch.id))


# --- training days -------------------------------------------------------------------------------

@bp.route("/days/<int:day_id>/move", methods=["GET", "POST"])
@role_required(*STAFF)
def move_day(day_id):
    """Two steps, without JavaScript: the first POST shows every day's date before and after
    (and any holiday, off day or facilitator's other batch) and asks; the second, carrying the
    token of exactly that plan, moves. A changed date or a plan that changed meanwhile asks again."""
    day = queries.day_for(current_user, day_id)
    form = MoveDayForm()
    if request.method == "GET":
        form.date.data = day.date
    plan = None
    if form.validate_on_submit():
        try:
            plan = services.plan_move(current_user, day, form.date.data, shift_following=form.shift_following.data)
            if plan.changes and form.confirmed.data == plan.token:
                moved = services.move_day(current_user, day, form.date.data, confirmed=True,
                                          shift_following=form.shift_following.data, clash_ok=plan.clash_token)
                flash(ngettext_moved(len(moved)), "ok")
                return redirect(url_for("batches.detail", batch_id=day.batch_id) + "#days")
            form.confirmed.data = plan.token
        except services.BatchError as error:
            plan = None
            form.date.errors.append(str(error))
    return render_template("batches/move_day.html", form=form, day=day, plan=plan,
                           holidays=queries.holiday_dates(day.batch.start_date, day.batch.end_date)), (
        400 if form.errors else 200)


@bp.route("/<int:batch_id>/undo-move", methods=["GET", "POST"])
@role_required(*STAFF)
def undo_move(batch_id):
    """Undo the batch's last day move: the dates before and after, then one button."""
    batch = queries.batch_for(current_user, batch_id)
    form = UndoMoveForm()
    try:
        move, rows, clashes = services.undo_plan(current_user, batch)
    except services.BatchError as error:
        flash(str(error), "error")
        return redirect(url_for("batches.detail", batch_id=batch.id) + "#days")
    if form.validate_on_submit():
        try:
            moved = services.undo_last_move(current_user, batch, clash_ok=form.clash_ok.data or None)
        except services.BookingClash as ask:
            form.clash_ok.data = ask.token
        except services.BatchError as error:
            flash(str(error), "error")
            return redirect(url_for("batches.detail", batch_id=batch.id) + "#days")
        else:
            flash(_("Move undone: %(message)s", message=ngettext_moved(len(moved))), "ok")
            return redirect(url_for("batches.detail", batch_id=batch.id) + "#days")
    elif clashes:
        form.clash_ok.data = services.clash_token(clashes)
    return render_template("batches/undo_move.html", batch=batch, move=move, rows=rows, clashes=clashes, form=form)


def ngettext_moved(n: int) -> str:
    return ngettext("%(num)d day moved.", "%(num)d days moved.", n) if n else _("Nothing changed.")


# --- enrolment -----------------------------------------------------------------------------------

@bp.route("/<int:batch_id>/enrol", methods=["POST"])
@role_required(*STAFF)
def enrol(batch_id):
    batch = queries.batch_for(current_user, batch_id)
    form = EnrolForm()
    candidates = queries.unenrolled_participants(current_user, batch.partner_id)
    form.participant_ids.choices = [(p.id, p.code) for p in candidates]
    if not form.validate_on_submit():
        flash(_("Choose participants from the list, or type their codes."), "error")
        return redirect(url_for("batches.detail", batch_id=batch.id) + "#enrol")
    try:
        typed = (form.codes.data or "").replace(";", ",").replace("\n", ",").split(",")
        chosen = {p.id: p for p in services.participants_by_codes(current_user, typed)}
        ticked = set(form.participant_ids.data or [])
        chosen.update({p.id: p for p in candidates if p.id in ticked})
        enrolled = services.enrol(current_user, batch, list(chosen.values()))
    except services.BatchError as error:
        flash(str(error), "error")
    else:
        flash(_("%(n)d enrolled in %(code)s.", n=len(enrolled), code=batch.code), "ok")
    return redirect(url_for("batches.detail", batch_id=batch.id) + "#enrol")


@bp.route("/enrolments/<int:enrolment_id>/drop", methods=["GET", "POST"])
@role_required(*STAFF)
def drop(enrolment_id):
    enrolment = queries.enrolment_for(current_user, enrolment_id)
    form = DropForm()
    if request.method == "GET":
        form.on.data = today()
    if form.validate_on_submit():
        try:
            services.drop_out(current_user, enrolment, on=form.on.data, reason=form.reason.data)
        except services.BatchError as error:
            form.on.errors.append(str(error))
        else:
            flash(_("%(code)s has left %(batch)s.", code=enrolment.participant.code, batch=enrolment.batch.code), "ok")
            return redirect(url_for("batches.detail", batch_id=enrolment.batch_id))
    return render_template("batches/drop.html", form=form, enrolment=enrolment), 400 if form.errors else 200


@bp.route("/enrolments/<int:enrolment_id>/transfer", methods=["GET", "POST"])
@role_required(*STAFF)
def transfer(enrolment_id):
    enrolment = queries.enrolment_for(current_user, enrolment_id)
    form = TransferForm()
    targets = queries.transfer_targets(current_user, enrolment)
    form.batch_id.choices = [(0, _("Choose…"))] + [
        (b.id, f"{b.code} · {b.venue} · {b.start_date.isoformat()}") for b in targets]
    if request.method == "GET":
        form.on.data = today()
    if form.validate_on_submit():
        target = next((b for b in targets if b.id == form.batch_id.data), None)
        try:
            if target is None:
                raise services.BatchError(_("Choose the new batch from the list."))
            services.transfer(current_user, enrolment, target, on=form.on.data)
        except services.BatchError as error:
            form.batch_id.errors.append(str(error))
        else:
            flash(_("%(code)s moved to %(batch)s; the days attended so far still count.",
                    code=enrolment.participant.code, batch=target.code), "ok")
            return redirect(url_for("batches.detail", batch_id=target.id))
    return render_template("batches/transfer.html", form=form, enrolment=enrolment,
                           targets=targets), 400 if form.errors else 200


# --- holidays -------------------------------------------------------------------------------------

@bp.route("/holidays", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            services.add_holiday(current_user, form.date.data, form.name.data, lunar=form.lunar.data)
        except services.BatchError as error:
            attach(form, error, "date")
        else:
            flash(_("Holiday added. Batches created from now on skip it; existing days are not moved."), "ok")
            return redirect(url_for("batches.holidays"))
    start = today().replace(month=1, day=1)
    return render_template("batches/holidays.html", form=form, holidays=queries.holidays(start),
                           confirm=ConfirmForm()), 400 if form.errors else 200


def _holiday_or_404(holiday_id: int) -> Holiday:
    return scoped_or_404(db.session.get(Holiday, holiday_id), target_type="holiday", target_id=holiday_id,
                         actor=current_user)


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
@role_required(Role.MASTER_TRAINER)
def edit_holiday(holiday_id):
    holiday = _holiday_or_404(holiday_id)
    form = HolidayForm(obj=holiday)
    if form.validate_on_submit():
        try:
            services.update_holiday(current_user, holiday, form.date.data, form.name.data, lunar=form.lunar.data)
        except services.BatchError as error:
            db.session.rollback()
            attach(form, error, "date")
        else:
            flash(_("Holiday saved. Existing training days are not moved: the batch page flags a day on a holiday."),
                  "ok")
            return redirect(url_for("batches.holidays"))
    return render_template("batches/holiday_edit.html", form=form, holiday=holiday), 400 if form.errors else 200


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@role_required(Role.MASTER_TRAINER)
def delete_holiday(holiday_id):
    holiday = _holiday_or_404(holiday_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_holiday(current_user, holiday)
    flash(_("Holiday removed."), "ok")
    return redirect(url_for("batches.holidays"))


# --- roster import --------------------------------------------------------------------------------

@bp.route("/roster/template.csv")
@role_required(*STAFF)
def roster_template():
    return Response(roster.template_csv(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=edt-roster-template.csv"})


def _import_choices(form) -> None:
    form.partner_id.choices = partner_choices(current_user, all_partners(), empty=_("Choose…"))
    rows, _page = queries.list_batches(current_user, per_page=200)
    form.batch_id.choices = [(0, _("No batch now"))] + [
        (b.id, f"{b.code} · {b.partner.name}") for b, _n in rows
        if b.status_on(today()) in (BatchStatus.PLANNED, BatchStatus.RUNNING)]


def _partner_for_import(partner_id) -> Partner:
    try:
        return services.import_partner(current_user, partner_id)
    except services.BatchError as error:
        abort(400, str(error))


def _batch_for_import(batch_id):
    try:
        batch_id = int(batch_id or 0)
    except (TypeError, ValueError):
        abort(400, _("Choose the batch from the list."))
    return queries.batch_for(current_user, batch_id) if batch_id else None


def _check_roster(text: str, partner: Partner, batch: Batch | None):
    """Every roster check (the upload and its confirmation) goes through here: the one place
    for limits on how often someone may check a file. The check audits itself."""
    return roster.check(text, partner=partner, actor=current_user, batch=batch)


def _show_check(check, form, confirm, status=200):
    return render_template("batches/import.html", form=form, check=check, confirm=confirm), status


@bp.route("/roster/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_roster():
    form = ImportForm()
    _import_choices(form)
    if request.method == "GET":
        form.batch_id.data = request.args.get("batch", 0, type=int)
        if not current_user.is_master_trainer:
            form.partner_id.data = current_user.partner_id
        elif form.batch_id.data:
            chosen = db.session.get(Batch, form.batch_id.data)
            form.partner_id.data = chosen.partner_id if chosen else 0
        return render_template("batches/import.html", form=form, check=None, confirm=None)
    if not form.validate_on_submit():
        return render_template("batches/import.html", form=form, check=None, confirm=None), 400
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors.append(_("Choose the CSV file to upload."))
        return render_template("batches/import.html", form=form, check=None, confirm=None), 400
    partner = _partner_for_import(form.partner_id.data)
    batch = _batch_for_import(form.batch_id.data)
    refusal = services.allow_roster_check(current_user)
    if refusal:
        form.file.errors = [*form.file.errors, refusal]
        return render_template("batches/import.html", form=form, check=None, confirm=None), 429
    try:
        text = roster.decode(upload.read(roster.MAX_BYTES + 1))
    except services.BatchError as error:
        form.file.errors.append(str(error))
        return render_template("batches/import.html", form=form, check=None, confirm=None), 400
    check = _check_roster(text, partner, batch)
    if not check.ok:
        return _show_check(check, form, None, 400)
    if check.duplicates:
        confirm = ImportConfirmForm(csv_text=text, partner_id=partner.id, batch_id=batch.id if batch else 0)
        return _show_check(check, form, confirm)
    return _run_import(check, partner, batch, include=set(), form=form)


@bp.route("/roster/import/confirm", methods=["POST"])
@role_required(*STAFF)
def confirm_import():
    confirm = ImportConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    partner = _partner_for_import(confirm.partner_id.data)
    batch = _batch_for_import(confirm.batch_id.data)
    if len(confirm.csv_text.data or "") > roster.MAX_BYTES:
        abort(400, _("The file is too large."))
    form = ImportForm()
    _import_choices(form)
    refusal = services.allow_roster_check(current_user)
    if refusal:
        form.file.errors = [*form.file.errors, refusal]
        return render_template("batches/import.html", form=form, check=None, confirm=None), 429
    check = _check_roster(confirm.csv_text.data or "", partner, batch)
    if not check.ok:
        return _show_check(check, form, None, 400)
    include = {int(v) for v in request.form.getlist("include") if v.isdigit()}
    return _run_import(check, partner, batch, include=include, form=form)


def _run_import(check, partner, batch, *, include, form):
    try:
        created = roster.import_rows(current_user, partner=partner, rows=check.rows, include=include, batch=batch)
    except services.BatchError as error:
        check.errors.append((None, None, str(error)))
        return _show_check(check, form, None, 400)
    return render_template("batches/imported.html", created=created, batch=batch, partner=partner,
                           skipped=len(check.rows) - len(created))
