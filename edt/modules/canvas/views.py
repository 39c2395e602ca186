"""Pages of the business plan: the canvas, its history, the financial plan and the PDF.

Every page works without JavaScript: each block has an add box, each note plain buttons to move
it or remove it, and an edit page per block edits all its notes at once.
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from edt import audit
from edt.content import CANVAS_BLOCKS, block_anchor
from edt.modules.participants.queries import own_participant
from edt.security import ALL_ROLES, STAFF, role_required

from . import queries, services
from . import plan as planning
from .forms import BaseForm, BlockForm, CommentForm, ItemActionForm, ItemForm, NameForm, PlanForm, ReviewForm
from .models import CanvasStatus, status_label

bp = Blueprint("canvas", __name__, url_prefix="/canvas")
PER_PAGE = 50


bp.add_app_template_global(status_label, "canvas_status")
bp.add_app_template_global(CanvasStatus, "CanvasStatus")


def _blocks(canvas, threads=None) -> list[dict]:
    return queries.blocks_view(canvas, threads)


def _load(participant_id: int):
    participant = queries.participant_for(current_user, participant_id)
    return participant, services.open_canvas(participant)


def _viewed(canvas, page: str, action: str = "canvas_viewed") -> None:
    """Staff opening a participant's business plan is audited (the page, never its content)."""
    if current_user.is_staff:
        audit.record(current_user, action, "canvas", canvas.id, details={"page": page}, commit=True)


def _block_or_404(block: str) -> str:
    if block not in CANVAS_BLOCKS:
        abort(404)
    return block


def _base(form) -> int:
    base = form.base_number()
    if base is None:
        abort(400, _("This form is missing its version number. Please reload the page and try again."))
    return base


def _to_canvas(participant, block: str | None = None):
    return redirect(url_for("canvas.view", participant_id=participant.id,
                            _anchor=block_anchor(block) if block else None))


def _render_view(participant, canvas, status: int = 200, *, add_errors=None, add_values=None,
                 review_form=None, comment_form=None, comment_block=None):
    data = queries.page_data(canvas)
    figures = planning.compute(planning.from_model(data["plan"])) if data["plan"] else None
    return render_template(
        "canvas/view.html", participant=participant, canvas=canvas, blocks=_blocks(canvas, data["threads"]),
        general=data["threads"].get(None, []), plan=data["plan"], figures=figures,
        last=queries.last_revision(canvas), add_errors=add_errors or {}, add_values=add_values or {},
        review_form=review_form or ReviewForm(formdata=None), comment_form=comment_form,
        comment_block=comment_block,
    ), status


# --- the canvas --------------------------------------------------------------------------------

@bp.route("/")
@role_required(*ALL_ROLES)
def index():
    if current_user.is_participant:
        participant = own_participant(current_user)
        if participant is None:
            abort(404)
        return redirect(url_for("canvas.view", participant_id=participant.id))
    status = request.args.get("status", "")
    status = status if status in (*CanvasStatus, "none") else ""
    query = request.args.get("q", "")[:40]
    pagination, rows, counts = queries.list_canvases(current_user, status=status, query=query,
                                                     page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    return render_template("canvas/index.html", rows=rows, pagination=pagination, counts=counts, status=status,
                           query=query, statuses=list(CanvasStatus))


@bp.route("/<int:participant_id>")
@role_required(*ALL_ROLES)
def view(participant_id):
    participant, canvas = _load(participant_id)
    if current_user.is_staff:
        audit.record(current_user, "canvas_viewed", "canvas", canvas.id, commit=True)
    return _render_view(participant, canvas)


@bp.route("/<int:participant_id>/block/<block>/add", methods=["POST"])
@role_required(*ALL_ROLES)
def add_item(participant_id, block):
    participant, canvas = _load(participant_id)
    _block_or_404(block)
    form = ItemForm()
    if not form.validate_on_submit():
        errors = form.text.errors or form.base.errors
        return _render_view(participant, canvas, 400, add_errors={block: errors[0]},
                            add_values={block: form.text.data or ""})
    try:
        services.add_item(current_user, canvas, block, form.text.data, _base(form))
    except services.CanvasConflict as conflict:
        return _merge(participant, conflict)
    except services.CanvasError as error:
        return _render_view(participant, canvas, 400, add_errors={block: str(error)},
                            add_values={block: form.text.data or ""})
    return _to_canvas(participant, block)


@bp.route("/<int:participant_id>/block/<block>/items", methods=["POST"])
@role_required(*ALL_ROLES)
def change_item(participant_id, block):
    participant, canvas = _load(participant_id)
    _block_or_404(block)
    form = ItemActionForm()
    if not form.validate_on_submit():
        abort(400, _("This button was not understood. Please reload the page and try again."))
    verb, index = form.action()
    try:
        services.change_item(current_user, canvas, block, verb, index, _base(form))
    except services.CanvasConflict as conflict:
        return _merge(participant, conflict)
    except services.CanvasError as error:
        flash(str(error), "error")
    return _to_canvas(participant, block)


def _merge(participant, conflict: services.CanvasConflict):
    """Someone saved in between: show their version and put the writer's back in the form."""
    canvas = conflict.canvas
    if conflict.block is None:
        form = NameForm(formdata=None, business_name=conflict.mine, base=canvas.revision)
        return render_template("canvas/name.html", participant=participant, canvas=canvas, form=form,
                               conflict=True, last=queries.last_revision(canvas)), 409
    mine = list(conflict.mine or [])
    proposal = list(conflict.merged) if conflict.merged is not None else mine
    form = BlockForm(formdata=None, items=proposal + [""] * 2, base=canvas.revision)
    return render_template("canvas/edit_block.html", participant=participant, canvas=canvas,
                           block=_block_view(conflict.block, canvas), form=form, conflict=True, mine=mine,
                           merged=conflict.merged is not None, last=queries.last_revision(canvas)), 409


def _block_view(key: str, canvas) -> dict:
    return next(b for b in queries.blocks_view(canvas) if b["key"] == key)


@bp.route("/<int:participant_id>/block/<block>", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def edit_block(participant_id, block):
    participant, canvas = _load(participant_id)
    _block_or_404(block)
    if canvas.is_frozen:
        flash(str(services.FROZEN), "error")
        return _to_canvas(participant, block)
    if request.method == "GET":
        _viewed(canvas, "edit_block")
        items = canvas.items(block)
        form = BlockForm(formdata=None, items=items + [""] * max(2, 3 - len(items)), base=canvas.revision)
        return render_template("canvas/edit_block.html", participant=participant, canvas=canvas,
                               block=_block_view(block, canvas), form=form, conflict=False)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            services.save_block(current_user, canvas, block, [e.data or "" for e in form.items], _base(form))
        except services.CanvasConflict as conflict:
            return _merge(participant, conflict)
        except services.CanvasError as error:
            form.base.errors = [str(error)]
        else:
            return _to_canvas(participant, block)
    return render_template("canvas/edit_block.html", participant=participant, canvas=canvas,
                           block=_block_view(block, canvas), form=form, conflict=False), 400


@bp.route("/<int:participant_id>/name", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def name(participant_id):
    participant, canvas = _load(participant_id)
    if canvas.is_frozen:
        flash(str(services.FROZEN), "error")
        return _to_canvas(participant)
    if request.method == "GET":
        _viewed(canvas, "name")
        form = NameForm(formdata=None, business_name=canvas.business_name, base=canvas.revision)
        return render_template("canvas/name.html", participant=participant, canvas=canvas, form=form, conflict=False)
    form = NameForm()
    if form.validate_on_submit():
        try:
            services.set_business_name(current_user, canvas, form.business_name.data, _base(form))
        except services.CanvasConflict as conflict:
            return _merge(participant, conflict)
        except services.CanvasError as error:
            form.business_name.errors = [str(error)]
        else:
            return _to_canvas(participant)
    return render_template("canvas/name.html", participant=participant, canvas=canvas, form=form,
                           conflict=False), 400


# --- status and comments -----------------------------------------------------------------------

@bp.route("/<int:participant_id>/submit", methods=["POST"])
@role_required(*ALL_ROLES)
def submit(participant_id):
    participant, canvas = _load(participant_id)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400, _("This form is missing its version number. Please reload the page and try again."))
    try:
        services.submit(current_user, canvas, _base(form))
    except services.CanvasError as error:
        flash(str(error), "error")
    else:
        flash(_("Sent. Your facilitator will look at your canvas."), "ok")
    return _to_canvas(participant)


@bp.route("/<int:participant_id>/review", methods=["POST"])
@role_required(*STAFF)
def review(participant_id):
    participant, canvas = _load(participant_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review(current_user, canvas, form.decision.data, form.body.data, form.block.data or None,
                            _base(form))
        except services.CanvasError as error:
            form.decision.errors = list(form.decision.errors) + [str(error)]
        else:
            flash(_("Approved. The canvas is now frozen.") if form.decision.data == "approve"
                  else _("Sent back with your comment."), "ok")
            return _to_canvas(participant)
    return _render_view(participant, canvas, 400, review_form=form)


@bp.route("/<int:participant_id>/reopen", methods=["POST"])
@role_required(*STAFF)
def reopen(participant_id):
    participant, canvas = _load(participant_id)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400, _("This form is missing its version number. Please reload the page and try again."))
    try:
        services.reopen(current_user, canvas, _base(form))
    except services.CanvasError as error:
        flash(str(error), "error")
    else:
        flash(_("Reopened: the canvas can be changed again."), "ok")
    return _to_canvas(participant)


@bp.route("/<int:participant_id>/comments", methods=["POST"])
@role_required(*ALL_ROLES)
def comment(participant_id):
    participant, canvas = _load(participant_id)
    form = CommentForm()
    block = form.block.data or None
    if block is not None and block not in CANVAS_BLOCKS:
        abort(400, _("There is no such block on the canvas."))
    if form.validate_on_submit():
        try:
            services.comment(current_user, canvas, block, form.body.data)
        except services.CanvasError as error:
            form.body.errors = [str(error)]
        else:
            return _to_canvas(participant, block)
    return _render_view(participant, canvas, 400, comment_form=form, comment_block=block)


# --- history -----------------------------------------------------------------------------------

@bp.route("/<int:participant_id>/history")
@role_required(*ALL_ROLES)
def history(participant_id):
    participant, canvas = _load(participant_id)
    _viewed(canvas, "history")  # first: its commit would expire what the page then loads
    pagination, pairs = queries.history(canvas, page=request.args.get("page", 1, type=int))
    rows = [{"revision": rev, "changes": queries.changes(rev, prev)} for rev, prev in pairs]
    return render_template("canvas/history.html", participant=participant, canvas=canvas, rows=rows,
                           pagination=pagination, form=BaseForm(formdata=None, base=canvas.revision))


@bp.route("/<int:participant_id>/history/<int:number>")
@role_required(*ALL_ROLES)
def revision(participant_id, number):
    participant, canvas = _load(participant_id)
    _viewed(canvas, "revision")
    rev = queries.revision(canvas, number, actor=current_user)
    blocks = [{"key": key, "label": CANVAS_BLOCKS[key][0], "notes": rev.snapshot.get("blocks", {}).get(key, [])}
              for key in queries.block_order()]
    return render_template("canvas/revision.html", participant=participant, canvas=canvas, rev=rev, blocks=blocks,
                           form=BaseForm(formdata=None, base=canvas.revision))


@bp.route("/<int:participant_id>/history/<int:number>/restore", methods=["POST"])
@role_required(*ALL_ROLES)
def restore(participant_id, number):
    participant, canvas = _load(participant_id)
    queries.revision(canvas, number, actor=current_user)
    form = BaseForm()
    if not form.validate_on_submit():
        abort(400, _("This form is missing its version number. Please reload the page and try again."))
    try:
        changed = services.restore(current_user, canvas, number, _base(form))
    except services.CanvasError as error:
        flash(str(error), "error")
        return redirect(url_for("canvas.history", participant_id=participant.id))
    flash(_("Version %(n)d is back, saved as a new version.", n=number) if changed
          else _("Version %(n)d is the same as the canvas now: nothing to bring back.", n=number), "ok")
    return _to_canvas(participant)


# --- the financial plan ------------------------------------------------------------------------

@bp.route("/<int:participant_id>/plan")
@role_required(*ALL_ROLES)
def plan(participant_id):
    participant, canvas = _load(participant_id)
    _viewed(canvas, "plan", "plan_viewed")
    plan_row = queries.plan_of(canvas)
    figures = planning.compute(planning.from_model(plan_row))
    return render_template("canvas/plan.html", participant=participant, canvas=canvas, plan=plan_row,
                           figures=figures)


@bp.route("/<int:participant_id>/plan/edit", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def edit_plan(participant_id):
    participant, canvas = _load(participant_id)
    if canvas.is_frozen:
        flash(str(services.FROZEN), "error")
        return redirect(url_for("canvas.plan", participant_id=participant.id))
    if request.method == "GET":
        _viewed(canvas, "plan_edit", "plan_viewed")
    plan_row = queries.plan_of(canvas)
    if request.method == "GET":
        return render_template("canvas/plan_form.html", participant=participant, canvas=canvas,
                               form=PlanForm.for_plan(plan_row), conflict=None)
    form = PlanForm()
    problem = None
    if form.validate_on_submit():
        data = form.plan_input()
        version = form.version_number()
        if version is None:
            abort(400, _("This form is missing its version number. Please reload the page and try again."))
        if data is not None:
            try:
                services.save_plan(current_user, canvas, data, version)
            except services.PlanConflict as error:
                conflict = planning.compute(planning.from_model(error.plan))
                form.version.data = str(error.plan.version)  # saving again keeps what is in the form
                return render_template("canvas/plan_form.html", participant=participant, canvas=canvas, form=form,
                                       conflict=conflict, other=error.plan), 409
            except services.CanvasError as error:
                problem = str(error)
            else:
                flash(_("Saved."), "ok")
                return redirect(url_for("canvas.plan", participant_id=participant.id))
    return render_template("canvas/plan_form.html", participant=participant, canvas=canvas, form=form,
                           conflict=None, has_errors=True, problem=problem), 400


# --- the PDF -----------------------------------------------------------------------------------

@bp.route("/<int:participant_id>/pdf")
@role_required(*ALL_ROLES)
def download(participant_id):
    participant, canvas = _load(participant_id)
    plan_row = queries.plan_of(canvas)
    figures = planning.compute(planning.from_model(plan_row))
    from . import pdf  # noqa: ReportLab loads on the first PDF, not in every worker (memory)
    body = pdf.render(participant, canvas, figures, blocks=_blocks(canvas), locale=str(get_locale() or "en"))
    audit.record(current_user, "canvas_pdf", "canvas", canvas.id, commit=True)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="business-plan-{participant.code}.pdf"'})
