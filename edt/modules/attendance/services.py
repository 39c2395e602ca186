"""Recording attendance and summarising it.

Saving a day writes one mark per (day, enrolment) as a single upsert (INSERT ... ON CONFLICT DO
UPDATE, on SQLite and PostgreSQL alike), so two facilitators saving at once never duplicate a row
or fail. Only the rows a person actually changed are written: a mark a colleague saved after
this page was opened is kept unless this person changed that row too (then the later save wins
and is counted as a conflict in the audit).
"""
from dataclasses import dataclass, field
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from edt import audit
from edt.errors import RuleError
from edt.clock import utcnow
from edt.extensions import db
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.clock import today
from edt.modules.batches.queries import runs_batch
from edt.modules.participants.models import Participant
from edt.security import Role

from .models import STATUSES, AttendanceMark

RANK = {"present": 4, "late": 3, "excused": 2, "absent": 1}  # the better mark wins across a transfer
AT_RISK_ABSENCES = 2
NOTE_MAX = 200


class AttendanceError(RuleError):
    """Bad input: the message is safe to show, and nothing was saved."""


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
        return self.count("present")

    @property
    def late(self) -> int:
        return self.count("late")

    @property
    def excused(self) -> int:
        return self.count("excused")

    @property
    def absent(self) -> int:
        return self.count("absent")

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
        .where(or_(AttendanceMark.enrolment_id.in_(by_id),
                   (Enrolment.participant_id.in_(people) & (Enrolment.status == "transferred"))))).all()
    recorded = {}
    for batch_id, number in db.session.execute(
            select(TrainingDay.batch_id, TrainingDay.number).where(
                TrainingDay.batch_id.in_({e.batch_id for e in enrolments}),
                TrainingDay.id.in_(select(AttendanceMark.training_day_id))).distinct()):
        recorded.setdefault(batch_id, set()).add(number)
    own, earlier = {}, {}
    for enrolment_id, status, number, batch_id, participant_id, enrolment_status in rows:
        if enrolment_id in by_id:
            own.setdefault(enrolment_id, {})[number] = status
        if enrolment_status == "transferred":
            earlier.setdefault(participant_id, []).append((enrolment_id, batch_id, number, status))
    result = {}
    for e in enrolments:
        summary = Summary(e.id, marks=dict(own.get(e.id, {})))
        if e.status != "transferred":  # a transferred row shows only what happened in its own batch
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


def attendance_summary(batch: Batch) -> dict[int, Summary]:
    """Per-enrolment summaries for one batch: {enrolment_id: Summary}. Marks in a batch the
    person was transferred from count by day number here (the better mark wins)."""
    return summaries([batch.id])


def participant_summary(participant: Participant) -> tuple[Enrolment | None, Summary | None]:
    """The participant's current (or latest) enrolment and its summary."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.participant_id == participant.id)
                                  .order_by((Enrolment.status != "active"), Enrolment.id.desc()).limit(1))
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
               or_(Enrolment.status == "active", Enrolment.ended_on >= day.date))
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


@dataclass
class Entry:
    """What the form sent for one person: the chosen status and note, what the page showed when
    it was opened (`was_*`), and whether the status was pre-filled by "mark all present"."""

    enrolment_id: int
    status: str | None
    note: str = ""
    was_status: str = ""
    was_note: str = ""
    prefilled: bool = False


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    kept: int = 0  # a colleague's newer mark kept because this person did not touch that row
    conflicts: int = 0  # both changed the same row: this later save won
    counts: dict = field(default_factory=dict)


def _check_can_mark(actor, day: TrainingDay) -> None:
    batch = day.batch
    if actor.role == Role.FACILITATOR and not runs_batch(actor, batch):
        raise AttendanceError(_l("You can record attendance only for the batches you facilitate."))
    if actor.role not in (Role.FACILITATOR, Role.MASTER_TRAINER):
        raise AttendanceError(_l("Only staff record attendance."))
    if batch.cancelled_at is not None:
        raise AttendanceError(_l("This batch is cancelled."))
    if day.date > today():
        raise AttendanceError(_l("Day %(n)d is on %(date)s: attendance can be recorded from that day on.",
                                 n=day.number, date=day.date.isoformat()))


def _upsert(rows: list[dict]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(AttendanceMark).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[AttendanceMark.training_day_id, AttendanceMark.enrolment_id],
        set_={"status": stmt.excluded.status, "note": stmt.excluded.note,
              "marked_by_id": stmt.excluded.marked_by_id, "marked_at": stmt.excluded.marked_at})
    db.session.execute(stmt)


def save_day(actor, day: TrainingDay, entries: list[Entry]) -> SaveResult:
    """Validate every entry first (unknown status, someone not on this day's list, a note too
    long): any problem raises AttendanceError and nothing is written. Then one upsert."""
    _check_can_mark(actor, day)
    roster = {e.id for e in day_roster(day)}
    seen = set()
    for entry in entries:
        if entry.enrolment_id not in roster:
            raise AttendanceError(_l("Someone on this form is not enrolled in this batch on this day. "
                                     "Reload the page and try again."))
        if entry.enrolment_id in seen:
            raise AttendanceError(_l("The form listed one person twice. Reload the page and try again."))
        seen.add(entry.enrolment_id)
        if entry.status is not None and entry.status not in STATUSES:
            raise AttendanceError(_l("Choose present, late, excused or absent."))
        if entry.was_status and entry.was_status not in STATUSES:
            raise AttendanceError(_l("Choose present, late, excused or absent."))
        if len(entry.note) > NOTE_MAX:
            raise AttendanceError(_l("A note is too long (at most %(n)d characters).", n=NOTE_MAX))
    # Saves of the same day take turns (PostgreSQL: a row lock on the day; SQLite: BEGIN IMMEDIATE
    # already serialises writers), so each one reads the marks it compares against exactly.
    db.session.execute(select(TrainingDay.id).where(TrainingDay.id == day.id).with_for_update())
    current = day_marks(day)
    result, rows, now = SaveResult(), [], utcnow()
    for entry in entries:
        if entry.status is None:
            continue  # nobody chose anything for this person yet
        mark = current.get(entry.enrolment_id)
        now_status, now_note = (mark.status, mark.note) if mark else ("", "")
        if (now_status, now_note) == (entry.status, entry.note):
            continue
        accepted_prefill = (entry.prefilled and entry.was_status == "" and entry.status == "present"
                            and entry.note == entry.was_note)
        touched = (entry.status, entry.note) != (entry.was_status, entry.was_note) and not accepted_prefill
        moved_on = (now_status, now_note) != (entry.was_status, entry.was_note)
        if moved_on and not touched:
            result.kept += 1  # a colleague saved this row after the page opened; this person left it alone
            continue
        if moved_on:
            result.conflicts += 1
        if mark is None:
            result.created += 1
        else:
            result.updated += 1
        rows.append({"training_day_id": day.id, "enrolment_id": entry.enrolment_id, "status": entry.status,
                     "note": entry.note, "marked_by_id": actor.id, "marked_at": now})
    if rows:
        _upsert(rows)
    audit.record(actor, "attendance_saved", "training_day", day.id,
                 details={"fields": ["status", "note"], "created": result.created, "updated": result.updated,
                          "kept": result.kept, "conflicts": result.conflicts})
    db.session.commit()
    result.counts = day_counts(day)
    return result


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
        return [r for r in self.rows if r.enrolment.status == "active" and r.summary.at_risk]


def grid(batch: Batch) -> Grid:
    """Participants × days for one batch, in a fixed number of queries."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == batch.id)
        .options(selectinload(Enrolment.participant))
        .order_by((Enrolment.status != "active"), Participant.code)))
    days = list(db.session.scalars(select(TrainingDay).where(TrainingDay.batch_id == batch.id)
                                   .order_by(TrainingDay.number)))
    sums = summaries([batch.id], enrolments)
    day_rates = {}
    for row in sums.values():
        for number, status in row.marks.items():
            if number in row.carried:
                continue
            attended, marked = day_rates.get(number, (0, 0))
            day_rates[number] = (attended + (status in ("present", "late")), marked + 1)
    return Grid(batch=batch, days=days, rows=[GridRow(e, sums[e.id]) for e in enrolments], day_rates=day_rates)


def at_risk_for(user, batch_ids: list[int]) -> list[tuple[Enrolment, Summary]]:
    """Active enrolments with two or more absences across the given batches (fixed queries)."""
    if not batch_ids:
        return []
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.batch_id.in_(batch_ids), Enrolment.status == "active")
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


def parse_entries(form, enrolment_ids: list[int] | None = None) -> list[Entry]:
    """Read the attendance form: `s-<id>` status, `n-<id>` note, `ws-<id>`/`wn-<id>` what the page
    showed, `pf-<id>` = 1 when "mark all present" pre-filled the status. Rows are listed in
    `row` fields so an unticked person is still known to be on the form."""
    entries = []
    for raw in form.getlist("row"):
        try:
            enrolment_id = int(raw)
        except (TypeError, ValueError):
            raise AttendanceError(_l("The form was damaged. Reload the page and try again.")) from None
        status = form.get(f"s-{enrolment_id}") or None
        entries.append(Entry(enrolment_id=enrolment_id, status=status,
                             note=" ".join((form.get(f"n-{enrolment_id}") or "").split()),
                             was_status=form.get(f"ws-{enrolment_id}") or "",
                             was_note=" ".join((form.get(f"wn-{enrolment_id}") or "").split()),
                             prefilled=form.get(f"pf-{enrolment_id}") == "1"))
    if not entries:
        raise AttendanceError(_l("Nobody is on this form. Reload the page and try again."))
    return entries


