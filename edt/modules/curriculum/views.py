import html
import re

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from edt.cards import cards as card_library
from edt.cards import link_sessions, symbols
from edt.content import CANVAS_BLOCKS, LANGUAGES, TOOLS, bengali_digits, block_anchor, library, with_id_prefix
from edt.instruments import SKILLS, instruments
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
    # The picture-card sets this page uses: named under each session they serve, and listed on top.
    cards = card_library()
    by_session = cards.for_day(page.meta["day"]) if page.meta.get("day") else {}
    found = {s.id: s for s in cards.for_guide(slug)}
    for sets in by_session.values():
        found.update({s.id: s for s in sets})
    return render_template("curriculum/guide.html", page=page, previous=previous, following=following,
                           body=link_sessions(page.html, by_session, _card_link) if by_session else page.html,
                           card_sets=sorted(found.values(), key=lambda s: s.title_en))


def _card_link(card_set) -> Markup:
    return Markup('<a href="{}">{}: {}</a>').format(url_for("curriculum.card_set", set_id=card_set.id),
                                                    _("Picture cards"), card_set.title_en)


H2_ID = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)


def _session_links(card_set) -> list[dict]:
    """Where a set is used, as links: a day's session (to its plan's heading) or a guide page."""
    lib, links = library(), []
    for use in card_set.used_in:
        if "guide" in use:
            page = lib.guide_page(use["guide"])
            if page:
                links.append({"url": url_for("curriculum.guide", slug=page.slug), "label": page.title})
            continue
        plans = lib.session_plans(use["day"])
        anchor = ""
        if plans:
            for match in H2_ID.finditer(str(plans.html)):
                if html.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip() == use["session"]:
                    anchor = "#" + match.group(1)
        url = (url_for("curriculum.guide", slug=plans.slug) + anchor) if plans else url_for(
            "curriculum.day", number=use["day"])
        links.append({"url": url, "label": _("Day %(n)d", n=use["day"]) + ": " + use["session"]})
    return links


def _set_or_404(set_id: str):
    card_set = card_library().sets.get(set_id)
    if card_set is None or not card_set.sheets:
        abort(404)
    return card_set


@bp.route("/guide/cards")
@role_required(*STAFF)
def cards():
    lib = card_library()
    sets = sorted(lib.sets.values(), key=lambda s: (s.days[0] if s.days else 11, s.id))
    return render_template("curriculum/cards_index.html", sets=sets, card_count=lib.card_count,
                           forms=instruments().forms)


@bp.route("/guide/cards/<set_id>")
@role_required(*STAFF)
def card_set(set_id):
    card_set = _set_or_404(set_id)
    return render_template("curriculum/card_set.html", card_set=card_set, uses=_session_links(card_set),
                           symbols=symbols({c.picture for c in card_set.cards}))


@bp.route("/guide/cards/<set_id>/print")
@role_required(*STAFF)
def print_cards(set_id):
    card_set = _set_or_404(set_id)
    part = request.args.get("part", "1")
    if not part.isdigit() or not 1 <= int(part) <= len(card_set.parts):
        abort(404)
    part = int(part)
    sheets = [card_set.sheets[i] for i in card_set.parts[part - 1]]
    lib = card_library()
    pictures = set().union(*(sheet.pictures(lib) for sheet in sheets))
    form = instruments().forms.get(card_set.form) if card_set.form else None
    return render_template("curriculum/cards_print.html", card_set=card_set, sheets=sheets, part=part,
                           parts=len(card_set.parts), symbols=symbols(pictures), form=form, card=lib.card,
                           first_sheet=card_set.parts[part - 1][0], total_sheets=len(card_set.sheets))


@bp.route("/guide/tests/<form>")
@role_required(*STAFF)
def test_form(form):
    found = instruments().forms.get(form.upper()) if form in ("a", "b") else None
    if found is None:
        abort(404)
    lib = card_library()
    return render_template("curriculum/test_form.html", form=found, skills=SKILLS, card=lib.card,
                           sheet=lib.sets.get(f"answer-sheet-{form}"))


@bp.route("/guide/observation-rubric")
@role_required(*STAFF)
def observation_rubric():
    return render_template("curriculum/observation_rubric.html", rubric=instruments().rubric)


@bp.route("/guide/print")
@role_required(*STAFF)
def print_guide():
    pages = list(library().guide.values())
    bodies = [with_id_prefix(page.html, page.slug) for page in pages]  # one page's ids clash with another's
    return render_template("curriculum/print.html", day=None, pages=pages, bodies=bodies, plans=None,
                           block_anchor=block_anchor, title=gettext("Facilitator guide"))
