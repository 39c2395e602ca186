"""The rules of the business plan: who may write, the status flow, revisions that never silently
overwrite each other, comments, and the financial plan.

Every save is checked against the revision the writer was looking at (`base`). When someone else
saved in between, the save is refused with CanvasConflict, which carries both versions so the page
can show them side by side and put the writer's text back in the form: nothing is lost. The check
is a compare-and-set on canvas.revision (and a unique revision number), so it holds when two
requests race, on SQLite and on PostgreSQL.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from edt import audit
from edt.errors import RuleError
from edt.clock import utcnow
from edt.content import CANVAS_BLOCKS
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.participants.services import ERASED
from edt.security import STAFF, Role
from edt.signals import erases

from . import plan as planning
from .models import (COMMENT_LENGTH, ITEM_LENGTH, LOAN_METHODS, MAX_ITEMS, NAME_LENGTH, Canvas, CanvasComment,
                     CanvasRevision, CanvasStatus, FinancialPlan, PlanCost, PlanProduct, empty_blocks)


class CanvasError(RuleError):
    """A rule was broken; the message is safe to show. Nothing was changed."""


class CanvasConflict(Exception):
    """The canvas moved on since `base`: `mine` is what the writer tried to save."""

    def __init__(self, canvas: Canvas, *, block: str | None, mine, merged=None):
        super().__init__("canvas changed since it was opened")
        # `merged`: a suggestion to put in the form (for a new note: the notes saved now plus it)
        self.canvas, self.block, self.mine, self.merged = canvas, block, mine, merged


class PlanConflict(Exception):
    def __init__(self, plan: FinancialPlan):
        super().__init__("plan changed since it was opened")
        self.plan = plan


FROZEN = _l("This canvas is approved, so it cannot be changed. Ask your facilitator to reopen it.")
STALE = _l("The canvas changed since you opened it. Look at it again, then try once more.")


# --- opening -----------------------------------------------------------------------------------

def open_canvas(participant) -> Canvas:
    """The participant's canvas, created empty the first time anyone opens it."""
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))
    if canvas is not None:
        return canvas
    canvas = Canvas(participant_id=participant.id, blocks=empty_blocks(), status=CanvasStatus.DRAFT, revision=0)
    db.session.add(canvas)
    try:
        db.session.commit()
    except IntegrityError:  # opened at the same moment elsewhere: use that one
        db.session.rollback()
        canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))
    return canvas


# --- items and revisions -----------------------------------------------------------------------

def clean_text(text: str | None, limit: int = ITEM_LENGTH) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        raise CanvasError(_l("Keep it short: at most %(n)d letters.", n=limit))
    return text


def _check_block(block: str) -> None:
    if block not in CANVAS_BLOCKS:
        raise CanvasError(_l("There is no such block on the canvas."))


def _check_items(items: list[str]) -> list[str]:
    cleaned = [clean_text(i) for i in items]
    cleaned = [i for i in cleaned if i]
    if len(cleaned) > MAX_ITEMS:
        raise CanvasError(_l("A block holds at most %(n)d notes. Join some together.", n=MAX_ITEMS))
    return cleaned


def _snapshot(canvas: Canvas) -> dict:
    blocks = empty_blocks()
    blocks.update({k: list(v) for k, v in (canvas.blocks or {}).items() if k in blocks})
    return {"business_name": canvas.business_name or "", "blocks": blocks}


def base_snapshot(canvas: Canvas, base: int) -> dict:
    """The canvas as it was at revision `base` (what the writer saw)."""
    if base == canvas.revision:
        return _snapshot(canvas)
    if base <= 0:
        return {"business_name": "", "blocks": empty_blocks()}
    row = db.session.scalar(select(CanvasRevision.snapshot).where(
        CanvasRevision.canvas_id == canvas.id, CanvasRevision.number == base))
    return row or {"business_name": "", "blocks": empty_blocks()}


def _save(actor, canvas: Canvas, base: int | None, new: dict, action: str, *, block: str | None,
          mine) -> bool:
    """Store `new` as the next revision when `base` is still current. Returns False when nothing
    changed. Raises CanvasConflict when someone saved in between."""
    if canvas.is_frozen:
        raise CanvasError(FROZEN)
    if base is None or base < 0 or base > canvas.revision:
        raise CanvasError(STALE)
    if base != canvas.revision:
        raise CanvasConflict(canvas, block=block, mine=mine)
    old = _snapshot(canvas)
    changed = [k for k in CANVAS_BLOCKS if old["blocks"][k] != new["blocks"][k]]
    if old["business_name"] != new["business_name"]:
        changed.append("business_name")
    if not changed:
        return False
    number, now = base + 1, utcnow()
    result = db.session.execute(
        update(Canvas).where(Canvas.id == canvas.id, Canvas.revision == base, Canvas.status != CanvasStatus.APPROVED)
        .values(revision=number, blocks=new["blocks"], business_name=new["business_name"], updated_at=now,
                updated_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # another save (or an approval) won the race
        current = _reload(canvas)
        if current.is_frozen:
            raise CanvasError(FROZEN)
        raise CanvasConflict(current, block=block, mine=mine)
    db.session.add(CanvasRevision(canvas_id=canvas.id, number=number, base_number=base,
                                  author_id=getattr(actor, "id", None), created_at=now, action=action,
                                  changed=changed, snapshot=new))
    audit.record(actor, "canvas_saved", "canvas", canvas.id, details={"fields": changed, "action": action})
    try:
        db.session.commit()
    except IntegrityError as error:
        raise CanvasConflict(_reload(canvas), block=block, mine=mine) from error
    db.session.refresh(canvas)
    return True


def _reload(canvas: Canvas) -> Canvas:
    """After a lost race: roll back and read the canvas as it is now."""
    db.session.rollback()
    return db.session.get(Canvas, canvas.id, populate_existing=True)


def _with_block(canvas_or_snapshot: dict, block: str, items: list[str]) -> dict:
    new = {"business_name": canvas_or_snapshot["business_name"],
           "blocks": {k: list(v) for k, v in canvas_or_snapshot["blocks"].items()}}
    new["blocks"][block] = items
    return new


def _guard(canvas: Canvas, base: int | None) -> None:
    if canvas.is_frozen:
        raise CanvasError(FROZEN)
    if base is None or base < 0 or base > canvas.revision:
        raise CanvasError(STALE)


def add_item(actor, canvas: Canvas, block: str, text: str, base: int | None) -> bool:
    _check_block(block)
    text = clean_text(text)
    if not text:
        raise CanvasError(_l("Write a few words first."))
    _guard(canvas, base)
    if base != canvas.revision:
        raise CanvasConflict(canvas, block=block, mine=base_snapshot(canvas, base)["blocks"].get(block, []) + [text],
                             merged=canvas.items(block) + [text])
    items = canvas.items(block)
    if len(items) >= MAX_ITEMS:
        raise CanvasError(_l("A block holds at most %(n)d notes. Join some together.", n=MAX_ITEMS))
    return _save(actor, canvas, base, _with_block(_snapshot(canvas), block, items + [text]), "add",
                 block=block, mine=items + [text])


def _moved(items: list[str], index: int, op: str) -> list[str]:
    if not 0 <= index < len(items):
        raise CanvasError(STALE)
    items = list(items)
    if op == "remove":
        del items[index]
    elif op == "up" and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif op == "down" and index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
    return items


def change_item(actor, canvas: Canvas, block: str, op: str, index: int, base: int | None) -> bool:
    """Move an item up or down, or remove it. Positions are those of revision `base`, which must
    be current (so a position always means the item the writer saw)."""
    _check_block(block)
    if op not in ("up", "down", "remove"):
        raise CanvasError(_l("Unknown action."))
    _guard(canvas, base)
    if base != canvas.revision:
        seen = base_snapshot(canvas, base)["blocks"].get(block, [])
        raise CanvasConflict(canvas, block=block, mine=_moved(seen, index, op) if 0 <= index < len(seen) else seen)
    items = _moved(canvas.items(block), index, op)
    return _save(actor, canvas, base, _with_block(_snapshot(canvas), block, items),
                 "remove" if op == "remove" else "move", block=block, mine=items)


def save_block(actor, canvas: Canvas, block: str, items: list[str], base: int | None) -> bool:
    """Replace a block's items (the edit page: change, clear to remove, add in the empty boxes)."""
    _check_block(block)
    cleaned = _check_items(items)
    _guard(canvas, base)
    old = canvas.items(block)
    action = "edit" if len(cleaned) == len(old) else ("add" if len(cleaned) > len(old) else "block")
    return _save(actor, canvas, base, _with_block(_snapshot(canvas), block, cleaned), action, block=block,
                 mine=cleaned)


def set_business_name(actor, canvas: Canvas, name: str, base: int | None) -> bool:
    name = clean_text(name, NAME_LENGTH)
    _guard(canvas, base)
    new = _snapshot(canvas)
    new["business_name"] = name
    return _save(actor, canvas, base, new, "name", block=None, mine=name)


def restore(actor, canvas: Canvas, number: int, base: int | None) -> bool:
    """Make an earlier revision current again, as a new revision (history is never rewritten)."""
    _guard(canvas, base)
    if not 1 <= number <= canvas.revision:
        raise CanvasError(_l("There is no such version."))
    snapshot = base_snapshot(canvas, number)
    try:
        return _save(actor, canvas, base, {"business_name": snapshot.get("business_name", ""),
                                           "blocks": {**empty_blocks(), **snapshot["blocks"]}},
                     "restore", block=None, mine=None)
    except CanvasConflict as error:
        raise CanvasError(STALE) from error


# --- status ------------------------------------------------------------------------------------

def _set_status(actor, canvas: Canvas, base: int | None, allowed_from: tuple, new_status: str) -> None:
    if base != canvas.revision:
        raise CanvasError(STALE)
    result = db.session.execute(
        update(Canvas).where(Canvas.id == canvas.id, Canvas.revision == base, Canvas.status.in_(allowed_from))
        .values(status=new_status, status_at=utcnow(), status_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise CanvasError(STALE)


def submit(actor, canvas: Canvas, base: int | None) -> None:
    if canvas.status not in (CanvasStatus.DRAFT, CanvasStatus.CHANGES_REQUESTED):
        raise CanvasError(_l("This canvas was already sent for review."))
    if canvas.item_count == 0:
        raise CanvasError(_l("Add at least one note to your canvas before you send it."))
    _set_status(actor, canvas, base, (CanvasStatus.DRAFT, CanvasStatus.CHANGES_REQUESTED), CanvasStatus.SUBMITTED)
    audit.record(actor, "canvas_submitted", "canvas", canvas.id)
    db.session.commit()
    db.session.refresh(canvas)


def review(actor, canvas: Canvas, decision: str, body: str, block: str | None, base: int | None) -> None:
    """A facilitator (or master trainer) approves, or asks for changes with a comment."""
    if actor.role not in (Role.FACILITATOR, Role.MASTER_TRAINER):
        raise CanvasError(_l("Only a facilitator can review a canvas."))
    if decision not in ("approve", "changes"):
        raise CanvasError(_l("Choose approve or ask for changes."))
    if canvas.status != CanvasStatus.SUBMITTED:
        raise CanvasError(_l("Only a canvas sent for review can be approved or sent back."))
    body = (body or "").strip()
    if len(body) > COMMENT_LENGTH:
        raise CanvasError(_l("The comment is too long (at most %(n)d letters).", n=COMMENT_LENGTH), field="body")
    if decision == "changes" and not body:
        raise CanvasError(_l("Write what to change, so the participant knows what to do."), field="body")
    if block:
        _check_block(block)
    status = CanvasStatus.APPROVED if decision == "approve" else CanvasStatus.CHANGES_REQUESTED
    _set_status(actor, canvas, base, (CanvasStatus.SUBMITTED,), status)
    if body:
        db.session.add(CanvasComment(canvas_id=canvas.id, block=block or None, author_id=actor.id, kind=status,
                                     body=body))
    audit.record(actor, f"canvas_{status}", "canvas", canvas.id,
                 details={"fields": ["status"] + (["comment"] if body else [])})
    db.session.commit()
    db.session.refresh(canvas)


def reopen(actor, canvas: Canvas, base: int | None) -> None:
    if actor.role not in (Role.FACILITATOR, Role.MASTER_TRAINER):
        raise CanvasError(_l("Only a facilitator can reopen a canvas."))
    if canvas.status != CanvasStatus.APPROVED:
        raise CanvasError(_l("This canvas is not approved, so it is already open."))
    _set_status(actor, canvas, base, (CanvasStatus.APPROVED,), CanvasStatus.DRAFT)
    db.session.add(CanvasComment(canvas_id=canvas.id, block=None, author_id=actor.id, kind="reopened",
                                 body=str(_l("Reopened for changes."))))
    audit.record(actor, "canvas_reopened", "canvas", canvas.id, details={"fields": ["status"]})
    db.session.commit()
    db.session.refresh(canvas)


# --- comments ----------------------------------------------------------------------------------

def comment(actor, canvas: Canvas, block: str | None, body: str) -> CanvasComment:
    """Facilitators comment on any block; participants answer where a facilitator has written."""
    block = block or None
    if block is not None:
        _check_block(block)
    body = (body or "").strip()
    if not body:
        raise CanvasError(_l("Write your comment first."))
    if len(body) > COMMENT_LENGTH:
        raise CanvasError(_l("The comment is too long (at most %(n)d letters).", n=COMMENT_LENGTH))
    if actor.role == Role.PARTICIPANT:
        same_thread = CanvasComment.block.is_(None) if block is None else CanvasComment.block == block
        staff_wrote = db.session.scalar(
            select(CanvasComment.id).join(User, User.id == CanvasComment.author_id)
            .where(CanvasComment.canvas_id == canvas.id, same_thread, User.role.in_(STAFF)).limit(1))
        if staff_wrote is None:
            raise CanvasError(_l("You can answer here once your facilitator has written a comment."))
    row = CanvasComment(canvas_id=canvas.id, block=block, author_id=actor.id, kind="comment", body=body)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "canvas_commented", "canvas", canvas.id, details={"fields": [block or "canvas"]})
    db.session.commit()
    return row


# --- the financial plan ------------------------------------------------------------------------

def _check_plan(data: planning.PlanInput) -> None:
    limits = 100_000_000
    for line in data.startup + data.fixed:
        if not line.name.strip():
            raise CanvasError(_l("Every cost needs a name."))
        if not (0 <= line.amount <= limits and 0 <= line.quantity <= 100_000):
            raise CanvasError(_l("Amounts must be between 0 and %(max)s.", max=f"{limits:,}"))
    for line in data.products:
        if not line.name.strip():
            raise CanvasError(_l("Every product needs a name."))
        if line.price is None and line.markup_percent is None:
            raise CanvasError(_l("Give a price, or a markup to work the price out."))
        for value in (line.variable_cost, line.price or 0, line.units_per_month):
            if not 0 <= value <= limits:
                raise CanvasError(_l("Amounts must be between 0 and %(max)s.", max=f"{limits:,}"))
        if line.markup_percent is not None and not 0 <= line.markup_percent <= 1000:
            raise CanvasError(_l("The markup must be between 0 and 1000%."))
    if len(data.startup) > 20 or len(data.products) > 20 or len(data.fixed) > 20:
        raise CanvasError(_l("At most 20 lines in each part."))
    if not (0 <= data.own_money <= limits and 0 <= data.loan_amount <= limits):
        raise CanvasError(_l("Amounts must be between 0 and %(max)s.", max=f"{limits:,}"))
    if not 0 <= data.loan_rate <= 100:
        raise CanvasError(_l("The interest rate must be between 0 and 100% a year."))
    if data.loan_method not in LOAN_METHODS:
        raise CanvasError(_l("Choose flat rate or declining balance."))
    if not 1 <= data.loan_months <= 120:
        raise CanvasError(_l("A loan is repaid in 1 to 120 months."))


def save_plan(actor, canvas: Canvas, data: planning.PlanInput, version: int | None) -> FinancialPlan:
    """Replace the plan's lines and figures, when `version` is still the plan's version."""
    if canvas.is_frozen:
        raise CanvasError(FROZEN)
    _check_plan(data)
    plan = db.session.scalar(select(FinancialPlan).where(FinancialPlan.canvas_id == canvas.id))
    current = plan.version if plan else 0
    if version is None or version != current:
        if plan is None or version is None or version > current:
            raise CanvasError(STALE)
        raise PlanConflict(plan)
    if plan is None:
        plan = FinancialPlan(canvas_id=canvas.id, version=0)
        db.session.add(plan)
        try:
            db.session.flush()
        except IntegrityError as error:
            db.session.rollback()
            raise CanvasError(STALE) from error
    result = db.session.execute(update(FinancialPlan).where(FinancialPlan.id == plan.id,
                                                            FinancialPlan.version == current)
                                .values(version=current + 1, own_money=data.own_money, loan_amount=data.loan_amount,
                                        loan_rate=data.loan_rate, loan_method=data.loan_method,
                                        loan_months=data.loan_months, updated_at=utcnow(),
                                        updated_by_id=getattr(actor, "id", None))
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        plan = db.session.scalar(select(FinancialPlan).where(FinancialPlan.canvas_id == canvas.id))
        raise PlanConflict(plan)
    plan.costs.clear()
    plan.products.clear()
    db.session.flush()
    for kind, lines in (("startup", data.startup), ("fixed", data.fixed)):
        for position, line in enumerate(lines):
            plan.costs.append(PlanCost(kind=kind, position=position, name=line.name.strip(),
                                       quantity=line.quantity, amount=line.amount))
    for position, line in enumerate(data.products):
        plan.products.append(PlanProduct(position=position, name=line.name.strip(), variable_cost=line.variable_cost,
                                         markup_percent=line.markup_percent, price=line.price,
                                         units_per_month=line.units_per_month))
    audit.record(actor, "plan_saved", "canvas", canvas.id,
                 details={"fields": ["startup", "products", "fixed", "own_money", "loan"]})
    db.session.commit()
    db.session.refresh(plan)
    return plan


# --- erasure (edt.signals.participant_erased) --------------------------------------------------

def _blank_items(blocks: dict | None) -> dict:
    return {key: [ERASED for _item in items] for key, items in (blocks or {}).items()}


def _blank_snapshot(snapshot: dict | None) -> dict:
    snapshot = snapshot or {}
    return {"business_name": ERASED if snapshot.get("business_name") else "",
            "blocks": _blank_items(snapshot.get("blocks"))}


@erases("canvas.business_name", "canvas.blocks", "canvas_revision.snapshot", "canvas_comment.body",
        "plan_cost.name", "plan_product.name")
def _erase_canvas(participant, **_context) -> list[str]:
    """Erasure: every note, version and comment of the canvas and every line of its plan say
    ERASED; how many there were, and the plan's figures, stay."""
    canvas = db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))
    if canvas is None:
        return []
    canvas.business_name = ERASED if canvas.business_name else ""
    canvas.blocks = _blank_items(canvas.blocks)
    for revision in db.session.scalars(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id)):
        revision.snapshot = _blank_snapshot(revision.snapshot)
    db.session.execute(update(CanvasComment).where(CanvasComment.canvas_id == canvas.id)
                       .values(body=ERASED).execution_options(synchronize_session=False))
    plan_ids = select(FinancialPlan.id).where(FinancialPlan.canvas_id == canvas.id)
    for model in (PlanCost, PlanProduct):
        db.session.execute(update(model).where(model.plan_id.in_(plan_ids)).values(name=ERASED)
                           .execution_options(synchronize_session=False))
    return ["canvas", "canvas_revisions", "canvas_comments", "plan_lines"]

