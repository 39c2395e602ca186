"""Certificates: issuing, revoking, reissuing, withdrawing and downloads. Who may get one is in
eligibility.py; the public verify page's lookups in verification.py.

Services take the acting user, hold the rules, commit once per action and audit every change
with field names only. A broken rule raises CertificateError with a message safe to show.

Choices:
- Only master trainers issue, revoke, reissue and withdraw. Facilitators see their batches'
  certificate pages read-only and may download the valid PDFs (they print them for the day-10
  closing); every download is audited.
- An override reason (issuing although the rule is not met) is stored on the certificate for
  master trainers to read; the audit trail records only that a reason was given, because the
  words may describe the person (illness, family). A withdrawal erases it with the name.
- Only valid certificates can be downloaded: a revoked or replaced one must not be printed again.
"""
import io
import secrets
import zipfile

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from edt import audit
from edt.clock import today, utcnow
from edt.extensions import db
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.participants.models import Participant
from edt.security import Role, require
from edt.signals import erases

from . import queries
from .eligibility import CertificateError, batch_problem, standing_for, standings
from .models import REASON_LENGTH, Certificate, CertificateStatus

SERIAL_PREFIX = "EDT"
CODE_CHARS = 26  # 26 Crockford base32 characters = 130 random bits
REASON_MIN = 10
RACED = _l("Please try again: certificates were issued at the same moment.")
FIELDS = ["serial", "code", "holder_name", "training_dates", "partner", "signatories"]


# --- issuing ---------------------------------------------------------------------------------

def _require_master(actor) -> None:
    require(actor, Role.MASTER_TRAINER, error=CertificateError,
            message=_l("Only master trainers issue, revoke and reissue certificates."))


def new_code() -> str:
    """130 random bits from the operating system, in Crockford base32 (URL-safe, no look-alikes)."""
    number = secrets.randbits(CODE_CHARS * 5)
    chars = []
    for _ in range(CODE_CHARS):
        number, digit = divmod(number, 32)
        chars.append(queries.CODE_ALPHABET[digit])
    return "".join(chars)


def _lock_serials() -> None:
    """Serialise serial numbering: SQLite already runs one writer at a time (BEGIN IMMEDIATE);
    PostgreSQL takes a transaction-scoped advisory lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(6006)"))


def _next_numbers(year: int, count: int) -> list[str]:
    prefix = f"{SERIAL_PREFIX}-{year}-"
    last = db.session.scalar(select(func.max(Certificate.serial))
                             .where(Certificate.serial.like(prefix + "%")))
    start = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    if start + count - 1 > 999_999:
        raise CertificateError(_l("The serial numbers for this year are used up."))
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


def _signatories() -> list[list[str]]:
    return [[name, title] for name, title in current_app.config.get("CERTIFICATE_SIGNATORIES", ())]


def _snapshot(enrolment: Enrolment, serial: str, actor) -> Certificate:
    batch, person = enrolment.batch, enrolment.participant
    code = new_code()
    days = sorted(batch.days, key=lambda d: d.number)
    start, end = (days[0].date, days[-1].date) if days else (batch.start_date, batch.end_date)
    return Certificate(serial=serial, code=code, participant_id=person.id, enrolment_id=enrolment.id,
                       batch_id=batch.id, status=CertificateStatus.VALID, holder_name=person.full_name,
                       partner_name=batch.partner.name, training_start=start, training_end=end,
                       signatories=_signatories(), issued_on=today(),
                       verify_url=f"{current_app.config['PUBLIC_URL']}/verify/{code}",
                       issued_by_id=getattr(actor, "id", None))


def _clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())


def _check_reason(reason: str, message) -> None:
    if len(reason) < REASON_MIN:
        raise CertificateError(message)
    if len(reason) > REASON_LENGTH:
        raise CertificateError(_l("The reason is too long (at most %(n)d characters).", n=REASON_LENGTH))


def _flush(message=None) -> None:
    try:
        db.session.flush()
    except IntegrityError as error:  # another issue raced this one to the same enrolment or serial
        db.session.rollback()
        raise CertificateError(message or RACED) from error


def issue(actor, enrolment: Enrolment, *, override_reason: str | None = None) -> Certificate:
    """Issue one certificate. Someone who does not meet the rule gets one only with a reason."""
    _require_master(actor)
    problem = batch_problem(enrolment.batch)
    if problem:
        raise CertificateError(problem)
    if enrolment.status == "transferred":
        raise CertificateError(_l("This person moved to another batch: issue their certificate there."))
    if enrolment.participant.erased_at is not None:
        raise CertificateError(_l("This person's data was erased: no certificate can be issued."))
    row = standing_for(enrolment)
    if row.certificate is not None:
        raise CertificateError(_l("%(code)s already has a valid certificate (%(serial)s).",
                                  code=enrolment.participant.code, serial=row.certificate.serial))
    reason = _clean_reason(override_reason)
    if not row.eligible:
        _check_reason(reason, _l("%(code)s does not meet the rule (%(why)s). To issue anyway, write why "
                                 "(at least %(n)d characters).", code=enrolment.participant.code,
                                 why=row.reason, n=REASON_MIN))
    _lock_serials()
    certificate = _snapshot(enrolment, _next_numbers(today().year, 1)[0], actor)
    certificate.override_reason = reason if not row.eligible else None
    db.session.add(certificate)
    _flush()
    audit.record(actor, "certificate_issued", "certificate", certificate.id,
                 details={"fields": FIELDS, "override_reason": not row.eligible})
    db.session.commit()
    return certificate


def issue_all_eligible(actor, batch: Batch) -> list[Certificate]:
    """Issue to every eligible participant who has no valid certificate yet: all or none."""
    _require_master(actor)
    problem = batch_problem(batch)
    if problem:
        raise CertificateError(problem)
    waiting = [row for row in standings(batch) if row.waiting]
    if not waiting:
        return []
    _lock_serials()
    serials = _next_numbers(today().year, len(waiting))
    issued = [_snapshot(row.enrolment, serial, actor) for row, serial in zip(waiting, serials)]
    db.session.add_all(issued)
    _flush()
    audit.record(actor, "certificates_issued", "batch", batch.id,
                 details={"count": len(issued), "fields": FIELDS})
    db.session.commit()
    return issued


def revoke(actor, certificate: Certificate, reason: str) -> None:
    _require_master(actor)
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError(_l("Only a valid certificate can be revoked."))
    reason = _clean_reason(reason)
    _check_reason(reason, _l("Write why the certificate is revoked (at least %(n)d characters).",
                             n=REASON_MIN))
    certificate.status, certificate.status_reason = CertificateStatus.REVOKED, reason
    certificate.status_at, certificate.status_by_id = utcnow(), actor.id
    audit.record(actor, "certificate_revoked", "certificate", certificate.id,
                 details={"fields": ["status", "status_reason"]})
    db.session.commit()


def reissue(actor, certificate: Certificate) -> Certificate:
    """Replace a valid certificate by a new one (new serial and code) printed from the current
    registration: used to correct a name or print the current signatories."""
    _require_master(actor)
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError(_l("Only a valid certificate can be reissued. Issue a new one instead."))
    enrolment = certificate.enrolment
    if enrolment is None or certificate.participant is None or certificate.participant.erased_at is not None:
        raise CertificateError(_l("This certificate can no longer be reissued."))
    _lock_serials()
    certificate.status, certificate.status_at, certificate.status_by_id = CertificateStatus.REPLACED, utcnow(), actor.id
    db.session.flush()  # the old one stops being valid before the new one is
    new = _snapshot(enrolment, _next_numbers(today().year, 1)[0], actor)
    new.override_reason, new.replaces_id = certificate.override_reason, certificate.id
    db.session.add(new)
    _flush(_l("Please try again: this certificate changed at the same moment."))
    audit.record(actor, "certificate_reissued", "certificate", certificate.id,
                 details={"fields": ["status"], "new_certificate": new.id})
    db.session.commit()
    return new


def _erase(certificate: Certificate, actor) -> None:
    certificate.status = CertificateStatus.WITHDRAWN
    certificate.holder_name = ""
    certificate.override_reason = None
    certificate.status_reason = None
    certificate.status_at, certificate.status_by_id = utcnow(), getattr(actor, "id", None)


def withdraw(actor, certificate: Certificate) -> None:
    """The holder asked for their data to be erased: the certificate says so on the verify page
    and its copy of their name is deleted."""
    _require_master(actor)
    if certificate.status == CertificateStatus.WITHDRAWN:
        raise CertificateError(_l("This certificate is already withdrawn."))
    _erase(certificate, actor)
    audit.record(actor, "certificate_withdrawn", "certificate", certificate.id,
                 details={"fields": ["status", "holder_name"]})
    db.session.commit()


def withdraw_for_participant(actor, participant: Participant, *, commit: bool = True) -> int:
    """Withdraw every certificate of a person (the erasure flow calls this); returns how many."""
    rows = list(db.session.scalars(select(Certificate).where(Certificate.participant_id == participant.id,
                                                             Certificate.status != CertificateStatus.WITHDRAWN)))
    for certificate in rows:
        _erase(certificate, actor)
        audit.record(actor, "certificate_withdrawn", "certificate", certificate.id,
                     details={"fields": ["status", "holder_name"]})
    if commit:
        db.session.commit()
    return len(rows)


# --- downloads -------------------------------------------------------------------------------

def _downloadable(certificate: Certificate) -> None:
    if certificate.status != CertificateStatus.VALID:
        raise CertificateError(_l("Only a valid certificate can be downloaded."))


def download(actor, certificate: Certificate) -> bytes:
    _downloadable(certificate)
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    data = pdf.render(certificate)
    audit.record(actor, "certificate_downloaded", "certificate", certificate.id, commit=True)
    return data


def batch_pdf(actor, batch: Batch) -> bytes:
    """Every valid certificate of the batch in one PDF, one page each, for printing."""
    certificates = queries.valid_certificates(batch)
    if not certificates:
        raise CertificateError(_l("This batch has no valid certificates yet."))
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    data = pdf.render_many(certificates)
    audit.record(actor, "certificates_exported", "batch", batch.id,
                 details={"count": len(certificates), "format": "pdf"}, commit=True)
    return data


def batch_zip(actor, batch: Batch) -> bytes:
    """Every valid certificate of the batch as one ZIP of PDFs named by serial (no names of
    people in file names: a ZIP listing is often seen over a shoulder)."""
    certificates = queries.valid_certificates(batch)
    if not certificates:
        raise CertificateError(_l("This batch has no valid certificates yet."))
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            info = zipfile.ZipInfo(f"{certificate.serial}.pdf",
                                   date_time=certificate.issued_on.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, pdf.render(certificate))
    audit.record(actor, "certificates_exported", "batch", batch.id,
                 details={"count": len(certificates), "format": "zip"}, commit=True)
    return buffer.getvalue()


@erases("certificate.holder_name", "certificate.override_reason", "certificate.status_reason")
def _erase_certificates(participant, *, actor, **_context) -> list[str]:
    """Erasure: every certificate of the person is withdrawn and its copy of their name deleted."""
    return ["certificates"] if withdraw_for_participant(actor, participant, commit=False) else []
