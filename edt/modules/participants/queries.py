"""Scoped reads: a facilitator reaches the participants of their own partner, a master trainer
all, a participant only themself. Lists and detail pages use the same scope."""
from sqlalchemy import Select, func, or_, select

from edt.extensions import db
from edt.security import Role, scoped_or_404

from .models import Participant


def normalise_name(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def scope(user, stmt: Select | None = None) -> Select:
    stmt = stmt if stmt is not None else select(Participant)
    if user.role == Role.MASTER_TRAINER:
        return stmt
    if user.role == Role.FACILITATOR:
        return stmt.where(Participant.partner_id == user.partner_id)
    return stmt.where(Participant.user_id == user.id)


def participant_for(user, participant_id: int) -> Participant:
    found = db.session.scalar(scope(user).where(Participant.id == participant_id))
    return scoped_or_404(found, target_type="participant", target_id=participant_id, actor=user)


def own_participant(user) -> Participant | None:
    return db.session.scalar(select(Participant).where(Participant.user_id == user.id))


def search(user, query: str = "", *, page: int = 1, per_page: int = 50):
    """One page of participants in the user's scope, by code or name (a db.paginate Pagination)."""
    stmt = scope(user)
    query = (query or "").strip()
    if query:
        like = f"%{normalise_name(query)}%"
        stmt = stmt.where(or_(func.lower(Participant.code).like(like), Participant.name_key.like(like)))
    return db.paginate(stmt.order_by(Participant.code), page=page, per_page=per_page, max_per_page=per_page,
                       error_out=False)
