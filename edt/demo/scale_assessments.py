"""seed-scale's Day 1 and Day 10 tests: everyone whose batch has begun sat the Day 1 test, and
everyone who stayed to Day 10 the Day 10 test, on the crosswise forms, with every answer typed in
from their sheet. Answers are right as often as the demo's skill chances say (learning shows,
loans stay hard), shifted a little by each person's ability."""
from datetime import UTC, datetime, time

from edt.instruments import assign_forms, instruments
from edt.modules.assessments.models import Answer, Sitting
from edt.modules.assessments.services import parse_answer

from .seed import SKILL_CHANCES, believable_answer


ABILITIES = range(-15, 16)  # hundredths added to every chance of one person


def _plans(forms) -> dict:
    """(form, stage, ability) -> [(item, chance of a right answer, {answer: (stored, score)})]."""
    scored = {(name, item.id): {} for name, form in forms.items() for item in form.items}
    plans = {}
    for name, form in forms.items():
        for stage in ("pre", "post"):
            for ability in ABILITIES:
                plans[name, stage, ability] = [
                    (item, min(0.95, max(0.05, SKILL_CHANCES[item.skill][stage == "post"] + ability / 100)),
                     scored[name, item.id]) for item in form.items]
    return plans


def seed(scale) -> None:
    bulk, rng, today = scale.bulk, scale.rng, scale.today
    forms = instruments().forms
    plans = _plans(forms)
    by_batch = {}
    for person in scale.people:
        by_batch.setdefault(person.batch.id, []).append(person)
    sittings, taken = [], []  # taken: (sitting id, stage, form, ability, who, when)
    ids = iter(bulk.ids(Sitting.__table__, 2 * len(scale.people)))
    for people in by_batch.values():
        batch = people[0].batch
        if batch.start > today:
            continue
        crosswise = assign_forms(p.code for p in people)
        first, last = (datetime.combine(d, time(5, 30), tzinfo=UTC) for d in (batch.days[0][1], batch.days[-1][1]))
        for person in people:
            ability = rng.choice(ABILITIES)
            pre, post = crosswise[person.code]
            stages = [("pre", pre, first)]
            if not person.dropped and batch.end <= today:
                stages.append(("post", post, last))
            for stage, form, when in stages:
                sitting_id = next(ids)
                sittings.append((sitting_id, person.participant_id, batch.id, stage, form, forms[form].version,
                                 batch.facilitator_id, when))
                taken.append((sitting_id, stage, form, ability, batch.facilitator_id, when))
    bulk.write(Sitting.__table__, ("id", "participant_id", "batch_id", "stage", "form", "form_version",
                                   "started_by_id", "started_at"), sittings)
    random = rng.random

    def answers():
        for sitting_id, stage, form, ability, who, when in taken:
            for item, chance, scored in plans[form, stage, ability]:
                answer = believable_answer(item, chance, random(), random())
                found = scored.get(answer)
                if found is None:
                    found = scored[answer] = parse_answer(item, answer)
                yield sitting_id, item.id, item.skill, found[0], found[1], 1, True, who, when

    bulk.write(Answer.__table__, ("sitting_id", "item_id", "skill", "response", "score", "version", "is_current",
                                  "recorded_by_id", "recorded_at"), answers())
