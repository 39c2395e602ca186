"""Scheduling batches and their days, the holiday list, enrolment, drop-out and transfer.

Services take the acting user, hold the rules, commit once per action and audit every change
(field names and counts only). A broken rule raises BatchError with a message safe to show.
"""
import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from edt import audit, throttle
from edt.clock import today, utcnow
from edt.errors import RuleError
from edt.formats import day as show_day
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.participants.models import Participant
from edt.modules.participants.queries import scope as participant_scope
from edt.places import DISTRICTS
from edt.security import SYSTEM, Role, require
from edt.signals import facilitators_assigning, staff_reach_changed

from . import queries
from .models import (DAYS_PER_BATCH, DROP_REASONS, LANGUAGES, Batch, BatchStatus, DayMove, Enrolment, EnrolmentStatus,
                     Holiday, LeavingReason, TrainingDay, batch_facilitator)

WINDOW = timedelta(days=366)  # dates further than a year from today are a typing mistake


class BatchError(RuleError):
    """A batches rule was broken; the message is safe to show to the user."""


class NeedsConfirmation(BatchError):
    """The action is allowed but unusual (a day on an off day or a holiday): ask first."""


class BookingClash(NeedsConfirmation):
    """A facilitator would run two batches on one date: ask first, naming each clash. `token`
    stands for exactly these clashes; the confirmation must send it back (a changed plan, or a
    clash that appeared meanwhile, asks again)."""

    def __init__(self, message, token: str, clashes: list["Clash"]):
        super().__init__(message, "facilitator_ids")
        self.token = token
        self.clashes = clashes


# --- double booking --------------------------------------------------------------------------

KEEP_BOTH = type("KeepBoth", (), {"__repr__": lambda self: "KEEP_BOTH"})()
"""For code (demo data, tests' builders) that places staff knowingly: confirms any clash, audited
like a confirmation on the page. Not a string, so no form can send it."""

@dataclass
class Clash:
    facilitator: User
    batch: Batch
    dates: list[date]

    def describe(self) -> str:
        shown = ", ".join(show_day(d) for d in self.dates)
        return str(_l("%(name)s already runs %(batch)s (%(first)s – %(last)s) on %(dates)s.",
                      name=self.facilitator.display_name or self.facilitator.username, batch=self.batch.code,
                      first=show_day(self.batch.start_date), last=show_day(self.batch.end_date), dates=shown))


def find_clashes(facilitators: Iterable[User], dates: Iterable[date], *,
                 exclude_batch_id: int | None = None) -> list[Clash]:
    """Every other (not cancelled) batch that one of `facilitators` runs on one of `dates`."""
    people = {f.id: f for f in facilitators}
    found: dict[tuple[int, int], Clash] = {}
    for user_id, other, when in queries.facilitator_bookings(people, dates, exclude_batch_id=exclude_batch_id):
        found.setdefault((user_id, other.id), Clash(people[user_id], other, [])).dates.append(when)
    return list(found.values())


def clash_token(clashes: list[Clash]) -> str:
    text = ";".join(sorted(f"{c.facilitator.id}:{c.batch.id}:{','.join(d.isoformat() for d in c.dates)}"
                           for c in clashes))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_clashes(actor: User | None, facilitators: Iterable[User], dates: Iterable[date], *,
                  exclude_batch_id: int | None = None, confirmed: str | None = None) -> list[Clash]:
    """Raise BookingClash unless there is none or `confirmed` is the token of exactly these.
    Returns the clashes that were confirmed (the caller audits them with its action)."""
    clashes = find_clashes(facilitators, dates, exclude_batch_id=exclude_batch_id)
    if not clashes:
        return []
    token = clash_token(clashes)
    if confirmed is not KEEP_BOTH and confirmed != token:
        message = " ".join([c.describe() for c in clashes] + [
            str(_l("A facilitator cannot be at two venues on one day. Keep both bookings anyway?"))])
        raise BookingClash(message, token, clashes)
    return clashes


def _audit_clashes(actor: User | None, batch: Batch, clashes: list[Clash]) -> None:
    if clashes:
        audit.record(actor, "double_booking_confirmed", "batch", batch.id,
                     details={"facilitators": sorted({c.facilitator.id for c in clashes}),
                              "other_batches": sorted({c.batch.code for c in clashes}),
                              "days": sum(len(c.dates) for c in clashes)})


# --- dates -----------------------------------------------------------------------------------

def is_working_day(day: date, off_weekdays: set[int], holidays: dict[date, str]) -> bool:
    return day.weekday() not in off_weekdays and day not in holidays


def working_dates(start: date, count: int, off_weekdays: set[int], *, after: bool = False) -> list[date]:
    """The next `count` working dates from `start` (inclusive, or strictly after it)."""
    if len(off_weekdays) >= 7:
        raise BatchError(_l("At least one day of the week must be a training day."), "off_days")
    horizon = start + timedelta(days=count * 7 + 120)
    holidays = queries.holiday_dates(start, horizon)
    found, day = [], start + timedelta(days=1) if after else start
    while len(found) < count:
        if is_working_day(day, off_weekdays, holidays):
            found.append(day)
        day += timedelta(days=1)
    return found


def _check_in_window(day: date) -> None:
    now = today()
    if not (now - WINDOW <= day <= now + WINDOW):
        raise BatchError(_l("Choose a date within a year of today."), "date")


def parse_off_days(values: Iterable) -> set[int]:
    days = set()
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise BatchError(_l("Choose the weekly off days from the list."), "off_days") from None
        if not 0 <= number <= 6:
            raise BatchError(_l("Choose the weekly off days from the list."), "off_days")
        days.add(number)
    return days


# --- batches ---------------------------------------------------------------------------------

def next_batch_code(district: str, year: int) -> str:
    prefix = f"{DISTRICTS.get(district, 'EDT')}-{year}-"
    codes = db.session.scalars(select(Batch.code).where(Batch.code.like(prefix + "%")))
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes if code.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _require_master(actor: User) -> None:
    require(actor, Role.MASTER_TRAINER, error=BatchError, message=_l("Only master trainers schedule and change batches."))


def _staff_choices(partner_id: int, master_trainer_id: int | None, facilitator_ids: Iterable[int]):
    master = None
    if master_trainer_id:
        master = db.session.get(User, master_trainer_id)
        if master is None or master.role != Role.MASTER_TRAINER or not master.is_enabled:
            raise BatchError(_l("Choose a master trainer from the list."), "master_trainer_id")
    ids = sorted(set(facilitator_ids))
    if not ids:
        raise BatchError(_l("Choose at least one facilitator."), "facilitator_ids")
    facilitators = list(db.session.scalars(select(User).where(User.id.in_(ids))))
    if len(facilitators) != len(ids) or any(
            f.role != Role.FACILITATOR or f.partner_id != partner_id or not f.is_enabled for f in facilitators):
        raise BatchError(_l("Facilitators must be active staff of the batch's partner organisation."),
                         "facilitator_ids")
    return master, facilitators


def _check_basics(*, venue: str, language: str, capacity: int) -> None:
    if len(venue or "") > 160:
        raise BatchError(_l("The venue is too long (at most 160 characters)."), "venue")
    if language not in LANGUAGES:
        raise BatchError(_l("Choose Bangla or English."), "language")
    if not isinstance(capacity, int) or not 1 <= capacity <= 60:
        raise BatchError(_l("The capacity must be between 1 and 60 people."), "capacity")


def create_batch(actor: User | None, *, partner_id: int, district: str | None, venue: str, start_date: date,
                 off_days: set[int] | None = None, language: str = "bn", capacity: int = 25,
                 master_trainer_id: int | None = None, facilitator_ids: Iterable[int] = (),
                 lapse_reason: str = "", clash_ok: str | None = None) -> Batch:
    """Create a batch and its ten training days on the next working dates from `start_date`.
    A facilitator already running another batch on one of those dates needs `clash_ok`."""
    _require_master(actor)
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        raise BatchError(_l("Choose a partner organisation."), "partner_id")
    district = district or partner.district
    if district not in DISTRICTS:
        raise BatchError(_l("Choose one of the programme's districts."), "district")
    _check_basics(venue=venue, language=language, capacity=capacity)
    if not isinstance(start_date, date):
        raise BatchError(_l("Give the first day as a date."), "start_date")
    _check_in_window(start_date)
    off_days = {4} if off_days is None else set(off_days)
    master, facilitators = _staff_choices(partner.id, master_trainer_id or getattr(actor, "id", None),
                                          facilitator_ids)
    facilitators_assigning.send(partner.id, actor=actor, added=facilitators, chosen=facilitators,
                                reason=lapse_reason)
    dates = working_dates(start_date, DAYS_PER_BATCH, off_days)
    clashes = check_clashes(actor, facilitators, dates, confirmed=clash_ok)
    batch = Batch(code=next_batch_code(district, dates[0].year), partner=partner, district=district,
                  venue=" ".join((venue or "").split()), start_date=dates[0], end_date=dates[-1],
                  off_days="".join(str(d) for d in sorted(off_days)), language=language, capacity=capacity,
                  master_trainer=master, facilitators=facilitators,
                  days=[TrainingDay(number=n, date=d) for n, d in enumerate(dates, start=1)])
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError as error:  # two batches created at the same moment took the same code
        db.session.rollback()
        raise BatchError(_l("Please try again: another batch was saved at the same moment.")) from error
    audit.record(actor, "batch_created", "batch", batch.id,
                 details={"fields": ["partner", "district", "venue", "start_date", "off_days", "language",
                                     "capacity", "master_trainer", "facilitators"], "days": len(dates)})
    _audit_clashes(actor, batch, clashes)
    db.session.commit()
    return batch


def update_batch(actor: User, batch: Batch, *, venue: str, off_days: set[int], language: str, capacity: int,
                 master_trainer_id: int | None, facilitator_ids: Iterable[int], lapse_reason: str = "",
                 clash_ok: str | None = None) -> Batch:
    """Change a batch. A facilitator added while running another batch on one of its days needs
    `clash_ok` (those already on the batch were asked when they were placed)."""
    _require_master(actor)
    _check_basics(venue=venue, language=language, capacity=capacity)
    if len(off_days) >= 7:
        raise BatchError(_l("At least one day of the week must be a training day."), "off_days")
    enrolled = queries.active_count(batch.id)
    if capacity < enrolled:
        raise BatchError(_l("%(n)d people are enrolled: the capacity cannot be lower.", n=enrolled), "capacity")
    master, facilitators = _staff_choices(batch.partner_id, master_trainer_id, facilitator_ids)
    already = {f.id for f in batch.facilitators}
    added = [f for f in facilitators if f.id not in already]
    if added:
        facilitators_assigning.send(batch.partner_id, actor=actor, added=added, chosen=facilitators,
                                    reason=lapse_reason)
    clashes = check_clashes(actor, added, [d.date for d in batch.days], exclude_batch_id=batch.id,
                            confirmed=clash_ok) if added and batch.cancelled_at is None else []
    new = {"venue": " ".join((venue or "").split()), "off_days": "".join(str(d) for d in sorted(off_days)),
           "language": language, "capacity": capacity, "master_trainer_id": master.id if master else None}
    changed = [name for name, value in new.items() if getattr(batch, name) != value]
    if {f.id for f in facilitators} != {f.id for f in batch.facilitators}:
        changed.append("facilitators")
    for name, value in new.items():
        setattr(batch, name, value)
    batch.facilitators = facilitators
    audit.record(actor, "batch_updated", "batch", batch.id, details={"fields": changed})
    _audit_clashes(actor, batch, clashes)
    db.session.commit()
    return batch


def set_cancelled(actor: User, batch: Batch, cancelled: bool) -> None:
    _require_master(actor)
    if cancelled == (batch.cancelled_at is not None):
        return
    batch.cancelled_at = utcnow() if cancelled else None
    audit.record(actor, "batch_cancelled" if cancelled else "batch_reinstated", "batch", batch.id)
    db.session.commit()


@staff_reach_changed.connect
def leave_batches_out_of_reach(user: User, actor: User | None = None, **_extra) -> int:
    """A staff member whose partner or role changed leaves every batch the one rule no longer
    lets them run (another partner's, or any once they are not a facilitator; a disabled account
    keeps its own partner's, for when it is enabled again): one audit row per batch, field names
    only. Runs inside the change's transaction; the sender commits. Returns how many."""
    assigned = db.session.scalars(
        select(Batch).join(batch_facilitator, batch_facilitator.c.batch_id == Batch.id)
        .where(batch_facilitator.c.user_id == user.id)).all()
    left = [b for b in assigned if not (user.role == Role.FACILITATOR and b.partner_id == user.partner_id)]
    for batch in left:
        batch.facilitators = [f for f in batch.facilitators if f.id != user.id]
        audit.record(actor, "facilitator_unassigned", "batch", batch.id,
                     details={"fields": ["facilitators"], "because": "staff_reach_changed"})
    return len(left)


def _can_run(actor: User, batch: Batch) -> None:
    """Facilitators act only on the batches they run (queries.runs_batch; the views' scoped
    getters apply the same rule in SQL: defence in depth)."""
    if actor is SYSTEM or (actor is not None and actor.role == Role.MASTER_TRAINER):
        return
    if not queries.runs_batch(actor, batch):
        raise BatchError(_l("You can change only the batches you facilitate."))


@dataclass
class MovePlan:
    """What a day move would do, for the preview: each day's date before and after, the reasons
    to think twice (an off day, a holiday, a facilitator's other batch) and a token that stands
    for exactly this plan on exactly these dates (the confirmation sends it back)."""

    batch: Batch
    day: TrainingDay
    rows: list[tuple[int, date, date]]  # every day: number, date now, date after the move
    warnings: list[str]
    clashes: list[Clash]
    clash_token: str | None
    token: str

    @property
    def changes(self) -> list[tuple[int, date, date]]:
        return [row for row in self.rows if row[1] != row[2]]


def _plan_token(batch: Batch, rows, clash_ok: str | None) -> str:
    text = f"{batch.id}|" + ";".join(f"{n}:{old.isoformat()}>{new.isoformat()}" for n, old, new in rows)
    return hashlib.sha256(f"{text}|{clash_ok or ''}".encode()).hexdigest()[:16]


def plan_move(actor: User, day: TrainingDay, new_date: date, *, shift_following: bool = False) -> MovePlan:
    """Check a move and say what it would do, changing nothing. The ten days stay in order:
    without `shift_following` the new date must fall between the neighbouring days; with it, the
    later days move to the next working dates after the new one."""
    batch = day.batch
    _can_run(actor, batch)
    if batch.cancelled_at is not None:
        raise BatchError(_l("This batch is cancelled."))
    if not isinstance(new_date, date):
        raise BatchError(_l("Give the new date as a date."))
    _check_in_window(new_date)
    days = sorted(batch.days, key=lambda d: d.number)
    before = [d for d in days if d.number < day.number]
    after = [d for d in days if d.number > day.number]
    if before and new_date <= before[-1].date:
        raise BatchError(_l("Day %(n)d must come after day %(m)d (%(date)s).", n=day.number, m=before[-1].number,
                            date=before[-1].date.isoformat()))
    plan = {day.number: new_date}
    if shift_following:
        for d, when in zip(after, working_dates(new_date, len(after), batch.off_weekdays, after=True)):
            plan[d.number] = when
    elif after and new_date >= after[0].date:
        raise BatchError(_l("Day %(n)d must come before day %(m)d (%(date)s). To push the later days too, "
                            "tick “Move the later days as well”.", n=day.number, m=after[0].number,
                            date=after[0].date.isoformat()))
    rows = [(d.number, d.date, plan.get(d.number, d.date)) for d in days]
    warnings = []
    holidays = queries.holiday_dates(new_date, new_date)
    if not is_working_day(new_date, batch.off_weekdays, holidays):
        reason = holidays.get(new_date)
        warnings.append(str(
            _l("%(date)s is a public holiday (%(name)s). Move the day there anyway?", date=new_date.isoformat(),
               name=reason) if reason else
            _l("%(date)s is a weekly off day of this batch. Move the day there anyway?", date=new_date.isoformat())))
    moved_to = [new for _n, old, new in rows if new != old]
    clashes = find_clashes(batch.facilitators, moved_to, exclude_batch_id=batch.id)
    clash_ok = clash_token(clashes) if clashes else None
    return MovePlan(batch=batch, day=day, rows=rows, warnings=warnings, clashes=clashes, clash_token=clash_ok,
                    token=_plan_token(batch, rows, clash_ok))


def _set_dates(batch: Batch, plan: dict[int, date]) -> list[TrainingDay]:
    days = sorted(batch.days, key=lambda d: d.number)
    moved = [d for d in days if d.number in plan and d.date != plan[d.number]]
    # Two steps so the unique (batch, date) rule never sees two days on one date mid-way.
    for d in moved:
        d.date = date(1900, 1, d.number)
    db.session.flush()
    for d in moved:
        d.date = plan[d.number]
    db.session.flush()
    batch.start_date, batch.end_date = days[0].date, days[-1].date
    return moved


def move_day(actor: User, day: TrainingDay, new_date: date, *, confirmed: bool = False,
             shift_following: bool = False, clash_ok: str | None = None) -> list[TrainingDay]:
    """Move a training day (see plan_move). A date on a weekly off day or a holiday needs
    `confirmed`; a facilitator's other batch on a new date needs `clash_ok` (BookingClash's
    token). The move is kept (DayMove) so it can be undone. Returns the days that moved."""
    plan = plan_move(actor, day, new_date, shift_following=shift_following)
    if plan.warnings and not confirmed:
        raise NeedsConfirmation(plan.warnings[0])
    clashes = check_clashes(actor, plan.batch.facilitators, [new for _n, _old, new in plan.changes],
                            exclude_batch_id=plan.batch.id, confirmed=clash_ok)
    if not plan.changes:
        return []
    moved = _set_dates(plan.batch, {n: new for n, _old, new in plan.changes})
    record = DayMove(batch_id=plan.batch.id, moved_by_id=getattr(actor, "id", None),
                     changes=[[n, old.isoformat(), new.isoformat()] for n, old, new in plan.changes])
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "training_day_moved", "training_day", day.id,
                 details={"fields": ["date"], "days_moved": len(moved), "confirmed_off_day": bool(plan.warnings),
                          "move": record.id})
    _audit_clashes(actor, plan.batch, clashes)
    db.session.commit()
    return moved


def undo_plan(actor: User, batch: Batch) -> tuple[DayMove, list[tuple[int, date, date]], list[Clash]]:
    """The last move of the batch and what undoing it would do (days back to their dates before
    it). Refused when there is none, or when the days have changed since."""
    _can_run(actor, batch)
    if batch.cancelled_at is not None:
        raise BatchError(_l("This batch is cancelled."))
    move = queries.last_move(batch.id)
    if move is None:
        raise BatchError(_l("There is no move to undo."))
    now = {d.number: d.date for d in batch.days}
    rows = []
    for number, old, new in move.changes:
        if now.get(number) != date.fromisoformat(new):
            raise BatchError(_l("The days have changed since that move: move them again instead."))
        rows.append((number, date.fromisoformat(new), date.fromisoformat(old)))
    clashes = find_clashes(batch.facilitators, [back for _n, _now, back in rows], exclude_batch_id=batch.id)
    return move, rows, clashes


def undo_last_move(actor: User, batch: Batch, *, clash_ok: str | None = None) -> list[TrainingDay]:
    """Put the days of the batch's last move back where they were (audited). A facilitator's
    other batch on one of those dates needs `clash_ok`, as for any move."""
    move, rows, _clashes = undo_plan(actor, batch)
    clashes = check_clashes(actor, batch.facilitators, [back for _n, _now, back in rows], exclude_batch_id=batch.id,
                            confirmed=clash_ok)
    moved = _set_dates(batch, {n: back for n, _now, back in rows})
    move.undone_at = utcnow()
    audit.record(actor, "training_day_move_undone", "batch", batch.id,
                 details={"fields": ["date"], "days_moved": len(moved), "move": move.id})
    _audit_clashes(actor, batch, clashes)
    db.session.commit()
    return moved


# --- holidays --------------------------------------------------------------------------------

HOLIDAY_FILE = Path(__file__).resolve().parents[2] / "data" / "holidays-bd-2026-2027.csv"
TRUE_WORDS, FALSE_WORDS = {"yes", "y", "1", "true", "lunar"}, {"", "no", "n", "0", "false"}


def _holiday_fields(day, name) -> tuple[date, str]:
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise BatchError(_l("Give the holiday a name (at most 80 characters)."), "name")
    if not isinstance(day, date):
        raise BatchError(_l("Give the holiday's date."), "date")
    if not date(2020, 1, 1) <= day <= date(2100, 12, 31):
        raise BatchError(_l("Choose a date between 2020 and 2100."), "date")
    return day, name


def add_holiday(actor: User | None, day: date, name: str, *, lunar: bool = False) -> Holiday:
    _require_master(actor)
    day, name = _holiday_fields(day, name)
    if db.session.scalar(select(Holiday.id).where(Holiday.date == day)):
        raise BatchError(_l("%(date)s is already in the holiday list.", date=day.isoformat()), "date")
    holiday = Holiday(date=day, name=name, lunar=bool(lunar))
    db.session.add(holiday)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise BatchError(_l("%(date)s is already in the holiday list.", date=day.isoformat()), "date") from error
    audit.record(actor, "holiday_added", "holiday", holiday.id, details={"fields": ["date", "name", "lunar"]})
    db.session.commit()
    return holiday


def update_holiday(actor: User, holiday: Holiday, day: date, name: str, *, lunar: bool = False) -> Holiday:
    """Correct a holiday (a moon sighting moved Eid by a day). Existing training days are not moved."""
    _require_master(actor)
    day, name = _holiday_fields(day, name)
    if db.session.scalar(select(Holiday.id).where(Holiday.date == day, Holiday.id != holiday.id)):
        raise BatchError(_l("%(date)s is already in the holiday list.", date=day.isoformat()), "date")
    changed = [f for f, v in (("date", day), ("name", name), ("lunar", bool(lunar))) if getattr(holiday, f) != v]
    holiday.date, holiday.name, holiday.lunar = day, name, bool(lunar)
    if changed:
        audit.record(actor, "holiday_updated", "holiday", holiday.id, details={"fields": changed})
    db.session.commit()
    return holiday


class HolidayFileError(BatchError):
    """A holiday file with bad rows: `errors` lists (line number, message); nothing was saved."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(_l("The file has %(n)d bad rows; nothing was saved.", n=len(errors)))
        self.errors = errors


def load_holidays(actor: User | None, text: str) -> tuple[int, int]:
    """Load a holiday CSV (columns date, name, lunar, note): every row or none. A date already
    listed is kept as it is (so loading the same file twice adds nothing). Returns (added, kept)."""
    _require_master(actor)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or not {"date", "name"} <= {(f or "").strip().lower() for f in reader.fieldnames}:
        raise HolidayFileError([(1, str(_l("The first line must name the columns: date, name, lunar, note.")))])
    errors, rows, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        try:
            try:
                day = date.fromisoformat(row.get("date", ""))
            except ValueError:
                raise BatchError(_l("“%(value)s” is not a date like 2026-12-16.", value=row.get("date", ""))) from None
            day, name = _holiday_fields(day, row.get("name"))
            lunar = row.get("lunar", "").lower()
            if lunar not in TRUE_WORDS | FALSE_WORDS:
                raise BatchError(_l("Lunar must be yes or no, not “%(value)s”.", value=row.get("lunar")))
            if day in seen:
                raise BatchError(_l("%(date)s is in the file twice (line %(line)d).", date=day.isoformat(),
                                    line=seen[day]))
        except BatchError as error:
            errors.append((line, str(error)))
            continue
        seen[day] = line
        rows.append((day, name, lunar in TRUE_WORDS))
    if errors:
        raise HolidayFileError(errors)
    listed = set(db.session.scalars(select(Holiday.date).where(Holiday.date.in_(seen))))
    added = [Holiday(date=day, name=name, lunar=lunar) for day, name, lunar in rows if day not in listed]
    db.session.add_all(added)
    db.session.flush()
    audit.record(actor, "holidays_loaded", "holiday", None, details={"added": len(added), "kept": len(listed)})
    db.session.commit()
    return len(added), len(listed)


def delete_holiday(actor: User, holiday: Holiday) -> None:
    _require_master(actor)
    audit.record(actor, "holiday_deleted", "holiday", holiday.id)
    db.session.delete(holiday)
    db.session.commit()


# --- enrolment -------------------------------------------------------------------------------

def _check_enrollable(actor: User, batch: Batch) -> None:
    _can_run(actor, batch)
    status = batch.status_on(today())
    if status == BatchStatus.CANCELLED:
        raise BatchError(_l("This batch is cancelled: nobody can join it."))
    if status == BatchStatus.COMPLETED:
        raise BatchError(_l("This batch has finished: nobody can join it."))


def _lock(batch: Batch) -> None:
    """Serialise enrolments into one batch so two saves cannot both take the last place
    (PostgreSQL row lock; SQLite already runs one writer at a time)."""
    db.session.execute(select(Batch.id).where(Batch.id == batch.id).with_for_update())


def _places_left(batch: Batch) -> int:
    return batch.capacity - queries.active_count(batch.id)


def enrol(actor: User, batch: Batch, participants: list[Participant], *, commit: bool = True) -> list[Enrolment]:
    """Enrol people into a batch: all of them or none (capacity, partner, one active enrolment)."""
    _check_enrollable(actor, batch)
    if not participants:
        raise BatchError(_l("Choose at least one participant."))
    _lock(batch)
    unique = {p.id: p for p in participants}
    people = list(unique.values())
    for person in people:
        if person.partner_id != batch.partner_id:
            raise BatchError(_l("%(code)s belongs to another partner organisation.", code=person.code))
        if actor is not None and actor.role == Role.FACILITATOR and person.partner_id != actor.partner_id:
            raise BatchError(_l("%(code)s belongs to another partner organisation.", code=person.code))
        if person.erased_at is not None:
            raise BatchError(_l("%(code)s was erased.", code=person.code))
    existing = {e.participant_id: e for e in db.session.scalars(
        select(Enrolment).where(Enrolment.participant_id.in_(unique),
                                Enrolment.status == EnrolmentStatus.ACTIVE))}
    for person in people:
        if person.id in existing:
            where = existing[person.id].batch
            message = (_l("%(code)s is already in this batch.", code=person.code) if where.id == batch.id else
                       _l("%(code)s is already enrolled in %(batch)s: transfer them instead.", code=person.code,
                          batch=where.code))
            raise BatchError(message)
    left = _places_left(batch)
    if len(people) > left:
        raise BatchError(_l("The batch has %(left)d places left; you chose %(n)d people.", left=max(left, 0),
                            n=len(people)))
    earlier = {e.participant_id: e for e in db.session.scalars(
        select(Enrolment).where(Enrolment.batch_id == batch.id, Enrolment.participant_id.in_(unique)))}
    enrolments = []
    for person in people:
        row = earlier.get(person.id)
        if row is None:
            row = Enrolment(batch=batch, participant=person, status=EnrolmentStatus.ACTIVE, enrolled_on=today())
            db.session.add(row)
        else:  # back in a batch they left: the same row, so its marks stay with them
            row.status, row.ended_on, row.reason, row.transferred_to = EnrolmentStatus.ACTIVE, None, None, None
        enrolments.append(row)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise BatchError(_l("Please try again: someone enrolled one of these people at the same moment.")) from error
    audit.record(actor, "participants_enrolled", "batch", batch.id, details={"count": len(enrolments)})
    if commit:
        db.session.commit()
    return enrolments


def _check_end_date(enrolment: Enrolment, on: date) -> None:
    if not isinstance(on, date):
        raise BatchError(_l("Give the date as a date."))
    earliest = min(enrolment.enrolled_on, enrolment.batch.start_date)
    if on < earliest or on > today():
        raise BatchError(_l("The date must be between %(start)s and today.", start=earliest.isoformat()))


def drop_out(actor: User, enrolment: Enrolment, *, on: date, reason: str) -> None:
    _can_run(actor, enrolment.batch)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise BatchError(_l("This enrolment has already ended."))
    if reason not in DROP_REASONS:
        raise BatchError(_l("Choose a reason from the list."))
    _check_end_date(enrolment, on)
    enrolment.status, enrolment.ended_on, enrolment.reason = EnrolmentStatus.DROPPED, on, reason
    audit.record(actor, "enrolment_dropped", "enrolment", enrolment.id, details={"fields": ["status", "ended_on",
                                                                                           "reason"]})
    db.session.commit()


def transfer(actor: User, enrolment: Enrolment, target: Batch, *, on: date | None = None) -> Enrolment:
    """Move an active enrolment to another batch of the same partner. The old enrolment ends as
    `transferred` and keeps its marks; the attendance summary counts them by day number."""
    _can_run(actor, enrolment.batch)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise BatchError(_l("Only an active enrolment can be transferred."))
    if target.id == enrolment.batch_id:
        raise BatchError(_l("Choose another batch."))
    _check_enrollable(actor, target)
    if target.partner_id != enrolment.batch.partner_id:
        raise BatchError(_l("Transfers stay within one partner organisation."))
    on = on or today()
    _check_end_date(enrolment, on)
    _lock(target)
    if _places_left(target) < 1:
        raise BatchError(_l("%(batch)s is full.", batch=target.code))
    enrolment.status, enrolment.ended_on = EnrolmentStatus.TRANSFERRED, on
    enrolment.reason = LeavingReason.TRANSFER
    db.session.flush()  # the old row stops being active before the new one starts
    new = db.session.scalar(select(Enrolment).where(Enrolment.batch_id == target.id,
                                                    Enrolment.participant_id == enrolment.participant_id))
    if new is None:
        new = Enrolment(batch=target, participant_id=enrolment.participant_id, status=EnrolmentStatus.ACTIVE,
                        enrolled_on=on)
        db.session.add(new)
    else:
        new.status, new.ended_on, new.reason, new.transferred_to = EnrolmentStatus.ACTIVE, None, None, None
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise BatchError(_l("Please try again: this enrolment changed at the same moment.")) from error
    enrolment.transferred_to = new
    audit.record(actor, "enrolment_transferred", "enrolment", enrolment.id,
                 details={"fields": ["status", "ended_on", "batch"], "to_enrolment": new.id})
    db.session.commit()
    return new


def participants_by_codes(actor: User, codes: Iterable[str]) -> list[Participant]:
    """Participants in the actor's reach for a list of codes; unknown codes raise one message."""
    wanted = {c.strip().upper() for c in codes if c and c.strip()}
    if not wanted:
        return []
    found = list(db.session.scalars(participant_scope(actor).where(func.upper(Participant.code).in_(wanted))))
    missing = wanted - {p.code.upper() for p in found}
    if missing:
        raise BatchError(_l("No participant you can reach has the code %(codes)s.", codes=", ".join(sorted(missing))))
    return found


def import_partner(actor: User, partner_id) -> Partner:
    """The partner a roster is imported for: one that exists, and for a facilitator their own."""
    try:
        partner_id = int(partner_id or 0)
    except (TypeError, ValueError):
        raise BatchError(_l("Choose a partner organisation.")) from None
    if actor.role == Role.FACILITATOR and partner_id != actor.partner_id:
        raise BatchError(_l("You can register participants only for your own partner organisation."))
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        raise BatchError(_l("Choose a partner organisation."))
    return partner


def allow_roster_check(actor: User) -> str | None:
    """Roster checks and imports per user per hour, in the one throttle: each one compares a
    whole file with the registry. Returns the refusal to show, or None. The check that spends the
    last of the hour is audited once; refused ones are only counted."""
    verdict = throttle.reserve([throttle.gate(throttle.ROSTER, actor.id, subject_id=actor.id)])
    if verdict.started:
        audit.record(actor, "roster_checks_paused", "user", actor.id, outcome="refused",
                     details={"checks": verdict.counts[throttle.ROSTER]}, commit=True)
    if verdict.allowed:
        return None
    return _("You have checked %(n)d rosters in the last hour, the most allowed. Wait %(time)s and try again.",
             n=throttle.policy(throttle.ROSTER).step,
             time=format_timedelta(timedelta(seconds=verdict.wait), granularity="minute"))
