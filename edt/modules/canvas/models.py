"""The participant's business plan: a Business Model Canvas (items per block, kept as revisions)
and a financial plan.

The canvas row holds the current items as JSON, a copy of the latest revision's snapshot, so the
canvas page reads one row whatever the history; every save adds a CanvasRevision with the full
snapshot, its author and the revision it was based on.
"""
from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, DateTime, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edt.clock import utcnow
from edt.content import CANVAS_BLOCKS
from edt.enums import Labelled
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.participants.models import Participant



class CanvasStatus(Labelled):
    """Draft -> submitted -> approved (frozen) or changes requested (back to the writer); a master
    trainer or facilitator may reopen an approved canvas as a draft."""
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


CanvasStatus.labels({CanvasStatus.DRAFT: _l("Draft"), CanvasStatus.SUBMITTED: _l("Sent for review"),
                     CanvasStatus.CHANGES_REQUESTED: _l("Changes asked"), CanvasStatus.APPROVED: _l("Approved")})
NOT_STARTED = _l("Not started")  # a participant without a canvas row yet: no status to store


def status_label(status: str | None):
    """The label of a canvas status, or "Not started" for none (lists write it "none")."""
    return CanvasStatus(status).label if status and status != "none" else NOT_STARTED


ACTIONS = ("add", "edit", "remove", "move", "block", "name", "restore")
COMMENT_KINDS = ("comment", "changes_requested", "approved", "reopened")
LOAN_METHODS = ("declining", "flat")
MAX_ITEMS = 30       # per block: sticky notes, not essays
ITEM_LENGTH = 200
NAME_LENGTH = 120
COMMENT_LENGTH = 1000

_BLOCK_LIST = ", ".join(f"'{key}'" for key in CANVAS_BLOCKS)


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def empty_blocks() -> dict[str, list[str]]:
    return {key: [] for key in CANVAS_BLOCKS}


def money(precision: int = 12):
    # Floats out (money.py computes in floats and rounds to whole Taka at the end); exact
    # two-decimal numbers stored.
    return Numeric(precision, 2, asdecimal=False)


class Canvas(db.Model):
    __tablename__ = "canvas"
    __table_args__ = (
        CheckConstraint(CanvasStatus.check("status"), name="status"),
        CheckConstraint("revision >= 0", name="revision"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # One canvas per participant, whatever batch they are in (it follows them on a transfer).
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), unique=True)
    business_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    # Indexed: the review queue looks for the few sent for review among everyone's canvases.
    status: Mapped[str] = mapped_column(String(20), default=CanvasStatus.DRAFT.value, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    blocks: Mapped[dict] = mapped_column(JSON, default=empty_blocks)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship(lazy="joined")
    # Who saved or sent it last: read only on a conflict page, so loaded when read (and then from
    # the session when it is the reader), not joined, with their partners, into every canvas read.
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    status_by: Mapped[User | None] = relationship(foreign_keys=[status_by_id])

    def items(self, block: str) -> list[str]:
        return list((self.blocks or {}).get(block, []))

    @property
    def item_count(self) -> int:
        return sum(len(v) for v in (self.blocks or {}).values())

    @property
    def status_label(self):
        return CanvasStatus(self.status).label

    @property
    def is_frozen(self) -> bool:
        return self.status == CanvasStatus.APPROVED

    def __repr__(self):
        return f"<Canvas {self.id} r{self.revision} {self.status}>"


class CanvasRevision(db.Model):
    __tablename__ = "canvas_revision"
    __table_args__ = (
        UniqueConstraint("canvas_id", "number", name="uq_canvas_revision_number"),
        CheckConstraint("number >= 1 and base_number >= 0 and base_number < number", name="numbers"),
        CheckConstraint(f"action in ({_in(ACTIONS)})", name="action"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    base_number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))
    # Block keys (and "business_name") this save changed, for the history page.
    changed: Mapped[list] = mapped_column(JSON, default=list)
    # {"business_name": str, "blocks": {block: [item, ...]}}: the whole canvas after this save.
    snapshot: Mapped[dict] = mapped_column(JSON)

    author: Mapped[User | None] = relationship(lazy="joined")


class CanvasComment(db.Model):
    __tablename__ = "canvas_comment"
    __table_args__ = (
        CheckConstraint(f"block is null or block in ({_BLOCK_LIST})", name="block"),
        CheckConstraint(f"kind in ({_in(COMMENT_KINDS)})", name="kind"),
        CheckConstraint(f"length(body) between 1 and {COMMENT_LENGTH}", name="body"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), index=True)
    block: Mapped[str | None] = mapped_column(String(32))  # None: about the whole canvas
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="comment")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship()


class FinancialPlan(db.Model):
    __tablename__ = "financial_plan"
    __table_args__ = (
        CheckConstraint("own_money >= 0 and loan_amount >= 0", name="amounts"),
        CheckConstraint("loan_rate >= 0 and loan_rate <= 100", name="loan_rate"),
        CheckConstraint("loan_months between 1 and 120", name="loan_months"),
        CheckConstraint(f"loan_method in ({_in(LOAN_METHODS)})", name="loan_method"),
        CheckConstraint("version >= 0", name="version"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    canvas_id: Mapped[int] = mapped_column(ForeignKey("canvas.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    own_money: Mapped[float] = mapped_column(money(), default=0)
    loan_amount: Mapped[float] = mapped_column(money(), default=0)
    loan_rate: Mapped[float] = mapped_column(money(5), default=0)
    loan_method: Mapped[str] = mapped_column(String(10), default="declining")
    loan_months: Mapped[int] = mapped_column(Integer, default=12)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    costs: Mapped[list["PlanCost"]] = relationship(order_by="[PlanCost.kind, PlanCost.position]",
                                                   cascade="all, delete-orphan", lazy="selectin")
    products: Mapped[list["PlanProduct"]] = relationship(order_by="PlanProduct.position",
                                                         cascade="all, delete-orphan", lazy="selectin")
    updated_by: Mapped[User | None] = relationship()  # read on a conflict page only, as the canvas's

    def lines(self, kind: str) -> list["PlanCost"]:
        return [c for c in self.costs if c.kind == kind]


class PlanCost(db.Model):
    """A start-up cost (quantity x unit cost, paid once) or a fixed monthly cost (quantity 1)."""

    __tablename__ = "plan_cost"
    __table_args__ = (
        CheckConstraint("kind in ('startup', 'fixed')", name="kind"),
        CheckConstraint("quantity >= 0 and amount >= 0", name="amounts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("financial_plan.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[float] = mapped_column(money(10), default=1)
    amount: Mapped[float] = mapped_column(money())


class PlanProduct(db.Model):
    __tablename__ = "plan_product"
    __table_args__ = (
        CheckConstraint("variable_cost >= 0 and units_per_month >= 0", name="amounts"),
        CheckConstraint("price is null or price >= 0", name="price"),
        CheckConstraint("markup_percent is null or (markup_percent >= 0 and markup_percent <= 1000)", name="markup"),
        CheckConstraint("price is not null or markup_percent is not null", name="price_or_markup"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("financial_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    variable_cost: Mapped[float] = mapped_column(money())
    markup_percent: Mapped[float | None] = mapped_column(money(7))
    price: Mapped[float | None] = mapped_column(money())
    units_per_month: Mapped[float] = mapped_column(money(10))
