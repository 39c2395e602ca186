"""Assessment instruments kept as data: the parallel pre/post test forms and the teach-back
observation rubric (`facilitator_guide/assessments/`).

Read and checked once at start-up; a bad file stops the app with a message naming the file and
the key. The forms are given crosswise (half the batch takes A on Day 1 and B on Day 10, the
other half the reverse), so the two forms must test the same skills item by item and be equally
hard: the loader refuses a pair that is not parallel. "Don't know" is always an answer and
scores 0; it is never written in the files.

This module knows nothing of the web app's feature modules: the assessments and trainers
modules build on it.
"""
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l

from edt import money
from edt.content import ContentError

SKILLS = {
    "costing": (_l("Costing"), "খরচ হিসাব"),
    "pricing": (_l("Pricing"), "দাম ঠিক করা"),
    "break-even": (_l("Break-even"), "খরচ ওঠার সংখ্যা"),
    "records": (_l("Records"), "হিসাব রাখা"),
    "loans": (_l("Loans"), "ঋণ"),
    "marketing": (_l("Marketing"), "বেচাকেনা ও ক্রেতা"),
    "risk": (_l("Risk"), "ঝুঁকি"),
    "law": (_l("Law"), "কাগজপত্র ও আইন"),
    "planning": (_l("Planning"), "পরিকল্পনা"),
}
TYPES = ("picture_choice", "number", "yes_no", "oral")
DONT_KNOW = "dont_know"
FORMS = ("A", "B")
ITEM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RUBRIC_LEVELS = (1, 2, 3, 4)

# The worked examples follow the curriculum's format (docs/writing-content.md) and are
# recomputed with the same formulas as the participant's financial plan.
WORKED = {
    "unit_cost": (("costs", "units"), "answer_unit_cost",
                  lambda w: money.unit_cost(w["costs"], w["units"])),
    "cost_plus_price": (("unit_cost", "markup_percent"), "answer_price",
                        lambda w: money.cost_plus_price(w["unit_cost"], w["markup_percent"])),
    "break_even": (("fixed_costs", "price", "variable_cost"), "answer_units",
                   lambda w: money.break_even_units(w["fixed_costs"], w["price"], w["variable_cost"])),
    "cash_book": (("opening_balance", "entries"), "answer_closing_balance",
                  lambda w: money.cash_book_balance(w["opening_balance"], w["entries"])),
    "savings": (("amount_per_period", "periods"), "answer_total",
                lambda w: money.savings_total(w["amount_per_period"], w["periods"])),
    "flat_loan": (("principal", "annual_rate_percent", "months"), "answer_total_interest",
                  lambda w: money.flat_loan(w["principal"], w["annual_rate_percent"], w["months"])[1]),
    "declining_loan": (("principal", "annual_rate_percent", "months"), "answer_total_interest",
                       lambda w: money.declining_loan(w["principal"], w["annual_rate_percent"], w["months"])[1]),
}


class InstrumentError(ContentError):
    pass


@dataclass(frozen=True)
class Option:
    card: str  # a picture card, "set/card"
    word_bn: str
    word_en: str


@dataclass(frozen=True)
class Level:
    score: int
    en: str
    bn: str


@dataclass(frozen=True)
class Item:
    id: str
    skill: str
    type: str
    question_bn: str
    question_en: str
    options: tuple = ()
    answer: object = None  # picture_choice: the right option's card; number: the amount; yes_no: "yes"/"no"
    unit: str = ""  # number: "taka" or a thing counted ("cups")
    tolerance: float = 0
    rubric: tuple = ()  # oral: Levels, lowest first
    worked: tuple = ()
    notes: str = ""

    @property
    def max_score(self) -> int:
        return max(level.score for level in self.rubric) if self.type == "oral" else 1

    def answers(self) -> list:
        """What may be recorded for this item (besides "don't know")."""
        if self.type == "picture_choice":
            return [o.card for o in self.options]
        if self.type == "yes_no":
            return ["yes", "no"]
        if self.type == "oral":
            return [level.score for level in self.rubric]
        return []

    def score(self, response) -> int:
        """Points for one recorded answer; "don't know" scores 0. An answer the item cannot
        have raises ValueError (the caller shows it and changes nothing)."""
        if response == DONT_KNOW:
            return 0
        if self.type == "number":
            if isinstance(response, bool) or not isinstance(response, (int, float)) or not math.isfinite(response):
                raise ValueError(f"item {self.id}: the answer must be a number")
            return int(abs(response - self.answer) <= self.tolerance + 1e-9)
        if response not in self.answers():
            raise ValueError(f"item {self.id}: {response!r} is not one of the answers {self.answers()}")
        return int(response) if self.type == "oral" else int(response == self.answer)


@dataclass(frozen=True)
class Form:
    form: str
    version: int
    title_en: str
    title_bn: str
    minutes: int
    items: tuple
    source: str

    @property
    def max_score(self) -> int:
        return sum(item.max_score for item in self.items)

    def skill_max(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            found[item.skill] = found.get(item.skill, 0) + item.max_score
        return found

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def count_by_skill(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in self.items:
            found[item.skill] = found.get(item.skill, 0) + 1
        return found


@dataclass(frozen=True)
class Criterion:
    id: str
    name_en: str
    name_bn: str
    look_for_en: str
    descriptors: dict  # score -> Level


@dataclass(frozen=True)
class Rubric:
    version: int
    title_en: str
    title_bn: str
    scale: dict  # score -> Level (the words for 1..4)
    criteria: tuple
    ready_minimum: int  # no criterion below this to lead a batch alone
    key_criteria: tuple  # these must reach key_minimum
    key_minimum: int
    source: str

    def ready_to_lead(self, scores: dict[str, int]) -> bool:
        """Scores of one observed teach-back (criterion id -> 1..4) meet the rule to lead alone."""
        ids = {c.id for c in self.criteria}
        if set(scores) != ids:
            raise ValueError(f"scores must cover exactly the criteria {sorted(ids)}")
        if any(s not in RUBRIC_LEVELS for s in scores.values()):
            raise ValueError("each score must be 1, 2, 3 or 4")
        return min(scores.values()) >= self.ready_minimum and all(
            scores[c] >= self.key_minimum for c in self.key_criteria)


# --- reading -------------------------------------------------------------------------------------

def _yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InstrumentError(f"{path.name}: the file is missing from {path.parent.name}/") from error
    except yaml.YAMLError as error:
        raise InstrumentError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise InstrumentError(f"{path.name}: the file must be a mapping of keys")
    return data


def _text(where: str, data: dict, key: str, bangla: bool = False, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError(f"{where}: key '{key}' must be a non-empty text")
    if bangla and not re.search(r"[\u0980-\u09FF]", value):
        raise InstrumentError(f"{where}: key '{key}' must be written in Bangla")
    return value.strip()


def _whole(where: str, data: dict, key: str, low: int, high: int) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InstrumentError(f"{where}: key '{key}' must be a whole number from {low} to {high}")
    return value


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_worked(where: str, worked) -> tuple:
    """Worked examples behind an item: each recomputed with the app's money formulas."""
    entries = worked if isinstance(worked, list) else [worked]
    checked = []
    for index, entry in enumerate(entries, 1):
        place = f"{where}: key 'worked'" + (f" item {index}" if len(entries) > 1 else "")
        if not isinstance(entry, dict) or entry.get("tool") not in WORKED:
            raise InstrumentError(f"{place} needs a 'tool', one of {sorted(WORKED)}")
        fields, answer_key, compute = WORKED[entry["tool"]]
        missing = [f for f in fields + (answer_key,) if f not in entry]
        if missing:
            raise InstrumentError(f"{place} ({entry['tool']}) lacks {missing}")
        try:
            got = compute(entry)
        except (TypeError, KeyError, ZeroDivisionError, ValueError) as error:
            raise InstrumentError(f"{place} ({entry['tool']}) cannot be computed: {error}") from error
        exact = entry["tool"] == "break_even"
        if got is None or not _number(entry[answer_key]) or (
                got != entry[answer_key] if exact else abs(got - entry[answer_key]) > 0.5 + 1e-9):
            raise InstrumentError(f"{place}: '{answer_key}' is {entry[answer_key]!r}, but the "
                                  f"{entry['tool']} formula gives {got!r}")
        checked.append(entry)
    return tuple(checked)


def _item(where: str, raw, card_exists) -> Item:
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where} must be a mapping")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        raise InstrumentError(f"{where}: key 'id' must be lower case letters, digits and hyphens")
    where = f"{where} ({item_id})"
    known = {"id", "skill", "type", "question_bn", "question_en", "options", "answer", "unit", "tolerance",
             "rubric", "worked", "notes"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InstrumentError(f"{where}: unknown key(s) {unknown}")
    skill = raw.get("skill")
    if skill not in SKILLS:
        raise InstrumentError(f"{where}: key 'skill' must be one of {list(SKILLS)}, not {skill!r}")
    kind = raw.get("type")
    if kind not in TYPES:
        raise InstrumentError(f"{where}: key 'type' must be one of {list(TYPES)}, not {kind!r}")
    question_bn = _text(where, raw, "question_bn", bangla=True)
    question_en = _text(where, raw, "question_en")
    worked = check_worked(where, raw["worked"]) if "worked" in raw else ()
    notes = _text(where, raw, "notes", required=False)
    allowed = {"picture_choice": {"options", "answer"}, "number": {"answer", "unit", "tolerance"},
               "yes_no": {"answer"}, "oral": {"rubric"}}[kind]
    wrong = sorted((set(raw) & {"options", "answer", "unit", "tolerance", "rubric"}) - allowed)
    if wrong:
        raise InstrumentError(f"{where}: key(s) {wrong} do not belong to a {kind} item")
    if "answer" in allowed and "answer" not in raw:
        raise InstrumentError(f"{where}: key 'answer' is missing: every {kind} item needs its answer key")
    common = dict(id=item_id, skill=skill, type=kind, question_bn=question_bn, question_en=question_en,
                  worked=worked, notes=notes)
    if kind == "picture_choice":
        options = raw.get("options")
        if not isinstance(options, list) or len(options) != 3:
            raise InstrumentError(f"{where}: key 'options' must hold exactly three pictures (two would let "
                                  "half the guesses score)")
        built = []
        for index, option in enumerate(options, 1):
            place = f"{where}: key 'options' item {index}"
            if not isinstance(option, dict) or set(option) != {"card", "word_bn", "word_en"}:
                raise InstrumentError(f"{place} needs exactly card, word_bn and word_en")
            card = option["card"]
            if not isinstance(card, str) or card.count("/") != 1:
                raise InstrumentError(f"{place}: key 'card' must name a picture card as 'set/card'")
            if card_exists is not None and not card_exists(card):
                raise InstrumentError(f"{place}: key 'card' names {card!r}, which no card set holds")
            built.append(Option(card, _text(place, option, "word_bn", bangla=True), _text(place, option, "word_en")))
        if len({o.card for o in built}) != 3:
            raise InstrumentError(f"{where}: key 'options' shows the same picture twice")
        if raw["answer"] not in [o.card for o in built]:
            raise InstrumentError(f"{where}: key 'answer' must be the card of one of the three options")
        return Item(**common, options=tuple(built), answer=raw["answer"])
    if kind == "number":
        answer = raw["answer"]
        if not _number(answer):
            raise InstrumentError(f"{where}: key 'answer' must be a number")
        unit = _text(where, raw, "unit")
        tolerance = raw.get("tolerance", 0)
        if not _number(tolerance) or tolerance < 0:
            raise InstrumentError(f"{where}: key 'tolerance' must be a number of 0 or more")
        for entry in worked:
            expected = entry[WORKED[entry["tool"]][1]]
            if abs(expected - answer) > tolerance + 0.5:
                raise InstrumentError(f"{where}: key 'answer' is {answer}, but its worked example gives {expected}")
        return Item(**common, answer=answer, unit=unit, tolerance=tolerance)
    if kind == "yes_no":
        if raw["answer"] not in ("yes", "no"):
            raise InstrumentError(f"{where}: key 'answer' must be yes or no")
        return Item(**common, answer=raw["answer"])
    rubric = raw.get("rubric")
    if not isinstance(rubric, list) or len(rubric) < 2:
        raise InstrumentError(f"{where}: key 'rubric' must list at least two scores, from 0 up")
    levels = []
    for index, level in enumerate(rubric):
        place = f"{where}: key 'rubric' item {index + 1}"
        if not isinstance(level, dict) or level.get("score") != index or isinstance(level.get("score"), bool):
            raise InstrumentError(f"{place}: key 'score' must be {index} (scores run 0, 1, 2, ... in order)")
        levels.append(Level(index, _text(place, level, "en"), _text(place, level, "bn", bangla=True)))
    return Item(**common, rubric=tuple(levels))


def load_form(path: Path, card_exists=None) -> Form:
    """Read and check one test form. `card_exists(ref)` checks each picture against the card sets."""
    where = path.name
    data = _yaml(path)
    unknown = sorted(set(data) - {"version", "form", "title_en", "title_bn", "minutes", "items"})
    if unknown:
        raise InstrumentError(f"{where}: unknown key(s) {unknown}")
    version = _whole(where, data, "version", 1, 1000)
    form = data.get("form")
    if form not in FORMS:
        raise InstrumentError(f"{where}: key 'form' must be A or B")
    expected = f"form-{form.lower()}.yaml"
    if path.name != expected:
        raise InstrumentError(f"{where}: key 'form' is {form}, so the file must be named {expected}")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise InstrumentError(f"{where}: key 'items' must list the questions")
    items = tuple(_item(f"{where}: key 'items' item {n}", raw, card_exists) for n, raw in enumerate(raw_items, 1))
    ids = [item.id for item in items]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InstrumentError(f"{where}: key 'items' uses the id(s) {twice} more than once")
    missing = [s for s in SKILLS if s not in {item.skill for item in items}]
    if missing:
        raise InstrumentError(f"{where}: key 'items' tests no item of the skill(s) {missing}")
    return Form(form, version, _text(where, data, "title_en"), _text(where, data, "title_bn", bangla=True),
                _whole(where, data, "minutes", 5, 180), items, where)


def _shape(item: Item) -> tuple:
    """What must match item by item for two forms to be equally hard."""
    tools = tuple((w["tool"], len(w.get("costs", w.get("entries", [])))) for w in item.worked)
    return (item.skill, item.type, len(item.options), item.max_score, item.unit, tools)


def check_parallel(a: Form, b: Form) -> None:
    """Refuse forms that do not test the same skills item by item with the same kind of task."""
    if [i.id for i in a.items] != [i.id for i in b.items]:
        raise InstrumentError(f"{a.source} and {b.source}: key 'items' must hold the same item ids in the same "
                              f"order (A: {[i.id for i in a.items]}, B: {[i.id for i in b.items]})")
    for left, right in zip(a.items, b.items):
        if _shape(left) != _shape(right):
            raise InstrumentError(
                f"{a.source} and {b.source}: item {left.id} is not parallel (skill, type, number of options, "
                f"points, unit and worked-example steps must match): A {_shape(left)}, B {_shape(right)}")
    if a.minutes != b.minutes:
        raise InstrumentError(f"{a.source} and {b.source}: key 'minutes' must be the same in both forms")


def load_rubric(path: Path) -> Rubric:
    where = path.name
    data = _yaml(path)
    unknown = sorted(set(data) - {"version", "title_en", "title_bn", "scale", "criteria", "ready_to_lead"})
    if unknown:
        raise InstrumentError(f"{where}: unknown key(s) {unknown}")
    version = _whole(where, data, "version", 1, 1000)
    scale_raw = data.get("scale")
    if not isinstance(scale_raw, dict) or sorted(scale_raw) != list(RUBRIC_LEVELS):
        raise InstrumentError(f"{where}: key 'scale' must name the four scores 1, 2, 3 and 4")
    scale = {n: Level(n, _text(f"{where}: key 'scale' {n}", scale_raw[n] if isinstance(scale_raw[n], dict) else {},
                               "en"),
                      _text(f"{where}: key 'scale' {n}", scale_raw[n] if isinstance(scale_raw[n], dict) else {},
                            "bn", bangla=True)) for n in RUBRIC_LEVELS}
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or len(raw_criteria) < 3:
        raise InstrumentError(f"{where}: key 'criteria' must list at least three criteria")
    criteria, seen = [], set()
    for index, raw in enumerate(raw_criteria, 1):
        place = f"{where}: key 'criteria' item {index}"
        if not isinstance(raw, dict):
            raise InstrumentError(f"{place} must be a mapping")
        criterion_id = raw.get("id")
        if not isinstance(criterion_id, str) or not ITEM_ID.match(criterion_id) or criterion_id in seen:
            raise InstrumentError(f"{place}: key 'id' must be a new id of lower case letters and hyphens")
        seen.add(criterion_id)
        place = f"{place} ({criterion_id})"
        unknown = sorted(set(raw) - {"id", "name_en", "name_bn", "look_for_en", "descriptors"})
        if unknown:
            raise InstrumentError(f"{place}: unknown key(s) {unknown}")
        descriptors = raw.get("descriptors")
        if not isinstance(descriptors, dict) or sorted(descriptors) != list(RUBRIC_LEVELS):
            raise InstrumentError(f"{place}: key 'descriptors' must describe each score 1, 2, 3 and 4")
        levels = {}
        for score in RUBRIC_LEVELS:
            entry = descriptors[score] if isinstance(descriptors[score], dict) else {}
            levels[score] = Level(score, _text(f"{place}: key 'descriptors' {score}", entry, "en"),
                                  _text(f"{place}: key 'descriptors' {score}", entry, "bn", bangla=True))
        criteria.append(Criterion(criterion_id, _text(place, raw, "name_en"), _text(place, raw, "name_bn", bangla=True),
                                  _text(place, raw, "look_for_en"), levels))
    rule = data.get("ready_to_lead")
    if not isinstance(rule, dict) or set(rule) != {"minimum", "key_criteria", "key_minimum"}:
        raise InstrumentError(f"{where}: key 'ready_to_lead' needs minimum, key_criteria and key_minimum")
    minimum = _whole(f"{where}: key 'ready_to_lead'", rule, "minimum", 1, 4)
    key_minimum = _whole(f"{where}: key 'ready_to_lead'", rule, "key_minimum", 1, 4)
    keys = rule["key_criteria"]
    if not isinstance(keys, list) or not keys or any(k not in seen for k in keys):
        raise InstrumentError(f"{where}: key 'ready_to_lead' key_criteria must name criteria of this rubric")
    return Rubric(version, _text(where, data, "title_en"), _text(where, data, "title_bn", bangla=True), scale,
                  tuple(criteria), minimum, tuple(keys), key_minimum, where)


@dataclass(frozen=True)
class Instruments:
    forms: dict  # "A"/"B" -> Form
    rubric: Rubric


def load(folder: Path, card_exists=None) -> Instruments:
    folder = Path(folder)
    forms = {form: load_form(folder / f"form-{form.lower()}.yaml", card_exists) for form in FORMS}
    check_parallel(forms["A"], forms["B"])
    # A sitting keeps its answered questions as bits of a 64-bit number and each skill's points
    # in 6 bits of another (the assessments module's Sitting): the forms must fit.
    if len(forms["A"].items) > 63 or max(forms["A"].skill_max().values()) > 63 or len(SKILLS) > 10:
        raise InstrumentError(f"{forms['A'].source}: key 'items' holds more than 63 questions, a skill "
                              f"worth more than 63 points, or more than 10 skills")
    return Instruments(forms, load_rubric(folder / "observation-rubric.yaml"))


def assign_forms(codes) -> dict[str, tuple[str, str]]:
    """Crosswise forms for a batch: participant code -> (form on Day 1, form on Day 10). Codes in
    order take A-then-B and B-then-A in turn, so half the batch (to within one) starts with each
    form and nobody meets the same questions twice."""
    ordered = sorted(set(codes))
    return {code: ("A", "B") if n % 2 == 0 else ("B", "A") for n, code in enumerate(ordered)}


def init_app(app) -> None:
    cards = app.extensions["edt_cards"]
    instruments = load(app.config["ASSESSMENTS_DIR"], cards.has_card)
    app.extensions["edt_instruments"] = instruments
    cards.paginate(instruments.forms)
    if app.debug:
        app.before_request(lambda: cards.reload_if_changed(instruments.forms))


def instruments() -> Instruments:
    return current_app.extensions["edt_instruments"]
