"""Erasure and retention.

Erasing a participant replaces every piece of personal data and free text written by them or
about them with a placeholder, and keeps what the programme counts: the pseudonymous code, gender,
district, enrolments, attendance marks, the number of canvas notes and revisions, the plan's
figures. Certificates are withdrawn ("withdrawn at the holder's request"), the login is closed,
and the audit row names the fields erased and how many, never a value.

Backups taken before an erasure still hold the old data: they age out as the backup retention
policy deletes them (see the README).
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from edt import audit
from edt.clock import today, utcnow
from edt.errors import RuleError
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.canvas.models import Canvas, CanvasComment, CanvasRevision, FinancialPlan, PlanCost, PlanProduct
from edt.modules.certificates.models import Certificate
from edt.modules.participants.models import Participant
from edt.modules.participants.services import ERASED  # noqa: F401  (the placeholder; the CLI and tests name it)
from edt.modules.kept_forms import services as kept_forms
from edt.security import Role, require
from edt.signals import participant_erased



class PrivacyError(RuleError):
    """A rule was broken; the message is safe to show. Nothing was changed."""


@dataclass
class ErasureSummary:
    """What an erasure will touch, counted before it runs (shown on the confirmation page)."""

    canvas_notes: int = 0
    revisions: int = 0
    comments: int = 0
    plan_lines: int = 0
    attendance_notes: int = 0
    certificates: int = 0
    counts: dict = field(default_factory=dict)


def _canvas(participant: Participant) -> Canvas | None:
    return db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))


def _enrolment_ids(participant: Participant) -> list[int]:
    return list(db.session.scalars(select(Enrolment.id).where(Enrolment.participant_id == participant.id)))


def plan(participant: Participant) -> ErasureSummary:
    found = ErasureSummary()
    canvas = _canvas(participant)
    if canvas is not None:
        found.canvas_notes = canvas.item_count
        found.revisions = db.session.scalar(select(func.count()).select_from(CanvasRevision)
                                            .where(CanvasRevision.canvas_id == canvas.id))
        found.comments = db.session.scalar(select(func.count()).select_from(CanvasComment)
                                           .where(CanvasComment.canvas_id == canvas.id))
        plan_ids = select(FinancialPlan.id).where(FinancialPlan.canvas_id == canvas.id)
        found.plan_lines = (db.session.scalar(select(func.count()).select_from(PlanCost)
                                              .where(PlanCost.plan_id.in_(plan_ids)))
                            + db.session.scalar(select(func.count()).select_from(PlanProduct)
                                                .where(PlanProduct.plan_id.in_(plan_ids))))
    enrolments = _enrolment_ids(participant)
    if enrolments:
        found.attendance_notes = db.session.scalar(select(func.count()).select_from(AttendanceMark).where(
            AttendanceMark.enrolment_id.in_(enrolments), AttendanceMark.note != ""))
    found.certificates = db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.participant_id == participant.id, Certificate.status != "withdrawn"))
    return found


def erase(actor, participant: Participant, *, via: str = "page") -> ErasureSummary:
    """Erase a participant's personal data (see the module's docstring). Each module blanks its
    own columns, answering edt.signals.participant_erased inside this transaction; one commit."""
    require(actor, Role.MASTER_TRAINER, error=PrivacyError, message=_l("Only master trainers erase personal data."))
    if participant.erased_at is not None:
        raise PrivacyError(_l("This participant's data was already erased."))
    counts = plan(participant)
    kept = kept_forms.count_for_participant(participant)
    fields = []
    for _receiver, erased in participant_erased.send(participant, actor=actor):
        fields += [name for name in erased or () if name not in fields]
    participant.erased_at = utcnow()
    counts.counts = {"canvas_notes": counts.canvas_notes, "revisions": counts.revisions,
                     "comments": counts.comments, "plan_lines": counts.plan_lines,
                     "attendance_notes": counts.attendance_notes, "certificates": counts.certificates,
                     "kept_forms": kept}
    audit.record(actor, "participant_erased", "participant", participant.id,
                 details={"fields": fields, "counts": counts.counts, "via": via})
    db.session.commit()
    return counts


# --- retention ---------------------------------------------------------------------------------

def _as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # some drivers return text for aggregates


def last_activity() -> dict[int, date]:
    """The latest sign of activity per participant not yet erased: registration, login,
    enrolment, training days, attendance, canvas and plan work, certificates. A fixed number of
    grouped queries, whatever the number of people."""
    live = select(Participant.id).where(Participant.erased_at.is_(None))
    sources = [
        select(Participant.id, Participant.created_at).where(Participant.id.in_(live)),
        select(Participant.id, User.last_login_at).join(User, User.id == Participant.user_id)
        .where(Participant.id.in_(live)),
        select(Enrolment.participant_id, func.max(Enrolment.enrolled_on)).group_by(Enrolment.participant_id),
        select(Enrolment.participant_id, func.max(Enrolment.ended_on)).group_by(Enrolment.participant_id),
        select(Enrolment.participant_id, func.max(Batch.end_date)).join(Batch, Batch.id == Enrolment.batch_id)
        .group_by(Enrolment.participant_id),
        select(Enrolment.participant_id, func.max(AttendanceMark.marked_at))
        .join(AttendanceMark, AttendanceMark.enrolment_id == Enrolment.id).group_by(Enrolment.participant_id),
        select(Canvas.participant_id, func.max(Canvas.updated_at)).group_by(Canvas.participant_id),
        select(Canvas.participant_id, func.max(Canvas.status_at)).group_by(Canvas.participant_id),
        select(Canvas.participant_id, func.max(CanvasRevision.created_at))
        .join(CanvasRevision, CanvasRevision.canvas_id == Canvas.id).group_by(Canvas.participant_id),
        select(Canvas.participant_id, func.max(CanvasComment.created_at))
        .join(CanvasComment, CanvasComment.canvas_id == Canvas.id).group_by(Canvas.participant_id),
        select(Canvas.participant_id, func.max(FinancialPlan.updated_at))
        .join(FinancialPlan, FinancialPlan.canvas_id == Canvas.id).group_by(Canvas.participant_id),
        select(Certificate.participant_id, func.max(Certificate.created_at)).group_by(Certificate.participant_id),
        select(Certificate.participant_id, func.max(Certificate.status_at)).group_by(Certificate.participant_id),
    ]
    latest: dict[int, date] = {}
    live_ids = set(db.session.scalars(live))
    for stmt in sources:
        for participant_id, value in db.session.execute(stmt).all():
            when = _as_date(value)
            if participant_id in live_ids and when is not None and when > latest.get(participant_id, date.min):
                latest[participant_id] = when
    return latest


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def inactive(years: int, *, on: date | None = None) -> list[tuple[Participant, date]]:
    """Participants (not erased) whose latest activity is more than `years` years before `on`."""
    cutoff = years_before(on or today(), years)
    stale = {pid: when for pid, when in last_activity().items() if when < cutoff}
    if not stale:
        return []
    people = db.session.scalars(select(Participant).where(Participant.id.in_(list(stale)))
                                .order_by(Participant.code))
    return [(p, stale[p.id]) for p in people]
