from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_babel import lazy_gettext as _l

from edt import formats
from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.batches.models import Enrolment, TrainingDay



class Mark(Labelled):
    """A person's mark for one training day; `letter` is its cell in the grid and the sign-in sheet."""
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def letter(self) -> str:
        """P / L / E / A in English; in Bangla the first sound of the Bangla word (উ উপস্থিত,
        দে দেরিতে, ছু ছুটিতে, অ অনুপস্থিত), whatever language the page or sheet is in."""
        return (BANGLA_LETTERS if formats.bangla() else ENGLISH_LETTERS)[self.value]

    @property
    def attended(self) -> bool:
        """Present or late: a day that counts towards the certificate."""
        return self in (Mark.PRESENT, Mark.LATE)


Mark.labels({Mark.PRESENT: _l("Present"), Mark.LATE: _l("Late"), Mark.EXCUSED: _l("Excused"),
             Mark.ABSENT: _l("Absent")})

ENGLISH_LETTERS = {"present": "P", "late": "L", "excused": "E", "absent": "A"}
BANGLA_LETTERS = {"present": "উ", "late": "দে", "excused": "ছু", "absent": "অ"}
STATUSES = tuple(Mark)


class _Letters(Mapping):
    """{mark: letter} in the language of the page being written (read at each lookup)."""

    def __getitem__(self, key):
        try:
            return Mark(key).letter
        except ValueError:
            raise KeyError(key) from None

    def __iter__(self):
        return iter(m.value for m in Mark)

    def __len__(self):
        return len(Mark)


LETTERS = _Letters()


class AttendanceMark(db.Model):
    """One mark per (training day, enrolment), enforced by the database and written as an upsert,
    so two facilitators saving the same day at once never create duplicates or an error."""

    __tablename__ = "attendance_mark"
    __table_args__ = (
        UniqueConstraint("training_day_id", "enrolment_id", name="uq_attendance_mark_day_enrolment"),
        CheckConstraint(Mark.check("status"), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    training_day_id: Mapped[int] = mapped_column(ForeignKey("training_day.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(200), default="")
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    training_day: Mapped[TrainingDay] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
