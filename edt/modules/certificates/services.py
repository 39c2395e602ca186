"""Certificates: the eligibility rule, issuing, revoking, reissuing, withdrawing, downloads and
the public verify page's lookups.

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
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from edt import audit, throttle
from edt.errors import RuleError
from edt.clock import utcnow
from edt.extensions import db
from edt.modules.attendance import services as attendance
from edt.modules.batches.models import Batch, Enrolment
from edt.clock import today
from edt.modules.canvas.models import Canvas
from edt.modules.participants.models import Participant
from edt.security import Role
from edt.signals import certificate_conditions

from . import pdf, queries
from .models import REASON_LENGTH, Certificate

SERIAL_PREFIX = "EDT"
CODE_CHARS = 26  # 26 Crockford base32 characters = 130 random bits
REASON_MIN = 10
RACED = _l("Please try again: certificates were issued at the same moment.")
FIELDS = ["serial", "code", "holder_name", "training_dates", "partner", "signatories"]


class CertificateError(RuleError):
    """A rule was broken; the message is safe to show to the user."""


# --- the rule --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    min_days: int
    canvas_statuses: tuple[str, ...]
    count_excused: bool

    @property
    def needs_approval(self) -> bool:
        return self.canvas_statuses == ("approved",)

    @property
    def attended_statuses(self) -> tuple[str, ...]:
        return ("present", "late", "excused") if self.count_excused else ("present", "late")

    def describe(self, total_days: int = 10) -> str:
        days = (_l("attended (present, late or excused) at least %(n)d of the %(total)d training days",
                   n=self.min_days, total=total_days) if self.count_excused else
                _l("attended (present or late) at least %(n)d of the %(total)d training days",
                   n=self.min_days, total=total_days))
        plan = _l("had their business plan approved") if self.needs_approval else _l(
            "submitted their business plan (or had it approved)")
        return str(_l("A participant is eligible who %(days)s and %(plan)s.", days=days, plan=plan))


def rule() -> Rule:
    config = current_app.config
    status = config.get("CERTIFICATE_CANVAS_STATUS", "submitted")
    return Rule(min_days=int(config.get("CERTIFICATE_MIN_DAYS", 8)),
                canvas_statuses=("approved",) if status == "approved" else ("submitted", "approved"),
                count_excused=bool(config.get("CERTIFICATE_COUNT_EXCUSED", False)))


@dataclass
class Standing:
    """One participant of a batch on the certificate page: eligible or not, and why."""

    enrolment: Enrolment
    attended: int
    total_days: int
    canvas_status: str | None
    eligible: bool
    reasons: list[str]
    certificate: Certificate | None = None  # the valid one, if any
    history: list[Certificate] = field(default_factory=list)  # every other certificate, newest first

    @property
    def participant(self) -> Participant:
        return self.enrolment.participant

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def waiting(self) -> bool:
        """Eligible and without a certificate, and never revoked: "issue to all eligible" takes
        them. A revoked certificate is issued again only one person at a time, on purpose."""
        revoked = any(c.status == "revoked" for c in self.history)
        return self.eligible and self.certificate is None and not revoked


def _canvas_words(status: str | None, the_rule: Rule) -> tuple[bool, str]:
    if status in the_rule.canvas_statuses:
        words = _l("business plan approved") if status == "approved" else _l("business plan submitted")
        return True, str(words)
    if status is None:
        return False, str(_l("no business plan yet"))
    if status == "submitted":
        return False, str(_l("business plan submitted, not approved yet"))
    return False, str(_l("business plan not submitted yet"))


def standings(batch: Batch) -> list[Standing]:
    """Every participant of the batch (active or dropped; people transferred out are counted in
    their new batch) with their eligibility. A fixed number of queries whatever the size."""
    the_rule = rule()
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == batch.id, Enrolment.status.in_(("active", "dropped")))
        .options(selectinload(Enrolment.participant))
        .order_by((Enrolment.status != "active"), Participant.code)))
    if not enrolments:
        return []
    summaries = attendance.summaries([batch.id], enrolments)
    people = [e.participant_id for e in enrolments]
    canvases = dict(db.session.execute(select(Canvas.participant_id, Canvas.status)
                                       .where(Canvas.participant_id.in_(people))).all())
    certificates: dict[int, list[Certificate]] = {}
    for certificate in queries.batch_certificates(batch):
        certificates.setdefault(certificate.enrolment_id, []).append(certificate)
    total = len(batch.days) or 10
    # Conditions of the modules above (a post-test taken, when configured): all must be met.
    extra: dict[int, list] = {}
    for _receiver, answer in certificate_conditions.send(batch, enrolments=enrolments):
        for enrolment_id, condition in (answer or {}).items():
            extra.setdefault(enrolment_id, []).append(condition)
    rows = []
    for enrolment in enrolments:
        summary = summaries.get(enrolment.id)
        marks = summary.marks.values() if summary else ()
        attended = sum(1 for status in marks if status in the_rule.attended_statuses)
        canvas_status = canvases.get(enrolment.participant_id)
        plan_ok, plan_words = _canvas_words(canvas_status, the_rule)
        days_ok = attended >= the_rule.min_days
        reasons = [str(_l("attended %(n)d of %(total)d days", n=attended, total=total)), plan_words]
        if enrolment.status != "active":
            reasons.insert(0, str(_l("left the batch")))
        if enrolment.participant.erased_at is not None:
            reasons.insert(0, str(_l("data erased")))
        conditions = extra.get(enrolment.id, [])
        reasons += [words for _met, words in conditions]
        eligible = (days_ok and plan_ok and enrolment.status == "active"
                    and enrolment.participant.erased_at is None and all(met for met, _words in conditions))
        mine = certificates.get(enrolment.id, [])
        valid = next((c for c in mine if c.status == "valid"), None)
        rows.append(Standing(enrolment=enrolment, attended=attended, total_days=total,
                             canvas_status=canvas_status, eligible=eligible, reasons=reasons,
                             certificate=valid, history=[c for c in mine if c is not valid]))
    return rows


def standing_for(enrolment: Enrolment) -> Standing:
    for row in standings(enrolment.batch):
        if row.enrolment.id == enrolment.id:
            return row
    raise CertificateError(_l("This person moved to another batch: issue their certificate there."))


def batch_problem(batch: Batch) -> str | None:
    """Why no certificate can be issued for this batch yet, or None."""
    if batch.cancelled_at is not None:
        return str(_l("This batch was cancelled: it gives no certificates."))
    if batch.end_date > today():
        return str(_l("Certificates can be issued from the last training day, %(date)s.",
                      date=batch.end_date.isoformat()))
    return None


# --- issuing ---------------------------------------------------------------------------------

def _require_master(actor) -> None:
    if actor is None or actor.role != Role.MASTER_TRAINER:
        raise CertificateError(_l("Only master trainers issue, revoke and reissue certificates."))


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
                       batch_id=batch.id, status="valid", holder_name=person.full_name,
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
    if certificate.status != "valid":
        raise CertificateError(_l("Only a valid certificate can be revoked."))
    reason = _clean_reason(reason)
    _check_reason(reason, _l("Write why the certificate is revoked (at least %(n)d characters).",
                             n=REASON_MIN))
    certificate.status, certificate.status_reason = "revoked", reason
    certificate.status_at, certificate.status_by_id = utcnow(), actor.id
    audit.record(actor, "certificate_revoked", "certificate", certificate.id,
                 details={"fields": ["status", "status_reason"]})
    db.session.commit()


def reissue(actor, certificate: Certificate) -> Certificate:
    """Replace a valid certificate by a new one (new serial and code) printed from the current
    registration: used to correct a name or print the current signatories."""
    _require_master(actor)
    if certificate.status != "valid":
        raise CertificateError(_l("Only a valid certificate can be reissued. Issue a new one instead."))
    enrolment = certificate.enrolment
    if enrolment is None or certificate.participant is None or certificate.participant.erased_at is not None:
        raise CertificateError(_l("This certificate can no longer be reissued."))
    _lock_serials()
    certificate.status, certificate.status_at, certificate.status_by_id = "replaced", utcnow(), actor.id
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
    certificate.status = "withdrawn"
    certificate.holder_name = ""
    certificate.override_reason = None
    certificate.status_reason = None
    certificate.status_at, certificate.status_by_id = utcnow(), getattr(actor, "id", None)


def withdraw(actor, certificate: Certificate) -> None:
    """The holder asked for their data to be erased: the certificate says so on the verify page
    and its copy of their name is deleted."""
    _require_master(actor)
    if certificate.status == "withdrawn":
        raise CertificateError(_l("This certificate is already withdrawn."))
    _erase(certificate, actor)
    audit.record(actor, "certificate_withdrawn", "certificate", certificate.id,
                 details={"fields": ["status", "holder_name"]})
    db.session.commit()


def withdraw_for_participant(actor, participant: Participant, *, commit: bool = True) -> int:
    """Withdraw every certificate of a person (the erasure flow calls this); returns how many."""
    rows = list(db.session.scalars(select(Certificate).where(Certificate.participant_id == participant.id,
                                                             Certificate.status != "withdrawn")))
    for certificate in rows:
        _erase(certificate, actor)
        audit.record(actor, "certificate_withdrawn", "certificate", certificate.id,
                     details={"fields": ["status", "holder_name"]})
    if commit:
        db.session.commit()
    return len(rows)


# --- downloads -------------------------------------------------------------------------------

def _downloadable(certificate: Certificate) -> None:
    if certificate.status != "valid":
        raise CertificateError(_l("Only a valid certificate can be downloaded."))


def download(actor, certificate: Certificate) -> bytes:
    _downloadable(certificate)
    data = pdf.render(certificate)
    audit.record(actor, "certificate_downloaded", "certificate", certificate.id, commit=True)
    return data


def batch_pdf(actor, batch: Batch) -> bytes:
    """Every valid certificate of the batch in one PDF, one page each, for printing."""
    certificates = queries.valid_certificates(batch)
    if not certificates:
        raise CertificateError(_l("This batch has no valid certificates yet."))
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


# --- the public verify page ------------------------------------------------------------------
#
# Name checks are an oracle by nature ("is the holder called X?"), so they are capped per
# certificate and per client address group per day, in the one throttle. After a cap the page
# says that checks are paused for today, and compares nothing: every check counts, whatever its
# outcome, and the pause comes before any comparison, so it says how many checks were made today
# and nothing about the name. (Answering "does not match" instead would tell an employer holding
# the genuine paper that it is false, and would let anyone make every real certificate look false
# for a day by spending its checks.)

MATCH, MISMATCH, PAUSED = "match", "mismatch", "paused"


def allow_verify(address: str) -> bool:
    """Count one verify request for this client's address group; False when it is over the
    limit per minute."""
    return throttle.reserve([throttle.address_gate(throttle.VERIFY_ADDRESS, address)]).allowed


def lookup(code: str, *, serial: str | None = None) -> Certificate | None:
    """The certificate with this code (and this serial, when the verifier typed one), or None.
    Viewing a known certificate is audited without an actor, once per certificate per day (the
    throttle counts the rest: strangers cannot grow the audit trail by reloading); unknown codes
    are not audited (bounded by the rate limit, they would only record what strangers typed)."""
    certificate = queries.by_code(code)
    if certificate is not None and serial is not None:
        if queries.normalise_serial(serial) != certificate.serial:
            certificate = None
    if certificate is not None:
        certificate_id = certificate.id
        seen = throttle.reserve([throttle.gate(throttle.VERIFY_SEEN, certificate_id)])
        if seen.counts[throttle.VERIFY_SEEN] == 1:
            audit.record(None, "certificate_verified", "certificate", certificate_id, commit=True)
        certificate = db.session.get(Certificate, certificate_id)
    return certificate


def check_name(certificate: Certificate, typed_name: str, address: str) -> str:
    """Does the name written on the paper match the certificate's? MATCH, MISMATCH, or PAUSED
    once today's checks of this certificate or from this address are spent. Case, spacing and
    Unicode form do not matter. The typed name is compared and forgotten: never stored or logged."""
    if certificate.status != "valid" or not certificate.holder_name:
        return MISMATCH
    certificate_id, holder_name = certificate.id, certificate.holder_name
    verdict = throttle.reserve([throttle.address_gate(throttle.VERIFY_NAME_ADDRESS, address),
                                throttle.gate(throttle.VERIFY_NAME, certificate_id, subject_id=certificate_id)])
    if not verdict.allowed:
        return PAUSED
    typed = queries.name_key(typed_name)
    matches = bool(typed) and typed == queries.name_key(holder_name)
    audit.record(None, "certificate_name_checked", "certificate", certificate_id,
                 outcome="ok" if matches else "mismatch")
    for p in verdict.started:  # this check spent the last of a cap: one row for the whole burst
        per = "certificate" if p.scope == throttle.VERIFY_NAME else "address"
        audit.record(None, "certificate_name_checks_paused", per, certificate_id if per == "certificate" else None,
                     outcome="refused", details={"checks": verdict.counts[p.scope], "per": per})
    db.session.commit()
    return MATCH if matches else MISMATCH
