"""Who may get a certificate: the rule (from the config), each participant's standing in a batch
and why, and whether a batch can give certificates yet. Reads only; services.py issues.

The rule: at least CERTIFICATE_MIN_DAYS days attended (present or late, and excused when
CERTIFICATE_COUNT_EXCUSED), a business plan submitted or approved (CERTIFICATE_CANVAS_STATUS),
still active in the batch and not erased.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from edt.clock import today
from edt.errors import RuleError
from edt.extensions import db
from edt.modules.attendance import queries as attendance
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.canvas.models import Canvas, CanvasStatus
from edt.modules.participants.models import Participant
from edt.signals import certificate_conditions

from . import queries
from .models import Certificate, CertificateStatus


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
        return self.canvas_statuses == (CanvasStatus.APPROVED,)

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
    status = config.get("CERTIFICATE_CANVAS_STATUS", CanvasStatus.SUBMITTED)
    return Rule(min_days=int(config.get("CERTIFICATE_MIN_DAYS", 8)),
                canvas_statuses=((CanvasStatus.APPROVED,) if status == CanvasStatus.APPROVED
                                 else (CanvasStatus.SUBMITTED, CanvasStatus.APPROVED)),
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
        revoked = any(c.status == CertificateStatus.REVOKED for c in self.history)
        return self.eligible and self.certificate is None and not revoked


def _canvas_words(status: str | None, the_rule: Rule) -> tuple[bool, str]:
    if status in the_rule.canvas_statuses:
        words = _l("business plan approved") if status == CanvasStatus.APPROVED else _l("business plan submitted")
        return True, str(words)
    if status is None:
        return False, str(_l("no business plan yet"))
    if status == CanvasStatus.SUBMITTED:
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
        valid = next((c for c in mine if c.status == CertificateStatus.VALID), None)
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
