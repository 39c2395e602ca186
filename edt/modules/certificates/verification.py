"""The public verify page: a certificate looked up by its code, and the name check.

Nothing here needs a login. Every lookup and check goes through the one throttle, and nothing a
stranger types is stored or logged.
"""
from edt import audit, throttle
from edt.extensions import db

from . import queries
from .models import Certificate, CertificateStatus

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


def lookup(code: str, address: str, *, serial: str | None = None) -> tuple[bool, Certificate | None]:
    """(allowed, certificate): this request counted against its address group's limit per minute
    and, when the code (and the serial, if the verifier typed one) names a certificate, that
    certificate's view, both in one transaction; `allowed` False when the address is over its
    limit (then nothing is counted for the certificate and None is returned, known or not).
    Viewing a known certificate is audited without an actor, once per certificate per day (the
    throttle counts the rest: strangers cannot grow the audit trail by reloading); unknown codes
    are not audited (bounded by the rate limit, they would only record what strangers typed)."""
    certificate = queries.by_code(code)
    if certificate is not None and serial is not None:
        if queries.normalise_serial(serial) != certificate.serial:
            certificate = None
    certificate_id = certificate.id if certificate is not None else None
    gates = [throttle.address_gate(throttle.VERIFY_ADDRESS, address)]
    if certificate_id is not None:
        gates.append(throttle.gate(throttle.VERIFY_SEEN, certificate_id))
    verdict = throttle.reserve(gates)
    if not verdict.allowed:
        return False, None
    if certificate_id is None:
        return True, None
    if verdict.counts[throttle.VERIFY_SEEN] == 1:
        audit.record(None, "certificate_verified", "certificate", certificate_id, commit=True)
    return True, db.session.get(Certificate, certificate_id)


def check_name(certificate: Certificate, typed_name: str, address: str) -> str:
    """Does the name written on the paper match the certificate's? MATCH, MISMATCH, or PAUSED
    once today's checks of this certificate or from this address are spent. Case, spacing and
    Unicode form do not matter. The typed name is compared and forgotten: never stored or logged."""
    if certificate.status != CertificateStatus.VALID or not certificate.holder_name:
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
