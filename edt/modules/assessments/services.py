"""Recording the Day 1 and Day 10 tests: one answer at a time (oral, one tap each) or a whole
answer sheet typed in afterwards. Rules and writes; each user action commits once.

- Who: master trainers, and the facilitators who run the batch (the batches module's rule).
- What: only questions of the person's form, only answers the question can have ("don't know"
  always). Anything else changes nothing and says why.
- Corrections: a different answer to a question already answered is a new version; the old one
  is kept (not current) and the change is audited. The same answer again changes nothing.
- The form a person takes is fixed when their first answer is saved (the crosswise plan), and
  their Day 10 form is then the other one.
"""
import math

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from edt import audit
from edt.clock import utcnow
from edt.errors import RuleError
from edt.extensions import db
from edt.instruments import DONT_KNOW, SKILLS
from edt.modules.batches import queries as batches
from edt.modules.batches.models import Batch, Enrolment
from edt.modules.participants.models import Participant
from edt.security import Role
from edt.signals import certificate_conditions, erases

from . import queries
from .models import Answer, Sitting, Stage

NUMBER_LIMIT = 1_000_000_000
RACED = _l("A colleague saved this answer at the same moment. Please look and try again.")
BANGLA_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")


class AssessmentError(RuleError):
    """A test answer or sheet was refused; the message is safe to show."""


def _may_record(actor, batch: Batch) -> None:
    if actor is None or not (actor.role == Role.MASTER_TRAINER or batches.runs_batch(actor, batch)):
        raise AssessmentError(_l("Only this batch's facilitators and master trainers record its tests."))


def parse_answer(item, raw) -> tuple[str, int] | None:
    """(stored answer, score) for what was sent for `item`; None when nothing was sent. An answer
    the question cannot have raises AssessmentError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raw = str(raw).strip()
    if raw == DONT_KNOW:
        return DONT_KNOW, 0
    if item.type == "number":
        text = raw.translate(BANGLA_DIGITS).replace(",", "").replace(" ", "")
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or abs(value) >= NUMBER_LIMIT or len(text) > 20:
            raise AssessmentError(_l("Question %(q)s needs a number (or \"don't know\").", q=item.id), field=item.id)
        stored = str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0")
        return stored, item.score(value)
    if item.type == "oral":
        if not raw.isdigit() or int(raw) not in item.answers():
            raise AssessmentError(_l("Question %(q)s is scored %(scores)s (or \"don't know\").", q=item.id,
                                     scores=", ".join(str(s) for s in item.answers())), field=item.id)
        return raw, item.score(int(raw))
    if raw not in item.answers():
        raise AssessmentError(_l("That is not one of the answers of question %(q)s.", q=item.id), field=item.id)
    return raw, item.score(raw)


def _person(batch: Batch, participant_id) -> queries.Person:
    for person in queries.batch_people(batch, active_only=True):
        if person.participant.id == participant_id:
            return person
    raise AssessmentError(_l("This person is not in this batch (any more)."))


def _stage(stage: str) -> Stage:
    if stage not in tuple(Stage):
        raise AssessmentError(_l("There is no such test."))
    return Stage(stage)


def _sitting(actor, batch: Batch, person: queries.Person, stage: Stage) -> Sitting:
    taken = person.taken.get(stage)
    if taken is not None:
        return taken.sitting
    form = queries.forms()[person.form_for(stage)]
    sitting = Sitting(participant_id=person.participant.id, batch_id=batch.id, stage=stage, form=form.form,
                      form_version=form.version, started_by_id=actor.id, started_at=utcnow())
    db.session.add(sitting)
    db.session.flush()
    person.taken[stage] = queries.Taken(sitting, {})
    return sitting


def _write(actor, person: queries.Person, sitting: Sitting, item, stored: str, score: int) -> str:
    """Save one answer: 'new', 'corrected' or 'same'."""
    current = person.taken[sitting.stage].answers.get(item.id)
    if current is not None and current.response == stored:
        return "same"
    version = 1
    if current is not None:
        version = current.version + 1
        db.session.execute(update(Answer).where(Answer.id == current.id).values(is_current=False)
                           .execution_options(synchronize_session=False))
        db.session.flush()
    answer = Answer(sitting_id=sitting.id, item_id=item.id, skill=item.skill, response=stored, score=score,
                    version=version, is_current=True, recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(answer)
    person.taken[sitting.stage].answers[item.id] = answer
    return "new" if current is None else "corrected"


def rescore(sitting_ids=None) -> None:
    """Rewrite the sums a sitting keeps from its current answers (models' docstring): of the
    sittings `sitting_ids` (a list or a select), or of every sitting (after a bulk load). The
    service calls it for the sitting it changed, after locking that sitting's row, so two people
    saving answers of one sitting at the same time both count."""
    db.session.execute(rescore_statement(sitting_ids).execution_options(synchronize_session=False))


def rescore_statement(sitting_ids=None):
    """The one UPDATE of `rescore` (also run by the migration that added the sums)."""
    items = queries.forms()["A"].items
    number = queries.constant
    skill_weight = case({skill: number(queries.skill_place(skill)) for skill in SKILLS}, value=Answer.skill,
                        else_=number(0))
    item_bit = case({item.id: number(2 ** k) for k, item in enumerate(items)}, value=Answer.item_id,
                    else_=number(0))
    item_max = case({item.id: item.max_score for item in items}, value=Answer.item_id, else_=0)
    sums = (select(Answer.sitting_id, func.count(Answer.id).label("answered"),
                   func.coalesce(func.sum(Answer.score), 0).label("score"),
                   func.coalesce(func.sum(Answer.score * skill_weight), 0).label("skill_scores"),
                   func.coalesce(func.sum(item_bit), 0).label("answered_items"),
                   func.coalesce(func.sum(case((Answer.score < item_max, item_bit), else_=number(0))), 0)
                   .label("missed_items"))
            .where(Answer.is_current).group_by(Answer.sitting_id))
    if sitting_ids is not None:
        sums = sums.where(Answer.sitting_id.in_(sitting_ids))
    sums = sums.subquery()
    return update(Sitting).where(Sitting.id == sums.c.sitting_id).values(
        answered=sums.c.answered, score=sums.c.score, skill_scores=sums.c.skill_scores,
        answered_items=sums.c.answered_items, missed_items=sums.c.missed_items)


def _rescore_one(sitting: Sitting) -> None:
    """Rescore one sitting after its answers were written. The row lock (FOR NO KEY UPDATE, which
    the answers' foreign-key checks do not block) makes a second saver wait for the first one's
    commit; the UPDATE after it then reads the first one's answers too."""
    db.session.flush()
    db.session.execute(select(Sitting.id).where(Sitting.id == sitting.id).with_for_update(key_share=True))
    rescore([sitting.id])


def record(actor, batch: Batch, participant_id: int, stage: str, form_name: str, item_id: str, raw) -> str:
    """One answer, as given aloud. Returns 'new', 'corrected' or 'same'."""
    _may_record(actor, batch)
    stage = _stage(stage)
    person = _person(batch, participant_id)
    if person.form_for(stage) != form_name:
        raise AssessmentError(_l("This person takes form %(form)s for this test.", form=person.form_for(stage)))
    form = queries.forms()[form_name]
    item = form.item(item_id or "")
    if item is None:
        raise AssessmentError(_l("Form %(form)s has no question %(q)s.", form=form_name, q=str(item_id)[:40]))
    parsed = parse_answer(item, raw)
    if parsed is None:
        raise AssessmentError(_l("Choose an answer (or \"don't know\")."), field=item.id)
    try:
        sitting = _sitting(actor, batch, person, stage)
        outcome = _write(actor, person, sitting, item, *parsed)
        if outcome != "same":
            _rescore_one(sitting)
            audit.record(actor, f"assessment_answer_{outcome}", "assessment_sitting", sitting.id,
                         details={"item": item.id, "via": "oral"})
        db.session.commit()
    except IntegrityError as error:  # two people saved the same answer at once: the first one stands
        db.session.rollback()
        raise AssessmentError(RACED) from error
    return outcome


def save_sheet(actor, batch: Batch, participant_id: int, stage: str, sent: dict) -> dict:
    """A whole answer sheet (item id -> what was sent; blank = not answered yet), all or nothing.
    Returns the number of answers new, corrected and unchanged."""
    _may_record(actor, batch)
    stage = _stage(stage)
    person = _person(batch, participant_id)
    form = queries.forms()[person.form_for(stage)]
    unknown = sorted(set(sent) - {item.id for item in form.items})
    if unknown:
        raise AssessmentError(_l("Form %(form)s has no question %(q)s.", form=form.form, q=unknown[0][:40]))
    parsed = [(item, parse_answer(item, sent.get(item.id))) for item in form.items]
    given = [(item, p) for item, p in parsed if p is not None]
    counts = {"new": 0, "corrected": 0, "same": 0}
    if not given:
        raise AssessmentError(_l("Nothing to save: no answer was filled in."))
    try:
        sitting = _sitting(actor, batch, person, stage)
        for item, (stored, score) in given:
            counts[_write(actor, person, sitting, item, stored, score)] += 1
        if counts["new"] or counts["corrected"]:
            _rescore_one(sitting)
            audit.record(actor, "assessment_sheet_saved", "assessment_sitting", sitting.id,
                         details={"new": counts["new"], "corrected": counts["corrected"], "via": "sheet"})
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise AssessmentError(RACED) from error
    return counts


# --- answers to lower modules' signals ---------------------------------------------------------------

@erases("assessment_sitting.stage", "assessment_sitting.form", "assessment_answer.item_id",
        "assessment_answer.skill", "assessment_answer.response")
def _erase(participant: Participant, actor=None, **_extra) -> list[str]:
    """An erased participant's tests go: the answers are about them, the group figures lose them."""
    db.session.execute(delete(Answer).where(Answer.sitting_id.in_(
        select(Sitting.id).where(Sitting.participant_id == participant.id))).execution_options(
        synchronize_session=False))
    db.session.execute(delete(Sitting).where(Sitting.participant_id == participant.id)
                       .execution_options(synchronize_session=False))
    return ["assessment_sitting.stage", "assessment_sitting.form", "assessment_answer.item_id",
            "assessment_answer.skill", "assessment_answer.response"]


@certificate_conditions.connect
def _post_test_taken(_batch, enrolments: list[Enrolment] = (), **_extra) -> dict:
    """With ASSESSMENT_POST_TEST_REQUIRED on, a certificate needs the Day 10 test taken (complete,
    whatever the score: the test is never a pass mark). enrolment id -> (met, words)."""
    if not current_app.config.get("ASSESSMENT_POST_TEST_REQUIRED", False) or not enrolments:
        return {}
    taken = queries.taken_for(e.participant_id for e in enrolments)
    found = {}
    for enrolment in enrolments:
        post = taken.get((enrolment.participant_id, Stage.POST))
        done = post is not None and post.complete
        found[enrolment.id] = (done, str(_l("Day 10 test taken") if done else _l("Day 10 test not taken yet")))
    return found
