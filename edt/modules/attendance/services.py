"""Recording attendance (its reads and summaries are in queries.py).

Saving a day writes one mark per (day, enrolment) as a single upsert (INSERT ... ON CONFLICT DO
UPDATE, on SQLite and PostgreSQL alike), so two facilitators saving at once never duplicate a row
or fail. Only the rows a person actually changed are written: a mark a colleague saved after
this page was opened is kept unless this person changed that row too (then the later save wins
and is counted as a conflict in the audit).
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from edt import audit, changes
from edt.clock import today, utcnow
from edt.errors import RuleError
from edt.extensions import db
from edt.modules.batches.models import Enrolment, TrainingDay
from edt.modules.participants.services import ERASED
from edt.modules.batches.queries import runs_batch
from edt.security import Role
from edt.signals import erases

from . import queries
from .models import STATUSES, AttendanceMark, Mark

NOTE_MAX = 200


class AttendanceError(RuleError):
    """Bad input: the message is safe to show, and nothing was saved."""


class AttendanceConflict(Exception):
    """A strict save (the offline outbox, edt.modules.sync) found rows that a colleague changed
    after the page was opened and that this person changed too: nothing was saved. `rows` holds,
    per person, what the page showed, what this person chose and what is saved now."""

    def __init__(self, rows: list[dict]):
        super().__init__("attendance changed since the page was opened")
        self.rows = rows


# --- the attendance page -----------------------------------------------------------------------

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


def can_save(actor, day: TrainingDay) -> bool:
    """May `actor` save marks for `day` now (the page shows its Save button only then)?"""
    try:
        _check_can_mark(actor, day)
    except AttendanceError:
        return False
    return True


def _upsert(rows: list[dict]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(AttendanceMark)
    stmt = stmt.on_conflict_do_update(
        index_elements=[AttendanceMark.training_day_id, AttendanceMark.enrolment_id],
        set_={"status": stmt.excluded.status, "note": stmt.excluded.note,
              "marked_by_id": stmt.excluded.marked_by_id, "marked_at": stmt.excluded.marked_at})
    db.session.execute(stmt, rows)  # the rows as parameters: the reports' tally sees whose marks changed


def save_day(actor, day: TrainingDay, entries: list[Entry], *, strict: bool = False) -> SaveResult:
    """Validate every entry first (unknown status, someone not on this day's list, a note too
    long): any problem raises AttendanceError and nothing is written. Then one upsert.

    `strict` (a save queued on a device while offline): a row both this person and a colleague
    changed since the page was opened is not replaced; any such row raises AttendanceConflict
    and nothing is written, so the device can show both versions and let the person choose."""
    _check_can_mark(actor, day)
    roster = {e.id for e in queries.day_roster(day)}
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
    current = queries.day_marks(day)
    result, rows, now, clashes = SaveResult(), [], utcnow(), []
    for entry in entries:
        if entry.status is None:
            continue  # nobody chose anything for this person yet
        mark = current.get(entry.enrolment_id)
        now_status, now_note = (mark.status, mark.note) if mark else ("", "")
        if (now_status, now_note) == (entry.status, entry.note):
            continue
        accepted_prefill = (entry.prefilled and entry.was_status == "" and entry.status == Mark.PRESENT
                            and entry.note == entry.was_note)
        touched = (entry.status, entry.note) != (entry.was_status, entry.was_note) and not accepted_prefill
        moved_on = (now_status, now_note) != (entry.was_status, entry.was_note)
        if moved_on and not touched:
            result.kept += 1  # a colleague saved this row after the page opened; this person left it alone
            continue
        if moved_on and strict:
            clashes.append({"enrolment_id": entry.enrolment_id, "was": [entry.was_status, entry.was_note],
                            "mine": [entry.status, entry.note], "theirs": [now_status, now_note],
                            "by_id": mark.marked_by_id if mark else None,
                            "at": mark.marked_at.isoformat() if mark and mark.marked_at else None})
            continue
        if moved_on:
            result.conflicts += 1
        if mark is None:
            result.created += 1
        else:
            result.updated += 1
        rows.append({"training_day_id": day.id, "enrolment_id": entry.enrolment_id, "status": entry.status,
                     "note": entry.note, "marked_by_id": actor.id, "marked_at": now})
    if clashes:
        db.session.rollback()
        raise AttendanceConflict(clashes)
    if rows:
        _upsert(rows)
    audit.record(actor, "attendance_saved", "training_day", day.id,
                 details={"fields": ["status", "note"], "created": result.created, "updated": result.updated,
                          "kept": result.kept, "conflicts": result.conflicts})
    db.session.commit()
    result.counts = queries.day_counts(day)
    return result


@erases("attendance_mark.note")
def _erase_notes(participant, **_context) -> list[str]:
    """Erasure: the notes about the person's days are replaced; the marks stay (they are counted)."""
    enrolments = list(db.session.scalars(select(Enrolment.id).where(Enrolment.participant_id == participant.id)))
    if not enrolments:
        return []
    db.session.execute(update(AttendanceMark).where(AttendanceMark.enrolment_id.in_(enrolments),
                                                    AttendanceMark.note != "")
                       .values(note=ERASED)
                       .execution_options(synchronize_session=False, **{changes.COUNTS_UNCHANGED: True}))
    return ["attendance_notes"]

