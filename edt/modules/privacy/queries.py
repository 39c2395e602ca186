"""The audit log, read for master trainers: filtered by person, participant code, action and
date, one page at a time, in a fixed number of queries whatever the page size."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, false, func, or_, select

from edt.audit import AuditEvent
from edt.clock import TIMEZONE
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.batches.models import Batch, Enrolment, TrainingDay
from edt.modules.canvas.models import Canvas
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant


@dataclass
class Filters:
    person: str = ""
    code: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def used(self) -> list[str]:
        return [name for name in ("person", "code", "action", "since", "until") if getattr(self, name)]


@dataclass
class Row:
    event: AuditEvent
    actor: str       # username, or "" for the system / an anonymous visitor
    target: str      # a participant code, a serial, a batch code... never a person's name


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def participant_by_code(code: str) -> Participant | None:
    return db.session.scalar(select(Participant).where(func.upper(Participant.code) == code.strip().upper()))


def _about(participant: Participant):
    """Audit rows about one participant: their record, login, canvas, enrolments, certificates."""
    canvas_ids = [str(i) for i in db.session.scalars(select(Canvas.id).where(Canvas.participant_id == participant.id))]
    enrolment_ids = [str(i) for i in db.session.scalars(
        select(Enrolment.id).where(Enrolment.participant_id == participant.id))]
    certificate_ids = [str(i) for i in db.session.scalars(
        select(Certificate.id).where(Certificate.participant_id == participant.id))]
    pid = str(participant.id)
    target = AuditEvent.target_type
    clauses = [and_(target == "participant", AuditEvent.target_id == pid),
               and_(target == "user", AuditEvent.target_id == str(participant.user_id)),
               # canvas pages refuse by participant id, everything else names the canvas row
               and_(target == "canvas", AuditEvent.action == "refused", AuditEvent.target_id == pid)]
    if canvas_ids:
        clauses.append(and_(target == "canvas", AuditEvent.action != "refused", AuditEvent.target_id.in_(canvas_ids)))
        clauses += [and_(target == "canvas_revision", AuditEvent.target_id.like(f"{c}:%")) for c in canvas_ids]
    if enrolment_ids:
        clauses.append(and_(target == "enrolment", AuditEvent.target_id.in_(enrolment_ids)))
    if certificate_ids:
        clauses.append(and_(target == "certificate", AuditEvent.target_id.in_(certificate_ids)))
    return or_(*clauses)


def _statement(filters: Filters):
    stmt = select(AuditEvent)
    if filters.person:
        like = f"%{filters.person.strip().lower()}%"
        stmt = stmt.where(AuditEvent.actor_id.in_(select(User.id).where(or_(
            func.lower(User.username).like(like), func.lower(User.display_name).like(like)))))
    if filters.code:
        participant = participant_by_code(filters.code)
        stmt = stmt.where(_about(participant) if participant else false())
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    # Days are Bangladesh days, as the page shows the times.
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.since, time.min, TIMEZONE).astimezone(timezone.utc))
    if filters.until:
        stmt = stmt.where(AuditEvent.at < datetime.combine(filters.until + timedelta(days=1), time.min,
                                                         TIMEZONE).astimezone(timezone.utc))
    return stmt


def search(filters: Filters, *, page: int = 1, per_page: int = 50):
    """One page of the audit log: (rows with their labels, the db.paginate Pagination)."""
    found = db.paginate(_statement(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page=page,
                        per_page=per_page, max_per_page=per_page, error_out=False)
    return _label(found.items), found


def export(filters: Filters, *, batch_size: int = 500):
    """Every row the filters match, newest first, labelled like the page, `batch_size` at a time
    (a few queries per batch, whatever the size of the log)."""
    stmt = _statement(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    for chunk in db.session.scalars(stmt.execution_options(yield_per=batch_size)).partitions():
        yield from _label(list(chunk))


def _ids(events, kind) -> set[int]:
    out = set()
    for e in events:
        if e.target_type == kind and e.target_id and e.target_id.isdigit() and e.action != "refused":
            out.add(int(e.target_id))
    return out


def _label(events: list[AuditEvent]) -> list[Row]:
    """Usernames and target labels for one page: one query per kind of target on the page."""
    actor_ids = {e.actor_id for e in events if e.actor_id}
    users = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(actor_ids))).all()) \
        if actor_ids else {}
    labels: dict[tuple[str, str], str] = {}

    def load(kind, stmt_for):
        ids = _ids(events, kind)
        if ids:
            labels.update({(kind, str(i)): label for i, label in db.session.execute(stmt_for(ids)).all()})

    load("participant", lambda ids: select(Participant.id, Participant.code).where(Participant.id.in_(ids)))
    load("user", lambda ids: select(User.id, User.username).where(User.id.in_(ids)))
    load("canvas", lambda ids: select(Canvas.id, Participant.code)
         .join(Participant, Participant.id == Canvas.participant_id).where(Canvas.id.in_(ids)))
    load("enrolment", lambda ids: select(Enrolment.id, Participant.code)
         .join(Participant, Participant.id == Enrolment.participant_id).where(Enrolment.id.in_(ids)))
    load("certificate", lambda ids: select(Certificate.id, Certificate.serial).where(Certificate.id.in_(ids)))
    load("batch", lambda ids: select(Batch.id, Batch.code).where(Batch.id.in_(ids)))
    day_ids = _ids(events, "training_day")
    if day_ids:
        labels.update({("training_day", str(i)): f"{code} · {number}" for i, code, number in db.session.execute(
            select(TrainingDay.id, Batch.code, TrainingDay.number).join(Batch, Batch.id == TrainingDay.batch_id)
            .where(TrainingDay.id.in_(day_ids))).all()})
    rows = []
    for e in events:
        target = labels.get((e.target_type, e.target_id or ""), "")
        rows.append(Row(event=e, actor=users.get(e.actor_id, ""), target=target))
    return rows
