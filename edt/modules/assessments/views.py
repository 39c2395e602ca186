"""Test pages: who takes which form, the printed answer sheets, recording answers (one tap each,
or a whole sheet typed in), the results with their exports, and a participant's own page."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from edt import audit
from edt.cards import cards as card_library
from edt.cards import symbols
from edt.extensions import db
from edt.instruments import DONT_KNOW, SKILLS
from edt.modules.batches.queries import batch_for
from edt.security import STAFF, Role, role_required

from . import exports, queries, services
from .forms import AnswerForm, SheetForm
from .models import Stage

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

GENDER_LABELS = {"woman": _l("Women"), "man": _l("Men"), "other": _l("Other"), "undisclosed": _l("Prefer not to say")}
GROUP_TITLES = {"batch": _l("Batch"), "partner": _l("Partner"), "facilitator": _l("Facilitator"),
                "district": _l("District"), "gender": _l("Gender")}
# A picture for each skill on the participant's own page (cards from the training's sets).
SKILL_CARDS = {"costing": "costs/rent", "pricing": "money/note-200", "break-even": "costs/even",
               "records": "two-pots/business-pot", "loans": "loan-questions/declining-rate",
               "marketing": "customers/mother-child", "risk": "risk-actions/emergency-fund",
               "law": "support-map/union-parishad", "planning": "calendar/school"}
BATCHES_PER_PAGE = 25  # the batches table: a page a 2G phone opens in seconds
SHEETS_PER_PART = 6  # people per printed part: a part stays a page a phone or an old laptop can open
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _stage_or_404(stage: str) -> Stage:
    if stage not in tuple(Stage):
        abort(404)
    return Stage(stage)


def _send(tables, fmt: str, filename: str) -> Response:
    if fmt not in MIMETYPES:
        abort(404)
    data = exports.as_csv(tables).encode("utf-8-sig") if fmt == "csv" else exports.as_xlsx(tables)
    return Response(data, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})


def _by() -> str:
    by = request.args.get("by", "batch")
    return by if by in queries.GROUPINGS else "batch"


# --- the programme's results ---------------------------------------------------------------------

@bp.route("/")
@role_required(*STAFF)
def index():
    """The batches in reach, a page at a time, and the results of everything in reach. By batch,
    the results list the batches of the page shown (the downloads have every batch)."""
    by = _by()
    pagination, rows = queries.batches_in_reach(current_user, page=request.args.get("page", 1, type=int),
                                                per_page=BATCHES_PER_PAGE)
    report = queries.report(current_user, by, labels=GENDER_LABELS)
    shown = report.only(batch.code for batch, *_counts in rows) if by == "batch" else report
    audit.record(current_user, "assessment_report_viewed", "report", by)
    return render_template("assessments/index.html", rows=rows, pagination=pagination, by=by,
                           groupings=GROUP_TITLES, tables=exports.report_tables(shown, GROUP_TITLES[by]),
                           report=shown, paged=by == "batch" and pagination.pages > 1)


@bp.route("/report.<fmt>")
@role_required(*STAFF)
def export(fmt):
    by = _by()
    if fmt not in MIMETYPES:
        abort(404)
    tables = exports.report_tables(queries.report(current_user, by, labels=GENDER_LABELS), GROUP_TITLES[by])
    audit.record(current_user, "assessment_report_exported", "report", by, details={"format": fmt})
    return _send(tables, fmt, f"learning-gain-by-{by}")


# --- one batch -----------------------------------------------------------------------------------

@bp.route("/batches/<int:batch_id>")
@role_required(*STAFF)
def batch(batch_id):
    found = batch_for(current_user, batch_id)
    audit.record(current_user, "assessments_viewed", "batch", found.id)
    people = queries.batch_people(found)
    report = queries.report(current_user, "gender", batch=found, labels=GENDER_LABELS)
    return render_template("assessments/batch.html", batch=found, people=people, stages=list(Stage),
                           forms=queries.forms(), people_table=exports.people_table(people),
                           tables=exports.report_tables(report, GROUP_TITLES["gender"]), report=report)


@bp.route("/batches/<int:batch_id>/results.<fmt>")
@role_required(*STAFF)
def batch_export(batch_id, fmt):
    found = batch_for(current_user, batch_id)
    if fmt not in MIMETYPES:
        abort(404)
    people = queries.batch_people(found)
    report = queries.report(current_user, "gender", batch=found, labels=GENDER_LABELS)
    tables = [exports.people_table(people), *exports.report_tables(report, GROUP_TITLES["gender"])]
    audit.record(current_user, "assessment_results_exported", "batch", found.id,
                 details={"format": fmt, "rows": len(people)})
    return _send(tables, fmt, f"tests-{found.code}")


@bp.route("/batches/<int:batch_id>/<stage>/sheets")
@role_required(*STAFF)
def sheets(batch_id, stage):
    """Printable answer sheets: one per person, their code (never the name) and their form."""
    found = batch_for(current_user, batch_id)
    stage = _stage_or_404(stage)
    people = queries.batch_people(found, active_only=True)
    parts = max((len(people) + SHEETS_PER_PART - 1) // SHEETS_PER_PART, 1)
    part = request.args.get("part", "1")
    if not part.isdigit() or not 1 <= int(part) <= parts:
        abort(404)
    part = int(part)
    library = card_library()
    pages, pictures, plan = [], set(), []
    for n, person in enumerate(people):
        plan.append((person.participant.code, person.form_for(stage)))
        if n // SHEETS_PER_PART != part - 1:
            continue
        form_name = person.form_for(stage)
        card_set = library.sets[f"answer-sheet-{form_name.lower()}"]
        for sheet in card_set.sheets:
            pictures |= sheet.pictures(library)
        pages.append({"code": person.participant.code, "form": queries.forms()[form_name], "card_set": card_set})
    audit.record(current_user, "assessment_sheets_printed", "batch", found.id,
                 details={"stage": str(stage), "rows": len(pages), "part": part})
    return render_template("assessments/sheets.html", batch=found, stage=stage, pages=pages, plan=plan,
                           part=part, parts=parts, symbols=symbols(pictures), card=library.card)


def _group(people: list, form_name: str, stage: Stage) -> tuple[list, list[int]]:
    """The people of a recording round: those taking `form_name` at `stage`, limited to the
    group chosen on the batch page (?p=<participant id>, repeated) when one was chosen."""
    chosen = {int(v) for v in request.values.getlist("p") if v.isdigit() and len(v) < 12}
    mine = [p for p in people if p.form_for(stage) == form_name]
    if chosen:
        mine = [p for p in mine if p.participant.id in chosen]
    return mine, [p.participant.id for p in mine]


def _positions(form, group: list) -> list[tuple]:
    """Question by question, person by person: the order answers are asked in."""
    return [(item, person) for item in form.items for person in group]


def _next(positions: list, stage: Stage, after: int = -1):
    """The first unanswered position after `after` (wrapping round), or None when all are done."""
    count = len(positions)
    for step in range(1, count + 1):
        index = (after + step) % count
        item, person = positions[index]
        taken = person.taken.get(stage)
        if taken is None or item.id not in taken.answers:
            return index
    return None


@bp.route("/batches/<int:batch_id>/<stage>/<form_name>/record", methods=["GET", "POST"])
@role_required(*STAFF)
def record(batch_id, stage, form_name):
    found = batch_for(current_user, batch_id)
    stage = _stage_or_404(stage)
    if form_name not in queries.forms():
        abort(404)
    form = queries.forms()[form_name]
    people = queries.batch_people(found, active_only=True)
    group, group_ids = _group(people, form_name, stage)
    positions = _positions(form, group)
    answer_form = AnswerForm()
    error, status = None, 200
    if request.method == "POST":
        item_id, person_id = request.form.get("item", ""), request.form.get("person", "")
        raw = request.form.get("answer") or request.form.get("number", "")
        if not answer_form.validate_on_submit():
            error, status = _("This form was open too long or was sent twice. Please reload and try again."), 400
        elif not person_id.isdigit() or len(person_id) > 12:
            error, status = _("Choose a person of this batch."), 400
        else:
            try:
                services.record(current_user, found, int(person_id), stage, form_name, item_id, raw)
            except services.AssessmentError as refusal:
                db.session.rollback()
                error, status = str(refusal), 400
            else:
                here = next((n for n, (i, p) in enumerate(positions)
                             if i.id == item_id and p.participant.id == int(person_id)), -1)
                people = queries.batch_people(found, active_only=True)
                group, group_ids = _group(people, form_name, stage)
                positions = _positions(form, group)
                following = _next(positions, stage, here) if positions else None
                if following is None:
                    flash(_("Every answer of this group is recorded."), "ok")
                    return redirect(url_for("assessments.batch", batch_id=found.id))
                item, person = positions[following]
                return redirect(url_for("assessments.record", batch_id=found.id, stage=stage, form_name=form_name,
                                        item=item.id, person=person.participant.id, p=group_ids))
    if not positions:
        flash(_("Nobody in this batch takes form %(form)s for this test.", form=form_name), "warn")
        return redirect(url_for("assessments.batch", batch_id=found.id))
    asked_item, asked_person = request.values.get("item", ""), request.values.get("person", "")
    index = next((n for n, (i, p) in enumerate(positions)
                  if i.id == asked_item and str(p.participant.id) == asked_person), None)
    if index is None:
        index = _next(positions, stage)
        if index is None:
            index = 0
    item, person = positions[index]
    taken = person.taken.get(stage)
    current = taken.answers.get(item.id) if taken else None
    done = sum(1 for i, p in positions if p.taken.get(stage) and i.id in p.taken[stage].answers)
    skip = _next(positions, stage, index)
    skip = positions[skip] if skip is not None and skip != index else None
    audit.record(current_user, "assessment_answer_viewed", "participant", person.participant.id)
    library = card_library()
    pictures = {library.card(o.card).picture for o in item.options}
    sheet_cards = library.sets[f"answer-sheet-{form_name.lower()}"]
    pictures |= {c.picture for c in sheet_cards.cards}
    return render_template("assessments/record.html", batch=found, stage=stage, form=form, item=item,
                           number=form.items.index(item) + 1, person=person, people_count=len(group),
                           person_number=group.index(person) + 1, current=current, done=done,
                           total=len(positions), skip=skip, group_ids=group_ids, answer_form=answer_form,
                           error=error, symbols=symbols(pictures), card=library.card,
                           sheet_card=sheet_cards.card, dont_know=DONT_KNOW, skills=SKILLS), status


@bp.route("/batches/<int:batch_id>/<stage>/people/<int:participant_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def enter(batch_id, stage, participant_id):
    """A whole answer sheet, in the sheet's order: typed in from paper, or corrected."""
    found = batch_for(current_user, batch_id)
    stage = _stage_or_404(stage)
    people = queries.batch_people(found, active_only=True)
    person = next((p for p in people if p.participant.id == participant_id), None)
    if person is None:
        abort(404)
    form = queries.forms()[person.form_for(stage)]
    sheet_form = SheetForm()
    sent, status = None, 200
    if request.method == "POST":
        # A number question sends its box and its "don't know" tick under one name: the first filled wins.
        sent = {key[2:]: next((v for v in request.form.getlist(key) if v.strip()), "")
                for key in request.form if key.startswith("i-")}
        if not sheet_form.validate_on_submit():
            sheet_form.form_errors.append(_("This form was open too long or was sent twice. "
                                            "Please reload and try again."))
            status = 400
        else:
            try:
                counts = services.save_sheet(current_user, found, participant_id, stage, sent)
            except services.AssessmentError as refusal:
                db.session.rollback()
                sheet_form.form_errors.append(str(refusal))
                status = 400
            else:
                flash(_("Saved %(code)s: %(new)d new answers, %(corrected)d corrected.",
                        code=person.participant.code, new=counts["new"], corrected=counts["corrected"]), "ok")
                following = next((p for p in people if p is not person and p.form_for(stage)
                                  and not (p.taken.get(stage) and p.taken[stage].complete)), None)
                if following is not None and request.form.get("then") == "next":
                    return redirect(url_for("assessments.enter", batch_id=found.id, stage=stage,
                                            participant_id=following.participant.id))
                return redirect(url_for("assessments.batch", batch_id=found.id))
    else:
        audit.record(current_user, "assessment_sheet_viewed", "participant", person.participant.id)
    taken = person.taken.get(stage)
    values = {item.id: (sent.get(item.id, "") if sent is not None else
                        (taken.answers[item.id].response if taken and item.id in taken.answers else ""))
              for item in form.items}
    # Words, not pictures: the sheet in hand has the pictures, and the page stays light.
    return render_template("assessments/enter.html", batch=found, stage=stage, form=form, person=person,
                           values=values, sheet_form=sheet_form, dont_know=DONT_KNOW, skills=SKILLS,
                           taken=taken), status


# --- a participant's own page --------------------------------------------------------------------

@bp.route("/mine")
@role_required(Role.PARTICIPANT)
def mine():
    """What I learned: my Day 1 and Day 10 scores by skill, with pictures; never anyone else's."""
    own = queries.own_tests(current_user)
    pre, post = own.get(Stage.PRE), own.get(Stage.POST)
    first = queries.forms()["A"]
    rows = []
    for skill, maximum in first.skill_max().items():
        rows.append({"skill": skill, "name_bn": SKILLS[skill][1], "name": SKILLS[skill][0], "max": maximum,
                     "card": card_library().card(SKILL_CARDS[skill]),
                     "pre": pre.skill_scores().get(skill) if pre and pre.complete else None,
                     "post": post.skill_scores().get(skill) if post and post.complete else None})
    pictures = {row["card"].picture for row in rows}
    return render_template("assessments/mine.html", rows=rows, pre=pre, post=post, symbols=symbols(pictures))
