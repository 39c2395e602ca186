"""Scoped reads for the trainers module.

Master trainers reach every ToT, observation and facilitator record; a facilitator reaches only
their own record (credential, observations, quality figures); participants nothing. Detail
getters end in scoped_or_404, so a record out of reach looks exactly like one that does not exist.
Every list is built in a fixed number of queries, whatever its length.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.attendance.queries import summaries
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.modules.canvas.models import Canvas
from edt.modules.certificates.models import Certificate
from edt.modules.certificates.queries import normalise_code
from edt.security import Role, scoped_or_404

from .models import (Credential, CredentialChange, Observation, TotDay, TotEvent, TotKind, TotMark, TotMarkStatus,
                     TotTrainee)

ATTENDED = (TotMarkStatus.PRESENT, TotMarkStatus.LATE)


# --- ToT events ----------------------------------------------------------------------------------

def list_events(page: int = 1, per_page: int = 50):
    """ToT events, newest first, with their trainee counts: (rows, total). Three queries."""
    total = db.session.scalar(select(func.count()).select_from(TotEvent))
    trainees = (select(func.count()).where(TotTrainee.tot_event_id == TotEvent.id)
                .correlate(TotEvent).scalar_subquery())
    rows = db.session.execute(select(TotEvent, trainees).options(selectinload(TotEvent.partners))
                              .order_by(TotEvent.start_date.desc(), TotEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return [(event, count) for event, count in rows], total


def event_for(user, event_id: int) -> TotEvent:
    found = db.session.get(TotEvent, event_id) if user.role == Role.MASTER_TRAINER else None
    return scoped_or_404(found, target_type="tot_event", target_id=event_id, actor=user)


def day_for(user, day_id: int) -> TotDay:
    found = db.session.get(TotDay, day_id) if user.role == Role.MASTER_TRAINER else None
    return scoped_or_404(found, target_type="tot_day", target_id=day_id, actor=user)


def event_trainees(event: TotEvent) -> list[TotTrainee]:
    return list(db.session.scalars(select(TotTrainee).join(User, User.id == TotTrainee.user_id)
                                   .where(TotTrainee.tot_event_id == event.id)
                                   .order_by(User.display_name, User.username)))


def day_marks(day: TotDay) -> dict[int, TotMark]:
    return {m.trainee_id: m for m in db.session.scalars(select(TotMark).where(TotMark.tot_day_id == day.id))}


def event_marks(event: TotEvent) -> dict[tuple[int, int], str]:
    """{(trainee id, day number): status} for the whole event, in one query."""
    rows = db.session.execute(select(TotMark.trainee_id, TotDay.number, TotMark.status)
                              .join(TotDay, TotDay.id == TotMark.tot_day_id)
                              .where(TotDay.tot_event_id == event.id))
    return {(trainee, number): status for trainee, number, status in rows}


def event_observations(event: TotEvent) -> list[Observation]:
    return list(db.session.scalars(select(Observation).where(Observation.tot_event_id == event.id)
                                   .options(selectinload(Observation.facilitator))
                                   .order_by(Observation.observed_on.desc(), Observation.id.desc())))


def trainee_candidates(event: TotEvent) -> list[User]:
    """Enabled facilitators of the event's partners (of every partner when it names none) who
    are not yet trainees."""
    stmt = select(User).where(User.role == Role.FACILITATOR, User.is_enabled.is_(True),
                              User.id.not_in(select(TotTrainee.user_id).where(TotTrainee.tot_event_id == event.id)))
    partner_ids = [p.id for p in event.partners]
    if partner_ids:
        stmt = stmt.where(User.partner_id.in_(partner_ids))
    return list(db.session.scalars(stmt.order_by(User.display_name, User.username)))


# --- facilitators and their evidence ------------------------------------------------------------

def facilitator_for(user, facilitator_id: int) -> User:
    """A facilitator's account: any for a master trainer, only their own for a facilitator."""
    found = None
    if user.role == Role.MASTER_TRAINER or (user.role == Role.FACILITATOR and user.id == facilitator_id):
        found = db.session.scalar(select(User).where(User.id == facilitator_id, User.role == Role.FACILITATOR))
    return scoped_or_404(found, target_type="facilitator", target_id=facilitator_id, actor=user)


def facilitators(partner_id: int | None = None) -> list[User]:
    stmt = select(User).where(User.role == Role.FACILITATOR)
    if partner_id:
        stmt = stmt.where(User.partner_id == partner_id)
    return list(db.session.scalars(stmt.order_by(User.display_name, User.username)))


def credentials_of(user_ids) -> dict[int, Credential]:
    ids = set(user_ids)
    if not ids:
        return {}
    return {c.user_id: c for c in db.session.scalars(select(Credential).where(Credential.user_id.in_(ids)))}


def credential_by_code(code: str) -> Credential | None:
    """One lookup on the unique code column (normalised as certificate codes are)."""
    cleaned = normalise_code(code)
    if not cleaned:
        return None
    return db.session.scalar(select(Credential).where(Credential.code == cleaned))


def changes_of(credential: Credential | None) -> list[CredentialChange]:
    if credential is None:
        return []
    return list(db.session.scalars(select(CredentialChange).where(CredentialChange.credential_id == credential.id)
                                   .order_by(CredentialChange.at.desc(), CredentialChange.id.desc())))


def observations_of(facilitator_id: int) -> list[Observation]:
    return list(db.session.scalars(select(Observation).where(Observation.facilitator_id == facilitator_id)
                                   .options(selectinload(Observation.tot_event), selectinload(Observation.batch),
                                            selectinload(Observation.observer))
                                   .order_by(Observation.observed_on, Observation.id)))


def last_batch_days(user_ids, on: date) -> dict[int, date]:
    """The latest training day, up to `on`, of a live batch each facilitator is on. One query
    (through the batch's facilitators relationship: activity, not reach)."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(User.id, func.max(TrainingDay.date)).select_from(Batch).join(Batch.facilitators)
        .join(TrainingDay, TrainingDay.batch_id == Batch.id)
        .where(User.id.in_(ids), Batch.cancelled_at.is_(None), TrainingDay.date <= on).group_by(User.id))
    return dict(rows.all())


def last_tot_days(user_ids, on: date, kind: str | None = None) -> dict[int, date]:
    """The latest ToT day (of `kind`, or any) each user attended, up to `on`. One query."""
    ids = set(user_ids)
    if not ids:
        return {}
    stmt = (select(TotTrainee.user_id, func.max(TotDay.date)).select_from(TotMark)
            .join(TotTrainee, TotTrainee.id == TotMark.trainee_id).join(TotDay, TotDay.id == TotMark.tot_day_id)
            .join(TotEvent, TotEvent.id == TotDay.tot_event_id)
            .where(TotTrainee.user_id.in_(ids), TotMark.status.in_(ATTENDED), TotDay.date <= on))
    if kind:
        stmt = stmt.where(TotEvent.kind == kind)
    return dict(db.session.execute(stmt.group_by(TotTrainee.user_id)).all())


def completed_tots(user_id: int, on: date) -> list[TotEvent]:
    """Five-day ToTs that have ended by `on` and that the user attended every day of."""
    attended = (select(func.count()).select_from(TotMark).join(TotDay, TotDay.id == TotMark.tot_day_id)
                .where(TotMark.trainee_id == TotTrainee.id, TotDay.tot_event_id == TotEvent.id,
                       TotMark.status.in_(ATTENDED)).correlate(TotTrainee, TotEvent).scalar_subquery())
    days = (select(func.count()).select_from(TotDay).where(TotDay.tot_event_id == TotEvent.id)
            .correlate(TotEvent).scalar_subquery())
    return list(db.session.scalars(
        select(TotEvent).join(TotTrainee, TotTrainee.tot_event_id == TotEvent.id)
        .where(TotTrainee.user_id == user_id, TotEvent.kind == TotKind.TOT, TotEvent.end_date <= on,
               attended == days).order_by(TotEvent.end_date)))


def best_observation(user_id: int) -> Observation | None:
    return db.session.scalar(select(Observation).where(Observation.facilitator_id == user_id,
                                                       Observation.meets_bar.is_(True))
                             .order_by(Observation.observed_on.desc()).limit(1))


# --- quality, for coaching -------------------------------------------------------------------------

@dataclass
class Quality:
    batches: int
    people: int  # enrolments that did not end in a transfer
    attended_days: int
    recorded_days: int
    dropped: int
    canvases_submitted: int
    canvases_approved: int
    certificates: int

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_days / self.recorded_days if self.recorded_days else None


def quality(facilitator: User, on: date) -> Quality:
    """The batches the facilitator ran (started by `on`, not cancelled) and what came of them.
    A fixed number of queries, whatever the number of batches or people."""
    batch_ids = list(db.session.scalars(
        select(Batch.id).join(Batch.facilitators).where(User.id == facilitator.id, Batch.cancelled_at.is_(None),
                                                        Batch.start_date <= on)))
    enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.batch_id.in_(batch_ids),
                                                                 Enrolment.status != "transferred")))
    per_person = summaries(batch_ids, enrolments) if enrolments else {}
    people = {e.participant_id for e in enrolments}
    canvas_rows = db.session.execute(select(Canvas.status, func.count()).where(Canvas.participant_id.in_(people))
                                     .group_by(Canvas.status)).all() if people else []
    by_status = dict(canvas_rows)
    certificates = db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.batch_id.in_(batch_ids), Certificate.status == "valid")) if batch_ids else 0
    return Quality(batches=len(batch_ids), people=len(enrolments),
                   attended_days=sum(s.attended for s in per_person.values()),
                   recorded_days=sum(s.recorded_days for s in per_person.values()),
                   dropped=sum(1 for e in enrolments if e.status == "dropped"),
                   canvases_submitted=sum(n for s, n in by_status.items() if s != "draft"),
                   canvases_approved=by_status.get("approved", 0), certificates=certificates or 0)


def list_facilitators(page: int = 1, per_page: int = 50, partner_id: int | None = None):
    """Facilitator accounts, enabled first, by name: (users, total). Two queries."""
    stmt = select(User).where(User.role == Role.FACILITATOR)
    if partner_id:
        stmt = stmt.where(User.partner_id == partner_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    users = list(db.session.scalars(stmt.order_by(User.is_enabled.desc(), User.display_name, User.username)
                                    .limit(per_page).offset((page - 1) * per_page)))
    return users, total


def credentials_expiring(start: date, end: date) -> list[Credential]:
    """Certified credentials whose validity ends between two dates, soonest first."""
    return list(db.session.scalars(select(Credential).where(Credential.status == "certified",
                                                            Credential.expires_on >= start,
                                                            Credential.expires_on <= end)
                                   .order_by(Credential.expires_on)))


def held_credentials() -> list[Credential]:
    """Every provisional or certified credential (the refreshers-due list reads their dates)."""
    return list(db.session.scalars(select(Credential).where(Credential.status.in_(("provisional", "certified")))
                                   .order_by(Credential.id)))


def contexts_for(facilitator: User) -> tuple[list[TotEvent], list[Batch]]:
    """The ToTs the facilitator took part in and the batches they are on: where a session of
    theirs can have been observed. Two queries."""
    events = list(db.session.scalars(select(TotEvent).join(TotTrainee, TotTrainee.tot_event_id == TotEvent.id)
                                     .where(TotTrainee.user_id == facilitator.id)
                                     .order_by(TotEvent.start_date.desc())))
    batches = list(db.session.scalars(select(Batch).join(Batch.facilitators).where(User.id == facilitator.id)
                                      .order_by(Batch.start_date.desc())))
    return events, batches
