from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.extensions import db
from edt.modules.accounts.models import Partner, User

GENDERS = ("woman", "man", "other", "undisclosed")


class Participant(db.Model):
    """A person taking EDT. Known everywhere by the pseudonymous `code`; the name appears only
    where the work needs it (attendance, sign-in sheet, canvas review, their own pages)."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint("gender in ('woman', 'man', 'other', 'undisclosed')", name="gender"),
        CheckConstraint("birth_year is null or (birth_year between 1930 and 2020)", name="birth_year"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    # Lower-cased, space-collapsed name for search and duplicate checks.
    name_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    gender: Mapped[str] = mapped_column(String(12), default="woman")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    district: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20))
    consent_data_use: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_photos: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partner: Mapped[Partner] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def has_pin(self) -> bool:
        """False for people imported from a roster until a facilitator sets their PIN."""
        return not (self.user.password_hash or "").startswith("!")

    def __repr__(self):
        return f"<Participant {self.code}>"
