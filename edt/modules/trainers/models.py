"""Training of trainers (ToT) events, their days, trainees and marks; observations of a
facilitator's session scored with the guide's rubric; and each facilitator's credential with its
history of status changes.

The stored credential status is what a master trainer decided; `lapsed` also follows from the
dates (see services.standing): a certificate older than its validity, or no batch day, ToT or
refresher for the configured time, reads as lapsed without anyone having to remember it.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import Partner, User
from edt.modules.batches.models import Batch

REASON_LENGTH = 300
NOTE_LENGTH = 300


def criterion_field(criterion_id: str) -> str:
    """The form field of a rubric criterion: ids use hyphens, field names underscores."""
    return criterion_id.replace("-", "_")


class TotKind(Labelled):
    TOT = "tot"
    REFRESHER = "refresher"
    OTHER = "other"


TotKind.labels({TotKind.TOT: _l("Training of trainers (5 days)"), TotKind.REFRESHER: _l("Refresher"),
                TotKind.OTHER: _l("Other training of trainers")})


class CredentialStatus(Labelled):
    CANDIDATE = "candidate"
    PROVISIONAL = "provisional"
    CERTIFIED = "certified"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"


CredentialStatus.labels({CredentialStatus.CANDIDATE: _l("Candidate"),
                         CredentialStatus.PROVISIONAL: _l("Provisional"),
                         CredentialStatus.CERTIFIED: _l("Certified"), CredentialStatus.LAPSED: _l("Lapsed"),
                         CredentialStatus.WITHDRAWN: _l("Withdrawn")})


class TotMarkStatus(Labelled):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


TotMarkStatus.labels({TotMarkStatus.PRESENT: _l("Present"), TotMarkStatus.LATE: _l("Late"),
                      TotMarkStatus.EXCUSED: _l("Excused"), TotMarkStatus.ABSENT: _l("Absent")})

tot_partner = Table(
    "tot_partner",
    db.Model.metadata,
    Column("tot_event_id", ForeignKey("tot_event.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TotEvent(db.Model):
    """A training of trainers (the five-day ToT, the refresher day, or another length) run by a
    master trainer for facilitators of one or more partners."""

    __tablename__ = "tot_event"
    __table_args__ = (
        CheckConstraint(TotKind.check("kind"), name="kind"),
        CheckConstraint("start_date <= end_date", name="dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12), default=TotKind.TOT)
    venue: Mapped[str] = mapped_column(String(160), default="")
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    master_trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    master_trainer: Mapped[User | None] = relationship()
    partners: Mapped[list[Partner]] = relationship(secondary=tot_partner, order_by="Partner.name")
    days: Mapped[list["TotDay"]] = relationship(back_populates="event", order_by="TotDay.number",
                                                cascade="all, delete-orphan")
    trainees: Mapped[list["TotTrainee"]] = relationship(back_populates="event", cascade="all, delete-orphan")

    @property
    def kind_label(self):
        return TotKind(self.kind).label

    def status_on(self, today: date) -> str:
        if today < self.start_date:
            return "planned"
        return "completed" if today > self.end_date else "running"


class TotDay(db.Model):
    """One day of a ToT, on a date, with the guide page of its session plans (a slug of
    facilitator_guide/, for example `tot-day-2` or `tot-refresher`)."""

    __tablename__ = "tot_day"
    __table_args__ = (
        UniqueConstraint("tot_event_id", "number", name="uq_tot_day_event_number"),
        CheckConstraint("number between 1 and 10", name="number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tot_event_id: Mapped[int] = mapped_column(ForeignKey("tot_event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date, index=True)
    guide_slug: Mapped[str] = mapped_column(String(40), default="")

    event: Mapped[TotEvent] = relationship(back_populates="days")


class TotTrainee(db.Model):
    """A facilitator taking part in a ToT."""

    __tablename__ = "tot_trainee"
    __table_args__ = (UniqueConstraint("tot_event_id", "user_id", name="uq_tot_trainee_event_user"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tot_event_id: Mapped[int] = mapped_column(ForeignKey("tot_event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    event: Mapped[TotEvent] = relationship(back_populates="trainees")
    user: Mapped[User] = relationship(lazy="joined")


class TotMark(db.Model):
    """One attendance mark per (ToT day, trainee), the same four marks as a batch day."""

    __tablename__ = "tot_mark"
    __table_args__ = (
        UniqueConstraint("tot_day_id", "trainee_id", name="uq_tot_mark_day_trainee"),
        CheckConstraint(TotMarkStatus.check("status"), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tot_day_id: Mapped[int] = mapped_column(ForeignKey("tot_day.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("tot_trainee.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Observation(db.Model):
    """A master trainer's scoring of one session a facilitator ran, in a ToT teach-back or in a
    real batch: each rubric criterion 1 to 4 with an optional note (`scores`: {criterion id:
    {"score": n, "note": text}}), against the rubric version it was scored with."""

    __tablename__ = "observation"
    __table_args__ = (
        CheckConstraint("mean_score between 1 and 4", name="mean_score"),
        CheckConstraint("not (tot_event_id is not null and batch_id is not null)", name="one_context"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    observed_on: Mapped[date] = mapped_column(Date, index=True)
    tot_event_id: Mapped[int | None] = mapped_column(ForeignKey("tot_event.id", ondelete="SET NULL"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="SET NULL"), index=True)
    session: Mapped[str] = mapped_column(String(120), default="")
    rubric_version: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict] = mapped_column(JSON)
    mean_score: Mapped[float]
    meets_bar: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])
    observer: Mapped[User | None] = relationship(foreign_keys=[observer_id])
    tot_event: Mapped[TotEvent | None] = relationship()
    batch: Mapped[Batch | None] = relationship()


class Credential(db.Model):
    """A facilitator's standing to run EDT batches. No row reads as a candidate. `serial` and
    `code` are given at the first certification and kept through renewals; `certified_on` and
    `expires_on` follow the latest one."""

    __tablename__ = "credential"
    __table_args__ = (
        CheckConstraint(CredentialStatus.check("status"), name="status"),
        CheckConstraint("expires_on is null or certified_on <= expires_on", name="dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=CredentialStatus.CANDIDATE)
    status_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")
    serial: Mapped[str | None] = mapped_column(String(20), unique=True)  # EDT-F-2026-0001
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    certified_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def grouped_code(self) -> str:
        code = self.code or ""
        return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


class CredentialChange(db.Model):
    """One status change of a credential, or a lapsed facilitator put on a batch anyway (`kind`
    `lapsed_assignment`, from = to = lapsed): shown on the facilitator's page."""

    __tablename__ = "credential_change"
    __table_args__ = (
        CheckConstraint(CredentialStatus.check("from_status"), name="from_status"),
        CheckConstraint(CredentialStatus.check("to_status"), name="to_status"),
        CheckConstraint("kind in ('status', 'lapsed_assignment')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="status")
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship()
