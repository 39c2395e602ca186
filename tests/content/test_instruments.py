"""The assessment instruments as data: the parallel test forms A and B and the observation rubric,
their start-up checks (each refusal names the file and the key), scoring with "don't know" and the
crosswise assignment of forms."""
import ast
import copy

import pytest
import yaml

from edt import create_app, instruments
from edt.cards import CardLibrary
from edt.config import ROOT
from edt.instruments import DONT_KNOW, SKILLS, InstrumentError, assign_forms, check_parallel, load, load_form

from tests.conftest import make_config

FOLDER = ROOT / "facilitator_guide" / "assessments"


@pytest.fixture(scope="module")
def cards():
    return CardLibrary(ROOT / "facilitator_guide" / "cards", ROOT / "static" / "cards")


@pytest.fixture(scope="module")
def real(cards):
    return load(FOLDER, cards.has_card)


def _raw(name):
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))


def _write(tmp_path, data, name="form-a.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- the real forms -------------------------------------------------------------------------

def test_two_parallel_forms_test_every_skill_twice_item_by_item(real):
    a, b = real.forms["A"], real.forms["B"]
    assert (a.form, b.form) == ("A", "B")
    assert a.count_by_skill() == b.count_by_skill() == {skill: 2 for skill in SKILLS}
    for left, right in zip(a.items, b.items):
        assert (left.id, left.skill, left.type, left.max_score) == (right.id, right.skill, right.type, right.max_score)
        # other people, numbers or pictures: the same task, never the same question twice
        assert (left.question_bn, left.options) != (right.question_bn, right.options), left.id
    assert a.max_score == b.max_score and a.skill_max() == b.skill_max()


def test_every_picture_question_has_three_pictures_from_the_card_sets(real, cards):
    for form in real.forms.values():
        pictures = [i for i in form.items if i.type == "picture_choice"]
        assert len(pictures) >= 12
        for item in pictures:
            assert len(item.options) == 3 and item.answer in [o.card for o in item.options]
            assert all(cards.has_card(o.card) for o in item.options)


def test_the_right_picture_is_not_always_in_the_same_place(real):
    for form in real.forms.values():
        places = [[o.card for o in i.options].index(i.answer) for i in form.items if i.type == "picture_choice"]
        assert set(places) == {0, 1, 2} and max(places.count(n) for n in range(3)) <= len(places) // 2


def test_number_answers_agree_with_the_money_formulas(real):
    from edt import money

    for form in real.forms.values():
        numbers = [i for i in form.items if i.type == "number"]
        assert {i.skill for i in numbers} == {"pricing", "break-even", "records"}
        for item in numbers:
            worked = item.worked[0]
            if worked["tool"] == "break_even":
                assert money.break_even_units(worked["fixed_costs"], worked["price"], worked["variable_cost"]) == item.answer
            elif worked["tool"] == "cash_book":
                assert money.cash_book_balance(worked["opening_balance"], worked["entries"]) == item.answer
            else:
                assert money.cost_plus_price(worked["unit_cost"], worked["markup_percent"]) == item.answer


def test_the_oral_item_is_scored_by_its_rubric(real):
    for form in real.forms.values():
        oral = [i for i in form.items if i.type == "oral"]
        assert len(oral) == 1 and [level.score for level in oral[0].rubric] == [0, 1, 2]
        assert all(level.bn and level.en for level in oral[0].rubric)


# --- scoring --------------------------------------------------------------------------------

def test_scoring_counts_the_right_answer_and_dont_know_as_zero(real):
    form = real.forms["A"]
    picture = form.item("costing-2")
    assert picture.score("money/note-100") == 1 and picture.score("money/note-10") == 0
    assert picture.score(DONT_KNOW) == 0
    number = form.item("records-1")
    assert number.score(600) == 1 and number.score(600.0) == 1 and number.score(500) == 0 and number.score(DONT_KNOW) == 0
    oral = form.item("planning-2")
    assert [oral.score(s) for s in (0, 1, 2)] == [0, 1, 2] and oral.score(DONT_KNOW) == 0
    assert form.max_score == 14 + 3 + 2


@pytest.mark.parametrize("item_id, answer", [
    ("costing-2", "money/note-500"),  # a card that is not one of the three
    ("costing-2", 100),
    ("records-1", "six hundred"),
    ("records-1", True),
    ("records-1", float("nan")),
    ("planning-2", 3),
    ("planning-2", "2"),
])
def test_an_answer_the_item_cannot_have_is_refused(real, item_id, answer):
    with pytest.raises(ValueError, match=item_id):
        real.forms["A"].item(item_id).score(answer)


def test_a_yes_no_item_scores_yes_and_no(tmp_path, cards):
    data = _raw("form-a.yaml")
    data["items"][15] = {"id": "law-2", "skill": "law", "type": "yes_no", "question_bn": "দোকানে দামের তালিকা টাঙানো কি ভালো?",
                         "question_en": "Is a price list on show good?", "answer": "yes"}
    item = load_form(_write(tmp_path, data), cards.has_card).item("law-2")
    assert item.score("yes") == 1 and item.score("no") == 0 and item.score(DONT_KNOW) == 0
    with pytest.raises(ValueError):
        item.score("maybe")


# --- refusals -------------------------------------------------------------------------------

def _item(data, item_id):
    return next(i for i in data["items"] if i["id"] == item_id)


def _change(change):
    data = copy.deepcopy(_raw("form-a.yaml"))
    change(data)
    return data


REFUSALS = [
    (lambda d: _item(d, "costing-1")["options"].pop(), "exactly three pictures"),
    (lambda d: _item(d, "costing-1")["options"].append(
        {"card": "costs/milk", "word_bn": "দুধ", "word_en": "milk"}), "exactly three pictures"),
    (lambda d: _item(d, "costing-1").update(answer="costs/milk"), "key 'answer' must be the card of one of the three"),
    (lambda d: _item(d, "costing-1")["options"][0].update(card="costs/unicorn"), "which no card set holds"),
    (lambda d: _item(d, "costing-1")["options"][0].update(card="costs/rent"), "the same picture twice"),
    (lambda d: _item(d, "costing-1")["options"][0].update(word_bn="rice"), "key 'word_bn' must be written in Bangla"),
    (lambda d: _item(d, "costing-1").update(skill="cooking"), "key 'skill' must be one of"),
    (lambda d: _item(d, "costing-1").update(type="essay"), "key 'type' must be one of"),
    (lambda d: _item(d, "costing-1").pop("answer"), "key 'answer' is missing"),
    (lambda d: _item(d, "costing-1").update(question_bn="Which cost?"), "key 'question_bn' must be written in Bangla"),
    (lambda d: _item(d, "costing-1").pop("question_en"), "key 'question_en' must be a non-empty text"),
    (lambda d: _item(d, "pricing-2").update(answer=400), "but its worked example gives 450"),
    (lambda d: _item(d, "pricing-2")["worked"].update(answer_price=460), "'answer_price' is 460"),
    (lambda d: _item(d, "break-even-1")["worked"].update(answer_units=9), "'answer_units' is 9"),
    (lambda d: _item(d, "break-even-1")["worked"].update(tool="magic"), "needs a 'tool'"),
    (lambda d: _item(d, "pricing-2").update(options=[]), "do not belong to a number item"),
    (lambda d: _item(d, "pricing-2").update(answer="450"), "key 'answer' must be a number"),
    (lambda d: _item(d, "planning-2")["rubric"][1].update(score=3), "key 'score' must be 1"),
    (lambda d: _item(d, "planning-2")["rubric"].pop(), None),  # one level left: refused below
    (lambda d: _item(d, "planning-2")["rubric"][2].pop("bn"), "key 'bn' must be a non-empty text"),
    (lambda d: d.update(form="B"), "the file must be named form-b.yaml"),
    (lambda d: d.update(form="C"), "key 'form' must be A or B"),
    (lambda d: d.update(minutes=0), "key 'minutes'"),
    (lambda d: d.update(items=[i for i in d["items"] if i["skill"] != "law"]), "tests no item of the skill(s) ['law']"),
    (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "uses the id(s) ['costing-1'] more than once"),
    (lambda d: d.update(colour="red"), "unknown key(s) ['colour']"),
    (lambda d: d["items"][0].update(hint="x"), "unknown key(s) ['hint']"),
]


@pytest.mark.parametrize("change, message", REFUSALS)
def test_a_bad_form_is_refused_naming_the_file_and_the_key(tmp_path, cards, change, message):
    data = _change(change)
    if message is None:
        _item(data, "planning-2")["rubric"] = _item(data, "planning-2")["rubric"][:1]
        message = "at least two scores"
    with pytest.raises(InstrumentError) as error:
        load_form(_write(tmp_path, data), cards.has_card)
    assert "form-a.yaml" in str(error.value) and message in str(error.value)


def test_a_form_that_is_not_yaml_or_missing_is_refused(tmp_path):
    (tmp_path / "form-a.yaml").write_text("items: [\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="form-a.yaml: not valid YAML"):
        load_form(tmp_path / "form-a.yaml")
    with pytest.raises(InstrumentError, match="form-b.yaml: the file is missing"):
        load_form(tmp_path / "form-b.yaml")


@pytest.mark.parametrize("change, message", [
    (lambda d: _item(d, "costing-1").update(skill="pricing"), "item costing-1 is not parallel"),
    (lambda d: d["items"].reverse(), "the same item ids in the same order"),
    (lambda d: _item(d, "records-1")["worked"]["entries"].append({"item": "tea", "cash_out": 0}),
     "item records-1 is not parallel"),
    (lambda d: _item(d, "pricing-2").update(unit="items"), "item pricing-2 is not parallel"),
    (lambda d: d.update(minutes=60), "key 'minutes' must be the same"),
])
def test_forms_that_are_not_parallel_are_refused(tmp_path, cards, change, message):
    b = copy.deepcopy(_raw("form-b.yaml"))
    change(b)
    a = load_form(FOLDER / "form-a.yaml", cards.has_card)
    with pytest.raises(InstrumentError) as error:
        check_parallel(a, load_form(_write(tmp_path, b, "form-b.yaml"), cards.has_card))
    assert "form-a.yaml and form-b.yaml" in str(error.value) and message in str(error.value)


def test_the_app_does_not_start_with_a_bad_form(tmp_path):
    for name in ("form-a.yaml", "form-b.yaml", "observation-rubric.yaml"):
        (tmp_path / name).write_text((FOLDER / name).read_text(encoding="utf-8"), encoding="utf-8")
    create_app(make_config(ASSESSMENTS_DIR=tmp_path))  # a faithful copy starts
    data = _raw("form-b.yaml")
    _item(data, "loans-1")["options"][0]["card"] = "loan-questions/nothing"
    _write(tmp_path, data, "form-b.yaml")
    with pytest.raises(InstrumentError, match=r"form-b.yaml: key 'items' item 9 \(loans-1\): key 'options' item 1"):
        create_app(make_config(ASSESSMENTS_DIR=tmp_path))


# --- crosswise forms ------------------------------------------------------------------------

def test_crosswise_assignment_gives_half_the_batch_each_form_and_nobody_the_same_twice():
    codes = [f"KHU-2026-{n:04d}" for n in range(1, 26)]
    plan = assign_forms(reversed(codes))
    assert set(plan) == set(codes)
    firsts = [pre for pre, _post in plan.values()]
    assert abs(firsts.count("A") - firsts.count("B")) <= 1
    assert all(pre != post and {pre, post} == {"A", "B"} for pre, post in plan.values())
    assert plan == assign_forms(codes)  # the same batch always gets the same plan
    assert assign_forms([]) == {} and assign_forms(["X"]) == {"X": ("A", "B")}


# --- the observation rubric -----------------------------------------------------------------

def test_the_rubric_scores_each_criterion_1_to_4_in_english_and_bangla(real):
    rubric = real.rubric
    ids = {c.id for c in rubric.criteria}
    assert {"trauma-informed", "pictures", "time-keeping", "participation", "money-accuracy"} <= ids
    for criterion in rubric.criteria:
        assert sorted(criterion.descriptors) == [1, 2, 3, 4]
        assert all(level.en and level.bn for level in criterion.descriptors.values())
    assert sorted(rubric.scale) == [1, 2, 3, 4]


def test_ready_to_lead_needs_no_low_score_and_the_key_criteria_at_three(real):
    rubric = real.rubric
    scores = {c.id: 3 for c in rubric.criteria}
    assert rubric.ready_to_lead(scores)
    assert not rubric.ready_to_lead({**scores, "time-keeping": 1})
    assert rubric.ready_to_lead({**scores, "time-keeping": 2})
    assert not rubric.ready_to_lead({**scores, "money-accuracy": 2})
    with pytest.raises(ValueError):
        rubric.ready_to_lead({**scores, "pictures": 5})
    with pytest.raises(ValueError):
        rubric.ready_to_lead({"pictures": 3})


@pytest.mark.parametrize("change, message", [
    (lambda d: d["criteria"][0]["descriptors"].pop(3), "must describe each score 1, 2, 3 and 4"),
    (lambda d: d["criteria"][0]["descriptors"][2].update(bn="partly"), "key 'bn' must be written in Bangla"),
    (lambda d: d["criteria"][1].update(id=d["criteria"][0]["id"]), "key 'id' must be a new id"),
    (lambda d: d["ready_to_lead"].update(key_criteria=["charisma"]), "key_criteria must name criteria"),
    (lambda d: d["scale"].pop(4), "key 'scale' must name the four scores"),
    (lambda d: d.update(criteria=d["criteria"][:2]), "at least three criteria"),
])
def test_a_bad_rubric_is_refused_naming_the_file_and_the_key(tmp_path, change, message):
    data = copy.deepcopy(_raw("observation-rubric.yaml"))
    change(data)
    path = _write(tmp_path, data, "observation-rubric.yaml")
    with pytest.raises(InstrumentError) as error:
        instruments.load_rubric(path)
    assert "observation-rubric.yaml" in str(error.value) and message in str(error.value)


def test_the_core_module_does_not_import_the_feature_modules():
    tree = ast.parse((ROOT / "edt" / "instruments.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(name and name.startswith("edt.modules") for name in imported), imported


# --- the pages ------------------------------------------------------------------------------

def test_the_test_form_page_reads_each_question_in_bangla_with_its_answer_key(client, login, world, real):
    login(world.facilitator)
    html = client.get("/guide/tests/b").get_data(as_text=True)
    for item in real.forms["B"].items:
        assert item.question_bn.replace('"', "&#34;") in html, item.id
    assert html.count("pc-right") == 14 and "Tk 800" in html and "right answer (picture 3)" in html
    assert 'href="/guide/cards/answer-sheet-b/print"' in html
    assert client.get("/guide/tests/c").status_code == 404 and client.get("/guide/tests/A").status_code == 404


def test_the_rubric_page_shows_every_descriptor(client, login, world, real):
    login(world.trainer)
    html = client.get("/guide/observation-rubric").get_data(as_text=True)
    for criterion in real.rubric.criteria:
        assert criterion.name_bn in html
        for level in criterion.descriptors.values():
            assert level.bn.replace('"', "&#34;").replace("'", "&#39;") in html


# --- the guide page -------------------------------------------------------------------------

def _key(item):
    if item.type == "picture_choice":
        n = [o.card for o in item.options].index(item.answer)
        return f"picture {n + 1}: {item.options[n].word_en}"
    if item.type == "number":
        return f"Tk {item.answer:,}" if item.unit == "taka" else str(item.answer)
    return "spoken: 0, 1 or 2 by the rubric"


def test_the_guide_page_explains_the_crosswise_forms_and_its_key_matches_the_forms(real):
    import re

    source = (ROOT / "facilitator_guide" / "09-pre-post-test-and-follow-up.md").read_text(encoding="utf-8")
    assert "## Two forms, given crosswise" in source and "First half | Form A | Form B" in source
    assert "Second half | Form B | Form A" in source
    for link in ("/guide/tests/a", "/guide/tests/b", "/guide/cards/answer-sheet-a", "/guide/cards/answer-sheet-b"):
        assert f"]({link})" in source, link
    key = source.split("## Answer keys", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| ([\w-]+) \| (.+?) \| (.+?) \|$", key, flags=re.M)
    a, b = real.forms["A"], real.forms["B"]
    assert [int(r[0]) for r in rows] == list(range(1, len(a.items) + 1))
    for (number, skill, in_a, in_b), item_a, item_b in zip(rows, a.items, b.items):
        assert str(SKILLS[item_a.skill][0]) == skill, number
        assert (in_a, in_b) == (_key(item_a), _key(item_b)), number


def test_the_guide_page_budgets_the_test_in_one_45_minute_session(real):
    import re

    source = (ROOT / "facilitator_guide" / "09-pre-post-test-and-follow-up.md").read_text(encoding="utf-8")
    part = source.split("## One way to run the test", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\| (?!Step|---|\*\*)(.+?) \| (.+?) \| (\d+) \|$", part, flags=re.M)
    assert sum(int(minutes) for _step, _who, minutes in steps) == 45 == real.forms["A"].minutes
    assert "| **The session** | | **45** |" in part and "2 per person" in part
