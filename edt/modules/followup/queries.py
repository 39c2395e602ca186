"""Scoped reads for follow-ups, the support log and the money book, and the outcome figures.

Reach: a master trainer reaches everyone; a facilitator (a partner's case manager) the people of
their own partner, through the participants module's scope, whoever ran the batch; a participant
only their own money book. Every list is built in a fixed number of queries whatever the number
of batches, people and visits (the schedule is worked out in Python from one read of the
enrolments and one of the recorded visits).
"""
from collections import Counter, namedtuple
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, Text, and_, case, cast, false, func, or_, select
from sqlalchemy.orm import aliased

from edt.extensions import db
from edt.modules.accounts.models import Partner
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.canvas import plan as plan_figures
from edt.modules.canvas import queries as canvas_queries
from edt.modules.participants import queries as participant_queries
from edt.modules.participants.models import Participant
from edt.security import Role, scoped_or_404

from . import rules
from .models import FollowUp, FollowUpStatus, MoneyBook, MoneyEntry, SupportGiven

WEEK, MONTH = 6, 30  # "due this week": within the next 7 days (today included); "this month": the next 31
FINAL = (FollowUpStatus.DONE, FollowUpStatus.REFUSED, FollowUpStatus.WITHDRAWN)


@dataclass
class Visit:
    """One stage of one person's follow-up: scheduled from the batch's last day, with its record."""

    participant: Participant
    batch: Batch
    stage: rules.Stage
    completed: bool  # stayed to the last day (else left early)
    record: FollowUp | None
    status: FollowUpStatus
    due: date
    opens: date
    closes: date
    bucket: str = ""  # overdue, week, month (on the due list), later, missed, recorded

    @property
    def key(self) -> tuple[int, int, str]:
        return self.participant.id, self.batch.id, self.stage.key


@dataclass
class BatchDue:
    batch: Batch
    visits: list[Visit] = field(default_factory=list)
    missed: int = 0


def _people(user) -> Select:
    """Participant ids in the user's reach (participants module's scope: the partner's people)."""
    if user.role not in (Role.MASTER_TRAINER, Role.FACILITATOR):
        return select(Participant.id).where(false())
    return participant_queries.scope(user, select(Participant.id))


def _enrolments(user, *, participant_id: int | None = None, since: date | None = None, on: date):
    """(enrolment, batch, participant) of people in reach who finished or left a batch that is over."""
    stmt = (select(Enrolment, Batch, Participant).join(Batch, Batch.id == Enrolment.batch_id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Batch.cancelled_at.is_(None), Batch.end_date < on, Enrolment.status.in_(("active", "dropped")),
                   Participant.erased_at.is_(None), Participant.id.in_(_people(user))))
    if participant_id is not None:
        stmt = stmt.where(Participant.id == participant_id)
    if since is not None:
        stmt = stmt.where(Batch.end_date >= since)
    return db.session.execute(stmt.order_by(Batch.end_date, Batch.code, Participant.code)).all()


def _records(participant_ids: Select | list[int]) -> dict[tuple[int, int, str], FollowUp]:
    rows = db.session.scalars(select(FollowUp).where(FollowUp.participant_id.in_(participant_ids)))
    return {(r.participant_id, r.batch_id, r.stage): r for r in rows}


def withdrawn_from(records: dict) -> dict[int, int]:
    """Person id -> the stage (in months) at which they withdrew consent: from there on they are
    not followed up; what happened before stays as it was."""
    months = {s.key: s.months for s in rules.stages()}
    found: dict[int, int] = {}
    for (pid, _b, key), record in records.items():
        if record.status == FollowUpStatus.WITHDRAWN and key in months:
            found[pid] = min(found.get(pid, months[key]), months[key])
    return found


def _schedule(rows, records: dict, on: date) -> list[Visit]:
    withdrawn = withdrawn_from(records)
    visits = []
    for enrolment, batch, person in rows:
        completed = enrolment.status == "active"
        for stage in rules.stages_for(completed):
            record = records.get((person.id, batch.id, stage.key))
            if record is not None:
                status = FollowUpStatus(record.status)
            elif person.id in withdrawn and stage.months >= withdrawn[person.id]:
                status = FollowUpStatus.WITHDRAWN
            else:
                status = rules.pending_status(stage, batch.end_date, on)
            visit = Visit(participant=person, batch=batch, stage=stage, completed=completed, record=record,
                          status=status, due=stage.due(batch.end_date), opens=stage.opens(batch.end_date),
                          closes=stage.closes(batch.end_date))
            visit.bucket = _bucket(visit, on)
            visits.append(visit)
    return visits


def _bucket(visit: Visit, on: date) -> str:
    if visit.status in FINAL:
        return "recorded"
    if visit.status == FollowUpStatus.MISSED or (visit.status == FollowUpStatus.NOT_REACHED and on > visit.closes):
        return "missed"
    if visit.due < on:
        return "overdue"
    if visit.due <= on + timedelta(days=WEEK):
        return "week"
    if visit.due <= on + timedelta(days=MONTH):
        return "month"
    return "later"


def due_list(user, on: date, *, partner_id: int | None = None) -> tuple[dict[str, list[BatchDue]], int]:
    """The visits to make, in three groups (overdue, due this week, due this month), each by
    batch; and how many were missed in those batches. Two queries whatever the number of
    batches, people and visits."""
    longest = max(s.months for s in rules.stages()) + 1
    since = rules.add_months(on, -longest) - timedelta(days=max(s.window_days for s in rules.stages()))
    rows = _enrolments(user, since=since, on=on)
    if partner_id:
        rows = [r for r in rows if r[1].partner_id == partner_id]
    ids = sorted({person.id for _e, _b, person in rows})
    records = _records(ids) if ids else {}
    groups: dict[str, dict[int, BatchDue]] = {"overdue": {}, "week": {}, "month": {}}
    missed = 0
    for visit in _schedule(rows, records, on):
        if visit.bucket == "missed" and visit.closes >= on - timedelta(days=MONTH):
            missed += 1  # closed in the last month: still worth a note on the list
        if visit.bucket in groups:
            groups[visit.bucket].setdefault(visit.batch.id, BatchDue(visit.batch)).visits.append(visit)
    for group in groups.values():
        for batch_due in group.values():
            batch_due.visits.sort(key=lambda v: (v.due, v.participant.code))
    return {name: sorted(g.values(), key=lambda b: (b.batch.end_date, b.batch.code))
            for name, g in groups.items()}, missed


def person_visits(user, participant: Participant, on: date) -> list[Visit]:
    """Every stage of every batch the person finished or left, newest batch first."""
    rows = _enrolments(user, participant_id=participant.id, on=on)
    visits = _schedule(rows, _records([participant.id]), on)
    return sorted(visits, key=lambda v: (-v.batch.end_date.toordinal(), v.stage.months))


def visit_for(user, participant_id: int, batch_id: int, stage_key: str, on: date) -> Visit:
    """One stage of one person, if in reach and scheduled for them (else 404, audited)."""
    found = None
    if user.role in (Role.MASTER_TRAINER, Role.FACILITATOR) and rules.stage(stage_key) is not None:
        rows = [r for r in _enrolments(user, participant_id=participant_id, on=on) if r[1].id == batch_id]
        found = next((v for v in _schedule(rows, _records([participant_id]), on) if v.stage.key == stage_key), None)
    return scoped_or_404(found, target_type="follow_up", target_id=f"{participant_id}/{batch_id}/{stage_key}",
                         actor=user)


def person_for(user, participant_id: int) -> Participant:
    """A participant's follow-up record: staff in reach only (participants' scope), never erased."""
    found = None
    if user.role in (Role.MASTER_TRAINER, Role.FACILITATOR):
        found = db.session.scalar(participant_queries.scope(user).where(Participant.id == participant_id,
                                                                        Participant.erased_at.is_(None)))
    return scoped_or_404(found, target_type="follow_up", target_id=participant_id, actor=user)


def support_log(participant_id: int) -> list[SupportGiven]:
    return list(db.session.scalars(select(SupportGiven).where(SupportGiven.participant_id == participant_id)
                                   .order_by(SupportGiven.given_on.desc(), SupportGiven.id.desc())))


def trade_of(participant_id: int) -> str:
    """The business name of the person's canvas, to prefill a visit's trade."""
    canvas = canvas_queries.canvas_of(participant_id)
    return (canvas.business_name or "") if canvas is not None else ""


# --- the money book ---------------------------------------------------------------------------------

@dataclass
class Month:
    month: date  # its first day
    money_in: int
    money_out: int

    @property
    def left(self) -> int:
        return self.money_in - self.money_out


@dataclass
class Planned:
    money_in: int
    money_out: int
    left: int


def book_of(participant_id: int) -> MoneyBook | None:
    return db.session.get(MoneyBook, participant_id)


def is_shared(participant_id: int) -> bool:
    book = book_of(participant_id)
    return bool(book and book.shared)


def months(participant_id: int, *, limit: int = 12) -> list[Month]:
    """Each month's money in, out and left, newest first (one grouped query)."""
    month = func.strftime("%Y-%m", MoneyEntry.on) if db.engine.dialect.name == "sqlite" else \
        func.to_char(MoneyEntry.on, "YYYY-MM")
    rows = db.session.execute(
        select(month.label("m"), MoneyEntry.direction, func.sum(MoneyEntry.amount))
        .where(MoneyEntry.participant_id == participant_id).group_by("m", MoneyEntry.direction)).all()
    totals: dict[str, list[int]] = {}
    for key, direction, amount in rows:
        totals.setdefault(key, [0, 0])[0 if direction == "in" else 1] += int(amount or 0)
    found = [Month(date(int(k[:4]), int(k[5:7]), 1), v[0], v[1]) for k, v in totals.items()]
    return sorted(found, key=lambda m: m.month, reverse=True)[:limit]


def entries(participant_id: int, month: date) -> list[MoneyEntry]:
    end = rules.add_months(month, 1)
    return list(db.session.scalars(select(MoneyEntry).where(MoneyEntry.participant_id == participant_id,
                                                            MoneyEntry.on >= month, MoneyEntry.on < end)
                                   .order_by(MoneyEntry.on.desc(), MoneyEntry.id.desc())))


def planned(participant_id: int) -> Planned | None:
    """What the person's financial plan predicts for a month (sales in; product and fixed costs out)."""
    plan = canvas_queries.plan_of(canvas_queries.canvas_of(participant_id))
    if plan is None:
        return None
    figures = plan_figures.compute(plan_figures.from_model(plan))
    if figures.is_empty:
        return None
    out = figures.monthly_costs + figures.fixed_total
    return Planned(round(figures.monthly_sales), round(out), round(figures.monthly_sales - out))


def entry_of(participant_id: int, entry_id: int) -> MoneyEntry | None:
    return db.session.scalar(select(MoneyEntry).where(MoneyEntry.id == entry_id,
                                                      MoneyEntry.participant_id == participant_id))


def partner_names() -> dict[int, str]:
    return dict(db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name)).all())


# --- outcome indicators -------------------------------------------------------------------------------

SPLITS = (("total", _l("All")), ("cohort", _l("Cohort (quarter the batch ended)")), ("gender", _l("Gender")),
          ("age_band", _l("Age band")), ("district", _l("District")), ("partner", _l("Partner")))
GENDER_LABELS = {"woman": _l("Women"), "man": _l("Men"), "other": _l("Other"), "undisclosed": _l("Not known")}
AGE_LABELS = {"under_18": _l("Under 18"), "18_24": "18–24", "25_34": "25–34", "35_44": "35–44",
              "45_plus": _l("45 and over"), "unknown": _l("Age not known")}
NOT_KNOWN = _l("Not known")
COLUMNS = ("eligible", "reached", "numerator", "pct_reached", "pct_all", "pct_not_reached", "pct_withdrawn")


def cohort_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def age_band(birth_year: int | None, year: int) -> str:
    if not birth_year:
        return "unknown"
    age = year - birth_year
    return ("under_18" if age < 18 else "18_24" if age < 25 else "25_34" if age < 35 else "35_44" if age < 45
            else "45_plus")


@dataclass
class Cell:
    eligible: int = 0
    reached: int = 0
    numerator: int = 0
    withdrawn: int = 0

    @property
    def not_reached(self) -> int:
        return self.eligible - self.reached - self.withdrawn


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def shown(cell: Cell, limit: int) -> dict[str, str]:
    """A line as shown on screen and in the export alike: counts from 1 to limit-1 read "<limit";
    a line of fewer than `limit` people shows no share at all."""
    def count(n):
        return f"<{limit}" if 0 < n < limit else str(n)
    small = 0 < cell.eligible < limit
    out = {"eligible": count(cell.eligible), "reached": count(cell.reached), "numerator": count(cell.numerator)}
    shares = {"pct_reached": _pct(cell.numerator, cell.reached), "pct_all": _pct(cell.numerator, cell.eligible),
              "pct_not_reached": _pct(cell.not_reached, cell.eligible),
              "pct_withdrawn": _pct(cell.withdrawn, cell.eligible)}
    if small or 0 < cell.reached < limit:
        shares["pct_reached"] = "—"
    if small:
        shares = {k: "—" for k in shares}
    return {**out, **shares}


@dataclass
class Line:
    split: str
    key: str
    label: str
    cell: Cell
    cells: dict = field(default_factory=dict)


@dataclass
class Table:
    indicator: rules.Indicator
    lines: list[Line]


# The answers of a visit the indicators' rules read (rules.counts), as one stage's columns of the
# outcome query; `support_since` is only whether any support was reported.
VISIT_FIELDS = ("status", "works_now", "business_started", "still_running", "savings", "income_range",
                "support_since")
Answers = namedtuple("Answers", VISIT_FIELDS)


def _completers(on: date):
    """One row per completer of a batch that is over (one active enrolment per person), with
    their attributes, first support given, and for each stage an indicator reads, that visit's
    answers: one query, streamed."""
    support = (select(SupportGiven.participant_id, func.min(SupportGiven.given_on).label("since"))
               .group_by(SupportGiven.participant_id).subquery("support"))
    stmt = (select(Enrolment.participant_id, Batch.id, Batch.end_date, Participant.gender, Participant.birth_year,
                   Participant.district, Participant.consent_data_use, Participant.intake_income, Partner.name,
                   support.c.since)
            .join(Batch, Batch.id == Enrolment.batch_id).join(Participant, Participant.id == Enrolment.participant_id)
            .join(Partner, Partner.id == Batch.partner_id)
            .outerjoin(support, support.c.participant_id == Enrolment.participant_id)
            .where(Enrolment.status == "active", Batch.cancelled_at.is_(None), Batch.end_date < on))
    for key in sorted({i.stage for i in rules.indicators()}):
        visit = aliased(FollowUp, name=f"visit_{key}")
        text = cast(visit.support_since, Text)
        any_support = case((or_(visit.support_since.is_(None), text.in_(("[]", "null"))), False), else_=True)
        stmt = (stmt.outerjoin(visit, and_(visit.participant_id == Enrolment.participant_id,
                                           visit.batch_id == Batch.id, visit.stage == key))
                .add_columns(visit.status, visit.works_now, visit.business_started, visit.still_running, visit.savings,
                             visit.income_range, any_support))
    return db.session.execute(stmt.execution_options(yield_per=5000))


def outcome_cells(on: date, cohort: str = "") -> tuple[dict[str, dict[tuple[str, str], Cell]], list[str]]:
    """{indicator key: {(split, category): Cell}}, the exact counts before small ones are hidden,
    and the cohorts there are. `cohort`: only people whose batch ended in that quarter.

    Each completer's row is read once and counted by kind (their categories and, per indicator,
    reached, withdrew, counted); kinds are then added to cells. Nothing per person is kept, so the
    memory stays flat whatever the number of people."""
    indicators = rules.indicators()
    stage_keys = sorted({i.stage for i in indicators})
    slot = {key: 10 + n * len(VISIT_FIELDS) for n, key in enumerate(stage_keys)}
    plan = [(i, rules.stage(i.stage), slot[i.stage]) for i in indicators]
    kinds: dict[str, Counter] = {i.key: Counter() for i in indicators}
    shared: dict[tuple, tuple] = {}  # one categories tuple for everyone alike
    opened: dict[tuple[str, date], bool] = {}
    cohorts: set[str] = set()
    withdrawals = db.session.execute(select(FollowUp.participant_id, FollowUp.batch_id, FollowUp.stage,
                                            FollowUp.status).where(FollowUp.status == FollowUpStatus.WITHDRAWN))
    withdrawn = withdrawn_from({(r.participant_id, r.batch_id, r.stage): r for r in withdrawals})
    for row in _completers(on):
        pid, _batch, last_day, gender, birth_year, district, consent, intake_income, partner, since = row[:10]
        quarter = cohort_of(last_day)
        cohorts.add(quarter)
        if cohort and quarter != cohort:
            continue
        known = bool(consent)
        key = (quarter, gender if known else "undisclosed",
               age_band(birth_year, last_day.year) if known else "unknown", district if known else "", partner)
        categories = shared.get(key)
        if categories is None:
            categories = shared[key] = (("total", "all"), ("cohort", key[0]), ("gender", key[1]),
                                        ("age_band", key[2]), ("district", key[3]), ("partner", key[4]))
        for indicator, stage, start in plan:
            is_open = opened.get((stage.key, last_day))
            if is_open is None:
                is_open = opened[(stage.key, last_day)] = stage.opens(last_day) <= on
            if not is_open:
                continue  # not yet due: in no denominator
            reached = row[start] == FollowUpStatus.DONE
            is_withdrawn = not reached and withdrawn.get(pid, 99) <= stage.months
            counted = reached and rules.counts(indicator, Answers(*row[start:start + len(VISIT_FIELDS)]),
                                               intake_income=intake_income, support_until=since, last_day=last_day)
            kinds[indicator.key][(categories, reached, is_withdrawn, bool(counted))] += 1
    found: dict[str, dict[tuple[str, str], Cell]] = {}
    for indicator in indicators:
        out = found[indicator.key] = {}
        for (categories, reached, is_withdrawn, counted), n in kinds[indicator.key].items():
            for category in categories:
                cell = out.get(category)
                if cell is None:
                    cell = out[category] = Cell()
                cell.eligible += n
                cell.withdrawn += n * is_withdrawn
                cell.reached += n * reached
                cell.numerator += n * counted
    return found, sorted(cohorts, reverse=True)


def _label(split: str, key: str) -> str:
    if split == "total":
        return str(_l("All"))
    if split == "gender":
        return str(GENDER_LABELS.get(key, key))
    if split == "age_band":
        return str(AGE_LABELS.get(key, key))
    return key or str(NOT_KNOWN)


def outcomes(on: date, *, limit: int, cohort: str = "") -> tuple[list[Table], list[str]]:
    """Every indicator's table (the screen and the export show exactly these cells), and the
    cohorts there are. `cohort`: only people whose batch ended in that quarter."""
    counted, cohorts = outcome_cells(on, cohort)
    tables = []
    for indicator in rules.indicators():
        found = counted[indicator.key]
        lines = []
        for split, _title in SPLITS:
            keys = sorted(k for s, k in found if s == split)
            if split == "cohort":
                keys.reverse()
            for key in keys:
                cell = found[(split, key)]
                lines.append(Line(split=split, key=key, label=_label(split, key), cell=cell, cells=shown(cell, limit)))
        if not lines:
            lines.append(Line(split="total", key="all", label=str(_l("All")), cell=Cell(), cells=shown(Cell(), limit)))
        tables.append(Table(indicator=indicator, lines=lines))
    return tables, cohorts
