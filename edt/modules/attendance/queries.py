"""Reads of attendance: each person's summary (days attended, carried over across a transfer),
a day's list and marks, the progress grid, people at risk and the home pages, each in a fixed
number of queries whatever the number of people."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select, union_all
from sqlalchemy.orm import selectinload

from edt.clock import today
from edt.extensions import db
from edt.modules.batches import queries as batch_queries
from edt.modules.batches.models import Batch, BatchStatus, Enrolment, EnrolmentStatus, TrainingDay
from edt.modules.participants.models import Participant

from .models import STATUSES, AttendanceMark, Mark

RANK = {Mark.PRESENT: 4, Mark.LATE: 3, Mark.EXCUSED: 2, Mark.ABSENT: 1}  # the better mark wins across a transfer
AT_RISK_ABSENCES = 2


@dataclass
class DayCard:
    day: TrainingDay
    enrolled: int
    marked: int

    @property
    def done(self) -> bool:
        return self.enrolled > 0 and self.marked >= self.enrolled


@dataclass
class StaffHome:
    today: list[DayCard] = field(default_factory=list)
    upcoming: list[TrainingDay] = field(default_factory=list)
    at_risk: list = field(default_factory=list)
    running: int = 0
    planned: int = 0


def staff_home(user, *, upcoming_days: int = 14, limit: int = 30) -> StaffHome:
    """Today's training day of each batch in reach, the next days, and people at risk."""
    now = today()
    days = batch_queries.days_between(user, now, now + timedelta(days=upcoming_days))
    todays = [d for d in days if d.date == now]
    home = StaffHome(upcoming=[d for d in days if d.date > now][:limit])
    # The same people as the day's page: active enrolments and those who left on or after that date.
    enrolled = dict(db.session.execute(
        select(TrainingDay.id, func.count(Enrolment.id))
        .join(Enrolment, and_(Enrolment.batch_id == TrainingDay.batch_id,
                              or_(Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.ended_on >= TrainingDay.date)))
        .where(TrainingDay.id.in_([d.id for d in todays])).group_by(TrainingDay.id)).all()) if todays else {}
    marked = dict(db.session.execute(
        select(AttendanceMark.training_day_id, func.count())
        .where(AttendanceMark.training_day_id.in_([d.id for d in todays])).group_by(AttendanceMark.training_day_id)
    ).all()) if todays else {}
    home.today = [DayCard(d, enrolled.get(d.id, 0), marked.get(d.id, 0)) for d in todays[:limit]]
    running = list(db.session.scalars(batch_queries.scope(user, select(Batch.id))
                                      .where(batch_queries.status_clause(BatchStatus.RUNNING, now))))
    home.running = len(running)
    home.planned = db.session.scalar(select(func.count()).select_from(
        batch_queries.scope(user, select(Batch.id))
        .where(batch_queries.status_clause(BatchStatus.PLANNED, now)).subquery()))
    home.at_risk = at_risk_for(user, running)[:limit]
    return home


def own_batch_days(participant):
    """For a participant's own page: their batch, and each day with their own mark."""
    return participant_days(participant)


@dataclass
class Summary:
    """One enrolment's attendance by day number (1..10), including the days carried over from
    a batch it was transferred from."""

    enrolment_id: int
    marks: dict[int, str] = field(default_factory=dict)
    carried: set[int] = field(default_factory=set)  # day numbers whose mark came from an earlier batch
    recorded_days: int = 0  # days of this batch with any mark, or carried for this person

    def count(self, status: str) -> int:
        return sum(1 for s in self.marks.values() if s == status)

    @property
    def present(self) -> int:
        return self.count(Mark.PRESENT)

    @property
    def late(self) -> int:
        return self.count(Mark.LATE)

    @property
    def excused(self) -> int:
        return self.count(Mark.EXCUSED)

    @property
    def absent(self) -> int:
        return self.count(Mark.ABSENT)

    @property
    def attended(self) -> int:
        """Days present or late (certificates ask for at least 8 of 10)."""
        return self.present + self.late

    @property
    def rate(self) -> float | None:
        return self.attended / self.recorded_days if self.recorded_days else None

    @property
    def at_risk(self) -> bool:
        return self.absent >= AT_RISK_ABSENCES


def summaries(batch_ids: list[int], enrolments: list[Enrolment] | None = None) -> dict[int, Summary]:
    """Summaries for every enrolment of the given batches, in three queries whatever the size."""
    if enrolments is None:
        enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.batch_id.in_(batch_ids))))
    if not enrolments:
        return {}
    by_id = {e.id: e for e in enrolments}
    people = {e.participant_id for e in enrolments}
    rows = db.session.execute(
        select(AttendanceMark.enrolment_id, AttendanceMark.status, TrainingDay.number, TrainingDay.batch_id,
               Enrolment.participant_id, Enrolment.status)
        .join(TrainingDay, TrainingDay.id == AttendanceMark.training_day_id)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        # One IN over the enrolments' ids and those of the batches these people were transferred
        # from: answered from the index on marks by enrolment. (An OR across the two tables made
        # the database read every mark of the programme.)
        .where(AttendanceMark.enrolment_id.in_(union_all(
            select(Enrolment.id).where(Enrolment.id.in_(by_id)),
            select(Enrolment.id).where(Enrolment.participant_id.in_(people),
                                       Enrolment.status == EnrolmentStatus.TRANSFERRED))))).all()
    recorded = {}
    for batch_id, number in db.session.execute(
            select(TrainingDay.batch_id, TrainingDay.number).where(
                TrainingDay.batch_id.in_({e.batch_id for e in enrolments}),
                # EXISTS per day (an index probe), not IN over every mark of the programme.
                exists().where(AttendanceMark.training_day_id == TrainingDay.id)).distinct()):
        recorded.setdefault(batch_id, set()).add(number)
    own, earlier = {}, {}
    for enrolment_id, status, number, batch_id, participant_id, enrolment_status in rows:
        if enrolment_id in by_id:
            own.setdefault(enrolment_id, {})[number] = status
        if enrolment_status == EnrolmentStatus.TRANSFERRED:
            earlier.setdefault(participant_id, []).append((enrolment_id, batch_id, number, status))
    result = {}
    for e in enrolments:
        summary = Summary(e.id, marks=dict(own.get(e.id, {})))
        if e.status != EnrolmentStatus.TRANSFERRED:  # a transferred row shows only what happened in its own batch
            for other_id, other_batch, number, status in earlier.get(e.participant_id, []):
                if other_id == e.id or other_batch == e.batch_id:
                    continue
                mine = summary.marks.get(number)
                if mine is None or RANK[status] > RANK[mine]:
                    summary.marks[number] = status
                    summary.carried.add(number)
        days = recorded.get(e.batch_id, set()) | set(summary.marks)
        summary.recorded_days = len(days)
        result[e.id] = summary
    return result


def participant_summary(participant: Participant) -> tuple[Enrolment | None, Summary | None]:
    """The participant's current (or latest) enrolment and its summary."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.participant_id == participant.id)
                                  .order_by((Enrolment.status != EnrolmentStatus.ACTIVE), Enrolment.id.desc()).limit(1))
    if enrolment is None:
        return None, None
    return enrolment, summaries([enrolment.batch_id], [enrolment])[enrolment.id]


# --- the attendance page -----------------------------------------------------------------------

def day_roster(day: TrainingDay) -> list[Enrolment]:
    """Who belongs on a day's list: active enrolments, and people who left on or after that date
    (their earlier days stay editable). Participants are loaded in the same round trip."""
    return list(db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == day.batch_id,
               or_(Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.ended_on >= day.date))
        .options(selectinload(Enrolment.participant))
        .order_by(Participant.name_key, Participant.code)))


def day_marks(day: TrainingDay) -> dict[int, AttendanceMark]:
    return {m.enrolment_id: m for m in db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.training_day_id == day.id))}


def batch_day_counts(batch: Batch) -> dict[int, int]:
    """How many marks each training day of the batch has: {training_day_id: count}."""
    rows = db.session.execute(select(AttendanceMark.training_day_id, func.count())
                              .join(TrainingDay, TrainingDay.id == AttendanceMark.training_day_id)
                              .where(TrainingDay.batch_id == batch.id).group_by(AttendanceMark.training_day_id))
    return dict(rows.all())


def day_counts(day: TrainingDay) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for status in db.session.scalars(select(AttendanceMark.status).where(AttendanceMark.training_day_id == day.id)):
        counts[status] += 1
    return counts


# --- the progress grid -------------------------------------------------------------------------

@dataclass
class GridRow:
    enrolment: Enrolment
    summary: Summary


@dataclass
class Grid:
    batch: Batch
    days: list[TrainingDay]
    rows: list[GridRow]
    day_rates: dict[int, tuple[int, int]]  # day number -> (attended, marked)

    @property
    def at_risk(self) -> list[GridRow]:
        return [r for r in self.rows if r.enrolment.status == EnrolmentStatus.ACTIVE and r.summary.at_risk]


def grid(batch: Batch) -> Grid:
    """Participants × days for one batch, in a fixed number of queries."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == batch.id)
        .options(selectinload(Enrolment.participant))
        .order_by((Enrolment.status != EnrolmentStatus.ACTIVE), Participant.code)))
    days = list(db.session.scalars(select(TrainingDay).where(TrainingDay.batch_id == batch.id)
                                   .order_by(TrainingDay.number)))
    sums = summaries([batch.id], enrolments)
    day_rates = {}
    for row in sums.values():
        for number, status in row.marks.items():
            if number in row.carried:
                continue
            attended, marked = day_rates.get(number, (0, 0))
            day_rates[number] = (attended + Mark(status).attended, marked + 1)
    return Grid(batch=batch, days=days, rows=[GridRow(e, sums[e.id]) for e in enrolments], day_rates=day_rates)


def at_risk_for(user, batch_ids: list[int]) -> list[tuple[Enrolment, Summary]]:
    """Active enrolments with two or more absences across the given batches (fixed queries)."""
    if not batch_ids:
        return []
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.batch_id.in_(batch_ids), Enrolment.status == EnrolmentStatus.ACTIVE)
        .options(selectinload(Enrolment.participant), selectinload(Enrolment.batch))))
    sums = summaries(batch_ids, enrolments)
    flagged = [(e, sums[e.id]) for e in enrolments if sums[e.id].at_risk]
    return sorted(flagged, key=lambda pair: (-pair[1].absent, pair[0].participant.code))


def participant_days(participant: Participant) -> tuple[Enrolment | None, list[tuple[TrainingDay, str | None]]]:
    """A participant's own batch days with their mark (or None) for their own page."""
    enrolment, summary = participant_summary(participant)
    if enrolment is None:
        return None, []
    days = list(db.session.scalars(select(TrainingDay).where(TrainingDay.batch_id == enrolment.batch_id)
                                   .order_by(TrainingDay.number)))
    return enrolment, [(d, summary.marks.get(d.number)) for d in days]
