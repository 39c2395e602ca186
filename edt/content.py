"""The Markdown library: curriculum days and facilitator-guide pages.

Files are read, validated and rendered once at start-up (and again when they change, in debug),
then served from memory as ready HTML. A bad file stops the app with a message that names the
file and the key, so a content mistake never reaches a participant.
"""
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml
from flask_babel import lazy_gettext as _l
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

from edt import money

# The nine blocks of the Business Model Canvas (CC BY-SA, Strategyzer), in canvas order.
CANVAS_BLOCKS = {
    "key_partners": (_l("Key partners"), _l("Who supplies or helps me?")),
    "key_activities": (_l("Key activities"), _l("What must I do well every day?")),
    "key_resources": (_l("Key resources"), _l("What do I need to have (tools, place, skills, money)?")),
    "value_propositions": (_l("Value proposition"), _l("What do I offer; which problem does it solve for them?")),
    "customer_relationships": (_l("Customer relationships"), _l("How do I keep customers coming back?")),
    "channels": (_l("Channels"), _l("How do customers find and get my product?")),
    "customer_segments": (_l("Customer segments"), _l("Who buys from me? Who matters most?")),
    "cost_structure": (_l("Cost structure"), _l("What costs the most?")),
    "revenue_streams": (_l("Revenue streams"), _l("What will they pay for, how much, how do they pay?")),
}

TOOLS = {
    "unit_cost": _l("Unit cost"),
    "cost_plus_price": _l("Cost-plus price"),
    "break_even": _l("Break-even"),
    "cash_book": _l("Cash book"),
    "cash_flow_calendar": _l("Cash-flow calendar"),
    "savings": _l("Savings plan"),
    "flat_loan": _l("Flat-rate loan"),
    "declining_loan": _l("Declining-balance loan"),
    "weekly_loan": _l("Weekly-instalment loan"),
    "startup_budget": _l("Start-up budget"),
}

# Fields each worked example of these tools must carry (checked at start-up; the test suite
# recomputes every answer with edt.money and the financial plan).
TOOL_FIELDS = {
    "weekly_loan": ("principal", "annual_rate_percent", "weeks", "method", "answer_instalment",
                    "answer_total_interest"),
    "startup_budget": ("items", "own_money", "loan_amount", "answer_startup_total", "answer_money_available",
                       "answer_funding_gap"),
}

DAY_FILE = re.compile(r"^day-(\d{2})-[a-z0-9-]+\.md$")
GUIDE_FILE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
TAKEHOME = re.compile(r'<div class="admonition (takehome(?:-bn)?)">\s*(.*?)</div>', re.S)
HEADING = re.compile(r"<h([23]) id=\"([^\"]+)\">(.*?)</h\1>", re.S)
TAG = re.compile(r"<[^>]+>")


class ContentError(ValueError):
    pass


def block_anchor(key: str) -> str:
    return "canvas-" + key.replace("_", "-")


@dataclass
class Section:
    anchor: str
    heading: str
    text: str


@dataclass
class Page:
    kind: str  # "day" or "guide"
    slug: str
    title: str
    summary: str
    html: Markup
    toc: list[dict]
    sections: list[Section]
    meta: dict = field(default_factory=dict)
    takehome: dict = field(default_factory=dict)  # locale -> Markup
    words: int = 0

    @property
    def url_path(self) -> str:
        return f"/curriculum/day/{self.meta['day']}" if self.kind == "day" else f"/guide/{self.slug}"

    def summary_for(self, locale: str) -> str:
        return self.meta.get("summary_bn") if locale == "bn" and self.meta.get("summary_bn") else self.summary


def _read(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ContentError(f"{path.name}: the file must start with front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: front matter is not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise ContentError(f"{path.name}: front matter must be a mapping of keys")
    return meta, match.group(2)


def _require(path: Path, meta: dict, key: str, kind, check=None, message: str = ""):
    if key not in meta:
        raise ContentError(f"{path.name}: missing key '{key}'")
    value = meta[key]
    if not isinstance(value, kind) or isinstance(value, bool) or (check and not check(value)):
        raise ContentError(f"{path.name}: key '{key}' {message or 'has the wrong type'}")
    return value


def _validate_day(path: Path, meta: dict) -> None:
    number = int(DAY_FILE.match(path.name).group(1))
    _require(path, meta, "day", int, lambda v: v == number, f"must be {number}, as in the file name")
    for key in ("title", "summary", "summary_bn"):
        _require(path, meta, key, str, lambda v: v.strip() != "", "must be a non-empty text")
    minutes = _require(path, meta, "duration_minutes", int, lambda v: 0 < v <= 600, "must be minutes (1-600)")
    _require(path, meta, "objectives", list, lambda v: v and all(isinstance(o, str) for o in v),
             "must be a non-empty list of texts")
    sessions = _require(path, meta, "sessions", list, lambda v: len(v) > 0, "must list the sessions")
    for index, session in enumerate(sessions, 1):
        if not (isinstance(session, dict) and isinstance(session.get("title"), str)
                and isinstance(session.get("minutes"), int) and session["minutes"] > 0):
            raise ContentError(f"{path.name}: key 'sessions' item {index} needs a title and positive minutes")
    if sum(s["minutes"] for s in sessions) != minutes:
        raise ContentError(f"{path.name}: key 'sessions' minutes add up to "
                           f"{sum(s['minutes'] for s in sessions)}, not duration_minutes {minutes}")
    if len({s["title"] for s in sessions}) != len(sessions):
        raise ContentError(f"{path.name}: key 'sessions' has two sessions with the same title")
    for key, known in (("canvas_blocks", CANVAS_BLOCKS), ("tools", TOOLS)):
        values = _require(path, meta, key, list)
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ContentError(f"{path.name}: key '{key}' has unknown value(s) {unknown}; use {list(known)}")
    examples = meta.get("examples") or {}
    if not isinstance(examples, dict):
        raise ContentError(f"{path.name}: key 'examples' must map tool names to lists of examples")
    for tool in meta["tools"]:
        if not isinstance(examples.get(tool), list) or not examples[tool]:
            raise ContentError(f"{path.name}: key 'examples' needs at least one worked example for '{tool}'")
        for index, example in enumerate(examples[tool], 1):
            _validate_example(path, tool, index, example)


def _validate_example(path: Path, tool: str, index: int, example) -> None:
    where = f"{path.name}: key 'examples' {tool} item {index}"
    if not isinstance(example, dict) or not isinstance(example.get("label"), str):
        raise ContentError(f"{where} needs a label")
    missing = [key for key in TOOL_FIELDS.get(tool, ()) if key not in example]
    if missing:
        raise ContentError(f"{where} is missing {missing}")
    if tool == "weekly_loan":
        if example["method"] not in money.LOAN_METHODS:
            raise ContentError(f"{where}: method must be one of {list(money.LOAN_METHODS)}")
        for key in ("weeks", "term_weeks"):
            value = example.get(key, 1)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ContentError(f"{where}: {key} must be a whole number of weeks")
    if tool == "startup_budget":
        items = example["items"]
        if not (isinstance(items, list) and items and all(
                isinstance(i, dict) and {"item", "quantity", "cost_each"} <= set(i) for i in items)):
            raise ContentError(f"{where}: items must list {{item, quantity, cost_each}}")
        if example.get("loan_method", "declining") not in money.LOAN_METHODS:
            raise ContentError(f"{where}: loan_method must be one of {list(money.LOAN_METHODS)}")


def _validate_guide(path: Path, meta: dict) -> None:
    for key in ("title", "summary"):
        _require(path, meta, key, str, lambda v: v.strip() != "", "must be a non-empty text")
    if "day" in meta:
        _require(path, meta, "day", int, lambda v: 1 <= v <= 10, "must be a day from 1 to 10")


def _sections(body_html: str) -> list[Section]:
    """Split rendered HTML at h2/h3 headings into plain-text sections for search."""
    sections, last, anchor, heading = [], 0, "", ""
    for match in HEADING.finditer(body_html):
        sections.append(Section(anchor, heading, _plain(body_html[last:match.start()])))
        anchor, heading, last = match.group(2), _plain(match.group(3)), match.end()
    sections.append(Section(anchor, heading, _plain(body_html[last:])))
    return [s for s in sections if s.text or s.heading]


def _plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", fragment))).strip()


def _render(text: str) -> tuple[str, list[dict]]:
    md = markdown.Markdown(
        extensions=["toc", "tables", "attr_list", "admonition"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
        output_format="html",
    )
    body = md.convert(text)
    return body, md.toc_tokens


def _page(kind: str, path: Path, meta: dict, body_md: str, slug: str) -> Page:
    body_html, toc = _render(body_md)
    takehome = {}
    for match in TAKEHOME.finditer(body_html):
        takehome["bn" if match.group(1).endswith("-bn") else "en"] = Markup(match.group(0))
    if kind == "day":
        body_html = TAKEHOME.sub("", body_html)
    return Page(
        kind=kind, slug=slug, title=meta["title"], summary=meta["summary"], html=Markup(body_html),
        toc=toc, sections=_sections(body_html), meta=meta, takehome=takehome,
        words=len(re.findall(r"[A-Za-z\u0980-\u09FF0-9']+", body_md)),
    )


class Library:
    def __init__(self, curriculum_dir: Path, guide_dir: Path):
        self.curriculum_dir, self.guide_dir = Path(curriculum_dir), Path(guide_dir)
        self.days: dict[int, Page] = {}
        self.guide: dict[str, Page] = {}
        self.stamp = None
        self.load()

    def _files(self):
        days = sorted(p for p in self.curriculum_dir.glob("*.md") if DAY_FILE.match(p.name))
        guide = sorted(p for p in self.guide_dir.glob("*.md") if GUIDE_FILE.match(p.name))
        return days, guide

    def _stamp(self):
        days, guide = self._files()
        return tuple((p.name, p.stat().st_mtime_ns) for p in days + guide)

    def load(self) -> None:
        day_files, guide_files = self._files()
        days: dict[int, Page] = {}
        for path in day_files:
            meta, body = _read(path)
            _validate_day(path, meta)
            days[meta["day"]] = _page("day", path, meta, body, path.stem)
        guide: dict[str, Page] = {}
        for path in guide_files:
            meta, body = _read(path)
            _validate_guide(path, meta)
            slug = GUIDE_FILE.match(path.name).group(2)
            guide[slug] = _page("guide", path, meta, body, slug)
        if day_files and sorted(days) != list(range(1, len(days) + 1)):
            raise ContentError(f"{self.curriculum_dir}: days must be numbered 1 to {len(days)} without gaps")
        self.days, self.guide, self.stamp = days, guide, self._stamp()

    def reload_if_changed(self) -> None:
        if self._stamp() != self.stamp:
            self.load()

    # --- lookups --------------------------------------------------------------------------
    def day(self, number: int) -> Page | None:
        return self.days.get(number)

    def guide_page(self, slug: str) -> Page | None:
        return self.guide.get(slug)

    def session_plans(self, day: int) -> Page | None:
        return next((p for p in self.guide.values() if p.meta.get("day") == day), None)

    def block_days(self) -> dict[str, int]:
        """Each canvas block and the first day that teaches it."""
        found: dict[str, int] = {}
        for number, page in sorted(self.days.items()):
            for block in page.meta["canvas_blocks"]:
                found.setdefault(block, number)
        return found

    def search(self, query: str, *, include_guide: bool, limit: int = 40) -> list[dict]:
        terms = [t for t in query.casefold().split() if t][:8]
        if not terms:
            return []
        pages = list(self.days.values()) + (list(self.guide.values()) if include_guide else [])
        results = []
        for page in pages:
            for section in page.sections:
                haystack = f"{section.heading} {section.text}".casefold()
                if all(term in haystack for term in terms):
                    results.append({"page": page, "section": section,
                                    "snippet": snippet(section.text or section.heading, terms[0])})
                    if len(results) >= limit:
                        return results
        return results


def snippet(text: str, term: str, width: int = 90) -> Markup:
    """A passage around the first match, escaped, with the match marked."""
    at = text.casefold().find(term)
    if at < 0:
        return Markup.escape(text[: width * 2])
    start, end = max(0, at - width), min(len(text), at + len(term) + width)
    before, hit, after = text[start:at], text[at:at + len(term)], text[at + len(term):end]
    return (Markup("…" if start else "") + Markup.escape(before) + Markup("<mark>") + Markup.escape(hit)
            + Markup("</mark>") + Markup.escape(after) + Markup("…" if end < len(text) else ""))


def init_app(app) -> None:
    library = Library(app.config["CURRICULUM_DIR"], app.config["GUIDE_DIR"])
    app.extensions["edt_library"] = library
    if app.debug:
        app.before_request(library.reload_if_changed)


def library() -> Library:
    from flask import current_app

    return current_app.extensions["edt_library"]
