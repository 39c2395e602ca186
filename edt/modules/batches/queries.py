"""Scoped reads for batches, days and enrolments.

Master trainers reach every batch; a facilitator reaches the batches they run (the rule below);
a participant only the batch of their own active enrolment. Lists and detail pages share `scope`,
so a list never shows what a detail page would refuse.

The one rule for facilitators: a facilitator reaches a batch only while they are assigned to it,
the batch's partner is their partner and their account is enabled. `facilitated_ids` is its SQL
form and `runs_batch` its Python form; every module that scopes by batch (attendance, canvas,
certificates, reports) calls one of the two, never the assignment table directly.
"""
from datetime import date

from flask import g
from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from edt.clock import today
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.participants.models import Participant
from edt.modules.participants.queries import scope as participant_scope
from edt.security import Role, scoped_or_404

from .models import Batch, BatchStatus, DayMove, Enrolment, EnrolmentStatus, Holiday, TrainingDay, batch_facilitator


def _acts_as_facilitator(user) -> bool:
    return (user is not None and user.role == Role.FACILITATOR and bool(user.is_enabled)
            and user.partner_id is not None)


def facilitated_ids(user) -> Select:
    """Ids of the batches `user` runs as a facilitator (the rule above, in SQL): assigned, of
    their own partner, account enabled. An assignment left over from another partner reaches
    nothing. Anyone else (not a facilitator, or disabled) gets an empty selection."""
    if not _acts_as_facilitator(user):
        return select(Batch.id).where(false())
    return (select(batch_facilitator.c.batch_id)
            .join(Batch, Batch.id == batch_facilitator.c.batch_id)
            .where(batch_facilitator.c.user_id == user.id, Batch.partner_id == user.partner_id))


def runs_batch(user, batch: Batch) -> bool:
    """Does `user` run `batch` as a facilitator? The Python twin of facilitated_ids, for services
    that hold the batch already (marking attendance, moving a day, enrolling, drop-out)."""
    return (_acts_as_facilitator(user) and batch.partner_id == user.partner_id
            and any(f.id == user.id for f in batch.facilitators))


def scope(user, stmt: Select | None = None) -> Select:
    stmt = stmt if stmt is not None else select(Batch)
    if user.role == Role.MASTER_TRAINER:
        return stmt
    if user.role == Role.FACILITATOR:
        return stmt.where(Batch.id.in_(facilitated_ids(user)))
    own = (select(Enrolment.batch_id).join(Participant, Participant.id == Enrolment.participant_id)
           .where(Participant.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE))
    return stmt.where(Batch.id.in_(own))


def status_clause(status: str, on: date):
    """SQL for a batch status on a date (the same rule as Batch.status_on)."""
    live = Batch.cancelled_at.is_(None)
    return {
        BatchStatus.CANCELLED: Batch.cancelled_at.is_not(None),
        BatchStatus.PLANNED: and_(live, Batch.start_date > on),
        BatchStatus.RUNNING: and_(live, Batch.start_date <= on, Batch.end_date >= on),
        BatchStatus.COMPLETED: and_(live, Batch.end_date < on),
    }[status]


def batch_for(user, batch_id: int) -> Batch:
    found = db.session.scalar(scope(user).where(Batch.id == batch_id))
    return scoped_or_404(found, target_type="batch", target_id=batch_id, actor=user)


def day_for(user, day_id: int) -> TrainingDay:
    found = db.session.scalar(select(TrainingDay).join(Batch, Batch.id == TrainingDay.batch_id)
                              .where(TrainingDay.id == day_id, Batch.id.in_(scope(user, select(Batch.id)))))
    return scoped_or_404(found, target_type="training_day", target_id=day_id, actor=user)


def reachable_ids(user, batch_ids) -> set[int]:
    """Which of these batches the user may open."""
    if not batch_ids:
        return set()
    return set(db.session.scalars(scope(user, select(Batch.id)).where(Batch.id.in_(set(batch_ids)))))


def enrolment_for(user, enrolment_id: int) -> Enrolment:
    found = db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id,
                                                      Enrolment.batch_id.in_(scope(user, select(Batch.id)))))
    return scoped_or_404(found, target_type="enrolment", target_id=enrolment_id, actor=user)


def facilitates(user, participant) -> bool:
    """Is `user` a master trainer, or a facilitator running a batch (facilitated_ids) where
    `participant` has an active enrolment?"""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.MASTER_TRAINER:
        return True
    if user.role != Role.FACILITATOR:
        return False
    return bool(db.session.scalar(select(exists().where(
        Enrolment.participant_id == participant.id, Enrolment.status == EnrolmentStatus.ACTIVE,
        Enrolment.batch_id.in_(facilitated_ids(user))))))


def list_batches(user, *, status: str = "", query: str = "", page: int = 1, per_page: int = 50):
    """One page of batches in scope with their active enrolment counts: (rows, page), rows being
    (batch, enrolled) and page the db.paginate Pagination. Four queries whatever the page size."""
    stmt = scope(user)
    if status in tuple(BatchStatus):
        stmt = stmt.where(status_clause(status, today()))
    query = (query or "").strip()
    if query:
        stmt = stmt.where(or_(func.lower(Batch.code).like(f"%{query.lower()}%"),
                              func.lower(Batch.venue).like(f"%{query.lower()}%")))
    found = db.paginate(stmt.options(selectinload(Batch.facilitators)).order_by(Batch.start_date.desc(), Batch.code),
                        page=page, per_page=per_page, max_per_page=per_page, error_out=False)
    ids = [batch.id for batch in found.items]
    enrolled = dict(db.session.execute(
        select(Enrolment.batch_id, func.count()).where(Enrolment.batch_id.in_(ids),
                                                       Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.batch_id)).all()) if ids else {}
    return [(batch, enrolled.get(batch.id, 0)) for batch in found.items], found


def active_count(batch_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Enrolment)
                             .where(Enrolment.batch_id == batch_id, Enrolment.status == EnrolmentStatus.ACTIVE))


def batch_roster(batch: Batch) -> list[Enrolment]:
    """Every enrolment of the batch (active first, then by code), with participants loaded."""
    rows = db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == batch.id)
        .options(selectinload(Enrolment.participant),
                 selectinload(Enrolment.transferred_to).joinedload(Enrolment.batch))
        .order_by((Enrolment.status != EnrolmentStatus.ACTIVE), Participant.code))
    return list(rows)


def unenrolled_participants(user, partner_id: int, limit: int = 40) -> list[Participant]:
    """Participants of a partner, in the user's reach, with no active enrolment anywhere."""
    busy = exists().where(Enrolment.participant_id == Participant.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    return list(db.session.scalars(
        participant_scope(user).where(Participant.partner_id == partner_id, Participant.erased_at.is_(None), ~busy)
        .order_by(Participant.code).limit(limit)))


def _language_of(user_id):
    """Her batch's language (her active enrolment, else her latest one) for the account `user_id`
    (a value or a column), as a scalar subquery: NULL for staff and for anyone in no batch."""
    return (select(Batch.language).join(Enrolment, Enrolment.batch_id == Batch.id)
            .join(Participant, Participant.id == Enrolment.participant_id).where(Participant.user_id == user_id)
            .order_by((Enrolment.status == EnrolmentStatus.ACTIVE).desc(), Enrolment.enrolled_on.desc(),
                      Enrolment.id.desc())
            .limit(1).scalar_subquery())


def keep_language(user_id: int, language: str | None) -> None:
    """Keep for this request what the session's own lookup of the account found (see
    `language_column`), so `participant_language` asks nothing more."""
    g.setdefault("edt_batch_languages", {})[user_id] = language


# What the accounts module's session check reads along with the account, in the same statement:
# the one query every participant page would otherwise make on top of it.
language_column = (_language_of, keep_language)


def participant_language(user) -> str | None:
    """The language of a participant account's batch (her active enrolment, else her latest one):
    what she reads unless she chose otherwise. Cached for the request (and usually read with the
    account by the session check)."""
    kept = g.setdefault("edt_batch_languages", {})
    if user.id not in kept:
        kept[user.id] = db.session.scalar(select(_language_of(user.id)))
    return kept[user.id]


def participant_enrolments(participant_id: int) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.participant_id == participant_id)
        .options(selectinload(Enrolment.batch).selectinload(Batch.days))
        .order_by(Enrolment.id.desc())))


def holidays(start: date | None = None, end: date | None = None) -> list[Holiday]:
    stmt = select(Holiday).order_by(Holiday.date)
    if start:
        stmt = stmt.where(Holiday.date >= start)
    if end:
        stmt = stmt.where(Holiday.date <= end)
    return list(db.session.scalars(stmt))


def holiday_dates(start: date, end: date) -> dict[date, str]:
    return {h.date: h.name for h in holidays(start, end)}


def transfer_targets(user, enrolment: Enrolment) -> list[Batch]:
    """Batches in reach of the same partner that can still take people (not cancelled or over)."""
    stmt = scope(user).where(Batch.partner_id == enrolment.batch.partner_id, Batch.id != enrolment.batch_id,
                             Batch.cancelled_at.is_(None), Batch.end_date >= today())
    return list(db.session.scalars(stmt.order_by(Batch.start_date)))


def days_between(user, start: date, end: date) -> list[TrainingDay]:
    """Training days of live batches in reach between two dates (inclusive), oldest first. Only
    batches whose span meets the dates are looked at (a batch's start and end dates are its first
    and last day), so the cost follows the current work, not every batch the user ever ran."""
    batch_ids = scope(user, select(Batch.id)).where(Batch.cancelled_at.is_(None), Batch.start_date <= end,
                                                    Batch.end_date >= start)
    return list(db.session.scalars(
        select(TrainingDay).where(TrainingDay.batch_id.in_(batch_ids), TrainingDay.date >= start,
                                  TrainingDay.date <= end)
        .options(selectinload(TrainingDay.batch)).order_by(TrainingDay.date, TrainingDay.batch_id)))


def facilitators_of(partner_id: int | None = None):
    stmt = select(User).where(User.role == Role.FACILITATOR, User.is_enabled.is_(True))
    if partner_id:
        stmt = stmt.where(User.partner_id == partner_id)
    return list(db.session.scalars(stmt.order_by(User.display_name, User.username)))


def master_trainers():
    return list(db.session.scalars(select(User).where(User.role == Role.MASTER_TRAINER, User.is_enabled.is_(True))
                                   .order_by(User.display_name, User.username)))


def facilitator_bookings(user_ids, dates, *, exclude_batch_id: int | None = None) -> list[tuple[int, Batch, date]]:
    """(facilitator id, other batch, date) for every training day of another batch that is not
    cancelled, on one of `dates`, run by one of `user_ids`: the double bookings a plan would make."""
    ids, days = sorted(set(user_ids)), sorted(set(dates))
    if not ids or not days:
        return []
    stmt = (select(batch_facilitator.c.user_id, Batch, TrainingDay.date)
            .join(Batch, Batch.id == batch_facilitator.c.batch_id)
            .join(TrainingDay, TrainingDay.batch_id == Batch.id)
            .where(batch_facilitator.c.user_id.in_(ids), TrainingDay.date.in_(days), Batch.cancelled_at.is_(None))
            .order_by(Batch.start_date, Batch.code, TrainingDay.date))
    if exclude_batch_id is not None:
        stmt = stmt.where(Batch.id != exclude_batch_id)
    return [(row[0], row[1], row[2]) for row in db.session.execute(stmt)]


def last_move(batch_id: int) -> DayMove | None:
    """The batch's latest day move, if it has not been undone (only the last one can be)."""
    move = db.session.scalar(select(DayMove).where(DayMove.batch_id == batch_id)
                             .order_by(DayMove.created_at.desc(), DayMove.id.desc()).limit(1))
    return move if move is not None and move.undone_at is None else None
