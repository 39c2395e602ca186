from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt import sessions
from edt.clock import utcnow
from edt.extensions import db
from edt.security import STAFF, Role


class Partner(db.Model):
    """A local partner NGO (Sustainable Reintegration Partner) working in one district."""

    __tablename__ = "partner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    district: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self):
        return f"<Partner {self.id}>"


class User(UserMixin, db.Model):
    """Anyone who logs in. Participants log in with their participant code and a 6-digit PIN
    (stored, like passwords, as a scrypt hash); staff with a username and a password."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role in ('master_trainer', 'facilitator', 'participant')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout, password/PIN change, reset and deactivation: every older session dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partner: Mapped[Partner | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_enabled

    def get_id(self) -> str:
        return sessions.identity(self)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_master_trainer(self) -> bool:
        return self.role == Role.MASTER_TRAINER

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    @property
    def is_participant(self) -> bool:
        return self.role == Role.PARTICIPANT

    def __repr__(self):
        return f"<User {self.id} {self.role}>"
