"""Batches, their ten training days, the public-holiday list and enrolments.

A batch's status follows from its dates (planned, running, completed) unless it was cancelled.
`start_date` and `end_date` mirror the dates of day 1 and day 10 so lists can filter on status
in SQL; services keep them in step whenever a day moves.
"""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String,
                        Table, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_babel import lazy_gettext as _l

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.participants.models import Participant

DAYS_PER_BATCH = 10
LANGUAGES = ("bn", "en")


class BatchStatus(Labelled):
    """Follows from the dates unless the batch was cancelled (not stored: see Batch.status_on)."""
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


BatchStatus.labels({BatchStatus.PLANNED: _l("Planned"), BatchStatus.RUNNING: _l("Running"),
                    BatchStatus.COMPLETED: _l("Completed"), BatchStatus.CANCELLED: _l("Cancelled")})


class EnrolmentStatus(Labelled):
    ACTIVE = "active"
    DROPPED = "dropped"
    TRANSFERRED = "transferred"


EnrolmentStatus.labels({EnrolmentStatus.ACTIVE: _l("Enrolled"), EnrolmentStatus.DROPPED: _l("Left"),
                        EnrolmentStatus.TRANSFERRED: _l("Transferred")})


class LeavingReason(Labelled):
    """Why an enrolment ended: a facilitator picks one of the first six; a transfer sets TRANSFER."""
    WORK = "work"
    MOVED = "moved"
    HEALTH = "health"
    FAMILY = "family"
    UNREACHABLE = "unreachable"
    OTHER = "other"
    TRANSFER = "transfer"


LeavingReason.labels({LeavingReason.WORK: _l("Found work"), LeavingReason.MOVED: _l("Moved away"),
                      LeavingReason.HEALTH: _l("Health"), LeavingReason.FAMILY: _l("Family or care duties"),
                      LeavingReason.UNREACHABLE: _l("Could not be reached"), LeavingReason.OTHER: _l("Other reason"),
                      LeavingReason.TRANSFER: _l("Transfer")})

DROP_REASONS = tuple(r for r in LeavingReason if r != LeavingReason.TRANSFER)

batch_facilitator = Table(
    "batch_facilitator",
    db.Model.metadata,
    Column("batch_id", ForeignKey("batch.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Holiday(db.Model):
    """A public holiday: no training day is scheduled on it."""

    __tablename__ = "holiday"
    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(80))
    # A lunar holiday (Eid, Shab-e-Barat, Ashura...): its date depends on the moon sighting and
    # may move by a day; the holidays page says "check locally".
    lunar: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Batch(db.Model):
    """About 25 participants of one partner taking the ten days together."""

    __tablename__ = "batch"
    __table_args__ = (
        CheckConstraint("capacity between 1 and 60", name="capacity"),
        CheckConstraint("language in ('bn', 'en')", name="language"),
        CheckConstraint("start_date <= end_date", name="dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    district: Mapped[str] = mapped_column(String(40))
    venue: Mapped[str] = mapped_column(String(160), default="")
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    # Weekdays with no training, as digits Monday=0 ... Sunday=6 ("4" = Friday).
    off_days: Mapped[str] = mapped_column(String(7), default="4")
    language: Mapped[str] = mapped_column(String(2), default="bn")
    capacity: Mapped[int] = mapped_column(Integer, default=25)
    master_trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    partner: Mapped[Partner] = relationship(lazy="joined")
    master_trainer: Mapped[User | None] = relationship(foreign_keys=[master_trainer_id])
    facilitators: Mapped[list[User]] = relationship(secondary=batch_facilitator, order_by="User.display_name")
    days: Mapped[list["TrainingDay"]] = relationship(back_populates="batch", order_by="TrainingDay.number",
                                                     cascade="all, delete-orphan")
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="batch", foreign_keys="Enrolment.batch_id")

    @property
    def off_weekdays(self) -> set[int]:
        return {int(c) for c in self.off_days or ""}

    def status_on(self, today: date) -> BatchStatus:
        if self.cancelled_at is not None:
            return BatchStatus.CANCELLED
        if today < self.start_date:
            return BatchStatus.PLANNED
        return BatchStatus.COMPLETED if today > self.end_date else BatchStatus.RUNNING

    def __repr__(self):
        return f"<Batch {self.code}>"


class TrainingDay(db.Model):
    """One of the ten days of a batch, on a date; the days stay in order of their numbers."""

    __tablename__ = "training_day"
    __table_args__ = (
        UniqueConstraint("batch_id", "number", name="uq_training_day_batch_number"),
        UniqueConstraint("batch_id", "date", name="uq_training_day_batch_date"),
        CheckConstraint("number between 1 and 10", name="number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date, index=True)

    batch: Mapped[Batch] = relationship(back_populates="days")

    def __repr__(self):
        return f"<TrainingDay {self.batch_id}/{self.number}>"


class Enrolment(db.Model):
    """A participant in a batch. One active enrolment per participant (a partial unique index);
    a transfer ends the old one as `transferred` and its marks count in the new batch."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("batch_id", "participant_id", name="uq_enrolment_batch_participant"),
        CheckConstraint(EnrolmentStatus.check("status"), name="status"),
        CheckConstraint(f"reason is null or {LeavingReason.check('reason')}", name="reason"),
        Index("uq_enrolment_one_active", "participant_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=EnrolmentStatus.ACTIVE)
    enrolled_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(12))
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="enrolments", foreign_keys=[batch_id])
    participant: Mapped[Participant] = relationship()
    transferred_to: Mapped["Enrolment | None"] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE

    def __repr__(self):
        return f"<Enrolment {self.batch_id}/{self.participant_id} {self.status}>"


class DayMove(db.Model):
    """One confirmed move of a batch's training days, kept so the last one can be undone:
    `changes` lists [day number, old ISO date, new ISO date] (dates only, nothing personal)."""

    __tablename__ = "day_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self):
        return f"<DayMove {self.batch_id} {len(self.changes or [])}>"
