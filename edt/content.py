"""The Markdown library: curriculum days and facilitator-guide pages.

Files are read, validated and rendered once at start-up (and again when they change, in debug),
then served from memory as ready HTML. A bad file stops the app with a message that names the
file and the key, so a content mistake never reaches a participant.
"""
import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import yaml
from flask import current_app
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
DAY_BN_FILE = re.compile(r"^day-(\d{2})-[a-z0-9-]+\.bn\.md$")
GUIDE_FILE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
TAKEHOME = re.compile(r'<div class="admonition (takehome(?:-bn)?)">\s*(.*?)</div>', re.S)
HEADING = re.compile(r"<h([23]) id=\"([^\"]+)\">(.*?)</h\1>", re.S)
TAG = re.compile(r"<[^>]+>")
BOX_TITLE = re.compile(r'<p class="admonition-title">(.*?)</p>', re.S)
# In the Markdown source of a day: the `##` headings (not `###`) with their explicit `{#id}`, and the
# boxes (`!!! takehome "..."`, `!!! check "..."`, `!!! story "..."`), outside fenced code.
SOURCE_H2 = re.compile(r"^##(?!#)[ \t]+(.*?)[ \t]*$", re.M)
EXPLICIT_ID = re.compile(r"\{[ \t]*#([A-Za-z0-9_-]+)[ \t]*\}$")
SOURCE_BOX = re.compile(r"^!!![ \t]+([A-Za-z][A-Za-z0-9-]*)", re.M)
FENCED = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
LANGUAGES = ("en", "bn")
BENGALI = re.compile(r"[\u0980-\u09FF]")


class ContentError(ValueError):
    pass


def block_anchor(key: str) -> str:
    return "canvas-" + key.replace("_", "-")


@dataclass
class Section:
    anchor: str
    heading: str
    text: str
    lang: str = "en"
    key: str = ""  # the heading and text normalised for search (see `search_key`)


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
    lang: str = "en"
    bn: "Page | None" = None  # a day's Bangla text, from its .bn.md file
    bengali_words: int = 0  # Bengali-script words of the page (a day: its front matter and body)

    @property
    def url_path(self) -> str:
        return f"/curriculum/day/{self.meta['day']}" if self.kind == "day" else f"/guide/{self.slug}"

    def text(self, lang: str) -> "Page":
        """The day in one language: the Bangla file's text for "bn", this (English) page otherwise."""
        return self.bn if lang == "bn" and self.bn is not None else self

    def title_for(self, lang: str) -> str:
        return self.text(lang).title

    def summary_for(self, lang: str) -> str:
        return self.text(lang).summary

    def objectives_for(self, lang: str) -> list[str]:
        return list(self.text(lang).meta["objectives"])

    def sessions_for(self, lang: str) -> list[dict]:
        """The sessions in teaching order: the title in `lang`, the minutes from the English file."""
        titles = self.bn.meta["sessions"] if lang == "bn" and self.bn is not None else [
            s["title"] for s in self.meta["sessions"]]
        return [{"title": title, "minutes": s["minutes"]} for title, s in zip(titles, self.meta["sessions"])]



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
    for key in ("title", "summary"):
        _require(path, meta, key, str, lambda v: v.strip() != "", "must be a non-empty text")
    if "summary_bn" in meta:
        raise ContentError(f"{path.name}: key 'summary_bn' has moved: the Bangla summary is 'summary' "
                           f"in {_bn_name(path)}")
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


def _bn_name(path: Path) -> str:
    return path.name[: -len(".md")] + ".bn.md"


def _source_outline(path: Path, body: str) -> tuple[list[str], dict[str, int]]:
    """The explicit ids of the `##` headings, in order, and how many boxes of each kind the body has.
    Every `##` heading must carry an id, so that the two languages can be matched section by section."""
    body = FENCED.sub("", body)
    ids = []
    for heading in SOURCE_H2.findall(body):
        found = EXPLICIT_ID.search(heading)
        if not found:
            raise ContentError(f"{path.name}: the heading '## {heading}' needs an explicit id, "
                               f"for example '## {heading} {{#some-id}}'")
        ids.append(found.group(1))
    boxes: dict[str, int] = {}
    for kind in SOURCE_BOX.findall(body):
        boxes[kind] = boxes.get(kind, 0) + 1
    return ids, boxes


def _validate_bangla_day(path: Path, meta: dict, english: Path, english_meta: dict) -> None:
    """A day's Bangla file: the same day, the same number of objectives and sessions as the English."""
    _require(path, meta, "day", int, lambda v: v == english_meta["day"],
             f"must be {english_meta['day']}, as in {english.name}")
    for key in ("title", "summary"):
        _require(path, meta, key, str, lambda v: v.strip() != "", "must be a non-empty text")
    for key in ("objectives", "sessions"):
        want = len(english_meta[key])
        values = _require(path, meta, key, list, lambda v: all(isinstance(o, str) and o.strip() for o in v),
                          "must be a list of texts")
        if len(values) != want:
            raise ContentError(f"{path.name}: key '{key}' has {len(values)} item(s), "
                               f"but {english.name} has {want}")


def _compare_outlines(english: Path, bangla: Path, en: tuple, bn: tuple) -> None:
    """The Bangla file has every `##` id of the English, in the same order, and the same boxes."""
    (en_ids, en_boxes), (bn_ids, bn_boxes) = en, bn
    for en_id in en_ids:
        if en_id not in bn_ids:
            raise ContentError(f"{bangla.name}: section id '{en_id}' of {english.name} is missing")
    for bn_id in bn_ids:
        if bn_id not in en_ids:
            raise ContentError(f"{bangla.name}: section id '{bn_id}' is not in {english.name}")
    if en_ids != bn_ids:
        at = next(i for i, (a, b) in enumerate(zip(en_ids, bn_ids)) if a != b)
        raise ContentError(f"{bangla.name}: sections are in another order than in {english.name}: "
                           f"section {at + 1} is '{bn_ids[at]}', expected '{en_ids[at]}'")
    for path, boxes in ((english, en_boxes), (bangla, bn_boxes)):
        if boxes.get("takehome", 0) != 1:
            raise ContentError(f"{path.name}: needs exactly one '!!! takehome' box, "
                               f"found {boxes.get('takehome', 0)}")
    if en_boxes.get("takehome-bn"):
        raise ContentError(f"{english.name}: the '!!! takehome-bn' box has moved: it is the '!!! takehome' "
                           f"box of {bangla.name}")
    if en_boxes.get("check", 0) != bn_boxes.get("check", 0):
        raise ContentError(f"{bangla.name}: has {bn_boxes.get('check', 0)} '!!! check' box(es), "
                           f"{english.name} has {en_boxes.get('check', 0)}")


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


# Spelling variants written either way in everyday Bangla, mapped to one form for search: long and
# short i and u (ী/ি, ূ/ু, ঈ/ই, ঊ/উ), khanda ta and ta with hasanta (ৎ/ত্), zero-width joiners and
# non-joiners, and Bengali digits read as digits. য়, ড়, ঢ় written as one character or as য/ড/ঢ with
# a nukta are made the same by Unicode NFC (which writes them as the letter and the nukta).
_SEARCH_MAP = str.maketrans({
    "\u09c0": "\u09bf", "\u09c2": "\u09c1", "\u0988": "\u0987", "\u098a": "\u0989",
    "\u09ce": "\u09a4\u09cd", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    **{chr(0x09E6 + d): str(d) for d in range(10)},
})


def search_key(text: str) -> str:
    """`text` as search compares it: NFC, casefolded, with the Bangla spelling variants made one."""
    return unicodedata.normalize("NFC", text).casefold().translate(_SEARCH_MAP)


_NAME_PUNCTUATION = re.compile(r"[.,\-'’‘`_/]+")


def name_key(text: str | None) -> str:
    """A person's name as compared (the certificate verify page's name check): `search_key` (NFC,
    case, ী/ি, ূ/ু, ঈ/ই, ঊ/উ, য়/য+়, ড়/ড+়, ৎ/ত্ and invisible joiners made one), with dots,
    commas, dashes and apostrophes ignored and spaces collapsed: "MD. Rahim", "md rahim" and
    "Md Rahim " are one name, as are "রহিমা" and "রহীমা"."""
    return " ".join(_NAME_PUNCTUATION.sub(" ", search_key(text or "")).split())


def _key_with_positions(text: str) -> tuple[str, list[int]]:
    """search_key(text) of an NFC text, and for each of its characters the index it came from."""
    out, positions = [], []
    for index, char in enumerate(text):
        for piece in char.casefold().translate(_SEARCH_MAP):
            out.append(piece)
            positions.append(index)
    return "".join(out), positions


def bengali_digits(value) -> str:
    """A number or text with its digits written in Bengali (০-৯)."""
    return str(value).translate({ord(str(d)): chr(0x09E6 + d) for d in range(10)})


def bengali_word_count(text: str) -> int:
    return sum(1 for word in re.findall(r"[^\s]+", text) if BENGALI.search(word))


def _plain(fragment: str) -> str:
    text = re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", fragment))).strip()
    return unicodedata.normalize("NFC", text)


def _render(text: str) -> tuple[str, list[dict]]:
    md = markdown.Markdown(
        extensions=["toc", "tables", "attr_list", "admonition"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
        output_format="html",
    )
    body = md.convert(text)
    return body, md.toc_tokens


TABLE = re.compile(r"<table>.*?</table>", re.S)
BANGLA_BOX = re.compile(r'(<div class="admonition [a-z]+-bn")>')
ANY_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)


def _wrap_tables(body_html: str) -> str:
    """Each Markdown table in a box that scrolls sideways on its own (a page never does at
    360 px), reachable by keyboard and named after the heading above it."""
    names: dict[str, int] = {}

    def wrap(match):
        headings = ANY_HEADING.findall(body_html, 0, match.start())
        name = html.escape(html.unescape(TAG.sub("", headings[-1])).strip(), quote=True) if headings else "Table"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name} ({names[name]})"
        return f'<div class="table-wrap" tabindex="0" role="region" aria-label="{name}">{match.group(0)}</div>'

    return TABLE.sub(wrap, body_html)


def with_id_prefix(page_html: str, prefix: str) -> Markup:
    """A page's HTML with its ids and in-page links prefixed, so that pages printed together
    (the whole guide) keep their ids unique."""
    prefixed = re.sub(r'(?<![\w-])(id="|href="#)([^"]+)"', lambda m: f'{m.group(1)}{prefix}-{m.group(2)}"', str(page_html))
    return Markup(prefixed)  # nosec B704  # the repo's own rendered Markdown, only ids changed


def _page(kind: str, path: Path, meta: dict, body_md: str, slug: str, lang: str = "en") -> Page:
    body_html, toc = _render(body_md)
    takehome = {}
    for match in TAKEHOME.finditer(body_html):
        takehome["bn" if match.group(1).endswith("-bn") or lang == "bn" else "en"] = Markup(match.group(0))  # nosec B704  # Markdown of the repo's own curriculum files
    all_text = _plain(body_html)
    if kind == "day":
        body_html = TAKEHOME.sub("", body_html)
    sections = _sections(body_html)
    if kind == "day":
        # Search finds a day by its title, summary, objectives and session titles, and by its take-home box.
        sessions = [s if isinstance(s, str) else s["title"] for s in meta["sessions"]]
        front = [meta["summary"], *meta["objectives"], *sessions]
        sections.insert(0, Section("objectives", meta["title"], _plain(" ".join(front))))
        for box in takehome.values():
            title = BOX_TITLE.search(str(box))
            sections.append(Section("takehome", _plain(title.group(1)) if title else "",
                                    _plain(BOX_TITLE.sub(" ", str(box)))))
        all_text = " ".join([meta["title"], *front, all_text])
    body_html = BANGLA_BOX.sub(r'\1 lang="bn">', _wrap_tables(body_html))
    for section in sections:
        section.lang = lang
        section.key = search_key(f"{section.heading} {section.text}")
    return Page(
        kind=kind, slug=slug, title=meta["title"], summary=meta["summary"], html=Markup(body_html),  # nosec B704  # Markdown of the repo's own files
        toc=toc, sections=sections, meta=meta, takehome=takehome,
        words=len(re.findall(r"[A-Za-z\u0980-\u09FF0-9']+", body_md)), lang=lang,
        bengali_words=bengali_word_count(all_text),
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
        bangla = sorted(p for p in self.curriculum_dir.glob("*.bn.md"))
        return tuple((p.name, p.stat().st_mtime_ns) for p in days + bangla + guide)

    def _load_day(self, path: Path) -> Page:
        """A day from its two files: the English (minutes, blocks, tools, examples) and the Bangla."""
        meta, body = _read(path)
        _validate_day(path, meta)
        bn_path = path.with_name(_bn_name(path))
        if not bn_path.exists():
            raise ContentError(f"{path.name}: the Bangla file {bn_path.name} is missing")
        bn_meta, bn_body = _read(bn_path)
        _validate_bangla_day(bn_path, bn_meta, path, meta)
        _compare_outlines(path, bn_path, _source_outline(path, body), _source_outline(bn_path, bn_body))
        page = _page("day", path, meta, body, path.stem)
        page.bn = _page("day", bn_path, bn_meta, bn_body, path.stem, lang="bn")
        page.bn.meta.update({key: meta[key] for key in ("duration_minutes", "canvas_blocks", "tools")})
        page.takehome = {**page.takehome, **page.bn.takehome}
        return page

    def load(self) -> None:
        day_files, guide_files = self._files()
        english = {p.name for p in day_files}
        for bn_path in sorted(self.curriculum_dir.glob("*.bn.md")):
            if not DAY_BN_FILE.match(bn_path.name) or bn_path.name[: -len(".bn.md")] + ".md" not in english:
                raise ContentError(f"{bn_path.name}: a Bangla file needs its English day file "
                                   f"{bn_path.name[: -len('.bn.md')]}.md")
        days: dict[int, Page] = {}
        for path in day_files:
            page = self._load_day(path)
            days[page.meta["day"]] = page
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
        """Sections holding every word of the query, in either language of a day (and in the guide for
        staff), Bangla spelling variants matched alike (see `search_key`)."""
        terms = [t for t in search_key(query).split() if t][:8]
        if not terms:
            return []
        versions = []
        for page in self.days.values():
            versions += [(page, page), (page, page.bn)] if page.bn is not None else [(page, page)]
        if include_guide:
            versions += [(page, page) for page in self.guide.values()]
        results = []
        for page, version in versions:
            for section in version.sections:
                if all(term in section.key for term in terms):
                    url = page.url_path + ("?lang=bn" if version.lang == "bn" else "")
                    results.append({
                        "page": page, "section": section, "title": version.title, "lang": version.lang,
                        "url": url + (f"#{section.anchor}" if section.anchor else ""),
                        "snippet": snippet(section.text or section.heading, terms[0])})
                    if len(results) >= limit:
                        return results
        return results


def snippet(text: str, term: str, width: int = 90) -> Markup:
    """A passage around the first match, escaped, with the match marked. `term` is a search key."""
    key, positions = _key_with_positions(text)
    found = key.find(search_key(term))
    if found < 0 or not term:
        return Markup.escape(text[: width * 2])
    at, stop = positions[found], positions[found + len(search_key(term)) - 1] + 1
    start, end = max(0, at - width), min(len(text), stop + width)
    before, hit, after = text[start:at], text[at:stop], text[stop:end]
    return (Markup("…" if start else "") + Markup.escape(before) + Markup("<mark>") + Markup.escape(hit)  # nosec B704  # fixed strings, the text escaped
            + Markup("</mark>") + Markup.escape(after) + Markup("…" if end < len(text) else ""))  # nosec B704  # fixed strings


def init_app(app) -> None:
    library = Library(app.config["CURRICULUM_DIR"], app.config["GUIDE_DIR"])
    app.extensions["edt_library"] = library
    if app.debug:
        app.before_request(library.reload_if_changed)


def library() -> Library:
    return current_app.extensions["edt_library"]
