"""Scoped reads: who takes which form, each person's recorded answers and scores, and the
learning-gain report by batch, partner, facilitator, district or gender.

Scope: master trainers reach every batch; a facilitator the batches they run (the batches
module's `facilitated_ids`); a participant only their own sittings. A fixed number of queries
per page whatever the number of people.

Scores. A sitting is complete when every question of its form has an answer ("don't know"
counts as an answer and scores 0). Group figures use complete sittings only. Means are shown as
a share of the maximum score; the normalised gain of a group is Hake's gain of its means,
(mean post - mean pre) / (max - mean pre), over the people with both tests complete.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from edt.extensions import db
from edt.instruments import assign_forms, instruments
from edt.modules.accounts.models import Partner, User
from edt.modules.batches import queries as batches
from edt.modules.batches.models import Batch, Enrolment, batch_facilitator
from edt.modules.participants.models import GENDERS, Participant
from edt.security import Role

from .models import Answer, Sitting, Stage

GROUPINGS = ("batch", "partner", "facilitator", "district", "gender")
# The day whose sessions teach each skill: a difficult question points there.
SKILL_DAYS = {"costing": 5, "pricing": 5, "break-even": 5, "records": 6, "loans": 7, "marketing": 8, "risk": 8,
              "law": 9, "planning": 10}
DIFFICULT_SHARE = 0.5  # a question is difficult when at least half the answers after training miss it
OTHER_FORM = {"A": "B", "B": "A"}
IN_CHUNK = 10_000  # ids in one IN list: PostgreSQL takes at most 65,535 parameters in a statement


def _chunks(ids: list) -> list[list]:
    """`ids` in lists of IN_CHUNK: one query each (one in all up to IN_CHUNK ids)."""
    return [ids[start:start + IN_CHUNK] for start in range(0, len(ids), IN_CHUNK)]


def threshold() -> int:
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


def forms() -> dict:
    return instruments().forms


# --- one person's tests ----------------------------------------------------------------------------

@dataclass
class Taken:
    """A sitting with its current answers (item id -> Answer) and its scores."""

    sitting: Sitting
    answers: dict

    @property
    def form(self):
        return forms()[self.sitting.form]

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def complete(self) -> bool:
        return all(item.id in self.answers for item in self.form.items)

    @property
    def score(self) -> int:
        return sum(a.score for a in self.answers.values())

    @property
    def max_score(self) -> int:
        return self.form.max_score

    def skill_scores(self) -> dict:
        found = dict.fromkeys(self.form.skill_max(), 0)
        for answer in self.answers.values():
            found[answer.skill] = found.get(answer.skill, 0) + answer.score
        return found


@dataclass
class Person:
    """One participant of a batch with the form they take at each stage and what they took."""

    enrolment: Enrolment
    forms: dict  # stage -> "A" / "B"
    taken: dict = field(default_factory=dict)  # stage -> Taken

    @property
    def participant(self) -> Participant:
        return self.enrolment.participant

    def form_for(self, stage: str) -> str:
        return self.forms[stage]


def taken_for(participant_ids) -> dict:
    """(participant id, stage) -> Taken, in two queries."""
    ids = set(participant_ids)
    if not ids:
        return {}
    sittings = list(db.session.scalars(select(Sitting).where(Sitting.participant_id.in_(ids))))
    answers: dict[int, dict] = {s.id: {} for s in sittings}
    if sittings:
        for answer in db.session.scalars(select(Answer).where(Answer.sitting_id.in_(answers), Answer.is_current)):
            answers[answer.sitting_id][answer.item_id] = answer
    return {(s.participant_id, s.stage): Taken(s, answers[s.id]) for s in sittings}


def plan_forms(codes_with_taken: list[tuple[str, dict]]) -> list[dict]:
    """The crosswise plan: each person's form per stage. What a person already took stands (and
    fixes the other stage's form); the rest alternate A-then-B and B-then-A by code."""
    planned = assign_forms([code for code, _ in codes_with_taken])
    found = []
    for code, taken in codes_with_taken:
        pre, post = planned[code]
        if Stage.PRE in taken:
            pre = taken[Stage.PRE].sitting.form
            post = OTHER_FORM[pre]
        elif Stage.POST in taken:
            post = taken[Stage.POST].sitting.form
            pre = OTHER_FORM[post]
        found.append({Stage.PRE: pre, Stage.POST: post})
    return found


def batch_people(batch: Batch, *, active_only: bool = False) -> list[Person]:
    """Everyone of the batch (active first, then people who dropped out), by code, with their
    forms and tests. Three queries whatever the size."""
    statuses = ("active",) if active_only else ("active", "dropped")
    enrolments = list(db.session.scalars(
        select(Enrolment).join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.batch_id == batch.id, Enrolment.status.in_(statuses))
        .options(selectinload(Enrolment.participant))
        .order_by(Enrolment.status != "active", Participant.code)))
    taken = taken_for(e.participant_id for e in enrolments)
    mine = [{stage: taken[(e.participant_id, stage)] for stage in Stage if (e.participant_id, stage) in taken}
            for e in enrolments]
    active = [(e.participant.code, t) for e, t in zip(enrolments, mine) if e.status == "active"]
    plan = dict(zip([code for code, _ in active], plan_forms(active)))
    people = []
    for enrolment, own in zip(enrolments, mine):
        chosen = plan.get(enrolment.participant.code) or plan_forms([(enrolment.participant.code, own)])[0]
        people.append(Person(enrolment, chosen, own))
    return people


def own_tests(user) -> dict:
    """A participant's own sittings: stage -> Taken."""
    participant = db.session.scalar(select(Participant).where(Participant.user_id == user.id))
    if participant is None:
        return {}
    return {stage: t for (pid, stage), t in taken_for([participant.id]).items()}


# --- the learning-gain report ----------------------------------------------------------------------

@dataclass
class Line:
    """One group of a report: counts and sums of scores over complete sittings."""

    key: str
    label: str
    pre_only: list = field(default_factory=list)  # totals of every complete Day 1 test
    pairs: list = field(default_factory=list)  # (pre total, post total) of people with both complete
    skill_pairs: dict = field(default_factory=dict)  # skill -> list of (pre, post)
    hidden: bool = False

    @property
    def tested_pre(self) -> int:
        return len(self.pre_only)

    @property
    def tested_both(self) -> int:
        return len(self.pairs)


def gain(mean_pre: float, mean_post: float, maximum: float) -> float | None:
    """Hake's normalised gain of two means; None when nothing could be gained (pre at maximum)."""
    if maximum - mean_pre <= 0:
        return None
    return (mean_post - mean_pre) / (maximum - mean_pre)


def summary(pairs: list, maximum: int) -> dict | None:
    """Mean pre, mean post (as percent of the maximum) and the normalised gain of some pairs."""
    if not pairs or not maximum:
        return None
    pre = sum(p for p, _ in pairs) / len(pairs)
    post = sum(q for _, q in pairs) / len(pairs)
    return {"pre": 100 * pre / maximum, "post": 100 * post / maximum, "gain": gain(pre, post, maximum)}


@dataclass
class Difficult:
    item: object
    answered: int
    missed: int

    @property
    def share(self) -> float:
        return self.missed / self.answered

    @property
    def day(self) -> int:
        return SKILL_DAYS[self.item.skill]


@dataclass
class Report:
    by: str
    lines: list
    total: Line
    skills: list  # skill keys in the forms' order
    skill_max: dict
    max_score: int
    difficult: list
    limit: int

    def figures(self, line: Line, skill: str | None = None) -> dict | None:
        if line.hidden:
            return None
        if skill is None:
            return summary(line.pairs, self.max_score)
        return summary(line.skill_pairs.get(skill, []), self.skill_max[skill])

    def pre_mean(self, line: Line) -> float | None:
        if line.hidden or not line.pre_only:
            return None
        return 100 * sum(line.pre_only) / len(line.pre_only) / self.max_score

    def count(self, line: Line, which: str) -> str:
        value = line.tested_pre if which == "pre" else line.tested_both
        return f"<{self.limit}" if line.hidden and 0 < value else str(value)


def _scored_sittings(batch_ids_select, participant_ids=None):
    """Per sitting: its participant, batch, stage, form and per-skill sums of current answers."""
    stmt = (select(Sitting.id, Sitting.participant_id, Sitting.batch_id, Sitting.stage, Sitting.form, Answer.skill,
                   func.sum(Answer.score), func.count(Answer.id))
            .join(Answer, Answer.sitting_id == Sitting.id).where(Answer.is_current)
            .group_by(Sitting.id, Sitting.participant_id, Sitting.batch_id, Sitting.stage, Sitting.form, Answer.skill))
    if participant_ids is not None:
        stmt = stmt.where(Sitting.participant_id.in_(participant_ids))
    else:
        stmt = stmt.where(Sitting.batch_id.in_(batch_ids_select))
    found: dict[int, dict] = {}
    for sid, pid, bid, stage, form, skill, total, count in db.session.execute(stmt):
        row = found.setdefault(sid, {"participant": pid, "batch": bid, "stage": stage, "form": form, "skills": {},
                                     "answered": 0})
        row["skills"][skill] = int(total or 0)
        row["answered"] += count
    return found


def reachable(user):
    if user.role == Role.MASTER_TRAINER:
        return select(Batch.id)
    return batches.facilitated_ids(user)


def report(user, by: str = "batch", batch: Batch | None = None, labels: dict | None = None) -> Report:
    """The gain report for everything in the user's reach (or one batch), grouped `by`."""
    by = by if by in GROUPINGS else "batch"
    all_forms = forms()
    first = all_forms["A"]
    sizes = {name: len(f.items) for name, f in all_forms.items()}
    if batch is not None:
        people = select(Enrolment.participant_id).where(Enrolment.batch_id == batch.id,
                                                        Enrolment.status.in_(("active", "dropped")))
        sittings = _scored_sittings(None, participant_ids=people)
    else:
        sittings = _scored_sittings(reachable(user))
    per_person: dict[int, dict] = {}
    for row in sittings.values():
        if row["answered"] == sizes[row["form"]]:
            per_person.setdefault(row["participant"], {})[row["stage"]] = row
    person_ids = list(per_person)
    batch_ids = {row["batch"] for own in per_person.values() for row in own.values()}
    genders = {}
    for part in _chunks(person_ids):
        genders.update(db.session.execute(select(Participant.id, Participant.gender)
                                          .where(Participant.id.in_(part))).all())
    batch_rows = {b.id: b for b in db.session.execute(
        select(Batch.id, Batch.code, Batch.district, Partner.name.label("partner"))
        .join(Partner, Partner.id == Batch.partner_id).where(Batch.id.in_(batch_ids)))} if batch_ids else {}
    leaders: dict[int, list] = {}
    if batch_ids:
        for bid, uid, name, username in db.session.execute(
                select(batch_facilitator.c.batch_id, User.id, User.display_name, User.username)
                .join(User, User.id == batch_facilitator.c.user_id)
                .where(batch_facilitator.c.batch_id.in_(batch_ids))):
            leaders.setdefault(bid, []).append((str(uid), name or username))
    labels = labels or {}

    def keys(pid: int, own: dict) -> list[tuple[str, str]]:
        home = batch_rows[(own.get(Stage.POST) or own[Stage.PRE])["batch"]]
        if by == "batch":
            return [(home.code, home.code)]
        if by == "partner":
            return [(home.partner, home.partner)]
        if by == "district":
            return [(home.district, home.district)]
        if by == "gender":
            gender = genders.get(pid, "undisclosed")
            return [(gender, str(labels.get(gender, gender)))]
        return sorted(leaders.get(home.id, []), key=lambda kv: kv[1]) or [("", "—")]

    lines: dict[str, Line] = {}
    total = Line("all", "")
    for pid, own in per_person.items():
        targets = [total] + [lines.setdefault(k, Line(k, label)) for k, label in keys(pid, own)]
        pre, post = own.get(Stage.PRE), own.get(Stage.POST)
        for line in targets:
            if pre:
                line.pre_only.append(sum(pre["skills"].values()))
            if pre and post:
                line.pairs.append((sum(pre["skills"].values()), sum(post["skills"].values())))
                for skill in first.skill_max():
                    line.skill_pairs.setdefault(skill, []).append((pre["skills"].get(skill, 0),
                                                                   post["skills"].get(skill, 0)))
    ordered = sorted(lines.values(), key=lambda line: (line.key == "", str(line.label)))
    if by == "gender":
        rank = {g: n for n, g in enumerate(GENDERS)}
        ordered.sort(key=lambda line: rank.get(line.key, 99))
    limit = threshold()
    _hide_small(ordered, total, limit)
    post_ids = [sid for sid, row in sittings.items() if row["stage"] == Stage.POST]
    return Report(by=by, lines=ordered, total=total, skills=list(first.skill_max()), skill_max=first.skill_max(),
                  max_score=first.max_score, difficult=difficult(post_ids, limit), limit=limit)


def _hide_small(lines: list[Line], total: Line, limit: int) -> None:
    """A group of fewer than `limit` people tested shows no figures; when only one group of a
    split would be hidden, the total would give it away, so the next smallest is hidden too."""
    for line in lines:
        line.hidden = 0 < max(line.tested_both, line.tested_pre) < limit
    hidden = [line for line in lines if line.hidden]
    if len(hidden) == 1 and len(lines) > 1:
        others = [line for line in lines if not line.hidden and line.tested_pre]
        if others:
            min(others, key=lambda line: (line.tested_pre, line.label)).hidden = True
    total.hidden = 0 < max(total.tested_both, total.tested_pre) < limit


def difficult(post_sitting_ids: list[int], limit: int) -> list[Difficult]:
    """Questions that at least half the Day 10 answers missed (anything below full marks,
    "don't know" included), most missed first; only questions answered by `limit` people or more."""
    if not post_sitting_ids:
        return []
    rows = [row for part in _chunks(post_sitting_ids) for row in db.session.execute(
        select(Answer.item_id, Answer.score, func.count(Answer.id))
        .where(Answer.sitting_id.in_(part), Answer.is_current)
        .group_by(Answer.item_id, Answer.score))]
    items = {item.id: item for item in forms()["A"].items}
    tally: dict[str, list[int]] = {}
    for item_id, score, count in rows:
        item = items.get(item_id)
        if item is None:
            continue
        entry = tally.setdefault(item_id, [0, 0])
        entry[0] += count
        if score < item.max_score:
            entry[1] += count
    found = [Difficult(items[i], n, missed) for i, (n, missed) in tally.items()
             if n >= limit and missed / n >= DIFFICULT_SHARE]
    return sorted(found, key=lambda d: (-d.share, list(items).index(d.item.id)))


def batches_in_reach(user) -> list[tuple[Batch, int, int, int]]:
    """Batches in reach, newest first, each with its active people and how many of them
    completed the Day 1 and the Day 10 test. Three queries."""
    found = list(db.session.scalars(batches.scope(user).where(Batch.cancelled_at.is_(None))
                                    .order_by(Batch.start_date.desc(), Batch.code).limit(200)))
    if not found:
        return []
    ids = [b.id for b in found]
    people = dict(db.session.execute(select(Enrolment.batch_id, func.count()).where(
        Enrolment.batch_id.in_(ids), Enrolment.status == "active").group_by(Enrolment.batch_id)).all())
    sizes = {name: len(f.items) for name, f in forms().items()}
    done: dict[tuple[int, str], int] = {}
    answered = (select(Sitting.id, Sitting.form, Sitting.stage, Enrolment.batch_id, func.count(Answer.id).label("n"))
                .join(Enrolment, (Enrolment.participant_id == Sitting.participant_id) & (Enrolment.status == "active"))
                .join(Answer, (Answer.sitting_id == Sitting.id) & Answer.is_current)
                .where(Enrolment.batch_id.in_(ids))
                .group_by(Sitting.id, Sitting.form, Sitting.stage, Enrolment.batch_id))
    for _sid, form, stage, bid, n in db.session.execute(answered):
        if n == sizes[form]:
            done[(bid, stage)] = done.get((bid, stage), 0) + 1
    return [(b, people.get(b.id, 0), done.get((b.id, Stage.PRE), 0), done.get((b.id, Stage.POST), 0))
            for b in found]
