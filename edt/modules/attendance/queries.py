"""Read-only views of attendance for the home pages, in a fixed number of queries."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from edt.clock import today
from edt.extensions import db
from edt.modules.batches import queries as batch_queries
from edt.modules.batches.models import Batch, Enrolment, TrainingDay

from . import services
from .models import AttendanceMark


@dataclass
class DayCard:
    day: TrainingDay
    enrolled: int
    marked: int

    @property
    def done(self) -> bool:
        return self.enrolled > 0 and self.marked >= self.enrolled


@dataclass
class StaffHome:
    today: list[DayCard] = field(default_factory=list)
    upcoming: list[TrainingDay] = field(default_factory=list)
    at_risk: list = field(default_factory=list)
    running: int = 0
    planned: int = 0


def staff_home(user, *, upcoming_days: int = 14, limit: int = 30) -> StaffHome:
    """Today's training day of each batch in reach, the next days, and people at risk."""
    now = today()
    days = batch_queries.days_between(user, now, now + timedelta(days=upcoming_days))
    todays = [d for d in days if d.date == now]
    home = StaffHome(upcoming=[d for d in days if d.date > now][:limit])
    # The same people as the day's page: active enrolments and those who left on or after that date.
    enrolled = dict(db.session.execute(
        select(TrainingDay.id, func.count(Enrolment.id))
        .join(Enrolment, and_(Enrolment.batch_id == TrainingDay.batch_id,
                              or_(Enrolment.status == "active", Enrolment.ended_on >= TrainingDay.date)))
        .where(TrainingDay.id.in_([d.id for d in todays])).group_by(TrainingDay.id)).all()) if todays else {}
    marked = dict(db.session.execute(
        select(AttendanceMark.training_day_id, func.count())
        .where(AttendanceMark.training_day_id.in_([d.id for d in todays])).group_by(AttendanceMark.training_day_id)
    ).all()) if todays else {}
    home.today = [DayCard(d, enrolled.get(d.id, 0), marked.get(d.id, 0)) for d in todays[:limit]]
    running = list(db.session.scalars(batch_queries.scope(user, select(Batch.id))
                                      .where(batch_queries.status_clause("running", now))))
    home.running = len(running)
    home.planned = db.session.scalar(select(func.count()).select_from(
        batch_queries.scope(user, select(Batch.id)).where(batch_queries.status_clause("planned", now)).subquery()))
    home.at_risk = services.at_risk_for(user, running)[:limit]
    return home


def own_batch_days(participant):
    """For a participant's own page: their batch, and each day with their own mark."""
    return services.participant_days(participant)
