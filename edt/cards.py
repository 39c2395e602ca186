"""Picture-card sets: the printable materials of the training, kept as data.

Each set is one definition file, `facilitator_guide/cards/<set>.yaml` (titles, the sessions that
use it, how it is laid out on paper, its cards), and each card is a small hand-drawn SVG under
`static/cards/`. Everything is read and checked once at start-up: a bad file stops the app with a
message that names the file and the key, like the curriculum.

The pictures are inlined into the pages as one <symbol> each (a page is one request however many
cards it shows), so every picture is checked to be plain drawing: a viewBox, a short list of
shape elements and presentation attributes, nothing that runs or loads.
"""
import html
import math
import re
import xml.etree.ElementTree as ET  # nosec B405  # parses only the repo's own card pictures (static/cards), DOCTYPE/entities refused first
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import current_app
from markupsafe import Markup

from edt.content import CANVAS_BLOCKS, ContentError

SET_FILE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.yaml$")
CARD_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SVG_PATH = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+\.svg$")
LAYOUTS = ("cards", "table", "canvas", "answer_sheet")
PER_SHEET = {6: (2, 3), 8: (2, 4), 9: (3, 3), 12: (3, 4)}  # cards per A4 sheet: (columns, rows)
TABLE_ROWS_PER_SHEET = 12
ANSWER_ROWS_PER_SHEET = 9
MAX_SVG_BYTES = 2500
# The answer sheet's own pictures for each kind of question ("don't know" is on every row).
ANSWER_SYMBOLS = {"number": ("say-number",), "yes_no": ("yes", "no"), "oral": ("oral",)}
# Inline pictures per printed part: a part is a whole number of sheets whose pictures, each
# counted once, stay under this many bytes, so every print page keeps the page budget.
PART_PICTURE_BYTES = 36_000

# The house style of every card: drawn in black 3-unit lines with round ends. Pictures wrap their
# drawing in one <g> with exactly these attributes; inlined, the wrapper is dropped and the
# stylesheet gives the same defaults to the <svg> that shows the picture (fewer bytes per page).
HOUSE_STYLE = ('<g fill="none" stroke="#000" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" '
               'font-family="Noto Sans Bengali,sans-serif">')
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_ELEMENTS = {"g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "text", "tspan"}
SVG_ATTRIBUTES = {
    "d", "cx", "cy", "r", "rx", "ry", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "points",
    "transform", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-dasharray",
    "fill-rule", "opacity", "fill-opacity", "font-size", "font-weight", "font-family", "text-anchor",
    "dominant-baseline",
}
ROOT_ATTRIBUTES = {"viewBox"}


@dataclass(frozen=True)
class Picture:
    path: str  # relative to the pictures folder: "risks/flood.svg"
    view_box: str
    inner: Markup  # the drawing, without the <svg> element around it
    size: int

    @property
    def symbol_id(self) -> str:
        return "p-" + self.path.removesuffix(".svg").replace("/", "-")


@dataclass(frozen=True)
class Card:
    set_id: str
    id: str
    picture: Picture
    word_bn: str
    word_en: str
    notes: str = ""
    group: str = ""

    @property
    def ref(self) -> str:
        return f"{self.set_id}/{self.id}"


@dataclass
class Sheet:
    """One A4 page of a print view."""
    kind: str  # "grid", "table", "canvas" or "answers"
    cards: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # table: the header cards
    blank_rows: int = 0  # table: empty ruled rows after the card rows
    grid: tuple = (3, 4)  # grid: (columns, rows)
    items: list = field(default_factory=list)  # answers: the form's items on this page
    number: int = 1  # answers: the page of the answer sheet
    of: int = 1

    def pictures(self, library: "CardLibrary") -> set:
        found = {c.picture for c in self.cards + self.columns}
        for item in self.items:
            found |= {library.card(o.card).picture for o in item.options}
        return found


@dataclass
class CardSet:
    id: str
    title_en: str
    title_bn: str
    summary: str
    layout: str
    cards: list
    used_in: list  # dicts: {"day": N, "session": title} or {"guide": slug}
    per_sheet: int = 12
    columns: list = field(default_factory=list)  # table layout: card ids used as column headers
    rows: int = 0
    row_cards: bool = False
    form: str = ""  # answer-sheet layout: the assessment form it is for
    sheets: list = field(default_factory=list)  # filled by the library (answer sheets need the form)
    parts: list = field(default_factory=list)  # lists of sheet indexes

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)

    @property
    def days(self) -> list[int]:
        return sorted({u["day"] for u in self.used_in if "day" in u})

    def title_for(self, locale: str) -> str:
        return self.title_bn if locale == "bn" else self.title_en


# --- reading and checking ---------------------------------------------------------------------

def _text(where: str, value, key: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: key '{key}' must be a non-empty text")
    return value.strip()


def _has_bangla(text: str) -> bool:
    return bool(re.search(r"[\u0980-\u09FF]", text))


def read_picture(folder: Path, relative: str, where: str) -> Picture:
    """Check one SVG file and return its drawing, ready to inline."""
    if not SVG_PATH.match(relative):
        raise ContentError(f"{where}: key 'svg' must look like 'set/card.svg', not {relative!r}")
    path = folder / relative
    if not path.is_file():
        raise ContentError(f"{where}: key 'svg': the picture {relative} does not exist in {folder.name}/")
    raw = path.read_bytes()
    if len(raw) > MAX_SVG_BYTES:
        raise ContentError(f"{where}: key 'svg': {relative} is {len(raw)} bytes; keep pictures under "
                           f"{MAX_SVG_BYTES} bytes")
    text = raw.decode("utf-8")
    if "<!" in text:
        raise ContentError(f"{where}: key 'svg': {relative} holds a DOCTYPE, entity or comment block; "
                           "keep pictures to plain drawing")
    try:
        root = ET.fromstring(text)  # nosec B314  # the repo's own SVG file, refused above when it holds a DOCTYPE or entity
    except ET.ParseError as error:
        raise ContentError(f"{where}: key 'svg': {relative} is not valid XML: {error}") from error
    if root.tag != SVG_NS + "svg":
        raise ContentError(f"{where}: key 'svg': {relative} must have <svg> (SVG namespace) as its root")
    view_box = root.get("viewBox", "")
    numbers = view_box.replace(",", " ").split()
    try:
        ok = len(numbers) == 4 and all(math.isfinite(float(n)) for n in numbers) and float(numbers[2]) > 0 \
            and float(numbers[3]) > 0
    except ValueError:
        ok = False
    if not ok:
        raise ContentError(f"{where}: key 'svg': {relative} needs a viewBox of four numbers (width and height > 0)")
    extra = sorted(set(root.attrib) - ROOT_ATTRIBUTES)
    if extra:
        raise ContentError(f"{where}: key 'svg': {relative}: the <svg> element may carry only a viewBox, "
                           f"not {extra}")
    for element in root.iter():
        if element is root:
            continue
        name = element.tag.removeprefix(SVG_NS)
        if name not in SVG_ELEMENTS or not element.tag.startswith(SVG_NS):
            raise ContentError(f"{where}: key 'svg': {relative} uses <{name}>; pictures may use only "
                               f"{sorted(SVG_ELEMENTS)}")
        bad = sorted(a for a in element.attrib if a not in SVG_ATTRIBUTES)
        if bad:
            raise ContentError(f"{where}: key 'svg': {relative}: <{name}> carries {bad}; only presentation "
                               "attributes are allowed (no style, id, href or event handlers)")
    inner = re.sub(r"\A\s*<svg[^>]*>|</svg>\s*\Z", "", text).strip()
    if inner.startswith(HOUSE_STYLE) and inner.endswith("</g>") and len(root) == 1:
        inner = inner[len(HOUSE_STYLE):-len("</g>")]
    return Picture(relative, " ".join(numbers), Markup(inner), len(raw))  # nosec B704  # the repo's own SVG drawing, parsed and checked above


def _used_in(where: str, value) -> list:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}: key 'used_in' must list the sessions or guide pages that use the set")
    found = []
    for index, entry in enumerate(value, 1):
        place = f"{where}: key 'used_in' item {index}"
        if not isinstance(entry, dict):
            raise ContentError(f"{place} must be {{day: N, session: title}} or {{guide: slug}}")
        if "guide" in entry:
            if set(entry) != {"guide"} or not isinstance(entry["guide"], str) or not CARD_ID.match(entry["guide"]):
                raise ContentError(f"{place}: 'guide' must be a guide page's slug, alone")
            found.append({"guide": entry["guide"]})
        elif "day" in entry:
            day = entry["day"]
            if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 10:
                raise ContentError(f"{place}: 'day' must be a day from 1 to 10")
            if set(entry) != {"day", "session"}:
                raise ContentError(f"{place} needs exactly 'day' and 'session'")
            found.append({"day": day, "session": _text(place, entry["session"], "session")})
        else:
            raise ContentError(f"{place} must be {{day: N, session: title}} or {{guide: slug}}")
    return found


def load_set(path: Path, pictures_dir: Path, pictures: dict | None = None) -> CardSet:
    """Read and check one set file. `pictures` caches pictures shared between sets."""
    pictures = {} if pictures is None else pictures
    match = SET_FILE.match(path.name)
    if not match:
        raise ContentError(f"{path.name}: a card-set file is named <set-id>.yaml (lower case, digits, hyphens)")
    set_id, where = match.group(1), path.name
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{where}: not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise ContentError(f"{where}: the file must be a mapping of keys")
    known = {"title_en", "title_bn", "summary", "layout", "per_sheet", "used_in", "cards", "columns", "rows",
             "row_cards", "form"}
    unknown = sorted(set(meta) - known)
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {unknown}; use {sorted(known)}")
    title_en = _text(where, meta.get("title_en"), "title_en")
    title_bn = _text(where, meta.get("title_bn"), "title_bn")
    if not _has_bangla(title_bn):
        raise ContentError(f"{where}: key 'title_bn' must be written in Bangla")
    summary = _text(where, meta.get("summary"), "summary")
    layout = meta.get("layout", "cards")
    if layout not in LAYOUTS:
        raise ContentError(f"{where}: key 'layout' must be one of {list(LAYOUTS)}, not {layout!r}")
    per_sheet = meta.get("per_sheet", 12)
    if per_sheet not in PER_SHEET or isinstance(per_sheet, bool):
        raise ContentError(f"{where}: key 'per_sheet' must be one of {sorted(PER_SHEET)} cards per A4 sheet")
    used_in = _used_in(where, meta.get("used_in"))
    raw_cards = meta.get("cards")
    if not isinstance(raw_cards, list) or not raw_cards:
        raise ContentError(f"{where}: key 'cards' must list the cards")
    cards, seen = [], set()
    for index, raw in enumerate(raw_cards, 1):
        place = f"{where}: key 'cards' item {index}"
        if not isinstance(raw, dict):
            raise ContentError(f"{place} must be a mapping (id, word_bn, word_en, ...)")
        unknown = sorted(set(raw) - {"id", "svg", "word_bn", "word_en", "notes", "group"})
        if unknown:
            raise ContentError(f"{place}: unknown key(s) {unknown}")
        card_id = raw.get("id")
        if not isinstance(card_id, str) or not CARD_ID.match(card_id):
            raise ContentError(f"{place}: key 'id' must be lower case letters, digits and hyphens")
        if card_id in seen:
            raise ContentError(f"{place}: key 'id' {card_id!r} is used twice in the set")
        seen.add(card_id)
        place = f"{where}: key 'cards' item {index} ({card_id})"
        word_bn = _text(place, raw.get("word_bn"), "word_bn")
        if not _has_bangla(word_bn):
            raise ContentError(f"{place}: key 'word_bn' must be written in Bangla")
        word_en = _text(place, raw.get("word_en"), "word_en")
        relative = raw.get("svg", f"{set_id}/{card_id}.svg")
        if not isinstance(relative, str):
            raise ContentError(f"{place}: key 'svg' must be a path like 'set/card.svg'")
        if relative not in pictures:
            pictures[relative] = read_picture(pictures_dir, relative, place)
        cards.append(Card(set_id, card_id, pictures[relative], word_bn, word_en,
                          _text(place, raw.get("notes"), "notes", required=False),
                          _text(place, raw.get("group"), "group", required=False)))
    card_set = CardSet(set_id, title_en, title_bn, summary, layout, cards, used_in, per_sheet)
    _layout_keys(where, meta, card_set)
    return card_set


def _layout_keys(where: str, meta: dict, card_set: CardSet) -> None:
    ids = [c.id for c in card_set.cards]
    layout = card_set.layout
    for key in ("columns", "rows", "row_cards"):
        if key in meta and layout != "table":
            raise ContentError(f"{where}: key '{key}' belongs to the 'table' layout only")
    if "form" in meta and layout != "answer_sheet":
        raise ContentError(f"{where}: key 'form' belongs to the 'answer_sheet' layout only")
    if layout == "table":
        columns = meta.get("columns")
        if not isinstance(columns, list) or not 2 <= len(columns) <= 6:
            raise ContentError(f"{where}: key 'columns' must list 2 to 6 card ids, the table's column headers")
        missing = [c for c in columns if c not in ids]
        if missing or len(set(columns)) != len(columns):
            raise ContentError(f"{where}: key 'columns' names cards that are not in the set (or twice): {missing}")
        rows = meta.get("rows", 0)
        if not isinstance(rows, int) or isinstance(rows, bool) or not 0 <= rows <= 40:
            raise ContentError(f"{where}: key 'rows' must be a number of blank rows from 0 to 40")
        row_cards = meta.get("row_cards", False)
        if not isinstance(row_cards, bool):
            raise ContentError(f"{where}: key 'row_cards' must be true or false")
        card_set.columns, card_set.rows, card_set.row_cards = list(columns), rows, row_cards
        if rows == 0 and not row_cards:
            raise ContentError(f"{where}: a table needs blank 'rows' or 'row_cards: true'")
    elif layout == "canvas":
        expected = [key.replace("_", "-") for key in CANVAS_BLOCKS]
        if sorted(ids) != sorted(expected):
            raise ContentError(f"{where}: key 'cards' of a canvas must be the nine blocks {expected}")
    elif layout == "answer_sheet":
        form = meta.get("form")
        if form not in ("A", "B"):
            raise ContentError(f"{where}: key 'form' must be A or B")
        card_set.form = form
        if "dont-know" not in ids:
            raise ContentError(f"{where}: key 'cards' of an answer sheet needs a 'dont-know' card")


def _chunks(values: list, size: int) -> list[list]:
    return [values[i:i + size] for i in range(0, len(values), size)] or [[]]


def _sheets(card_set: CardSet, forms: dict) -> list[Sheet]:
    if card_set.layout == "cards":
        return [Sheet("grid", chunk, grid=PER_SHEET[card_set.per_sheet])
                for chunk in _chunks(card_set.cards, card_set.per_sheet)]
    if card_set.layout == "table":
        columns = [card_set.card(c) for c in card_set.columns]
        others = [c for c in card_set.cards if c.id not in card_set.columns]
        rows = others if card_set.row_cards else []
        stickers = [] if card_set.row_cards else others
        sheets = []
        body = [("card", c) for c in rows] + [("blank", None)] * card_set.rows
        for chunk in _chunks(body, TABLE_ROWS_PER_SHEET):
            sheets.append(Sheet("table", [c for kind, c in chunk if kind == "card"], columns=columns,
                                blank_rows=sum(1 for kind, _ in chunk if kind == "blank")))
        if stickers:
            sheets += [Sheet("grid", chunk, grid=PER_SHEET[card_set.per_sheet])
                       for chunk in _chunks(stickers, card_set.per_sheet)]
        return sheets
    if card_set.layout == "canvas":
        order = {key.replace("_", "-"): n for n, key in enumerate(CANVAS_BLOCKS)}
        blocks = sorted(card_set.cards, key=lambda c: order[c.id])
        return [Sheet("canvas", blocks), Sheet("grid", blocks, grid=PER_SHEET[9])]
    form = forms.get(card_set.form)
    if form is None:
        raise ContentError(f"{card_set.id}.yaml: key 'form' names form {card_set.form!r}, which the "
                           "assessments folder does not hold")
    pages = _chunks(list(form.items), ANSWER_ROWS_PER_SHEET)
    sheets = []
    for number, chunk in enumerate(pages, 1):
        ids = ["dont-know"]
        for item in chunk:
            for card_id in ANSWER_SYMBOLS.get(item.type, ()):
                if card_set.card(card_id) is None:
                    raise ContentError(f"{card_set.id}.yaml: key 'cards' needs the card '{card_id}' for the "
                                       f"{item.type} questions of form {form.form}")
                if card_id not in ids:
                    ids.append(card_id)
        sheets.append(Sheet("answers", [card_set.card(i) for i in ids], items=chunk, number=number, of=len(pages)))
    return sheets


class CardLibrary:
    def __init__(self, sets_dir: Path, pictures_dir: Path):
        self.sets_dir, self.pictures_dir = Path(sets_dir), Path(pictures_dir)
        self.sets: dict[str, CardSet] = {}
        self.pictures: dict[str, Picture] = {}
        self.stamp = None
        self.load()

    def _files(self) -> list[Path]:
        return sorted(self.sets_dir.glob("*.yaml")) if self.sets_dir.is_dir() else []

    def _stamp(self):
        files = self._files() + sorted(self.pictures_dir.rglob("*.svg"))
        return tuple((str(p), p.stat().st_mtime_ns) for p in files)

    def load(self) -> None:
        pictures: dict[str, Picture] = {}
        sets = {}
        for path in self._files():
            card_set = load_set(path, self.pictures_dir, pictures)
            sets[card_set.id] = card_set
        self.sets, self.pictures, self.stamp = sets, pictures, self._stamp()
        self.paginate({})

    def paginate(self, forms: dict) -> None:
        """Lay every set out on A4 sheets and group the sheets into print parts (answer sheets
        need the assessment forms, given once they are loaded)."""
        for card_set in self.sets.values():
            if card_set.layout == "answer_sheet" and not forms:
                card_set.sheets, card_set.parts = [], []
                continue
            card_set.sheets = _sheets(card_set, forms)
            card_set.parts = self._parts(card_set.sheets)

    def _parts(self, sheets: list[Sheet]) -> list[list[int]]:
        parts, current, seen = [], [], set()
        for index, sheet in enumerate(sheets):
            mine = sheet.pictures(self)
            if current and sum(p.size for p in seen | mine) > PART_PICTURE_BYTES:
                parts.append(current)
                current, seen = [], set()
            current.append(index)
            seen |= mine
        return parts + [current] if current else parts

    def reload_if_changed(self, forms: dict) -> None:
        if self._stamp() != self.stamp:
            self.load()
            self.paginate(forms)

    # --- lookups --------------------------------------------------------------------------
    def card(self, ref: str) -> Card | None:
        set_id, _, card_id = ref.partition("/")
        card_set = self.sets.get(set_id)
        return card_set.card(card_id) if card_set else None

    def has_card(self, ref: str) -> bool:
        return isinstance(ref, str) and self.card(ref) is not None

    def for_day(self, day: int) -> dict[str, list[CardSet]]:
        """Session title -> the sets its plan uses."""
        found: dict[str, list[CardSet]] = {}
        for card_set in self.sets.values():
            for use in card_set.used_in:
                if use.get("day") == day:
                    found.setdefault(use["session"], []).append(card_set)
        return found

    def for_guide(self, slug: str) -> list[CardSet]:
        return [s for s in self.sets.values() if {"guide": slug} in s.used_in]

    @property
    def card_count(self) -> int:
        return sum(len(s.cards) for s in self.sets.values())


def symbols(pictures) -> Markup:
    """One hidden <svg> holding each picture once, for <use> below it."""
    body = "".join(f'<symbol id="{p.symbol_id}" viewBox="{p.view_box}">{p.inner}</symbol>'
                   for p in sorted(pictures, key=lambda p: p.path))
    return Markup(f'<svg class="card-symbols" aria-hidden="true" focusable="false" '  # nosec B704  # symbols of the repo's own checked SVG pictures
                  f'xmlns="http://www.w3.org/2000/svg">{body}</svg>')


H2 = re.compile(r'(<h2 id="[^"]*">)(.*?)(</h2>)', re.S)


def link_sessions(page_html: str, sessions: dict[str, list], link) -> Markup:
    """Put a line under each session heading of a session-plan page naming the card sets its
    session uses; `link(card_set)` gives the (already escaped) link markup."""
    def annotate(match):
        title = html.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip()
        sets = sessions.get(title)
        if not sets:
            return match.group(0)
        links = Markup(" · ").join(link(s) for s in sets)
        return f'{match.group(0)}<p class="card-links">{links}</p>'
    return Markup(H2.sub(annotate, str(page_html)))  # nosec B704  # Markdown of the repo's own files, links escaped by `link`


def init_app(app) -> None:
    library = CardLibrary(app.config["CARDS_DIR"], app.config["CARD_PICTURES_DIR"])
    app.extensions["edt_cards"] = library


def cards() -> CardLibrary:
    return current_app.extensions["edt_cards"]
