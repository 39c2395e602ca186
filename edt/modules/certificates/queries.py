"""Scoped reads for certificates.

Master trainers reach every certificate; a facilitator those of the batches they run (the
batches module's one rule, facilitated_ids; read-only); a participant only their own valid
certificates. Detail getters end in
scoped_or_404, so a certificate out of reach looks exactly like one that does not exist.
"""
import re

from sqlalchemy import Select, func, select

from edt.content import name_key as content_name_key
from edt.extensions import db
from edt.modules.batches import queries as batches
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.participants.models import Participant
from edt.security import Role, scoped_or_404

from .models import Certificate, CertificateStatus

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_CODE_TYPOS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_NOT_CODE = re.compile(r"[\s\-_.]")
_OUTSIDE = re.compile(f"[^{CODE_ALPHABET}]")


def scope(user, stmt: Select | None = None) -> Select:
    stmt = stmt if stmt is not None else select(Certificate)
    if user.role == Role.MASTER_TRAINER:
        return stmt
    if user.role == Role.FACILITATOR:
        return stmt.where(Certificate.batch_id.in_(batches.facilitated_ids(user)))
    own = select(Participant.id).where(Participant.user_id == user.id)
    return stmt.where(Certificate.participant_id.in_(own), Certificate.status == CertificateStatus.VALID)


def certificate_for(user, certificate_id: int) -> Certificate:
    found = db.session.scalar(scope(user).where(Certificate.id == certificate_id))
    return scoped_or_404(found, target_type="certificate", target_id=certificate_id, actor=user)


def enrolment_for(user, enrolment_id: int) -> Enrolment:
    """An enrolment of a batch in the user's reach (issuing acts on enrolments)."""
    return batches.enrolment_for(user, enrolment_id)


def batch_certificates(batch: Batch) -> list[Certificate]:
    """Every certificate of a batch, newest first, in one query."""
    return list(db.session.scalars(select(Certificate).where(Certificate.batch_id == batch.id)
                                   .order_by(Certificate.id.desc())))


def valid_certificates(batch: Batch) -> list[Certificate]:
    """The batch's valid certificates in print order (by serial), in one query."""
    return list(db.session.scalars(select(Certificate).where(Certificate.batch_id == batch.id,
                                                             Certificate.status == CertificateStatus.VALID)
                                   .order_by(Certificate.serial)))


def own_certificates(user) -> list[Certificate]:
    """A participant's valid certificates (for their home page)."""
    if user is None or user.role != Role.PARTICIPANT:
        return []
    return list(db.session.scalars(scope(user).order_by(Certificate.issued_on.desc(), Certificate.id.desc())))


def list_batches(user, *, page: int = 1, per_page: int = 50):
    """Batches in reach with their active enrolment count and valid certificate count:
    (pagination, rows), rows being (batch, enrolled, certified). Four queries whatever the size."""
    pagination = db.paginate(batches.scope(user).order_by(Batch.end_date.desc(), Batch.code), page=page,
                             per_page=per_page, error_out=False)
    ids = [batch.id for batch in pagination.items]
    enrolled = dict(db.session.execute(
        select(Enrolment.batch_id, func.count()).where(Enrolment.batch_id.in_(ids), Enrolment.status == "active")
        .group_by(Enrolment.batch_id)).all()) if ids else {}
    certified = dict(db.session.execute(
        select(Certificate.batch_id, func.count())
        .where(Certificate.batch_id.in_(ids), Certificate.status == CertificateStatus.VALID)
        .group_by(Certificate.batch_id)).all()) if ids else {}
    return pagination, [(batch, enrolled.get(batch.id, 0), certified.get(batch.id, 0)) for batch in pagination.items]


# --- the public verify page ----------------------------------------------------------------------

def normalise_code(raw: str | None) -> str:
    """The code as stored, from what a verifier typed or scanned: case, spaces, dashes and the
    usual look-alikes (O for 0, I or L for 1) do not matter. Never fails, whatever the shape."""
    cleaned = _NOT_CODE.sub("", (raw or "")[:128]).upper().translate(_CODE_TYPOS)
    # Anything outside the alphabet (a NUL byte, quotes, other scripts) becomes "~", which no
    # code contains: the lookup still runs once and simply finds nothing.
    return _OUTSIDE.sub("~", cleaned[:32])


def normalise_serial(raw: str | None) -> str:
    return "".join((raw or "")[:64].split()).upper()


def by_code(code: str) -> Certificate | None:
    """One lookup on the unique (indexed) code column, the same for every shape of input."""
    return db.session.scalar(select(Certificate).where(Certificate.code == normalise_code(code)))


def name_key(name: str | None) -> str:
    """Names compared on the verify page: edt.content.name_key (the one Bangla normaliser, which
    search uses too): Unicode form, case, spacing, punctuation and the common Bangla spelling
    variants do not matter."""
    return content_name_key(name)

