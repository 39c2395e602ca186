"""Follow-up pages: the due list, recording a visit, a person's follow-ups and support, the
participant's money book, and the outcome figures with the donor report."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from babel.dates import format_date
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.clock import today
from edt.content import bengali_digits
from edt.errors import attach
from edt.modules.participants.models import UNDISCLOSED, IncomeRange, IncomeSource, WorkKind
from edt.modules.participants.queries import own_participant
from edt.security import STAFF, Role, role_required, scoped_or_404

from . import exports, queries, rules, services
from .forms import (DeleteEntryForm, EntryForm, NotReachedForm, OutcomeFilterForm, ShareForm, SupportForm,
                    VisitForm, whole_number)
from .models import Category, FollowUpStatus, Method, SupportKind

bp = Blueprint("followup", __name__, url_prefix="/followups")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ID = 2**31 - 1


@bp.record_once
def _check_programme(state) -> None:
    rules.check()  # a broken stages.toml or indicators.toml stops the start, not a page


def _bn() -> bool:
    return str(get_locale() or "en") == "bn"


def tk(amount) -> str:
    """Whole Taka, in Bangla digits on Bangla pages: "৳ ১,২০০"."""
    text = format_decimal(int(amount or 0))
    return "৳ " + (bengali_digits(text) if _bn() else text)


def month_name(day) -> str:
    text = format_date(day, "MMMM y", locale=str(get_locale() or "en"))
    return bengali_digits(text) if _bn() else text


def _labels() -> dict:
    return {"work": {m.value: m.label for m in WorkKind}, "income": {m.value: m.label for m in IncomeRange},
            "source": {m.value: m.label for m in IncomeSource}, "support": {m.value: m.label for m in SupportKind},
            "business": {"yes": _("Yes"), "no": _("No")}, "undisclosed": _("Prefers not to say")}


@bp.context_processor
def _helpers() -> dict:
    return {"tk": tk, "month_name": month_name, "labels": _labels(),
            "digits": lambda text: bengali_digits(text) if _bn() else str(text)}


def _intake(participant) -> dict:
    """The baseline answers as words ("" when not asked)."""
    labels = _labels()
    def word(value, kind):
        if not value:
            return ""
        return labels["undisclosed"] if value == UNDISCLOSED else labels[kind].get(value, value)
    return {"work": word(participant.intake_work, "work"), "source": word(participant.intake_income_source, "source"),
            "income": word(participant.intake_income, "income"), "business": word(participant.intake_business,
                                                                                   "business")}


def _limit() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


# --- the due list and a visit ----------------------------------------------------------------------

@bp.route("/")
@role_required(*STAFF)
def index():
    partners = queries.partner_names() if current_user.role == Role.MASTER_TRAINER else {}
    partner_id = request.args.get("partner", 0, type=int) if partners else 0
    partner_id = partner_id if partner_id in partners else 0
    groups, missed = queries.due_list(current_user, today(), partner_id=partner_id or None)
    shown = sum(len(b.visits) for group in groups.values() for b in group)
    page = render_template("followup/index.html", groups=groups, missed=missed, partners=partners,
                           partner_id=partner_id, today=today(), tap=NotReachedForm())
    # recorded once the page is built: the commit would otherwise expire every row it shows
    audit.record(current_user, "follow_ups_listed", "follow_up", None, commit=True,
                 details={"visits": shown, "fields": ["partner"] if partner_id else []})
    return page


def _visit(participant_id: int, batch_id: int, stage: str):
    if participant_id > MAX_ID or batch_id > MAX_ID:
        return scoped_or_404(None, target_type="follow_up", target_id=participant_id, actor=current_user)
    return queries.visit_for(current_user, participant_id, batch_id, stage, today())


def _prefill(form: VisitForm, visit) -> None:
    record = visit.record
    if record is None or record.status != FollowUpStatus.DONE:
        form.trade.data = queries.trade_of(visit.participant.id)
        form.method.data = record.method if record and record.method else None
        return
    word = {True: "yes", False: "no", None: None}
    form.method.data, form.consent_confirmed.data = record.method, False  # asked again at every visit
    form.works_now.data, form.income_range.data = record.works_now, record.income_range
    form.business_started.data, form.still_running.data = word[record.business_started], word[record.still_running]
    form.savings.data, form.loan_source.data = word[record.savings], record.loan_source
    form.trade.data = record.trade or queries.trade_of(visit.participant.id)
    form.days_worked.data = "" if record.days_worked is None else str(record.days_worked)
    form.support_since.data, form.needs.data = list(record.support_since or []), list(record.needs or [])
    form.needs_note.data, form.next_step.data = record.needs_note, record.next_step


@bp.route("/visit/<int:participant_id>/<int:batch_id>/<stage>", methods=["GET", "POST"])
@role_required(*STAFF)
def record(participant_id, batch_id, stage):
    visit = _visit(participant_id, batch_id, stage)
    form = VisitForm()
    if request.method == "GET":
        _prefill(form, visit)
        audit.record(current_user, "follow_up_viewed", "participant", visit.participant.id, commit=True,
                     details={"stage": visit.stage.key})
    if form.validate_on_submit():
        try:
            answers = form.answers()
        except ValueError:
            form.days_worked.errors.append(_("Write a number of days from 0 to 30."))
        else:
            try:
                services.record(current_user, visit, status=form.status.data, method=form.method.data or None,
                                consent_confirmed=form.consent_confirmed.data, **answers)
            except services.FollowUpError as error:
                attach(form, error, "status")
            else:
                flash(_("Saved the visit of %(code)s.", code=visit.participant.code), "ok")
                return redirect(url_for("followup.index"))
    return render_template("followup/record.html", form=form, visit=visit, statuses=FollowUpStatus,
                           methods=Method), 400 if form.errors else 200


@bp.route("/visit/<int:participant_id>/<int:batch_id>/<stage>/not-reached", methods=["POST"])
@role_required(*STAFF)
def not_reached(participant_id, batch_id, stage):
    visit = _visit(participant_id, batch_id, stage)
    form = NotReachedForm()
    if not form.validate_on_submit():
        abort(400, _("The form has expired. Please try again."))
    try:
        services.not_reached(current_user, visit)
    except services.FollowUpError as error:
        flash(str(error), "error")
    else:
        flash(_("%(code)s: not reached. Try again before %(day)s.", code=visit.participant.code,
                day=visit.closes.isoformat()), "ok")
    return redirect(url_for("followup.index"))


# --- a person's follow-ups and support -------------------------------------------------------------

def _person_page(participant, support_form, status=200):
    visits = queries.person_visits(current_user, participant, today())
    shared = queries.is_shared(participant.id)
    return render_template("followup/person.html", participant=participant, visits=visits,
                           intake=_intake(participant),
                           support=queries.support_log(participant.id), form=support_form,
                           months=queries.months(participant.id) if shared else None,
                           planned=queries.planned(participant.id) if shared else None, shared=shared,
                           today=today()), status


@bp.route("/people/<int:participant_id>")
@role_required(*STAFF)
def person(participant_id):
    participant = queries.person_for(current_user, participant_id)
    page = _person_page(participant, SupportForm())
    audit.record(current_user, "follow_up_viewed", "participant", participant.id, commit=True)
    return page


@bp.route("/people/<int:participant_id>/support", methods=["POST"])
@role_required(*STAFF)
def add_support(participant_id):
    participant = queries.person_for(current_user, participant_id)
    form = SupportForm()
    if form.validate_on_submit():
        try:
            services.add_support(current_user, participant, kind=form.kind.data, given_on=form.given_on.data,
                                 note=form.note.data)
        except services.FollowUpError as error:
            attach(form, error, "kind")
        else:
            flash(_("Support saved."), "ok")
            return redirect(url_for("followup.person", participant_id=participant.id))
    return _person_page(participant, form, 400)


# --- the money book ------------------------------------------------------------------------------------

def _own():
    participant = own_participant(current_user)
    if participant is None or participant.erased_at is not None:
        abort(404)
    return participant


def _book_page(participant, form, status=200):
    months = queries.months(participant.id)
    this_month = today().replace(day=1)
    return render_template("followup/book.html", form=form, months=months, planned=queries.planned(participant.id),
                           entries=queries.entries(participant.id, this_month), this_month=this_month,
                           shared=queries.is_shared(participant.id), share_form=ShareForm(),
                           delete_form=DeleteEntryForm(), categories=Category), status


@bp.route("/book", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def book():
    participant = _own()
    form = EntryForm()
    if form.validate_on_submit():
        try:
            amount = whole_number(form.amount.data)
        except ValueError:
            form.amount.errors.append(_("Write the amount in Taka, like 500 or ৫০০."))
        else:
            try:
                services.add_entry(current_user, participant, category=form.category.data, amount=amount,
                                   on=form.on.data)
            except services.FollowUpError as error:
                attach(form, error, "amount")
            else:
                flash(_("Written in your book."), "ok")
                return redirect(url_for("followup.book"))
    return _book_page(participant, form, 400 if form.errors else 200)


@bp.route("/book/share", methods=["POST"])
@role_required(Role.PARTICIPANT)
def share():
    participant = _own()
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400, _("The form has expired. Please try again."))
    services.set_shared(current_user, participant, form.shared.data)
    flash(_("Your facilitator can see your monthly totals.") if form.shared.data else
          _("Your book is only yours now."), "ok")
    return redirect(url_for("followup.book"))


@bp.route("/book/<int:entry_id>/delete", methods=["POST"])
@role_required(Role.PARTICIPANT)
def delete_entry(entry_id):
    participant = _own()
    entry = queries.entry_of(participant.id, entry_id) if entry_id <= MAX_ID else None
    if entry is None:
        abort(404)
    if not DeleteEntryForm().validate_on_submit():
        abort(400, _("The form has expired. Please try again."))
    services.delete_entry(current_user, participant, entry)
    flash(_("Line deleted."), "ok")
    return redirect(url_for("followup.book"))


# --- outcomes (master trainers) -------------------------------------------------------------------------

def _outcomes():
    """The tables for the cohort asked for (all cohorts when none): one computation, checked
    against the cohorts there are (anything else is a 400 with a reason)."""
    on = today()
    cohort = request.args.get("cohort", "").strip()
    tables, cohorts = queries.outcomes(on, limit=_limit(), cohort=cohort)
    form = OutcomeFilterForm(request.args, cohorts=cohorts)
    if cohort and cohort not in cohorts:
        abort(400, _("Choose a cohort from the list."))
    return form, tables, cohort, on


@bp.route("/outcomes")
@role_required(Role.MASTER_TRAINER)
def outcomes():
    form, tables, cohort, on = _outcomes()
    return render_template("followup/outcomes.html", form=form, tables=tables, cohort=cohort, on=on,
                           limit=_limit(), splits=dict(queries.SPLITS), locale=str(get_locale() or "en"),
                           version=rules.definitions_version())


@bp.route("/outcomes.xlsx")
@role_required(Role.MASTER_TRAINER)
def outcomes_xlsx():
    _form, tables, cohort, on = _outcomes()
    audit.record(current_user, "exported", "outcomes", None, commit=True,
                 details={"format": "xlsx", "fields": ["cohort"] if cohort else []})
    response = Response(exports.workbook(tables, on, _limit(), cohort), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="edt-outcomes-{on.isoformat()}.xlsx"'
    return response


@bp.route("/outcomes.csv")
@role_required(Role.MASTER_TRAINER)
def outcomes_csv():
    _form, tables, cohort, on = _outcomes()
    table = request.args.get("table", "about")
    if table == "about":
        rows = exports.about_rows(on, _limit(), cohort)
    else:
        found = next((t for t in tables if t.indicator.key == table), None)
        if found is None:
            abort(400, _("There is no such table."))
        rows = [exports.HEADER, *exports.table_rows(found)]
    audit.record(current_user, "exported", "outcomes", None, commit=True,
                 details={"format": "csv", "table": table, "fields": ["cohort"] if cohort else []})
    response = Response(exports.csv_text(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="edt-outcomes-{table}-{on.isoformat()}.csv"'
    return response

