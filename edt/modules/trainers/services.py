"""The rules and writes of the trainers module: scheduling a ToT, its trainees and daily marks,
observations scored with the rubric, credential status changes, and the rule that decides who may
be put on a batch (answered for the batches module through the facilitators_assigning signal).

Services take the acting user, raise TrainerError with a message safe to show, audit every change
(field names and counts, never the words of a reason or a note) and commit once per action.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from edt import audit
from edt.audit import AuditEvent
from edt.clock import today, utcnow
from edt.errors import RuleError
from edt.extensions import db
from edt.instruments import instruments
from edt.modules.accounts.models import Partner, User
from edt.modules.attendance.services import Entry
from edt.modules.batches.queries import batch_for
from edt.modules.batches.services import BatchError, working_dates
from edt.modules.certificates.services import new_code
from edt.security import Role, require
from edt.signals import facilitators_assigning

from . import queries
from .models import (NOTE_LENGTH, REASON_LENGTH, Credential, CredentialChange, CredentialStatus, Observation,
                     TotDay, TotEvent, TotKind, TotMark, TotMarkStatus, TotTrainee, criterion_field)

MAX_DAYS = 10
SERIAL_PREFIX = "EDT-F"
WINDOW = timedelta(days=366)


class TrainerError(RuleError):
    """A trainers rule was broken; the message is safe to show, and nothing was saved."""


def _require_master(actor) -> None:
    require(actor, Role.MASTER_TRAINER, error=TrainerError,
            message=_l("Only master trainers manage trainings of trainers and credentials."))


def _clean(text: str | None, limit: int, field: str, message) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        raise TrainerError(message, field)
    return text


# --- standing: the status a facilitator has today ----------------------------------------------

@dataclass(frozen=True)
class Standing:
    status: CredentialStatus
    because: str | None = None  # "expired" or "inactive" when lapsed by the dates
    expires_on: date | None = None
    last_active: date | None = None


def standing(credential: Credential | None, last_active: date | None, on: date) -> Standing:
    """The status today: the stored one, except that a provisional or certified credential reads
    as lapsed once its certificate expired or when nothing (batch day, ToT, refresher, or the status
    change itself) happened for CREDENTIAL_LAPSE_DAYS."""
    if credential is None:
        return Standing(CredentialStatus.CANDIDATE)
    status = CredentialStatus(credential.status)
    latest = max(d for d in (last_active, credential.status_on, credential.certified_on) if d is not None)
    if status in (CredentialStatus.PROVISIONAL, CredentialStatus.CERTIFIED):
        if status == CredentialStatus.CERTIFIED and credential.expires_on and credential.expires_on < on:
            return Standing(CredentialStatus.LAPSED, "expired", credential.expires_on, latest)
        if (on - latest).days > current_app.config["CREDENTIAL_LAPSE_DAYS"]:
            return Standing(CredentialStatus.LAPSED, "inactive", credential.expires_on, latest)
    return Standing(status, None, credential.expires_on, latest)


def standings(user_ids, on: date | None = None) -> dict[int, Standing]:
    """Today's standing of each user, in three queries whatever the number."""
    on = on or today()
    ids = set(user_ids)
    credentials = queries.credentials_of(ids)
    batch_days = queries.last_batch_days(ids, on)
    tot_days = queries.last_tot_days(ids, on)
    result = {}
    for user_id in ids:
        active = [d for d in (batch_days.get(user_id), tot_days.get(user_id)) if d is not None]
        result[user_id] = standing(credentials.get(user_id), max(active) if active else None, on)
    return result


# --- the rule for batches ---------------------------------------------------------------------------

@facilitators_assigning.connect
def check_assignment(partner_id, actor=None, added=(), chosen=(), reason: str = "", **_extra) -> None:
    """Only provisional or certified facilitators are put on a batch; a lapsed one only with a
    reason (kept in their credential history); a provisional one only next to a certified one.
    Raises the batches module's BatchError, shown next to the facilitators on the batch form."""
    added, chosen = list(added), list(chosen)
    if not added:
        return
    now = today()
    states = standings([u.id for u in chosen], now)
    refused = [u for u in added if states[u.id].status in (CredentialStatus.CANDIDATE, CredentialStatus.WITHDRAWN)]
    if refused:
        raise BatchError(_l("%(names)s cannot run a batch yet: only provisional or certified facilitators can. "
                            "Record their training of trainers first.",
                            names=", ".join(u.display_name or u.username for u in refused)), "facilitator_ids")
    lapsed = [u for u in added if states[u.id].status == CredentialStatus.LAPSED]
    reason = " ".join((reason or "").split())
    if lapsed and not reason:
        raise BatchError(_l("The credential of %(names)s has lapsed. To assign them anyway, write the reason.",
                            names=", ".join(u.display_name or u.username for u in lapsed)), "lapse_reason")
    if len(reason) > REASON_LENGTH:
        raise BatchError(_l("The reason is too long (at most %(n)d characters).", n=REASON_LENGTH), "lapse_reason")
    provisional = [u for u in added if states[u.id].status == CredentialStatus.PROVISIONAL]
    if provisional and not any(states[u.id].status == CredentialStatus.CERTIFIED for u in chosen):
        raise BatchError(_l("A provisional facilitator runs a batch together with a certified one: add a "
                            "certified facilitator too."), "facilitator_ids")
    credentials = queries.credentials_of(u.id for u in lapsed)
    for user in lapsed:
        credential = credentials[user.id]
        db.session.add(CredentialChange(credential_id=credential.id, kind="lapsed_assignment",
                                        from_status=CredentialStatus.LAPSED, to_status=CredentialStatus.LAPSED,
                                        on=now, reason=reason, actor_id=getattr(actor, "id", None)))
        audit.record(actor, "lapsed_facilitator_assigned", "credential", credential.id,
                     details={"fields": ["reason"]})


# --- ToT events -------------------------------------------------------------------------------------

def _guide_slug(kind: str, number: int) -> str:
    if kind == TotKind.TOT and number <= 5:
        return f"tot-day-{number}"
    if kind == TotKind.REFRESHER and number == 1:
        return "tot-refresher"
    return ""


def schedule_tot(actor, *, title: str, kind: str, venue: str, start_date: date, days: int,
                 partner_ids=()) -> TotEvent:
    """A ToT on the next `days` working dates from `start_date` (Fridays and public holidays
    skipped), each day linked to its session plans in the facilitator guide."""
    _require_master(actor)
    title = _clean(title, 120, "title", _l("The title is too long (at most 120 characters)."))
    if not title:
        raise TrainerError(_l("Give the training a title."), "title")
    venue = _clean(venue, 160, "venue", _l("The venue is too long (at most 160 characters)."))
    if kind not in set(TotKind):
        raise TrainerError(_l("Choose the kind of training from the list."), "kind")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TrainerError(_l("A training of trainers lasts 1 to 10 days."), "days")
    if not isinstance(start_date, date) or abs(start_date - today()) > WINDOW:
        raise TrainerError(_l("Choose a date within a year of today."), "start_date")
    partners = []
    ids = sorted(set(partner_ids))
    if ids:
        partners = list(db.session.scalars(select(Partner).where(Partner.id.in_(ids))))
        if len(partners) != len(ids):
            raise TrainerError(_l("Choose the partner organisations from the list."), "partner_ids")
    dates = working_dates(start_date, days, {4})
    event = TotEvent(title=title, kind=kind, venue=venue, start_date=dates[0], end_date=dates[-1],
                     master_trainer_id=actor.id, partners=partners,
                     days=[TotDay(number=n, date=d, guide_slug=_guide_slug(kind, n))
                           for n, d in enumerate(dates, start=1)])
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "tot_scheduled", "tot_event", event.id,
                 details={"fields": ["title", "kind", "venue", "dates", "partners"], "days": days})
    db.session.commit()
    return event


def add_trainees(actor, event: TotEvent, user_ids) -> int:
    """Put facilitators on a ToT (enabled facilitators of its partners). Returns how many were added."""
    _require_master(actor)
    ids = sorted(set(user_ids))
    if not ids:
        raise TrainerError(_l("Choose at least one facilitator."), "user_ids")
    allowed = {u.id for u in queries.trainee_candidates(event)}
    if not set(ids) <= allowed:
        raise TrainerError(_l("Choose facilitators of the training's partner organisations from the list."),
                           "user_ids")
    for user_id in ids:
        db.session.add(TotTrainee(tot_event_id=event.id, user_id=user_id))
    audit.record(actor, "tot_trainees_added", "tot_event", event.id, details={"count": len(ids)})
    db.session.commit()
    return len(ids)


def save_marks(actor, day: TotDay, entries: list[Entry]) -> dict[str, int]:
    """Save a ToT day's marks (the batch marking form: `enrolment_id` is the trainee id here).
    Every row must be a trainee of this ToT with one of the four marks; an empty row is left
    unmarked. Returns the counts per mark."""
    _require_master(actor)
    if day.date > today():
        raise TrainerError(_l("This day has not come yet: attendance can be recorded from %(date)s.",
                              date=day.date.isoformat()))
    trainees = {t.id for t in day.event.trainees}
    existing = queries.day_marks(day)
    counts = dict.fromkeys(TotMarkStatus, 0)
    for entry in entries:
        if entry.enrolment_id not in trainees:
            raise TrainerError(_l("The form was damaged. Reload the page and try again."))
        if entry.status is None:
            continue
        if entry.status not in set(TotMarkStatus):
            raise TrainerError(_l("Choose present, late, excused or absent."))
        if len(entry.note) > 200:
            raise TrainerError(_l("A note is at most 200 characters."))
        mark = existing.get(entry.enrolment_id)
        if mark is None:
            mark = TotMark(tot_day_id=day.id, trainee_id=entry.enrolment_id)
            db.session.add(mark)
        mark.status, mark.note, mark.marked_by_id, mark.marked_at = entry.status, entry.note, actor.id, utcnow()
        counts[TotMarkStatus(entry.status)] += 1
    audit.record(actor, "tot_attendance_saved", "tot_day", day.id, details={"marks": sum(counts.values())})
    db.session.commit()
    return counts


# --- observations ------------------------------------------------------------------------------------

def meets_bar(scores: dict[str, int]) -> bool:
    """At or above the bar: the mean at least OBSERVATION_BAR, and the rubric's ready-to-lead rule
    (no criterion below its minimum, the key criteria at their minimum or more)."""
    rubric = instruments().rubric
    mean = sum(scores.values()) / len(scores)
    return (mean >= current_app.config["OBSERVATION_BAR"] and min(scores.values()) >= rubric.ready_minimum
            and all(scores[key] >= rubric.key_minimum for key in rubric.key_criteria))


def record_observation(actor, facilitator: User, *, observed_on: date, scores: dict, notes: dict | None = None,
                       session: str = "", note: str = "", tot_event_id: int | None = None,
                       batch_id: int | None = None) -> Observation:
    """Score a facilitator's session on every rubric criterion (1 to 4, each with an optional
    note), during a ToT teach-back or a real batch (at most one of the two)."""
    _require_master(actor)
    if facilitator.role != Role.FACILITATOR:
        raise TrainerError(_l("Only facilitators are observed."))
    rubric = instruments().rubric
    wanted = [c.id for c in rubric.criteria]
    clean = {}
    for criterion in wanted:
        value = scores.get(criterion)
        if not isinstance(value, int) or not 1 <= value <= 4:
            raise TrainerError(_l("Give every criterion a score from 1 to 4."), f"score_{criterion_field(criterion)}")
        clean[criterion] = value
    notes = notes or {}
    for criterion in wanted:
        if len(" ".join((notes.get(criterion) or "").split())) > NOTE_LENGTH:
            raise TrainerError(_l("A note is at most %(n)d characters.", n=NOTE_LENGTH), f"note_{criterion_field(criterion)}")
    if not isinstance(observed_on, date) or observed_on > today() or observed_on < today() - WINDOW:
        raise TrainerError(_l("The date must be within the last year, and not in the future."), "observed_on")
    session = _clean(session, 120, "session", _l("The session name is too long (at most 120 characters)."))
    note = _clean(note, 1000, "note", _l("The note is too long (at most 1000 characters)."))
    if tot_event_id and batch_id:
        raise TrainerError(_l("Choose a training of trainers or a batch, not both."), "context")
    if tot_event_id:
        trainee = db.session.scalar(select(TotTrainee.id).where(TotTrainee.tot_event_id == tot_event_id,
                                                                TotTrainee.user_id == facilitator.id))
        if trainee is None:
            raise TrainerError(_l("This facilitator is not a trainee of that training of trainers."), "context")
    if batch_id:
        batch = batch_for(actor, batch_id)
        if not any(f.id == facilitator.id for f in batch.facilitators):
            raise TrainerError(_l("This facilitator does not run that batch."), "context")
    mean = round(sum(clean.values()) / len(clean), 2)
    observation = Observation(
        facilitator_id=facilitator.id, observer_id=actor.id, observed_on=observed_on, session=session,
        tot_event_id=tot_event_id or None, batch_id=batch_id or None, rubric_version=rubric.version,
        scores={c: {"score": clean[c], "note": " ".join((notes.get(c) or "").split())} for c in wanted},
        mean_score=mean, meets_bar=meets_bar(clean), note=note)
    db.session.add(observation)
    db.session.flush()
    audit.record(actor, "observation_recorded", "observation", observation.id,
                 details={"criteria": len(clean), "context": "tot" if tot_event_id else "batch" if batch_id else None})
    db.session.commit()
    return observation


# --- credential status ------------------------------------------------------------------------------

def _next_serial(year: int) -> str:
    prefix = f"{SERIAL_PREFIX}-{year}-"
    last = db.session.scalar(select(func.max(Credential.serial)).where(Credential.serial.like(prefix + "%")))
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def change_status(actor, facilitator: User, to_status: str, reason: str = "") -> Credential:
    """A master trainer's decision, with its evidence checked:
    provisional: at least one ToT day attended; certified: a five-day ToT attended every day and
    at least one observed session at or above the bar (a renewal also needs a refresher attended
    since the last certification); withdrawn and lapsed: a reason. Certifying gives the serial and
    the verification code (kept through renewals) and a validity of CREDENTIAL_YEARS."""
    _require_master(actor)
    if facilitator.role != Role.FACILITATOR:
        raise TrainerError(_l("Only facilitators hold a credential."))
    if to_status not in set(CredentialStatus):
        raise TrainerError(_l("Choose a status from the list."), "status")
    to_status = CredentialStatus(to_status)
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_LENGTH:
        raise TrainerError(_l("The reason is too long (at most %(n)d characters).", n=REASON_LENGTH), "reason")
    if to_status in (CredentialStatus.WITHDRAWN, CredentialStatus.LAPSED) and not reason:
        raise TrainerError(_l("Write the reason for this status."), "reason")
    now = today()
    credential = queries.credentials_of([facilitator.id]).get(facilitator.id)
    current = standings([facilitator.id], now)[facilitator.id].status
    if credential is not None and credential.status == to_status and to_status != CredentialStatus.CERTIFIED:
        raise TrainerError(_l("The facilitator already has this status."), "status")
    if to_status == CredentialStatus.PROVISIONAL and not queries.last_tot_days([facilitator.id], now):
        raise TrainerError(_l("Provisional needs at least one day of a training of trainers attended."), "status")
    if to_status == CredentialStatus.CERTIFIED:
        if not queries.completed_tots(facilitator.id, now):
            raise TrainerError(_l("Certified needs a five-day training of trainers attended every day."), "status")
        if queries.best_observation(facilitator.id) is None:
            raise TrainerError(_l("Certified needs at least one observed session at or above the bar."), "status")
        if credential is not None and credential.certified_on is not None:
            refresher = queries.last_tot_days([facilitator.id], now, TotKind.REFRESHER).get(facilitator.id)
            if refresher is None or refresher < credential.certified_on:
                raise TrainerError(_l("A renewal needs a refresher attended since the last certification."),
                                   "status")
    if credential is None:
        credential = Credential(user_id=facilitator.id, status=CredentialStatus.CANDIDATE, status_on=now)
        db.session.add(credential)
        db.session.flush()
    from_status = current
    credential.status, credential.status_on, credential.reason, credential.updated_at = to_status, now, reason, utcnow()
    if to_status == CredentialStatus.CERTIFIED:
        if credential.serial is None:
            credential.serial, credential.code = _next_serial(now.year), new_code()
        credential.certified_on = now
        credential.expires_on = _years_later(now, current_app.config["CREDENTIAL_YEARS"])
    db.session.add(CredentialChange(credential_id=credential.id, from_status=from_status, to_status=to_status,
                                    on=now, reason=reason, actor_id=actor.id))
    audit.record(actor, "credential_status_changed", "credential", credential.id,
                 details={"fields": ["status"] + (["reason"] if reason else []), "to": str(to_status)})
    db.session.commit()
    return credential


def record_prior(actor, facilitator: User, *, status: str, on: date, reason: str) -> Credential:
    """A credential earned before EDT was in use (the programme's first phase trained facilitators
    on paper): provisional or certified on a past date, with the reason naming the record it comes
    from. Used when a deployment starts (actor None: the system) or by a master trainer."""
    if actor is not None:
        _require_master(actor)
    if facilitator.role != Role.FACILITATOR:
        raise TrainerError(_l("Only facilitators hold a credential."))
    if status not in (CredentialStatus.PROVISIONAL, CredentialStatus.CERTIFIED):
        raise TrainerError(_l("A prior credential is provisional or certified."), "status")
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > REASON_LENGTH:
        raise TrainerError(_l("Name the record the credential comes from (at most %(n)d characters).",
                              n=REASON_LENGTH), "reason")
    if not isinstance(on, date) or on > today():
        raise TrainerError(_l("The date cannot be in the future."), "on")
    if queries.credentials_of([facilitator.id]):
        raise TrainerError(_l("This facilitator already has a credential."))
    credential = Credential(user_id=facilitator.id, status=status, status_on=on, reason=reason, updated_at=utcnow())
    if status == CredentialStatus.CERTIFIED:
        credential.serial, credential.code = _next_serial(on.year), new_code()
        credential.certified_on = on
        credential.expires_on = _years_later(on, current_app.config["CREDENTIAL_YEARS"])
    db.session.add(credential)
    db.session.flush()
    db.session.add(CredentialChange(credential_id=credential.id, from_status=CredentialStatus.CANDIDATE,
                                    to_status=status, on=on, reason=reason, actor_id=getattr(actor, "id", None)))
    audit.record(actor, "credential_recorded", "credential", credential.id, details={"fields": ["status", "reason"]})
    db.session.commit()
    return credential


def verify_seen(credential: Credential) -> None:
    """A credential's verify page was opened: audited without an actor, once per credential per
    day (strangers cannot grow the audit trail by reloading)."""
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    seen = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "credential_verified", AuditEvent.target_id == str(credential.id),
        AuditEvent.at >= start).limit(1))
    if seen is None:
        audit.record(None, "credential_verified", "credential", credential.id, commit=True)
