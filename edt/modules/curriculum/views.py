from flask import Blueprint, abort, render_template, request
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user

from edt.content import CANVAS_BLOCKS, LANGUAGES, TOOLS, bengali_digits, block_anchor, library
from edt.security import ALL_ROLES, STAFF, role_required

bp = Blueprint("curriculum", __name__)


def _locale() -> str:
    return str(get_locale() or "en")


def _lang() -> str:
    """The language a day is shown in: the one asked for (?lang=en, ?lang=bn), else the reader's."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else ("bn" if _locale() == "bn" else "en")


def _day_view(page, lang: str) -> dict:
    """What a day page (and its print view) shows, in one language: the day's own text and labels.

    Participants read one language, with a link to the other. Staff, who teach in both, switch the
    same way and also see the take-home box of the other language (side by side would double a page
    that must stay light on a phone)."""
    other = "en" if lang == "bn" else "bn"
    boxes = [(lang, page.takehome[lang])] if lang in page.takehome else []
    if current_user.is_staff and other in page.takehome:
        boxes.append((other, page.takehome[other]))
    digits = bengali_digits if lang == "bn" else str
    with force_locale(lang):
        labels = {"sessions": gettext("On this day"), "learn": gettext("What you will be able to do"),
                  "blocks": gettext("Canvas blocks built today")}
        blocks = [(key, str(CANVAS_BLOCKS[key][0])) for key in page.meta["canvas_blocks"]]
        sessions = [{"title": s["title"], "minutes": digits(gettext("%(n)d min", n=s["minutes"]))}
                    for s in page.sessions_for(lang)]
    return {"page": page, "text": page.text(lang), "lang": lang, "other": other, "boxes": boxes,
            "labels": labels, "day_blocks": blocks, "sessions": sessions, "number": digits(page.meta["day"])}


@bp.route("/curriculum/")
@role_required(*ALL_ROLES)
def index():
    lib = library()
    lang = "bn" if _locale() == "bn" else "en"
    return render_template("curriculum/index.html", days=[lib.days[n] for n in sorted(lib.days)],
                           blocks=CANVAS_BLOCKS, lang=lang, digits=bengali_digits if lang == "bn" else str)


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
    lang = _lang()
    # Moving to the next or previous day keeps a language chosen with the link.
    keep = {"lang": lang} if request.args.get("lang") in LANGUAGES else {}
    return render_template("curriculum/day.html", day=_day_view(page, lang), tools=TOOLS, keep=keep,
                           block_anchor=block_anchor, previous=lib.day(number - 1),
                           following=lib.day(number + 1),
                           plans=lib.session_plans(number) if current_user.is_staff else None)


@bp.route("/curriculum/day/<int:number>/print")
@role_required(*ALL_ROLES)
def print_day(number):
    page = _day_or_404(number)
    lang = _lang()
    plans = library().session_plans(number) if current_user.is_staff else None
    return render_template("curriculum/print.html", day=_day_view(page, lang), pages=[], plans=plans,
                           block_anchor=block_anchor, title=page.title_for(lang))


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
    return render_template("curriculum/print.html", day=None, pages=pages, plans=None,
                           block_anchor=block_anchor, title=gettext("Facilitator guide"))
