"""A participant's Day 1 and Day 10 tests (sittings) and their recorded answers.

One sitting per participant and stage, whatever batch they are in when they take it (a person
transferred after Day 1 takes the Day 10 test in their new batch). An answer is never changed
in place: a correction adds a new version and the old one stops being current, so the history
of a test stays readable. A partial unique index keeps one current answer per question.

A sitting also keeps the sums of its current answers (how many, their points, the points by
skill and which questions were answered and missed), rewritten by the service that saves an
answer in the same transaction (`services.rescore`), so the group reports add up one row per
sitting instead of every answer. They are derived data: `services.rescore()` recomputes them
from the answers.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db


SKILL_BITS = 6  # a skill's points in a sitting stay below 64 (the instruments' loader holds it)


class Stage(Labelled):
    PRE = "pre"
    POST = "post"


Stage.labels({Stage.PRE: _l("Day 1 test"), Stage.POST: _l("Day 10 test")})


class TestForm(Labelled):
    A = "A"
    B = "B"


TestForm.labels({TestForm.A: _l("Form A"), TestForm.B: _l("Form B")})


class Sitting(db.Model):
    """One participant taking one form of the test at one stage."""

    __tablename__ = "assessment_sitting"
    __table_args__ = (
        UniqueConstraint("participant_id", "stage", name="uq_assessment_sitting_participant_stage"),
        CheckConstraint(Stage.check("stage"), name="stage"),
        CheckConstraint(TestForm.check("form"), name="form"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(4))
    form: Mapped[str] = mapped_column(String(1))
    form_version: Mapped[int] = mapped_column(Integer, default=1)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The sums of the current answers (see the module's docstring and services.rescore).
    answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Points by skill, SKILL_BITS bits a skill, in the order of edt.instruments.SKILLS.
    skill_scores: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Bit k: the k-th question of the forms (both forms share their questions' ids and order).
    answered_items: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    missed_items: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    answers: Mapped[list["Answer"]] = relationship(back_populates="sitting", cascade="all, delete-orphan",
                                                   passive_deletes=True)


class Answer(db.Model):
    """One recorded answer to one question; `score` is computed from the form's key when saved."""

    __tablename__ = "assessment_answer"
    __table_args__ = (
        UniqueConstraint("sitting_id", "item_id", "version", name="uq_assessment_answer_version"),
        CheckConstraint("score >= 0", name="score"),
        CheckConstraint("version >= 1", name="version"),
        Index("uq_assessment_answer_current", "sitting_id", "item_id", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("assessment_sitting.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    skill: Mapped[str] = mapped_column(String(16))
    response: Mapped[str] = mapped_column(String(80))  # a picture card "set/card", a number, a score
    score: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sitting: Mapped[Sitting] = relationship(back_populates="answers")
