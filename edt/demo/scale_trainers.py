"""seed-scale's trainers: every facilitator took the five-day training of trainers (ToT) held for
two partners at a time before the first batches, was observed in a teach-back and certified; a
one-day refresher a year keeps them active, and the third year's refresher renewed the
certificate (serial and code kept). A master trainer observed a session in one batch in forty."""
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app

from edt.instruments import instruments
from edt.modules.certificates.services import new_code
from edt.modules.trainers.models import (Credential, CredentialChange, Observation, TotDay, TotEvent, TotMark,
                                         TotTrainee, tot_partner)
from edt.modules.trainers.services import SERIAL_PREFIX, meets_bar

from .bulk import working_days
from .seed import GOOD, NOT_YET, STRONG

OBSERVED_EVERY = 40  # batches


def _years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def seed(scale) -> None:
    bulk, rng, today, now = scale.bulk, scale.rng, scale.today, scale.now
    years = current_app.config["CREDENTIAL_YEARS"]
    criteria = [c.id for c in instruments().rubric.criteria]
    rubric_version = instruments().rubric.version
    partners = list(scale.partner_ids.values())
    pairs = [partners[i:i + 2] for i in range(0, len(partners), 2)]
    # Each pair: the ToT, then a refresher a year for as long as the programme has run (and the next one).
    plans = []
    for k, pair in enumerate(pairs):
        tot_days = working_days(scale.first_start - timedelta(days=60 - 7 * k), 5)
        plans.append((pair, "tot", f"ToT {' and '.join(f'partner {p}' for p in pair)}", tot_days))
        year = 1
        while True:
            refresher = working_days(tot_days[-1] + timedelta(days=365 * year - 30), 1)
            plans.append((pair, "refresher", f"Refresher {year}, partners {' and '.join(map(str, pair))}", refresher))
            if refresher[0] > today:
                break
            year += 1
    event_ids = bulk.ids(TotEvent.__table__, len(plans))
    day_ids = iter(bulk.ids(TotDay.__table__, sum(len(p[3]) for p in plans)))
    trainee_ids = iter(bulk.ids(TotTrainee.__table__, sum(3 * len(p[0]) for p in plans)))
    events, links, days, trainees, marks, observations = [], [], [], [], [], []
    attended: dict[int, list] = {}  # facilitator -> [(kind, last day)]
    for event_id, (pair, kind, title, dates) in zip(event_ids, plans):
        events.append((event_id, title, kind, "EDT training centre", dates[0], dates[-1], scale.trainer_id, now))
        links.extend((event_id, p) for p in pair)
        people = [(next(trainee_ids), user_id) for p in pair for user_id in scale.facilitators[p]]
        trainees.extend((tid, event_id, user_id, now) for tid, user_id in people)
        for number, day in enumerate(dates, start=1):
            day_id = next(day_ids)
            days.append((day_id, event_id, number, day,
                         f"tot-day-{number}" if kind == "tot" else "tot-refresher"))
            if day <= today:
                marks.extend((day_id, tid, "late" if rng.random() < 0.05 else "present", "", scale.trainer_id,
                              now) for tid, _user in people)
        if dates[-1] <= today:
            for _tid, user_id in people:
                attended.setdefault(user_id, []).append((kind, dates[-1]))
        if kind == "tot":
            for n, (_tid, user_id) in enumerate(people):
                first = NOT_YET if n % 3 == 2 else GOOD
                observations.append(_observation(user_id, scale.trainer_id, dates[2], event_id, None,
                                                 "Teach-back: Day 6 cash book", first, criteria, rubric_version, now))
                observations.append(_observation(user_id, scale.trainer_id, dates[4], event_id, None,
                                                 "Final teach-back: Day 5 break-even", STRONG if n % 2 else GOOD,
                                                 criteria, rubric_version, now))
    for number, batch in enumerate(scale.batches):
        observed_on = batch.days[3][1]
        if number % OBSERVED_EVERY == OBSERVED_EVERY // 2 and observed_on <= today:
            observations.append(_observation(batch.facilitator_id, scale.trainer_id, observed_on, None, batch.id,
                                             "Day 4: value chain card sort", STRONG if number % 3 else GOOD,
                                             criteria, rubric_version, now))
    bulk.write(TotEvent.__table__, ("id", "title", "kind", "venue", "start_date", "end_date", "master_trainer_id",
                                    "created_at"), events)
    bulk.write(tot_partner, ("tot_event_id", "partner_id"), links)
    bulk.write(TotDay.__table__, ("id", "tot_event_id", "number", "date", "guide_slug"), days)
    bulk.write(TotTrainee.__table__, ("id", "tot_event_id", "user_id", "added_at"), trainees)
    bulk.write(TotMark.__table__, ("tot_day_id", "trainee_id", "status", "note", "marked_by_id", "marked_at"), marks)
    bulk.write(Observation.__table__, ("facilitator_id", "observer_id", "observed_on", "tot_event_id", "batch_id",
                                       "session", "rubric_version", "scores", "mean_score", "meets_bar", "note",
                                       "created_at"), observations)
    _credentials(scale, attended, years)


def _observation(user_id, observer_id, on, event_id, batch_id, session, scores, criteria, version, now) -> tuple:
    clean = dict(zip(criteria, scores))
    return (user_id, observer_id, on, event_id, batch_id, session, version,
            {c: {"score": s, "note": ""} for c, s in clean.items()}, round(sum(scores) / len(scores), 2),
            meets_bar(clean), "", now)


def _credentials(scale, attended: dict, years: int) -> None:
    """Certified a week after the ToT; renewed two days after the refresher before the expiry."""
    bulk, trainer_id, now = scale.bulk, scale.trainer_id, scale.now
    users = [u for ids in scale.facilitators.values() for u in ids if any(k == "tot" for k, _d in attended.get(u, ()))]
    credential_ids = bulk.ids(Credential.__table__, len(users))
    credentials, changes, serials = [], [], {}
    for credential_id, user_id in zip(credential_ids, users):
        history = sorted(attended[user_id], key=lambda a: a[1])
        certified = next(d for k, d in history if k == "tot") + timedelta(days=7)
        first = certified
        serials[first.year] = serials.get(first.year, 0) + 1
        changes.append((credential_id, "status", "candidate", "certified", certified, "", trainer_id, _at(certified)))
        for kind, day in history:
            renewal = day + timedelta(days=2)
            if kind == "refresher" and renewal < _years_later(certified, years) <= renewal + timedelta(days=365) \
                    and renewal <= scale.today:
                certified = renewal
                changes.append((credential_id, "status", "certified", "certified", renewal, "", trainer_id,
                                _at(renewal)))
        credentials.append((credential_id, user_id, "certified", certified, "",
                            f"{SERIAL_PREFIX}-{first.year}-{serials[first.year]:04d}", new_code(), certified,
                            _years_later(certified, years), now))
    bulk.write(Credential.__table__, ("id", "user_id", "status", "status_on", "reason", "serial", "code",
                                      "certified_on", "expires_on", "updated_at"), credentials)
    bulk.write(CredentialChange.__table__, ("credential_id", "kind", "from_status", "to_status", "on", "reason",
                                            "actor_id", "at"), changes)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=UTC)
