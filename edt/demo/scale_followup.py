"""seed-scale's life after the ten days: the follow-up visits the stages (followup/stages.toml)
call for, the support given after training and a few money books.

A stage whose window has closed was recorded nine times in ten (the rest were missed); one whose
window is open about half the time (the rest are on the due list). A recorded visit is done
(most), not reached, refused, or a consent withdrawn (no visit after it). Whether someone works
follows one draw per person against a share that grows with time, so the same people stay in
work and the programme's outcome, in wage or self-employment, reaches about three in four by
six months and a year (Phase I: 74%)."""
from datetime import UTC, datetime, time, timedelta

from edt.modules.followup import rules
from edt.modules.followup.models import FollowUp, MoneyBook, MoneyEntry, SupportGiven

from .bulk import Json, picker

# Share of people in wage or self-employment at each stage (people who left early: m3 only).
WORKING = {"m1": 0.55, "m3": 0.66, "m6": 0.74, "m12": 0.76}
WORKING_DROPOUTS = 0.45
OUTCOMES = (("done", 88), ("not_reached", 7), ("refused", 4), ("withdrawn", 1))
METHODS = (("home", 50), ("phone", 40), ("office", 10))
LOANS = (("none", 55), ("mfi", 25), ("samity", 10), ("family", 8), ("moneylender", 2))
SUPPORT = (("mentoring", 40), ("market", 20), ("loan", 15), ("grant", 10), ("bds", 10), ("counselling", 5))
NEEDS = tuple(Json(n) for n in (["capital"], ["capital", "market"], ["market"], ["skills"], ["mentoring"],
                                ["job"], ["nothing"]))
INCOMES = ("1-2000", "2001-5000", "5001-10000", "10001+")
BOOK = (("sales", 5200), ("inputs", 2100), ("rent", 1200), ("transport", 300), ("household", 900),
        ("sales", 1800), ("savings", 500), ("loan", 700))
FOLLOW_UP = ("participant_id", "batch_id", "stage", "status", "due_on", "method", "consent_confirmed", "works_now",
             "business_started", "trade", "still_running", "income_range", "days_worked", "savings", "loan_source",
             "support_since", "needs", "needs_note", "next_step", "recorded_at", "recorded_by_id")


def _at(day) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=UTC)


def seed(scale) -> None:
    rng, today = scale.rng, scale.today
    random = rng.random
    outcome, method, loan = picker(rng, OUTCOMES), picker(rng, METHODS), picker(rng, LOANS)
    empty, mentoring = Json([]), Json(["mentoring"])

    def done(person, stage_key: str, luck: float, kind: float) -> tuple:
        share = WORKING[stage_key] if person.completed else WORKING_DROPOUTS
        works = "none" if luck >= share else "self" if kind < 0.6 else "wage" if kind < 0.85 else "both"
        started = works in ("self", "both")
        running = (stage_key != "m12" or random() >= 0.05) if started else None
        rank = min(3, int(random() * 2) + (stage_key in ("m6", "m12")) + (works == "both"))
        return ("done", method(), True, works, started, person.trade if started else "", running,
                INCOMES[rank] if works != "none" else ("0" if random() < 0.7 else "1-2000"),
                15 + int(random() * 14) if works != "none" else 0, random() < (0.6 if works != "none" else 0.2), loan(),
                mentoring if random() < 0.25 else empty, NEEDS[int(random() * len(NEEDS))], "",
                "Visit the wholesale market together" if random() < 0.1 else "")

    schedules = {}  # (batch id, finished) -> the stages open by today: (key, due, window still open)

    def schedule(batch, completed: bool) -> list:
        key = (batch.id, completed)
        if key not in schedules:
            schedules[key] = [(s.key, s.due(batch.end), s.closes(batch.end) >= today)
                              for s in rules.stages_for(completed) if s.opens(batch.end) <= today]
        return schedules[key]

    def visits():
        for person in scale.people:
            batch = person.batch
            if not (person.completed or (person.dropped and batch.end < today)):
                continue
            luck, kind = random(), random()
            for stage, due, still_open in schedule(batch, person.completed):
                if random() >= (0.5 if still_open else 0.9):
                    continue  # missed, or still to do
                status = outcome()
                answers = done(person, stage, luck, kind) if status == "done" else (
                    status, None, False, None, None, "", None, None, None, None, None, empty, empty, "", "")
                yield (person.participant_id, batch.id, stage, answers[0], due, *answers[1:],
                       _at(min(today, due + timedelta(days=int(random() * 16) - 5))), batch.facilitator_id)
                if status == "withdrawn":
                    break

    scale.bulk.write(FollowUp.__table__, FOLLOW_UP, visits())
    _support(scale, picker(rng, SUPPORT))
    _money_books(scale)


def _support(scale, kind) -> None:
    """Four in ten of those who finished had support after the training, some of them twice."""
    rng, today = scale.rng, scale.today

    def given():
        for person in scale.people:
            days = (today - person.batch.end).days
            if not person.completed or days < 20 or rng.random() >= 0.4:
                continue
            for _n in range(1 if rng.random() < 0.75 else 2):
                on = person.batch.end + timedelta(days=rng.randint(10, min(240, days)))
                yield (person.participant_id, kind(), on, "", person.batch.facilitator_id, _at(on))

    scale.bulk.write(SupportGiven.__table__, ("participant_id", "kind", "given_on", "note", "given_by_id",
                                              "created_at"), given())


def _money_books(scale) -> None:
    """One in ten of those who finished in the last year keeps a money book: a month's lines for
    each month since, up to three; most share it with their facilitator."""
    rng, today, now = scale.rng, scale.today, scale.now
    keepers = [p for p in scale.people if p.completed and (today - p.batch.end).days <= 365 and rng.random() < 0.1]
    scale.bulk.write(MoneyBook.__table__, ("participant_id", "shared", "updated_at"),
                     ((p.participant_id, rng.random() < 0.7, now) for p in keepers))

    def lines():
        for person in keepers:
            for month in range(3):
                start = rules.add_months(person.batch.end, month) + timedelta(days=1)
                for j, (category, amount) in enumerate(BOOK):
                    on = start + timedelta(days=2 + j * 3)
                    if on <= today:
                        yield (person.participant_id, on, "in" if category == "sales" else "out", category,
                               int(amount * rng.uniform(0.8, 1.2)), now)

    scale.bulk.write(MoneyEntry.__table__, ("participant_id", "on", "direction", "category", "amount", "created_at"),
                     lines())
