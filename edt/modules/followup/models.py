"""Follow-up visits after the ten days, the support given after training, and a participant's
own money book.

A follow-up is scheduled lazily: its due date is worked out from the batch's last day and the
stage (stages.toml), so moving a training day moves every due date with it and no row waits to be
written when a batch ends. A `FollowUp` row exists once someone records the visit (done, not
reached, refused, withdrawn); "scheduled" and "missed" are what a stage without a row is, before
and after its window closes.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.participants.models import IncomeRange, Participant, WorkKind


class FollowUpStatus(Labelled):
    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    NOT_REACHED = "not_reached"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


FollowUpStatus.labels({FollowUpStatus.SCHEDULED: _l("Scheduled"), FollowUpStatus.DONE: _l("Done"),
                       FollowUpStatus.MISSED: _l("Missed"), FollowUpStatus.NOT_REACHED: _l("Not reached"),
                       FollowUpStatus.REFUSED: _l("Refused"), FollowUpStatus.WITHDRAWN: _l("Consent withdrawn")})
# What a recorded visit may say (a row is never "scheduled" or "missed": those have no row).
RECORDED = (FollowUpStatus.DONE, FollowUpStatus.NOT_REACHED, FollowUpStatus.REFUSED, FollowUpStatus.WITHDRAWN)


class Method(Labelled):
    HOME = "home"
    PHONE = "phone"
    OFFICE = "office"


Method.labels({Method.HOME: _l("Home visit"), Method.PHONE: _l("Phone call"),
               Method.OFFICE: _l("At the partner's office")})


class LoanSource(Labelled):
    NONE = "none"
    MFI = "mfi"
    BANK = "bank"
    SAMITY = "samity"
    FAMILY = "family"
    MONEYLENDER = "moneylender"
    OTHER = "other"


LoanSource.labels({LoanSource.NONE: _l("No loan"), LoanSource.MFI: _l("NGO or microcredit"),
                   LoanSource.BANK: _l("Bank"), LoanSource.SAMITY: _l("Savings group (samity)"),
                   LoanSource.FAMILY: _l("Family or friends"), LoanSource.MONEYLENDER: _l("Moneylender"),
                   LoanSource.OTHER: _l("Other")})


class SupportKind(Labelled):
    MENTORING = "mentoring"
    MARKET = "market"
    LOAN = "loan"
    GRANT = "grant"
    BDS = "bds"
    COUNSELLING = "counselling"


SupportKind.labels({SupportKind.MENTORING: _l("Mentoring visit"), SupportKind.MARKET: _l("Market linkage"),
                    SupportKind.LOAN: _l("Referral to a loan"), SupportKind.GRANT: _l("Grant or in-kind support"),
                    SupportKind.BDS: _l("Business development service"),
                    SupportKind.COUNSELLING: _l("Referral to counselling")})


class Need(Labelled):
    CAPITAL = "capital"
    SKILLS = "skills"
    MARKET = "market"
    MENTORING = "mentoring"
    JOB = "job"
    HEALTH = "health"
    LEGAL = "legal"
    NOTHING = "nothing"


Need.labels({Need.CAPITAL: _l("Money to start or grow"), Need.SKILLS: _l("More skills training"),
             Need.MARKET: _l("Buyers or a market"), Need.MENTORING: _l("Advice and mentoring"),
             Need.JOB: _l("Help to find a job"), Need.HEALTH: _l("Health or counselling"),
             Need.LEGAL: _l("Legal help or papers"), Need.NOTHING: _l("Nothing now")})


class Direction(Labelled):
    IN = "in"
    OUT = "out"


Direction.labels({Direction.IN: _l("Money in"), Direction.OUT: _l("Money out")})


class Category(Labelled):
    """The money book's picture categories: one "in" category and six "out" ones."""

    SALES = "sales"
    INPUTS = "inputs"
    RENT = "rent"
    TRANSPORT = "transport"
    HOUSEHOLD = "household"
    LOAN = "loan"
    SAVINGS = "savings"

    @property
    def direction(self) -> Direction:
        return Direction.IN if self is Category.SALES else Direction.OUT


Category.labels({Category.SALES: _l("Sales"), Category.INPUTS: _l("Materials and stock"), Category.RENT: _l("Rent"),
                 Category.TRANSPORT: _l("Transport"), Category.HOUSEHOLD: _l("Taken for the household"),
                 Category.LOAN: _l("Loan repayment"), Category.SAVINGS: _l("Put into savings")})



class FollowUp(db.Model):
    """One recorded follow-up: a person, the batch they finished, a stage ("m6") and what was
    found. Recording the same stage again (a second try after "not reached") updates the row."""

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("participant_id", "batch_id", "stage", name="uq_follow_up_stage"),
        CheckConstraint(FollowUpStatus.check("status"), name="status"),
        CheckConstraint("method is null or " + Method.check("method"), name="method"),
        CheckConstraint("works_now is null or " + WorkKind.check("works_now"), name="works_now"),
        CheckConstraint("income_range is null or " + IncomeRange.check("income_range"), name="income_range"),
        CheckConstraint("loan_source is null or " + LoanSource.check("loan_source"), name="loan_source"),
        CheckConstraint("days_worked is null or days_worked between 0 and 30", name="days_worked"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)  # the due date when it was recorded (for the record)
    method: Mapped[str | None] = mapped_column(String(8))
    consent_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    works_now: Mapped[str | None] = mapped_column(String(8))
    business_started: Mapped[bool | None] = mapped_column(Boolean)
    trade: Mapped[str] = mapped_column(String(80), default="")
    still_running: Mapped[bool | None] = mapped_column(Boolean)
    income_range: Mapped[str | None] = mapped_column(String(12))
    days_worked: Mapped[int | None] = mapped_column(Integer)
    savings: Mapped[bool | None] = mapped_column(Boolean)
    loan_source: Mapped[str | None] = mapped_column(String(12))
    support_since: Mapped[list] = mapped_column(JSON, default=list)  # SupportKind values
    needs: Mapped[list] = mapped_column(JSON, default=list)  # Need values
    needs_note: Mapped[str] = mapped_column(String(300), default="")
    next_step: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    def __repr__(self):
        return f"<FollowUp {self.participant_id}/{self.batch_id}/{self.stage} {self.status}>"


class SupportGiven(db.Model):
    """Post-training support given to a participant: what, when, by whom."""

    __tablename__ = "support_given"
    __table_args__ = (CheckConstraint(SupportKind.check("kind"), name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    given_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    given_by: Mapped[User | None] = relationship()


class MoneyBook(db.Model):
    """A participant's choice about their money book: shared with staff (monthly totals only) or not."""

    __tablename__ = "money_book"
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MoneyEntry(db.Model):
    """One line of a participant's money book, in whole Taka."""

    __tablename__ = "money_entry"
    __table_args__ = (
        CheckConstraint(Category.check("category"), name="category"),
        CheckConstraint(Direction.check("direction"), name="direction"),
        CheckConstraint("amount between 1 and 10000000", name="amount"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(4))
    category: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
