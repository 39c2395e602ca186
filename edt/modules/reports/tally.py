"""Each enrolment's days, counted once and kept up to date in the transaction that changes them.

The report figures need, for every person, how many days they were marked, attended, were
present or excused, and their best mark on each day (counting the marks of a batch they were
transferred from, by day number). Counting those from the marks on every dashboard view costs a
handful of index probes per person: a quarter of a second at 6,000 people, over a minute at
100,000 right after the marks changed. So the counts are kept in `report_tally`, one row per
enrolment, and a report joins them like any other column.

Kept exact, never stale: whatever changes a count (marks saved, an enrolment made, moved or
ended, a training day added or removed) notes the people concerned in the session, and just
before that transaction commits their rows are counted afresh with `counts()` (the one
definition of a count), in the same transaction. A reader therefore sees the counts of exactly
the marks it sees. The people are found in what the session writes: ORM objects when they are
flushed, and the rows of write statements (the attendance upsert passes its rows as
parameters). A write statement whose rows cannot be seen (an UPDATE on enrolments) has everyone
counted again at its commit, and says so in the log, unless it declares that it changes no
count (`edt.changes.COUNTS_UNCHANGED`, as the erasure of attendance notes does). Bulk loads
outside the session (seed-scale) call `rebuild()`; so does the migration that made the table.
`stale()` lists the rows that differ from a fresh count (the tests hold it empty after every
kind of change).
"""
import logging

from sqlalchemy import ForeignKey, Integer, SmallInteger, and_, case, delete, event, func, insert, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from edt import changes
from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.modules.attendance.queries import RANK  # the better mark wins across a transfer
from edt.modules.batches.models import Enrolment, TrainingDay

log = logging.getLogger(__name__)

DAYS = 10
DIRTY_PEOPLE, DIRTY_ENROLMENTS, DIRTY_BATCHES = "edt_tally_people", "edt_tally_enrolments", "edt_tally_batches"
DIRTY = (DIRTY_PEOPLE, DIRTY_ENROLMENTS, DIRTY_BATCHES)
DIRTY_ALL = "edt_tally_everyone"
CHUNK = 500


class Tally(db.Model):
    """One enrolment's days: marked at all, excused or better, attended (present or late),
    present; `d1`..`d10` the best mark's rank on that day (4 present ... 1 absent, 0 none)."""

    __tablename__ = "report_tally"
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(Integer, index=True)
    marked: Mapped[int] = mapped_column(Integer, default=0)
    excused_or_better: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    d1: Mapped[int] = mapped_column(SmallInteger, default=0)
    d2: Mapped[int] = mapped_column(SmallInteger, default=0)
    d3: Mapped[int] = mapped_column(SmallInteger, default=0)
    d4: Mapped[int] = mapped_column(SmallInteger, default=0)
    d5: Mapped[int] = mapped_column(SmallInteger, default=0)
    d6: Mapped[int] = mapped_column(SmallInteger, default=0)
    d7: Mapped[int] = mapped_column(SmallInteger, default=0)
    d8: Mapped[int] = mapped_column(SmallInteger, default=0)
    d9: Mapped[int] = mapped_column(SmallInteger, default=0)
    d10: Mapped[int] = mapped_column(SmallInteger, default=0)


COLUMNS = ("enrolment_id", "participant_id", "marked", "excused_or_better", "attended", "present",
           *(f"d{n}" for n in range(1, DAYS + 1)))


def counts(participant_ids=None):
    """The rows of `report_tally` counted from the marks: for every enrolment of these people
    (of everyone when None), in two grouped passes over their marks.

    First the best mark of each (enrolment, day number), over the enrolment's own marks and those
    of a batch the person was transferred from (as attendance.summaries counts them); then per
    enrolment the days whose best mark is at least absent (marked), excused, late (attended) and
    present, and each day's best rank. A day counts in "attended" when any of its marks is
    present or late, which is the same as its best mark being."""
    mine, owner = aliased(Enrolment, name="counted"), aliased(Enrolment, name="owner")
    mark, day = aliased(AttendanceMark, name="mark"), aliased(TrainingDay, name="day")
    best = (select(mine.id.label("enrolment_id"), day.number.label("number"),
                   func.max(case(RANK, value=mark.status, else_=0)).label("best"))
            .select_from(mine)
            .join(owner, and_(owner.participant_id == mine.participant_id,
                              or_(owner.id == mine.id,
                                  and_(owner.status == "transferred", owner.batch_id != mine.batch_id))))
            .join(mark, mark.enrolment_id == owner.id)
            .join(day, day.id == mark.training_day_id))
    people = select(Enrolment.id, Enrolment.participant_id)
    if participant_ids is not None:
        best = best.where(mine.participant_id.in_(participant_ids))
        people = people.where(Enrolment.participant_id.in_(participant_ids))
    best = best.group_by(mine.id, day.number).subquery("best")
    enrolments = people.subquery("enrolments")

    def days(at_least: int):
        return func.coalesce(func.sum(case((best.c.best >= at_least, 1), else_=0)), 0)

    def on_day(number: int):
        return func.coalesce(func.max(case((best.c.number == number, best.c.best), else_=0)), 0)

    return (select(enrolments.c.id, enrolments.c.participant_id, days(1), days(2), days(3), days(4),
                   *(on_day(n) for n in range(1, DAYS + 1)))
            .select_from(enrolments).outerjoin(best, best.c.enrolment_id == enrolments.c.id)
            .group_by(enrolments.c.id, enrolments.c.participant_id))


def refresh(session, participant_ids) -> None:
    """Count these people's rows afresh (inside the caller's transaction)."""
    ids = sorted(set(participant_ids))
    table = Tally.__table__
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        session.execute(delete(table).where(table.c.participant_id.in_(chunk)))
        session.execute(insert(table).from_select(list(COLUMNS), counts(chunk)))


def rebuild(connection) -> int:
    """Count every row afresh on `connection` (after a bulk load, or when the table is new)."""
    table = Tally.__table__
    connection.execute(delete(table))
    connection.execute(insert(table).from_select(list(COLUMNS), counts()))
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def stale(session) -> list[int]:
    """Enrolment ids whose kept row differs from a fresh count (missing, extra or different)."""
    fresh = {row[0]: tuple(row) for row in session.execute(counts())}
    kept = {row[0]: tuple(row) for row in session.execute(select(*[Tally.__table__.c[c] for c in COLUMNS]))}
    return sorted(k for k in fresh.keys() | kept.keys() if fresh.get(k) != kept.get(k))


# --- noting what changed, counting it before the commit -----------------------------------------

# Which column of a written row names the people whose counts change.
WATCHED = {"attendance_mark": (DIRTY_ENROLMENTS, "enrolment_id"), "enrolment": (DIRTY_PEOPLE, "participant_id"),
           "training_day": (DIRTY_BATCHES, "batch_id")}


def _note(session, key: str, ids) -> None:
    session.info.setdefault(key, set()).update(i for i in ids if i is not None)


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context):
    for obj in (*session.new, *session.dirty, *session.deleted):
        watched = WATCHED.get(getattr(obj, "__tablename__", ""))
        if watched:
            _note(session, watched[0], [getattr(obj, watched[1])])


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    """A write statement run through the session: its rows' ids when they are its parameters
    (the attendance upsert, bulk inserts); otherwise everyone is counted again at the commit."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    watched = WATCHED.get(getattr(table, "name", ""))
    if not watched or state.execution_options.get(changes.COUNTS_UNCHANGED):
        return
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    if state.is_insert and all(watched[1] in row for row in rows):
        _note(state.session, watched[0], [row[watched[1]] for row in rows])
    else:
        log.warning("report_tally: a %s statement on %s without its rows; counting everyone again",
                    "insert" if state.is_insert else "update" if state.is_update else "delete", table.name)
        state.session.info[DIRTY_ALL] = True


@event.listens_for(Session, "before_commit")
def _count_before_commit(session):
    if session.info.pop(DIRTY_ALL, False):
        session.flush()
        for key in DIRTY:
            session.info.pop(key, None)
        rebuild(session.connection())
        return
    if not any(session.info.get(key) for key in DIRTY):
        return
    session.flush()
    people = set(session.info.pop(DIRTY_PEOPLE, ()))
    for key, column in ((DIRTY_ENROLMENTS, Enrolment.id), (DIRTY_BATCHES, Enrolment.batch_id)):
        ids = sorted(session.info.pop(key, ()))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            people.update(session.scalars(select(Enrolment.participant_id).where(column.in_(chunk))))
    if people:
        refresh(session, people)

# Nothing is forgotten on a rollback (a savepoint's rollback must not drop the outer
# transaction's notes): a note left by a rolled-back transaction only counts a few people again.
