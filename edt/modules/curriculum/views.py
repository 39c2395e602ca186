from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from edt.content import CANVAS_BLOCKS, TOOLS, block_anchor, library
from edt.security import ALL_ROLES, STAFF, role_required

bp = Blueprint("curriculum", __name__)


def _locale() -> str:
    return str(get_locale() or "en")


def _takehome_boxes(page):
    """Participants see the box in their language; staff, who teach in both, see both."""
    locale = _locale()
    if current_user.is_staff:
        order = ["bn", "en"] if locale == "bn" else ["en", "bn"]
        return [page.takehome[k] for k in order if k in page.takehome]
    return [page.takehome[k] for k in [locale] if k in page.takehome] or list(page.takehome.values())[:1]


@bp.route("/curriculum/")
@role_required(*ALL_ROLES)
def index():
    lib = library()
    return render_template("curriculum/index.html", days=[lib.days[n] for n in sorted(lib.days)],
                           blocks=CANVAS_BLOCKS, locale=_locale())


def _day_or_404(number: int):
    page = library().day(number)
    if page is None:
        abort(404)
    return page


@bp.route("/curriculum/day/<int:number>")
@role_required(*ALL_ROLES)
def day(number):
    page = _day_or_404(number)
    lib = library()
    return render_template("curriculum/day.html", page=page, blocks=CANVAS_BLOCKS, tools=TOOLS,
                           block_anchor=block_anchor, takehome=_takehome_boxes(page), locale=_locale(),
                           previous=lib.day(number - 1), following=lib.day(number + 1),
                           plans=lib.session_plans(number) if current_user.is_staff else None)


@bp.route("/curriculum/day/<int:number>/print")
@role_required(*ALL_ROLES)
def print_day(number):
    page = _day_or_404(number)
    plans = library().session_plans(number) if current_user.is_staff else None
    return render_template("curriculum/print.html", pages=[page], plans=plans, blocks=CANVAS_BLOCKS,
                           block_anchor=block_anchor, takehome={page.slug: _takehome_boxes(page)},
                           title=page.title)


@bp.route("/curriculum/search")
@role_required(*ALL_ROLES)
def search():
    query = request.args.get("q", "")[:200].strip()
    results = library().search(query, include_guide=current_user.is_staff) if query else []
    return render_template("curriculum/search.html", query=query, results=results)


@bp.route("/guide/")
@role_required(*STAFF)
def guide_index():
    return render_template("curriculum/guide_index.html", pages=list(library().guide.values()))


@bp.route("/guide/<slug>")
@role_required(*STAFF)
def guide(slug):
    lib = library()
    page = lib.guide_page(slug)
    if page is None:
        abort(404)
    slugs = list(lib.guide)
    index = slugs.index(slug)
    previous = lib.guide[slugs[index - 1]] if index > 0 else None
    following = lib.guide[slugs[index + 1]] if index + 1 < len(slugs) else None
    return render_template("curriculum/guide.html", page=page, previous=previous, following=following)


@bp.route("/guide/print")
@role_required(*STAFF)
def print_guide():
    pages = list(library().guide.values())
    return render_template("curriculum/print.html", pages=pages, plans=None, blocks=CANVAS_BLOCKS,
                           block_anchor=block_anchor, takehome={}, title="Facilitator guide")
