"""Scoped reads for canvases and plans.

A participant reaches only their own canvas. Staff reach canvases through `scope`: a master trainer
all of them, a facilitator those of the participants they work with. Lists and pages share the
scope, so a list never shows what a page would refuse.
"""
from flask_babel import gettext
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from edt.content import CANVAS_BLOCKS, block_anchor, library
from edt.extensions import db
from edt.modules.batches.models import Batch, Enrolment, EnrolmentStatus
from edt.modules.batches.queries import facilitated_ids
from edt.modules.batches.queries import scope as batch_scope
from edt.modules.participants import queries as participants
from edt.modules.participants.models import Participant
from edt.security import Role, scoped_or_404

from . import plan as planning
from .models import Canvas, CanvasStatus, CanvasComment, CanvasRevision, FinancialPlan


def _facilitated(user):
    """Facilitators reach the participants actively enrolled in a batch they run (the batches
    module's one rule, facilitated_ids), so a transfer moves the canvas with them."""
    return Participant.id.in_(select(Enrolment.participant_id).where(
        Enrolment.status == "active", Enrolment.batch_id.in_(facilitated_ids(user))))


def scope(user, stmt: Select | None = None) -> Select:
    """Participants (or a statement joined to Participant) whose canvas `user` may open."""
    stmt = stmt if stmt is not None else select(Participant)
    if user.role == Role.FACILITATOR:
        return stmt.where(_facilitated(user))
    return participants.scope(user, stmt)  # master trainer: all; participant: themself


def participant_for(user, participant_id: int) -> Participant:
    found = db.session.scalar(scope(user).where(Participant.id == participant_id, Participant.erased_at.is_(None)))
    return scoped_or_404(found, target_type="canvas", target_id=participant_id, actor=user)


def canvas_of(participant_id: int) -> Canvas | None:
    return db.session.scalar(select(Canvas).where(Canvas.participant_id == participant_id))


def page_data(canvas: Canvas) -> dict:
    """What the canvas page shows besides the canvas row: comments by block and the plan. A fixed
    number of queries whatever the number of items, comments and revisions."""
    comments = db.session.scalars(select(CanvasComment).where(CanvasComment.canvas_id == canvas.id)
                                  .options(selectinload(CanvasComment.author))
                                  .order_by(CanvasComment.created_at, CanvasComment.id)).all()
    threads: dict[str | None, list[CanvasComment]] = {}
    for comment in comments:
        threads.setdefault(comment.block, []).append(comment)
    return {"threads": threads, "plan": plan_of(canvas)}


def plan_of(canvas: Canvas | None) -> FinancialPlan | None:
    if canvas is None:
        return None
    return db.session.scalar(select(FinancialPlan).where(FinancialPlan.canvas_id == canvas.id))


def history(canvas: Canvas, *, page: int = 1, per_page: int = 20):
    """One page of revisions, newest first, each with the revision before it (for the changes):
    (pagination, [(revision, previous or None)]). Three queries whatever the page size."""
    pagination = db.paginate(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id)
                             .order_by(CanvasRevision.number.desc()), page=page, per_page=per_page,
                             error_out=False)
    rows = list(pagination.items)
    by_number = {r.number: r for r in rows}
    if rows:  # the one before this page's oldest, for its changes (asked even for the first, so
        # that every page costs the same number of queries)
        before = db.session.scalar(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id,
                                                                CanvasRevision.number == rows[-1].number - 1))
        if before is not None:
            by_number[before.number] = before
    return pagination, [(r, by_number.get(r.number - 1)) for r in rows]


def changes(revision, previous) -> list[dict]:
    """Per changed block: the notes added and removed (moves show as the new order)."""
    before = (previous.snapshot if previous else {"business_name": "", "blocks": {}})
    after = revision.snapshot
    out = []
    for key in revision.changed or []:
        if key == "business_name":
            out.append({"key": key, "label": gettext("Name of my business"), "added": [after.get("business_name", "")],
                        "removed": [before.get("business_name", "")] if before.get("business_name") else [],
                        "order": []})
            continue
        old, new = before.get("blocks", {}).get(key, []), after.get("blocks", {}).get(key, [])
        added = [i for i in new if i not in old]
        removed = [i for i in old if i not in new]
        out.append({"key": key, "label": CANVAS_BLOCKS.get(key, (key,))[0], "added": added, "removed": removed,
                    "order": new if not added and not removed else []})
    return out


def revision(canvas: Canvas, number: int, actor=None) -> CanvasRevision:
    found = db.session.scalar(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id,
                                                           CanvasRevision.number == number))
    return scoped_or_404(found, target_type="canvas_revision", target_id=f"{canvas.id}:{number}", actor=actor)


def last_revision(canvas: Canvas) -> CanvasRevision | None:
    if not canvas.revision:
        return None
    return db.session.scalar(select(CanvasRevision).where(CanvasRevision.canvas_id == canvas.id,
                                                          CanvasRevision.number == canvas.revision))


def _in_batch(batch_id: int):
    """Participants actively enrolled in one batch."""
    return Participant.id.in_(select(Enrolment.participant_id).where(
        Enrolment.batch_id == batch_id, Enrolment.status == EnrolmentStatus.ACTIVE))


def list_canvases(user, *, status: str = "", query: str = "", batch_id: int | None = None, page: int = 1,
                  per_page: int = 50):
    """Participants in the staff user's scope with their canvas (or None when not started):
    (pagination, [(participant, canvas)], counts by status). Four queries. `batch_id` keeps the
    people actively enrolled in one batch (the caller checks the batch is in reach)."""
    stmt = scope(user, select(Participant).outerjoin(Canvas, Canvas.participant_id == Participant.id)
                 ).where(Participant.erased_at.is_(None))
    counts_stmt = scope(user, select(Canvas.status, func.count())
                        .select_from(Participant).outerjoin(Canvas, Canvas.participant_id == Participant.id)
                        ).where(Participant.erased_at.is_(None)).group_by(Canvas.status)
    if batch_id is not None:
        stmt, counts_stmt = stmt.where(_in_batch(batch_id)), counts_stmt.where(_in_batch(batch_id))
    counts = {key or "none": n for key, n in db.session.execute(counts_stmt)}  # no canvas: "none"
    if status in tuple(CanvasStatus):
        stmt = stmt.where(Canvas.status == status)
    elif status == "none":
        stmt = stmt.where(Canvas.id.is_(None))
    query = (query or "").strip()
    if query:
        stmt = stmt.where(func.lower(Participant.code).like(f"%{query.casefold()}%"))
    # Work first: canvases waiting for review, then those sent back, drafts, approved, not started.
    waiting = case({CanvasStatus.SUBMITTED: 0, CanvasStatus.CHANGES_REQUESTED: 1, CanvasStatus.DRAFT: 2,
                    CanvasStatus.APPROVED: 3}, value=Canvas.status, else_=4)
    pagination = db.paginate(stmt.order_by(waiting, Participant.code), page=page, per_page=per_page,
                             error_out=False)
    people = [p.id for p in pagination.items]
    canvases = {c.participant_id: c for c in db.session.scalars(
        select(Canvas).where(Canvas.participant_id.in_(people)))} if people else {}
    return pagination, [(p, canvases.get(p.id)) for p in pagination.items], counts


def filter_batches(user, selected: Batch | None = None, limit: int = 60) -> list[Batch]:
    """The batches the canvas list can be filtered by: those in reach that have someone actively
    enrolled, the latest first (and the selected one, always). One query."""
    rows = list(db.session.scalars(batch_scope(user, select(Batch)).where(
        Batch.cancelled_at.is_(None), Batch.id.in_(select(Enrolment.batch_id).where(
            Enrolment.status == EnrolmentStatus.ACTIVE))).order_by(Batch.start_date.desc(), Batch.code).limit(limit)))
    if selected is not None and selected not in rows:
        rows.append(selected)
    return rows


# --- the review queue --------------------------------------------------------------------------

def _waiting(user):
    """Canvases sent for review in the user's canvas scope, with the batch each person is actively
    enrolled in (columns: Canvas, Enrolment.batch_id), for batches the user reaches."""
    stmt = scope(user, select(Canvas, Enrolment.batch_id).join(Participant, Participant.id == Canvas.participant_id)
                 .join(Enrolment, (Enrolment.participant_id == Participant.id)
                       & (Enrolment.status == EnrolmentStatus.ACTIVE)))
    return stmt.where(Canvas.status == CanvasStatus.SUBMITTED, Participant.erased_at.is_(None),
                      Enrolment.batch_id.in_(batch_scope(user, select(Batch.id))))


def waiting_by_batch(user, limit: int = 10) -> tuple[int, list[dict]]:
    """For the staff home page: (canvases waiting in all, [{batch_id, code, waiting, since}]),
    the batches whose oldest canvas has waited longest first. One query."""
    waiting = _waiting(user).subquery()
    rows = db.session.execute(
        select(Batch.id, Batch.code, func.count(waiting.c.id), func.min(waiting.c.status_at))
        .join(waiting, waiting.c.batch_id == Batch.id).group_by(Batch.id, Batch.code)
        .order_by(func.min(waiting.c.status_at), Batch.code)).all()
    batches = [{"batch_id": batch_id, "code": code, "waiting": n, "since": since} for batch_id, code, n, since in rows]
    return sum(b["waiting"] for b in batches), batches[:limit]


def queue(user, batch_id: int) -> list[Canvas]:
    """One batch's canvases waiting for review, the longest waiting first (participants loaded
    with them). One query whatever the number of canvases."""
    stmt = _waiting(user).where(Enrolment.batch_id == batch_id).order_by(Canvas.status_at, Canvas.id)
    return [canvas for canvas, _batch in db.session.execute(stmt)]


def queue_batch(user, participant_id: int) -> Batch | None:
    """The batch whose queue a participant's canvas belongs to: their active enrolment's, when the
    user reaches it."""
    return db.session.scalar(batch_scope(user, select(Batch)).join(Enrolment, Enrolment.batch_id == Batch.id)
                             .where(Enrolment.participant_id == participant_id,
                                    Enrolment.status == EnrolmentStatus.ACTIVE))


def next_waiting(user, batch_id: int, *, after: int | None = None) -> Canvas | None:
    """The canvas to review next in a batch's queue (the longest waiting), skipping `after` (the
    participant id just reviewed)."""
    stmt = _waiting(user).where(Enrolment.batch_id == batch_id)
    if after is not None:
        stmt = stmt.where(Canvas.participant_id != after)
    row = db.session.execute(stmt.order_by(Canvas.status_at, Canvas.id).limit(1)).first()
    return row[0] if row else None


def waiting_in(user, batch_id: int) -> int:
    """How many canvases wait for review in one batch."""
    return db.session.scalar(select(func.count()).select_from(
        _waiting(user).where(Enrolment.batch_id == batch_id).subquery()))


def block_order() -> list[str]:
    """Blocks in the order the days teach them (value proposition first), canvas order within a
    day. On a wide screen the CSS grid puts them back in the canvas arrangement."""
    days = library().block_days()
    keys = list(CANVAS_BLOCKS)
    return sorted(keys, key=lambda k: (days.get(k, 99), keys.index(k)))


def blocks_view(canvas: Canvas | None, threads: dict | None = None) -> list[dict]:
    """The nine blocks ready for a template or the PDF: label, question, teaching day, notes."""
    days = library().block_days()
    return [{"key": key, "label": CANVAS_BLOCKS[key][0], "question": CANVAS_BLOCKS[key][1], "day": days.get(key),
             "anchor": block_anchor(key), "notes": canvas.items(key) if canvas else [],
             "thread": (threads or {}).get(key, [])}
            for key in block_order()]


def changes_asked(canvas: Canvas, threads: dict) -> list[tuple[str | None, str, str]]:
    """Where a sent-back canvas waits for the participant: the blocks (and the whole-canvas thread)
    whose last comment is a facilitator's, as (block key or None, label, anchor), in page order."""
    if canvas.status != CanvasStatus.CHANGES_REQUESTED:
        return []

    def waiting(thread) -> bool:
        return bool(thread) and thread[-1].author is not None and thread[-1].author.is_staff

    asked = [(None, gettext("The whole canvas"), "canvas-general")] if waiting(threads.get(None)) else []
    return asked + [(key, str(CANVAS_BLOCKS[key][0]), block_anchor(key))
                    for key in block_order() if waiting(threads.get(key))]


def comment_counts(canvas: Canvas | None) -> dict[str | None, int]:
    """How many comments each block's thread holds (None: the whole canvas). One query."""
    if canvas is None:
        return {}
    return dict(db.session.execute(select(CanvasComment.block, func.count()).where(
        CanvasComment.canvas_id == canvas.id).group_by(CanvasComment.block)).all())


def home_card(participant) -> dict:
    """The participant's home page card: canvas status, notes and comments per block and the plan's
    figures. Three queries (plus the plan's lines)."""
    canvas = canvas_of(participant.id)
    plan_row = plan_of(canvas)
    figures = planning.compute(planning.from_model(plan_row)) if plan_row else None
    counts = comment_counts(canvas)
    blocks = blocks_view(canvas)
    for block in blocks:
        block["comments"] = counts.get(block["key"], 0)
    return {"participant": participant, "canvas": canvas, "blocks": blocks, "general_comments": counts.get(None, 0),
            "figures": figures if figures and not figures.is_empty else None}
