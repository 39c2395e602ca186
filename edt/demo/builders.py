"""Recipes that build real records through the services the app itself uses. The demo data
(edt/demo/seed.py) and the tests (tests/factories.py) both build their batches with these, so a
"certifiable batch" means the same thing in both."""
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from edt.clock import today
from edt.modules.attendance import services as attendance
from edt.modules.batches import services as batches
from edt.modules.canvas import services as canvases

StatusOf = Callable[[int, int], str]  # (index of the person, day number) -> attendance status


def mark_attendance(actor, days, enrolments: Sequence, status_of: StatusOf) -> None:
    """Save each of `days` through the attendance service: person i gets status_of(i, day number)."""
    for day in days:
        attendance.save_day(actor, day, [attendance.Entry(enrolment_id=e.id, status=status_of(i, day.number))
                                         for i, e in enumerate(enrolments)])


def present_days(attended: Sequence[int], excused: int = 0) -> StatusOf:
    """Person i is present on days 1..attended[i], then excused `excused` days, then absent."""
    def status_of(i: int, number: int) -> str:
        return ("present" if number <= attended[i] else
                "excused" if number <= attended[i] + excused else "absent")
    return status_of


def business_plan(person, status: str | None, *, reviewer=None, note: str | None = None):
    """Open `person`'s canvas with `note` in Value propositions, then bring it to `status`:
    "draft" (not sent), "submitted" or "approved" (by `reviewer`). None: no canvas at all."""
    if status is None:
        return None
    sheet = canvases.open_canvas(person)
    if note:
        canvases.add_item(person.user, sheet, "value_propositions", note, sheet.revision)
    if status in ("submitted", "approved"):
        canvases.submit(person.user, sheet, sheet.revision)
    if status == "approved":
        canvases.review(reviewer, sheet, "approve", "", None, sheet.revision)
    return sheet


def finished_batch(trainer, partner, facilitator_ids, people, *, venue: str, first_day: date,
                   scheduled_in: int = 2) -> tuple:
    """A batch whose days lie in the past, with `people` enrolled. The services enrol people only
    in a batch that has not ended, so it is scheduled `scheduled_in` days ahead, filled, then its
    first day moved back to `first_day` (or the working day before it), the others following:
    how a batch entered late looks. Returns (batch, enrolments in the order of `people`)."""
    batch = batches.create_batch(trainer, partner_id=partner.id, district=None, venue=venue,
                                 start_date=today() + timedelta(days=scheduled_in), facilitator_ids=list(facilitator_ids),
                                 clash_ok=batches.KEEP_BOTH)
    enrolments = batches.enrol(trainer, batch, list(people))
    while first_day.weekday() in batch.off_weekdays:
        first_day -= timedelta(days=1)
    batches.move_day(trainer, batch.days[0], first_day, confirmed=True, shift_following=True,
                     clash_ok=batches.KEEP_BOTH)
    return batch, enrolments


def days_in_order(batch) -> list:
    return sorted(batch.days, key=lambda d: d.number)


def certifiable_batch(trainer, partner, facilitators, people, *, status_of: StatusOf,
                      plans: Sequence[str | None], reviewer, notes: Sequence[str | None], marker=None,
                      venue: str = "Community hall", capacity: int = 25, first_day: date | None = None,
                      scheduled_in: int = 2) -> tuple:
    """A batch ready for certificates: `people` enrolled, all ten days marked by `marker` (the
    trainer by default) with status_of(i, day), and person i's business plan brought to
    plans[i] with notes[i] (see business_plan). Without `first_day` the ten days end today (no
    weekly off day); with it the batch finished in the past (see finished_batch).
    Returns (batch, enrolments in the order of `people`)."""
    if first_day is None:
        batch = batches.create_batch(trainer, partner_id=partner.id, district=None, venue=venue,
                                     start_date=today() - timedelta(days=9), off_days=set(), capacity=capacity,
                                     facilitator_ids=[f.id for f in facilitators], clash_ok=batches.KEEP_BOTH)
        by_person = {e.participant_id: e for e in batches.enrol(trainer, batch, list(people))}
        enrolments = [by_person[p.id] for p in people]
    else:
        batch, enrolments = finished_batch(trainer, partner, [f.id for f in facilitators], people, venue=venue,
                                           first_day=first_day, scheduled_in=scheduled_in)
    mark_attendance(marker or trainer, days_in_order(batch), enrolments, status_of)
    for person, plan_status, note in zip(people, plans, notes):
        business_plan(person, plan_status, reviewer=reviewer, note=note)
    return batch, enrolments
