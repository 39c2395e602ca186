"""What a device keeps for working offline: only these pages, for this user (scoped reads)."""
from dataclasses import dataclass, field
from datetime import timedelta

from edt.clock import today
from edt.modules.attendance import queries as attendance_queries
from edt.modules.batches import queries as batch_queries
from edt.modules.followup import queries as followup_queries
from edt.modules.participants.queries import own_participant
from edt.security import Role

MAX_DAYS = 12     # training days kept (today's and tomorrow's, of the batches in reach)
MAX_VISITS = 40   # follow-up visit forms kept (overdue and due this week)


@dataclass
class Kept:
    days: list = field(default_factory=list)           # TrainingDay: attendance page, sign-in sheet, plan
    visits: list = field(default_factory=list)         # followup Visit: its form
    participant: object = None                         # a participant's own canvas and plan
    batch_days: list = field(default_factory=list)     # their batch's days so far: the day summaries
    followups: bool = False                            # the due list


def kept_for(user) -> Kept:
    on = today()
    kept = Kept()
    if user.role in (Role.FACILITATOR, Role.MASTER_TRAINER):
        days = batch_queries.days_between(user, on, on + timedelta(days=1))
        if user.role == Role.MASTER_TRAINER:  # every batch is in reach: keep the ones they run
            days = [d for d in days if any(f.id == user.id for f in d.batch.facilitators)]
        kept.days = days[:MAX_DAYS]
        groups, _missed = followup_queries.due_list(user, on)
        visits = [v for name in ("overdue", "week") for batch in groups[name] for v in batch.visits]
        kept.visits, kept.followups = visits[:MAX_VISITS], True
    elif user.role == Role.PARTICIPANT:
        participant = own_participant(user)
        if participant is not None:
            kept.participant = participant
            _enrolment, days = attendance_queries.own_batch_days(participant)
            kept.batch_days = [d for d, _mark in days if d.date <= on]
    return kept
