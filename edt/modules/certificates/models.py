"""Certificates.

A Certificate row holds everything its PDF prints (the holder's name as registered at issue
time, training dates, partner, signatories, serial, verification code, issue date and the verify
URL), so the PDF is rebuilt from the row alone and downloads byte-identically later, whatever
changes in the participant, batch or configuration afterwards.
"""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.participants.models import Participant



class CertificateStatus(Labelled):
    """Valid until revoked (a mistake), replaced (reissued with a new serial) or withdrawn (the
    holder's data was erased)."""
    VALID = "valid"
    REVOKED = "revoked"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


CertificateStatus.labels({CertificateStatus.VALID: _l("valid"), CertificateStatus.REVOKED: _l("revoked"),
                          CertificateStatus.REPLACED: _l("replaced"),
                          CertificateStatus.WITHDRAWN: _l("withdrawn at the holder's request")})
REASON_LENGTH = 500


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint(CertificateStatus.check("status"), name="status"),
        CheckConstraint("training_start <= training_end", name="dates"),
        # At most one valid certificate per enrolment: issuing twice at once cannot make two.
        Index("uq_certificate_one_valid", "enrolment_id", unique=True,
              sqlite_where=text(f"status = '{CertificateStatus.VALID}'"),
              postgresql_where=text(f"status = '{CertificateStatus.VALID}'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)  # EDT-2026-000123
    # >= 128 random bits in Crockford base32 (26 characters, case-insensitive, URL-safe). The
    # unique constraint is the index the verify page's single lookup uses.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"),
                                                       index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id", ondelete="SET NULL"),
                                                     index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=CertificateStatus.VALID.value)

    # What the PDF prints, frozen at issue time.
    holder_name: Mapped[str] = mapped_column(String(120))
    partner_name: Mapped[str] = mapped_column(String(120))
    training_start: Mapped[date] = mapped_column(Date)
    training_end: Mapped[date] = mapped_column(Date)
    signatories: Mapped[list] = mapped_column(JSON)  # [[name, title], ...]
    issued_on: Mapped[date] = mapped_column(Date)
    verify_url: Mapped[str] = mapped_column(String(255))

    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Written when a master trainer issued although the rule was not met. Kept for staff only;
    # the audit trail records that a reason was given, not its words.
    override_reason: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why it was revoked (staff only)
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The certificate this one replaced (reissue): each certificate is replaced at most once.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)

    participant: Mapped[Participant | None] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    replaces: Mapped["Certificate | None"] = relationship(remote_side=[id], back_populates="replaced_by")
    replaced_by: Mapped["Certificate | None"] = relationship(back_populates="replaces", uselist=False)

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def status_label(self):
        return CertificateStatus(self.status).label

    @property
    def grouped_code(self) -> str:
        """The code as printed on paper: groups of four, easier to read out and type."""
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self):
        return f"<Certificate {self.serial} {self.status}>"
