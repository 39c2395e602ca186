"""Recording follow-up visits and support, the participant's money book, and erasure.

Each function takes the acting user, checks the rules, writes, audits (field names, never values)
and commits once. A broken rule raises FollowUpError with a message safe to show and changes
nothing.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, update

from edt import audit, signals
from edt.clock import today, utcnow
from edt.errors import RuleError
from edt.extensions import db
from edt.forms import FIRST_DAY
from edt.modules.participants.models import INTAKE_FIELDS, IncomeRange, Participant, WorkKind

from .models import (RECORDED, Category, FollowUp, FollowUpStatus, LoanSource, Method, MoneyBook, MoneyEntry, Need,
                     SupportGiven, SupportKind)
from .queries import Visit

ERASED = "[erased]"
TEXT_MAX = 300
TRADE_MAX = 80
NOTE_MAX = 200
AMOUNT_MAX = 10_000_000
ANSWERS = ("works_now", "business_started", "trade", "still_running", "income_range", "days_worked", "savings",
           "loan_source", "support_since", "needs", "needs_note", "next_step")


class FollowUpError(RuleError):
    """A follow-up rule was broken; the message is safe to show. Nothing was changed."""


def _choice(value, enum, field: str):
    if value in (None, ""):
        return None
    if value not in {m.value for m in enum}:
        raise FollowUpError(_l("Choose one of the answers."), field)
    return value


def _choices(values, enum, field: str) -> list[str]:
    values = [v for v in (values or []) if v]
    allowed = {m.value for m in enum}
    if any(v not in allowed for v in values):
        raise FollowUpError(_l("Choose from the list."), field)
    return [m.value for m in enum if m.value in values]  # stored in the list's order, once each


def _text(value, limit: int, field: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise FollowUpError(_l("At most %(n)d characters, please.", n=limit), field)
    return value


def record(actor, visit: Visit, *, status: str, method: str | None = None, consent_confirmed: bool = False,
           **answers) -> FollowUp:
    """Record (or correct) a visit. "done" needs the way it was made, the consent ticked again and
    what work they do now; "not reached" and "refused" keep no answers; "withdrawn" ends the
    follow-up of this person (later stages are not scheduled)."""
    if status not in {s.value for s in RECORDED}:
        raise FollowUpError(_l("Choose what happened."), "status")
    on = today()
    if on < visit.opens:
        raise FollowUpError(_l("This visit opens on %(day)s.", day=visit.opens.isoformat()), "status")
    if visit.status == FollowUpStatus.WITHDRAWN and visit.record is None:
        raise FollowUpError(_l("This person withdrew their consent: they are not followed up any more."), "status")
    unknown = set(answers) - set(ANSWERS)
    if unknown:
        raise TypeError(f"unknown answers: {sorted(unknown)}")
    method = _choice(method, Method, "method")
    values = dict.fromkeys(ANSWERS)
    values.update(trade="", needs_note="", next_step="", support_since=[], needs=[])
    if status == FollowUpStatus.DONE:
        if method is None:
            raise FollowUpError(_l("Choose how you met: home visit, phone call or at the office."), "method")
        if not consent_confirmed:
            raise FollowUpError(_l("Ask again whether they agree that we keep these answers, and tick the box. If "
                                   "they do not agree, choose \"consent withdrawn\"."), "consent_confirmed")
        values["works_now"] = _choice(answers.get("works_now"), WorkKind, "works_now")
        if values["works_now"] is None:
            raise FollowUpError(_l("Choose what work they do now."), "works_now")
        for name in ("business_started", "still_running", "savings"):
            value = answers.get(name)
            if value not in (None, True, False):
                raise FollowUpError(_l("Choose yes or no."), name)
            values[name] = value
        if values["business_started"] is not True:
            values["still_running"] = None
        values["trade"] = _text(answers.get("trade"), TRADE_MAX, "trade") if values["business_started"] else ""
        values["income_range"] = _choice(answers.get("income_range"), IncomeRange, "income_range")
        days = answers.get("days_worked")
        if days is not None and (not isinstance(days, int) or not 0 <= days <= 30):
            raise FollowUpError(_l("Write a number of days from 0 to 30."), "days_worked")
        values["days_worked"] = days
        values["loan_source"] = _choice(answers.get("loan_source"), LoanSource, "loan_source")
        values["support_since"] = _choices(answers.get("support_since"), SupportKind, "support_since")
        values["needs"] = _choices(answers.get("needs"), Need, "needs")
        values["needs_note"] = _text(answers.get("needs_note"), TEXT_MAX, "needs_note")
        values["next_step"] = _text(answers.get("next_step"), TEXT_MAX, "next_step")
    row = visit.record
    if row is None:
        row = FollowUp(participant_id=visit.participant.id, batch_id=visit.batch.id, stage=visit.stage.key)
        db.session.add(row)
    row.status, row.method, row.due_on = status, method, visit.due
    row.consent_confirmed = bool(consent_confirmed) and status == FollowUpStatus.DONE
    for name, value in values.items():
        setattr(row, name, value)
    row.recorded_at, row.recorded_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "follow_up_recorded", "follow_up", row.id, details={
        "stage": visit.stage.key, "status": status,
        "fields": sorted(n for n in ANSWERS if values[n] not in (None, "", []))})
    db.session.commit()
    return row


def not_reached(actor, visit: Visit) -> FollowUp:
    """One tap on the due list: tried, nobody answered. The visit stays on the list until its
    window closes, for another try."""
    if visit.status in (FollowUpStatus.DONE, FollowUpStatus.REFUSED):
        raise FollowUpError(_l("This visit is already recorded."), "status")
    return record(actor, visit, status=FollowUpStatus.NOT_REACHED.value,
                  method=visit.record.method if visit.record else None)


def add_support(actor, participant: Participant, *, kind: str, given_on: date | None, note: str = "") -> SupportGiven:
    if kind not in {m.value for m in SupportKind}:
        raise FollowUpError(_l("Choose what support was given."), "kind")
    given_on = given_on or today()
    if not FIRST_DAY <= given_on <= today():
        raise FollowUpError(_l("The date cannot be in the future."), "given_on")
    row = SupportGiven(participant_id=participant.id, kind=kind, given_on=given_on,
                       note=_text(note, NOTE_MAX, "note"), given_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "support_recorded", "participant", participant.id,
                 details={"kind": kind, "fields": ["note"] if row.note else []})
    db.session.commit()
    return row


# --- the money book (the participant's own) ---------------------------------------------------------

def _own(actor, participant: Participant) -> None:
    if participant.user_id != actor.id:
        raise FollowUpError(_l("Only the owner writes in a money book."))


def add_entry(actor, participant: Participant, *, category: str, amount: int | None, on: date | None) -> MoneyEntry:
    _own(actor, participant)
    if category not in {m.value for m in Category}:
        raise FollowUpError(_l("Tap a picture to choose what the money was for."), "category")
    if amount is None or not 1 <= amount <= AMOUNT_MAX:
        raise FollowUpError(_l("Write the amount in Taka, like 500 or ৫০০."), "amount")
    on = on or today()
    if not FIRST_DAY <= on <= today():
        raise FollowUpError(_l("The date cannot be in the future."), "on")
    row = MoneyEntry(participant_id=participant.id, on=on, category=category,
                     direction=Category(category).direction.value, amount=amount)
    db.session.add(row)
    db.session.commit()
    return row


def delete_entry(actor, participant: Participant, entry: MoneyEntry) -> None:
    _own(actor, participant)
    if entry.participant_id != participant.id:
        raise FollowUpError(_l("This line is not in your book."))
    db.session.delete(entry)
    db.session.commit()


def set_shared(actor, participant: Participant, shared: bool) -> MoneyBook:
    """The owner's choice: staff see the monthly totals only while it is shared."""
    _own(actor, participant)
    book = db.session.get(MoneyBook, participant.id)
    if book is None:
        book = MoneyBook(participant_id=participant.id)
        db.session.add(book)
    book.shared, book.updated_at = bool(shared), utcnow()
    audit.record(actor, "money_book_shared" if shared else "money_book_unshared", "participant", participant.id)
    db.session.commit()
    return book


# --- erasure ------------------------------------------------------------------------------------------

@signals.erases("participant.intake_work", "participant.intake_income_source", "participant.intake_income",
                "participant.intake_business", "money_entry.direction", "money_entry.category", "follow_up.trade",
                "follow_up.needs_note", "follow_up.next_step", "support_given.note")
def erase(participant: Participant, actor=None, **_extra) -> list[str]:
    """Inside the erasure's transaction: the intake answers go, the money book goes, free text of
    visits and support is replaced; what the programme counts (statuses, answers chosen from
    lists) stays, as the reports keep the plan's figures."""
    for name in INTAKE_FIELDS:
        setattr(participant, name, None)
    db.session.execute(delete(MoneyEntry).where(MoneyEntry.participant_id == participant.id))
    db.session.execute(delete(MoneyBook).where(MoneyBook.participant_id == participant.id))
    for column in ("trade", "needs_note", "next_step"):
        attribute = getattr(FollowUp, column)
        db.session.execute(update(FollowUp).where(FollowUp.participant_id == participant.id, attribute != "")
                           .values({column: ERASED}).execution_options(synchronize_session=False))
    db.session.execute(update(SupportGiven).where(SupportGiven.participant_id == participant.id,
                                                  SupportGiven.note != "")
                       .values(note=ERASED).execution_options(synchronize_session=False))
    return ["intake", "money_book", "follow_up_notes", "support_notes"]

