import unicodedata
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_babel import lazy_gettext as _l

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import Partner, User

GENDERS = ("woman", "man", "other", "undisclosed")


class WorkKind(Labelled):
    """What work someone does: asked at intake ("before the training") and at each follow-up."""

    NONE = "none"
    WAGE = "wage"
    SELF = "self"
    BOTH = "both"


WorkKind.labels({WorkKind.NONE: _l("No paid work"), WorkKind.WAGE: _l("Wage work (a job)"),
                 WorkKind.SELF: _l("Self-employed (own business)"), WorkKind.BOTH: _l("Both")})


class IncomeRange(Labelled):
    """Monthly income in Taka, as a range the person chooses (in order: a later member is more)."""

    ZERO = "0"
    UP_TO_2000 = "1-2000"
    UP_TO_5000 = "2001-5000"
    UP_TO_10000 = "5001-10000"
    ABOVE_10000 = "10001+"

    @property
    def rank(self) -> int:
        return list(IncomeRange).index(self)


IncomeRange.labels({IncomeRange.ZERO: _l("No income"), IncomeRange.UP_TO_2000: _l("Tk 1 to 2,000"),
                    IncomeRange.UP_TO_5000: _l("Tk 2,001 to 5,000"), IncomeRange.UP_TO_10000: _l("Tk 5,001 to 10,000"),
                    IncomeRange.ABOVE_10000: _l("Above Tk 10,000")})


class IncomeSource(Labelled):
    NONE = "none"
    DAY_LABOUR = "day_labour"
    JOB = "job"
    BUSINESS = "business"
    FARMING = "farming"
    FAMILY = "family"
    OTHER = "other"


IncomeSource.labels({IncomeSource.NONE: _l("No income of my own"), IncomeSource.DAY_LABOUR: _l("Day labour"),
                     IncomeSource.JOB: _l("A regular job"), IncomeSource.BUSINESS: _l("My own business"),
                     IncomeSource.FARMING: _l("Farming, livestock or fishing"),
                     IncomeSource.FAMILY: _l("Family support"), IncomeSource.OTHER: _l("Something else")})

# "Prefers not to say": stored as this value, so a skipped question (NULL) and a refused one differ.
UNDISCLOSED = "undisclosed"
# The intake columns (the baseline the follow-ups compare with): erased with the person.
INTAKE_FIELDS = ("intake_work", "intake_income_source", "intake_income", "intake_household", "intake_business")


def _intake_check(column: str, enum) -> CheckConstraint:
    values = ", ".join(repr(v) for v in [*(m.value for m in enum), UNDISCLOSED])
    return CheckConstraint(f"{column} is null or {column} in ({values})", name=column)


class Participant(db.Model):
    """A person taking EDT. Known everywhere by the pseudonymous `code`; the name appears only
    where the work needs it (attendance, sign-in sheet, canvas review, their own pages)."""

    __tablename__ = "participant"
    __table_args__ = (
        CheckConstraint("gender in ('woman', 'man', 'other', 'undisclosed')", name="gender"),
        CheckConstraint("birth_year is null or (birth_year between 1930 and 2020)", name="birth_year"),
        _intake_check("intake_work", WorkKind),
        _intake_check("intake_income_source", IncomeSource),
        _intake_check("intake_income", IncomeRange),
        CheckConstraint("intake_business is null or intake_business in ('yes', 'no', 'undisclosed')",
                        name="intake_business"),
        CheckConstraint("intake_household is null or intake_household between 1 and 30", name="intake_household"),
        # A partner's people in code order (lists, the enrol picker) without walking everyone's codes.
        Index("ix_participant_partner_id_code", "partner_id", "code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
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
    # The baseline at intake, all optional (NULL: not asked; "undisclosed": prefers not to say).
    # Asked in private and shown only on the person's record, never in lists.
    intake_work: Mapped[str | None] = mapped_column(String(12))
    intake_income_source: Mapped[str | None] = mapped_column(String(12))
    intake_income: Mapped[str | None] = mapped_column(String(12))
    intake_household: Mapped[int | None] = mapped_column(Integer)  # household members; empty when not given
    intake_business: Mapped[str | None] = mapped_column(String(12))

    partner: Mapped[Partner] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def has_pin(self) -> bool:
        """False for people imported from a roster until a facilitator sets their PIN."""
        return not (self.user.password_hash or "").startswith("!")

    @property
    def tel(self) -> str:
        """The phone number as a tel: link wants it: ASCII digits (a number typed in Bengali digits
        too) and a leading +, or "" when there is none."""
        phone = (self.phone or "").strip()
        digits = "".join(str(unicodedata.digit(c)) for c in phone if c.isdigit())
        return ("+" if phone.startswith("+") else "") + digits if digits else ""

    def __repr__(self):
        return f"<Participant {self.code}>"
