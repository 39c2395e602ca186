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
from dataclasses import dataclass, field, replace

from flask import current_app
from sqlalchemy import BigInteger, case, func, literal_column, select
from sqlalchemy.orm import selectinload

from edt.extensions import db
from edt.instruments import SKILLS, assign_forms, instruments
from edt.modules.accounts.models import Partner, User
from edt.modules.batches import queries as batches
from edt.modules.batches.models import Batch, Enrolment, batch_facilitator
from edt.modules.participants.models import GENDERS, Participant
from edt.security import Role

from .models import SKILL_BITS, Answer, Sitting, Stage

GROUPINGS = ("batch", "partner", "facilitator", "district", "gender")
# The day whose sessions teach each skill: a difficult question points there.
SKILL_DAYS = {"costing": 5, "pricing": 5, "break-even": 5, "records": 6, "loans": 7, "marketing": 8, "risk": 8,
              "law": 9, "planning": 10}
DIFFICULT_SHARE = 0.5  # a question is difficult when at least half the answers after training miss it
OTHER_FORM = {"A": "B", "B": "A"}


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
    tested_pre: int = 0  # people with a complete Day 1 test
    pre_sum: int = 0  # the sum of their totals
    tested_both: int = 0  # people with both tests complete
    pair_sums: tuple = (0, 0)  # the sums of their pre and post totals
    skill_sums: dict = field(default_factory=dict)  # skill -> (pre sum, post sum) of those people
    hidden: bool = False

    def add(self, sums: dict) -> None:
        self.tested_pre += sums["tested_pre"]
        self.pre_sum += sums["pre_sum"]
        self.tested_both += sums["tested_both"]
        self.pair_sums = _plus(self.pair_sums, sums["pair_sums"])
        for skill, pair in sums["skill_sums"].items():
            self.skill_sums[skill] = _plus(self.skill_sums.get(skill, (0, 0)), pair)


def _plus(left: tuple, right: tuple) -> tuple:
    return left[0] + right[0], left[1] + right[1]


def gain(mean_pre: float, mean_post: float, maximum: float) -> float | None:
    """Hake's normalised gain of two means; None when nothing could be gained (pre at maximum)."""
    if maximum - mean_pre <= 0:
        return None
    return (mean_post - mean_pre) / (maximum - mean_pre)


def summary(count: int, sums: tuple, maximum: int) -> dict | None:
    """Mean pre, mean post (as percent of the maximum) and the normalised gain of `count` people
    whose pre and post scores add up to `sums`."""
    if not count or not maximum:
        return None
    pre = sums[0] / count
    post = sums[1] / count
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
            return summary(line.tested_both, line.pair_sums, self.max_score)
        return summary(line.tested_both, line.skill_sums.get(skill, (0, 0)), self.skill_max[skill])

    def pre_mean(self, line: Line) -> float | None:
        if line.hidden or not line.tested_pre:
            return None
        return 100 * line.pre_sum / line.tested_pre / self.max_score

    def count(self, line: Line, which: str) -> str:
        value = line.tested_pre if which == "pre" else line.tested_both
        return f"<{self.limit}" if line.hidden and 0 < value else str(value)

    def only(self, keys) -> "Report":
        """The same report with only the groups of `keys` (in the report's order), the total and
        the hidden cells unchanged: a page shows some rows of the export, exactly as it has them."""
        wanted = set(keys)
        return replace(self, lines=[line for line in self.lines if line.key in wanted])


def reachable(user):
    if user.role == Role.MASTER_TRAINER:
        return select(Batch.id)
    return batches.facilitated_ids(user)


def _scoped(stmt, user, batch: Batch | None):
    """Sittings in reach: those of one batch's people (active or dropped, wherever they took
    them), or those taken in the batches the user reaches (every sitting for a master trainer)."""
    if batch is not None:
        return stmt.where(Sitting.participant_id.in_(
            select(Enrolment.participant_id).where(Enrolment.batch_id == batch.id,
                                                   Enrolment.status.in_(("active", "dropped")))))
    if user.role == Role.MASTER_TRAINER:
        return stmt
    return stmt.where(Sitting.batch_id.in_(reachable(user)))


def _complete():
    """A sitting is complete when it has a current answer for every question of its form (the
    two forms hold the same questions: the instruments' loader refuses them otherwise)."""
    return Sitting.answered == len(forms()["A"].items)


def constant(value: int):
    """A whole number written in the SQL text, not a parameter: the drivers bind parameters as
    32-bit, and the packed sums need 64."""
    return literal_column(str(value), BigInteger)


def skill_place(skill: str) -> int:
    """Where a skill's points sit in a sitting's skill_scores (models.SKILL_BITS bits a skill,
    in the order of edt.instruments.SKILLS)."""
    return 2 ** (SKILL_BITS * list(SKILLS).index(skill))


def _bits(packed, place: int, width: int):
    """The `width` bits of a packed column from bit value `place` on."""
    return packed.op("/")(constant(place)).op("%")(constant(2 ** width))


def _unpacked(packed, skill: str):
    """One skill's points out of a sitting's skill_scores."""
    return _bits(packed, skill_place(skill), SKILL_BITS)


def _group_sums(user, batch: Batch | None, by: str, skills: list) -> list[tuple]:
    """(group key, batch code, district, partner name, sums) per group, in one query: each
    person's complete Day 1 and Day 10 sittings in reach, paired (a full join), added up by
    group. A person's group is the batch of their Day 10 test when complete, else of their
    Day 1 test (or their gender)."""
    def complete(stage):
        return _scoped(select(Sitting.participant_id, Sitting.batch_id, Sitting.score, Sitting.skill_scores)
                       .where(Sitting.stage == stage, _complete()), user, batch).subquery(stage.value)

    pre, post = complete(Stage.PRE), complete(Stage.POST)
    both = pre.c.score.is_not(None) & post.c.score.is_not(None)

    def over_pairs(expr):
        return func.coalesce(func.sum(case((both, expr), else_=0)), 0)

    columns = [func.count(pre.c.score).label("tested_pre"), func.coalesce(func.sum(pre.c.score), 0).label("pre_sum"),
               over_pairs(1).label("tested_both"), over_pairs(pre.c.score).label("pair_pre"),
               over_pairs(post.c.score).label("pair_post")]
    for n, skill in enumerate(skills):
        columns += [over_pairs(_unpacked(pre.c.skill_scores, skill)).label(f"pre_{n}"),
                    over_pairs(_unpacked(post.c.skill_scores, skill)).label(f"post_{n}")]
    paired = pre.join(post, pre.c.participant_id == post.c.participant_id, full=True)
    if by == "gender":
        gender = func.coalesce(post.c.participant_id, pre.c.participant_id)
        stmt = (select(Participant.gender, literal_column("NULL"), literal_column("NULL"), literal_column("NULL"),
                       *columns).select_from(paired).join(Participant, Participant.id == gender)
                .group_by(Participant.gender))
    else:
        home = func.coalesce(post.c.batch_id, pre.c.batch_id).label("home")
        sums = select(home, *columns).select_from(paired).group_by(home).subquery()
        stmt = (select(sums.c.home, Batch.code, Batch.district, Partner.name,
                       *[c for c in sums.c if c.name != "home"])
                .join(Batch, Batch.id == sums.c.home).join(Partner, Partner.id == Batch.partner_id))
    found = []
    for key, code, district, partner, *values in db.session.execute(stmt):
        values = [int(v) for v in values]
        pairs = values[5:]
        found.append((key, code, district, partner, {
            "tested_pre": values[0], "pre_sum": values[1], "tested_both": values[2],
            "pair_sums": (values[3], values[4]),
            "skill_sums": {skill: (pairs[2 * n], pairs[2 * n + 1]) for n, skill in enumerate(skills)}}))
    return found


def _leaders(user, batch: Batch | None) -> dict[int, list]:
    """batch id -> [(user id, name)] of the facilitators of every batch a sitting in reach was taken in."""
    stmt = (select(batch_facilitator.c.batch_id, User.id, User.display_name, User.username)
            .join(User, User.id == batch_facilitator.c.user_id))
    if batch is not None or user.role != Role.MASTER_TRAINER:
        stmt = stmt.where(batch_facilitator.c.batch_id.in_(_scoped(select(Sitting.batch_id), user, batch)))
    leaders: dict[int, list] = {}
    for bid, uid, name, username in db.session.execute(stmt):
        leaders.setdefault(bid, []).append((str(uid), name or username))
    return leaders


def report(user, by: str = "batch", batch: Batch | None = None, labels: dict | None = None) -> Report:
    """The gain report for everything in the user's reach (or one batch), grouped `by`. Three
    queries (four by facilitator) whatever the number of people: the sums come from SQL, one
    row per group."""
    by = by if by in GROUPINGS else "batch"
    first = forms()["A"]
    skills = list(first.skill_max())
    labels = labels or {}
    leaders = _leaders(user, batch) if by == "facilitator" else {}

    def keys(key, code, district, partner) -> list[tuple[str, str]]:
        if by == "batch":
            return [(code, code)]
        if by == "partner":
            return [(partner, partner)]
        if by == "district":
            return [(district, district)]
        if by == "gender":
            return [(key, str(labels.get(key, key)))]
        return sorted(leaders.get(key, []), key=lambda kv: kv[1]) or [("", "—")]

    lines: dict[str, Line] = {}
    total = Line("all", "")
    for key, code, district, partner, sums in _group_sums(user, batch, by, skills):
        total.add(sums)
        for k, label in keys(key, code, district, partner):
            lines.setdefault(k, Line(k, label)).add(sums)
    ordered = sorted(lines.values(), key=lambda line: (line.key == "", str(line.label), str(line.key)))
    if by == "gender":
        rank = {g: n for n, g in enumerate(GENDERS)}
        ordered.sort(key=lambda line: rank.get(line.key, 99))
    limit = threshold()
    _hide_small(ordered, total, limit)
    return Report(by=by, lines=ordered, total=total, skills=skills, skill_max=first.skill_max(),
                  max_score=first.max_score, difficult=difficult(user, batch, limit), limit=limit)


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


def difficult(user, batch: Batch | None, limit: int) -> list[Difficult]:
    """Questions that at least half the Day 10 answers missed (anything below full marks,
    "don't know" included), most missed first; only questions answered by `limit` people or more.
    One query: each Day 10 sitting in reach keeps which questions it answered and missed."""
    items = forms()["A"].items
    columns = []
    for k in range(len(items)):
        columns += [func.coalesce(func.sum(_bits(Sitting.answered_items, 2 ** k, 1)), 0),
                    func.coalesce(func.sum(_bits(Sitting.missed_items, 2 ** k, 1)), 0)]
    counts = [int(v) for v in db.session.execute(
        _scoped(select(*columns).where(Sitting.stage == Stage.POST), user, batch)).one()]
    found = [Difficult(item, counts[2 * k], counts[2 * k + 1]) for k, item in enumerate(items)
             if counts[2 * k] and counts[2 * k] >= limit and counts[2 * k + 1] / counts[2 * k] >= DIFFICULT_SHARE]
    return sorted(found, key=lambda d: (-d.share, items.index(d.item)))


def batches_in_reach(user, *, page: int = 1, per_page: int = 25):
    """One page of the batches in reach, newest first: (pagination, rows), each row a batch with
    its active people and how many of them completed the Day 1 and the Day 10 test. The counts
    are made for the batches of the page only: four queries whatever the number of batches."""
    pagination = db.paginate(batches.scope(user).where(Batch.cancelled_at.is_(None))
                             .order_by(Batch.start_date.desc(), Batch.code, Batch.id),
                             page=page, per_page=per_page, max_per_page=per_page, error_out=False)
    found = list(pagination.items)
    if not found:
        return pagination, []
    ids = [b.id for b in found]
    people = dict(db.session.execute(select(Enrolment.batch_id, func.count()).where(
        Enrolment.batch_id.in_(ids), Enrolment.status == "active").group_by(Enrolment.batch_id)).all())
    done = {(bid, stage): n for bid, stage, n in db.session.execute(
        select(Enrolment.batch_id, Sitting.stage, func.count())
        .join(Enrolment, (Enrolment.participant_id == Sitting.participant_id) & (Enrolment.status == "active"))
        .where(Enrolment.batch_id.in_(ids), _complete()).group_by(Enrolment.batch_id, Sitting.stage))}
    return pagination, [(b, people.get(b.id, 0), done.get((b.id, Stage.PRE), 0), done.get((b.id, Stage.POST), 0))
                        for b in found]
