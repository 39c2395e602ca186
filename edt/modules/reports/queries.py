"""The report figures, computed in SQL.

Everything starts from one row per person, the `facts`: for each participant with an enrolment
(active or dropped) in a batch that matches the filter and lies in the user's reach, their
*chosen* enrolment (the active one, else the latest they left) with what happened there. A
transfer is not a second person: the old enrolment ends as `transferred` and its marks count by
day number in the new batch, the better mark winning, exactly as the attendance summary and the
certificate rule count them. Cancelled batches train nobody and are left out of people's figures.

"Completed" is the certificate rule (edt.modules.certificates.eligibility.rule) written in SQL:
an active enrolment of a person not erased, at least `min_days` days attended, and a business
plan in one of the rule's statuses. A test holds it equal to the certificate page's standings.

Each person's days (marked, attended, present, excused, the best mark of each day) are read from
`report_tally` (tally.py), counted once per enrolment in the transaction that changed them, so a
report joins one row per person instead of counting a million marks on every view.

The dashboard groups the facts once by (consent, gender, age band, district, partner) in SQL:
a few hundred rows at most whatever the number of people, summed up per split in Python.
People without data-use consent are grouped apart with every attribute left NULL, so their
gender, age and district never leave the database, and they are counted in one row.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, exists, false, func, literal, literal_column, or_, select
from sqlalchemy.orm import aliased

from edt import clock
from edt.extensions import db
from edt.modules.accounts.models import Partner
from edt.modules.attendance.models import AttendanceMark
from edt.modules.attendance.queries import RANK
from edt.modules.batches import queries as batches
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.modules.canvas.models import Canvas, CanvasComment, CanvasStatus
from edt.modules.certificates import eligibility as certificate_rules
from edt.modules.certificates.models import Certificate, CertificateStatus
from edt.modules.participants.models import Participant
from edt.security import Role

from .tally import DAYS, Tally

# Summable per person (0/1 or a number of days); the cube, the splits and the exports share them.
MEASURES = ("people", "completed", "certified", "in_training", "not_completed", "dropped", "canvas_in",
            "canvas_ok", "attended", "marked", "present", "late", "excused", "absent")
AGE_BANDS = ("under_18", "18_24", "25_34", "35_44", "45_plus", "unknown")
LETTER = {4: "P", 3: "L", 2: "E", 1: "A"}


@dataclass(frozen=True)
class Filter:
    """What a report covers: batches starting between two dates, people of a district or a
    partner, or one batch. Ages are counted at the reference year: the year of the end of the
    date range (a report on 2025 stays the same in 2027), or this year."""

    start_from: date | None = None
    start_to: date | None = None
    district: str = ""
    partner_id: int | None = None
    batch_id: int | None = None

    @property
    def reference_year(self) -> int:
        return (self.start_to or clock.today()).year

    def args(self) -> dict:
        """The filter as URL arguments (for links to exports of the same figures)."""
        values = {"start_from": self.start_from.isoformat() if self.start_from else None,
                  "start_to": self.start_to.isoformat() if self.start_to else None,
                  "district": self.district or None, "partner": self.partner_id}
        return {k: v for k, v in values.items() if v}

    def names(self) -> list[str]:
        """The filter fields in use (for the audit trail: names, never values)."""
        return [name for name, value in (("start_from", self.start_from), ("start_to", self.start_to),
                                         ("district", self.district), ("partner", self.partner_id),
                                         ("batch", self.batch_id)) if value]


# --- reach ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """Who a report is for, detached from the database session: an export streams after the
    request's session has been closed, so it must not lean on the logged-in User row."""

    id: int
    role: str
    partner_id: int | None
    is_enabled: bool


def viewer(user) -> Viewer:
    return Viewer(id=user.id, role=str(user.role), partner_id=user.partner_id,
                  is_enabled=bool(user.is_enabled))


def reachable_batches(user) -> Select:
    """Batch ids a user's reports may cover: a master trainer every batch; a facilitator the
    batches they run (the batches module's one rule: assigned, own partner, enabled); anyone
    else none."""
    if user.role == Role.MASTER_TRAINER:
        return select(Batch.id)
    if user.role == Role.FACILITATOR:
        return batches.facilitated_ids(user)
    return select(Batch.id).where(false())


def _batch_clauses(flt: Filter, user) -> list:
    clauses = [Batch.cancelled_at.is_(None)]
    if flt.start_from:
        clauses.append(Batch.start_date >= flt.start_from)
    if flt.start_to:
        clauses.append(Batch.start_date <= flt.start_to)
    if flt.batch_id:
        clauses.append(Batch.id == flt.batch_id)
    if user is not None:  # None: programme-wide aggregates, only ever shown as suppressed totals
        clauses.append(Batch.id.in_(reachable_batches(user)))
        if user.role != Role.MASTER_TRAINER:
            clauses.append(Participant.partner_id == user.partner_id)
    return clauses


def _person_clauses(flt: Filter) -> list:
    clauses = []
    if flt.district:
        clauses.append(Participant.district == flt.district)
    if flt.partner_id:
        clauses.append(Participant.partner_id == flt.partner_id)
    return clauses


# --- one row per person --------------------------------------------------------------------------

def cohort(user, flt: Filter):
    """(participant_id, enrolment_id): each person once, with their chosen enrolment."""
    chosen = func.coalesce(func.max(case((Enrolment.status == "active", Enrolment.id))), func.max(Enrolment.id))
    return (select(Enrolment.participant_id.label("participant_id"), chosen.label("enrolment_id"))
            .join(Batch, Batch.id == Enrolment.batch_id)
            .join(Participant, Participant.id == Enrolment.participant_id)
            .where(Enrolment.status.in_(("active", "dropped")), *_batch_clauses(flt, user), *_person_clauses(flt))
            .group_by(Enrolment.participant_id)
            .subquery("cohort"))


def age_band(reference_year: int):
    age = literal(reference_year) - Participant.birth_year
    return case((Participant.birth_year.is_(None), "unknown"), (age < 18, "under_18"), (age < 25, "18_24"),
                (age < 35, "25_34"), (age < 45, "35_44"), else_="45_plus")


def consented():
    return and_(Participant.consent_data_use.is_(True), Participant.erased_at.is_(None))


def facts(user, flt: Filter, *, by_day: bool = False) -> Select:
    """One row per person with every measure as a number (0/1 flags, days) and the split keys
    (NULL for people without data-use consent); with `by_day`, the best mark's rank per day."""
    rule = certificate_rules.rule()
    chosen = cohort(user, flt)
    mine = aliased(Enrolment, name="chosen_enrolment")
    counted = aliased(Tally, name="tally")
    days = [counted.marked, counted.excused_or_better, counted.attended, counted.present]
    if by_day:
        days += [getattr(counted, f"d{n}") for n in range(1, DAYS + 1)]
    base = (select(chosen.c.participant_id, chosen.c.enrolment_id, mine.batch_id, mine.status, *days)
            .select_from(chosen).join(mine, mine.id == chosen.c.enrolment_id)
            .join(counted, counted.enrolment_id == chosen.c.enrolment_id)
            .subquery("person_days"))
    today = clock.today()
    agreed = consented()

    def flag(condition):
        return case((condition, 1), else_=0)

    def kept(column):
        return case((agreed, column))

    rule_days = base.c.excused_or_better if rule.count_excused else base.c.attended
    completed = and_(base.c.status == "active", Participant.erased_at.is_(None), rule_days >= rule.min_days,
                     Canvas.status.in_(rule.canvas_statuses))
    running_on = and_(base.c.status == "active", ~completed)
    columns = [
        base.c.participant_id, base.c.enrolment_id, base.c.batch_id, base.c.status, flag(agreed).label("consented"),
        kept(Participant.gender).label("gender"), kept(age_band(flt.reference_year)).label("age_band"),
        kept(Participant.district).label("district"), kept(Participant.partner_id).label("partner_id"),
        literal_column("1").label("people"), flag(completed).label("completed"),
        flag(exists().where(Certificate.enrolment_id == base.c.enrolment_id,
                            Certificate.status == CertificateStatus.VALID))
        .label("certified"),
        flag(and_(running_on, Batch.end_date >= today)).label("in_training"),
        flag(and_(running_on, Batch.end_date < today)).label("not_completed"),
        flag(base.c.status == "dropped").label("dropped"),
        flag(Canvas.status.in_((CanvasStatus.SUBMITTED, CanvasStatus.APPROVED))).label("canvas_in"),
        flag(Canvas.status == CanvasStatus.APPROVED).label("canvas_ok"),
        Canvas.status.label("canvas_status"),
        base.c.attended, base.c.marked, base.c.present, (base.c.attended - base.c.present).label("late"),
        (base.c.excused_or_better - base.c.attended).label("excused"),
        (base.c.marked - base.c.excused_or_better).label("absent"),
    ]
    if by_day:
        columns += [base.c[f"d{n}"] for n in range(1, DAYS + 1)]
    return (select(*columns)
            .select_from(base)
            .join(Participant, Participant.id == base.c.participant_id)
            .join(Batch, Batch.id == base.c.batch_id)
            .outerjoin(Canvas, Canvas.participant_id == base.c.participant_id))


KEYS = ("consented", "gender", "age_band", "district", "partner_id")


def cube(user, flt: Filter) -> list[dict]:
    """The facts summed by (consent, gender, age band, district, partner) in one query."""
    f = facts(user, flt).subquery("facts")
    sums = [func.sum(f.c[name]).label(name) for name in MEASURES]
    rows = db.session.execute(select(*[f.c[k] for k in KEYS], *sums).group_by(*[f.c[k] for k in KEYS])).all()
    return [{**{k: getattr(r, k) for k in KEYS}, **{m: int(getattr(r, m) or 0) for m in MEASURES}} for r in rows]


def batch_statuses(user, flt: Filter) -> dict[str, int]:
    """Batches by status (planned, running, completed, cancelled) for the same filter; the
    district and partner are the batch's own."""
    today = clock.today()
    status = case((batches.status_clause("cancelled", today), "cancelled"),
                  (batches.status_clause("planned", today), "planned"),
                  (batches.status_clause("running", today), "running"), else_="completed")
    stmt = select(status.label("status")).where(Batch.id.in_(reachable_batches(user)))
    if flt.start_from:
        stmt = stmt.where(Batch.start_date >= flt.start_from)
    if flt.start_to:
        stmt = stmt.where(Batch.start_date <= flt.start_to)
    if flt.district:
        stmt = stmt.where(Batch.district == flt.district)
    if flt.partner_id:
        stmt = stmt.where(Batch.partner_id == flt.partner_id)
    if flt.batch_id:
        stmt = stmt.where(Batch.id == flt.batch_id)
    inner = stmt.subquery("statuses")
    return {s: n for s, n in db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))}


def partner_names() -> dict[int, str]:
    return dict(db.session.execute(select(Partner.id, Partner.name).order_by(Partner.name)).all())


# --- the rows of the exports ---------------------------------------------------------------------

def export_rows(user, flt: Filter, kind: str, *, names: bool = False, batch_size: int = 1000):
    """The rows of one export, people with data-use consent only, streamed from the database in
    batches of `batch_size` (server-side cursor on PostgreSQL): never all in memory at once."""
    f = facts(user, flt, by_day=kind == "attendance").subquery("facts")
    batch, partner = aliased(Batch, name="row_batch"), aliased(Partner, name="row_partner")
    columns = [f, Participant.code.label("code"), batch.code.label("batch_code"), partner.name.label("partner_name")]
    if names:
        columns.append(Participant.full_name.label("full_name"))
    stmt = (select(*columns)
            .join(Participant, Participant.id == f.c.participant_id)
            .join(batch, batch.id == f.c.batch_id)
            .join(partner, partner.id == Participant.partner_id)
            .where(f.c.consented == 1))
    if kind == "canvases":
        comments = (select(CanvasComment.canvas_id, func.count().label("comments"))
                    .group_by(CanvasComment.canvas_id).subquery("comments"))
        stmt = (stmt.add_columns(Canvas.revision.label("revisions"), Canvas.updated_at.label("last_saved"),
                                 func.coalesce(comments.c.comments, 0).label("comments"))
                .outerjoin(Canvas, Canvas.participant_id == f.c.participant_id)
                .outerjoin(comments, comments.c.canvas_id == Canvas.id))
    if kind == "certificates":
        latest_id = (select(Certificate.enrolment_id, func.max(Certificate.id).label("id"))
                     .group_by(Certificate.enrolment_id).subquery("latest"))
        latest = aliased(Certificate, name="latest_certificate")
        stmt = (stmt.add_columns(latest.serial.label("serial"), latest.status.label("certificate_status"),
                                 latest.issued_on.label("issued_on"))
                .outerjoin(latest_id, latest_id.c.enrolment_id == f.c.enrolment_id)
                .outerjoin(latest, latest.id == latest_id.c.id))
    stmt = stmt.order_by(partner.name, batch.code, Participant.code)
    result = db.session.execute(stmt.execution_options(yield_per=batch_size))
    try:
        yield from result
    finally:
        result.close()


# --- the batch report ----------------------------------------------------------------------------

@dataclass
class DayLine:
    number: int
    date: date
    on_list: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(RANK, 0))

    @property
    def marked(self) -> int:
        return sum(self.counts.values())

    @property
    def not_marked(self) -> int:
        return max(self.on_list - self.marked, 0)

    @property
    def attended(self) -> int:
        return self.counts["present"] + self.counts["late"]


def attendance_by_day(batch: Batch) -> list[DayLine]:
    """Each training day of the batch with its marks by status and the people on its list
    (active, or left on or after that day: the attendance page's rule). Two queries."""
    on_list = (select(TrainingDay.id, TrainingDay.number, TrainingDay.date, func.count(Enrolment.id))
               .outerjoin(Enrolment, and_(Enrolment.batch_id == TrainingDay.batch_id,
                                          or_(Enrolment.status == "active", Enrolment.ended_on >= TrainingDay.date)))
               .where(TrainingDay.batch_id == batch.id)
               .group_by(TrainingDay.id, TrainingDay.number, TrainingDay.date).order_by(TrainingDay.number))
    lines = {}
    for day_id, number, when, count in db.session.execute(on_list):
        lines[day_id] = DayLine(number=number, date=when, on_list=count)
    marks = (select(AttendanceMark.training_day_id, AttendanceMark.status, func.count())
             .join(TrainingDay, TrainingDay.id == AttendanceMark.training_day_id)
             .where(TrainingDay.batch_id == batch.id)
             .group_by(AttendanceMark.training_day_id, AttendanceMark.status))
    for day_id, status, count in db.session.execute(marks):
        if day_id in lines and status in RANK:
            lines[day_id].counts[status] = count
    return sorted(lines.values(), key=lambda line: line.number)


def canvas_statuses(user, flt: Filter) -> dict[str, int]:
    """Business plans of the people in a report, by status ("none": not started)."""
    f = facts(user, flt).subquery("facts")
    key = func.coalesce(f.c.canvas_status, "none")
    inner = select(key.label("status")).subquery("canvas_keys")
    return {s: n for s, n in db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))}


def totals(user, flt: Filter) -> dict[str, int]:
    """Every measure summed over a report's people, in one query."""
    f = facts(user, flt).subquery("facts")
    row = db.session.execute(select(*[func.sum(f.c[m]).label(m) for m in MEASURES],
                                    func.sum(case((f.c.gender == "woman", 1), else_=0)).label("women"),
                                    func.sum(f.c.consented).label("consented"),
                                    func.sum(case((and_(f.c.completed == 1, f.c.certified == 0), 1), else_=0))
                                    .label("waiting"),
                                    func.sum(case((and_(f.c.completed == 0, f.c.certified == 1), 1), else_=0))
                                    .label("override"))).one()
    return {name: int(getattr(row, name) or 0) for name in (*MEASURES, "women", "consented", "waiting", "override")}
