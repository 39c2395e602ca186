"""Scoped reads: a facilitator reaches the participants of their own partner, a master trainer
all, a participant only themself. Lists and detail pages use the same scope."""
from dataclasses import dataclass

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


# A list counts its rows only this far: past it "more than 1,000" says as much, and counting
# every match of `LIKE '%name%'` read the whole registry on each search (87 ms at 100,000
# participants; even the plain count of 100,000 takes 10 ms); counting stops at the cap. The
# exact totals are the reports dashboard's.
SEARCH_COUNT_CAP = 1000


@dataclass(frozen=True)
class Found:
    """One page of a participant list: its rows, how many match (`total`, at most the cap when
    `capped`), the page shown and how many pages there are."""
    items: list
    total: int
    page: int
    pages: int
    capped: bool


def search(user, query: str = "", *, page: int = 1, per_page: int = 50) -> Found:
    """One page of participants in the user's scope, by code or name, ordered by code, and how
    many there are, counted up to SEARCH_COUNT_CAP (`capped` when there are more)."""
    stmt = scope(user)
    query = (query or "").strip()
    if query:
        like = f"%{normalise_name(query)}%"
        stmt = stmt.where(or_(func.lower(Participant.code).like(like), Participant.name_key.like(like)))
    cap = SEARCH_COUNT_CAP
    counted = stmt.with_only_columns(Participant.id).order_by(None).limit(cap + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery()))
    capped = total > cap
    total = min(total, cap)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.order_by(Participant.code).limit(per_page).offset((page - 1) * per_page)))
    return Found(items, total, page, pages, capped)
