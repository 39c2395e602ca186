"""Picture-card sets: the files (every picture exists, is XML, has a viewBox), the start-up checks
that refuse a bad set, the staff pages and print views, and their links from the guide."""
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from edt import create_app
from edt.cards import MAX_SVG_BYTES, CardLibrary, load_set, read_picture
from edt.config import ROOT
from edt.content import ContentError, Library

from tests.conftest import make_config
from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh

SETS_DIR = ROOT / "facilitator_guide" / "cards"
PICTURES = ROOT / "static" / "cards"
SVG = "{http://www.w3.org/2000/svg}"


def _definitions():
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(SETS_DIR.glob("*.yaml"))}


# --- the files, read without the app's loader -------------------------------------------------

def test_every_card_picture_exists_parses_as_svg_and_has_a_viewbox():
    checked = 0
    for set_id, data in _definitions().items():
        for card in data["cards"]:
            path = PICTURES / card.get("svg", f"{set_id}/{card['id']}.svg")
            assert path.is_file(), f"{set_id}/{card['id']}: {path} is missing"
            root = ET.parse(path).getroot()
            assert root.tag == SVG + "svg", path
            box = [float(n) for n in root.get("viewBox", "").split()]
            assert len(box) == 4 and box[2] > 0 and box[3] > 0, f"{path}: viewBox {root.get('viewBox')!r}"
            assert path.stat().st_size <= MAX_SVG_BYTES, path
            assert not any(el.tag.endswith(("script", "image", "foreignObject")) for el in root.iter()), path
            checked += 1
    assert checked >= 250


def test_every_picture_file_belongs_to_a_card():
    used = {card.get("svg", f"{set_id}/{card['id']}.svg")
            for set_id, data in _definitions().items() for card in data["cards"]}
    files = {str(p.relative_to(PICTURES)) for p in PICTURES.rglob("*.svg")}
    assert files - used == set(), "pictures no card uses"


def test_the_sets_the_sessions_need_are_all_there():
    sets = _definitions()
    for needed in ("idea-screening", "value-chain", "costs", "cash-book", "risks", "business-game", "canvas",
                   "tally", "answer-sheet-a", "answer-sheet-b", "money", "two-pots", "feelings"):
        assert needed in sets, needed
    assert len(sets) >= 20
    groups = {card.get("group") for card in sets["costs"]["cards"]}
    assert {"fixed", "variable"} <= groups
    game = {card["id"] for card in sets["business-game"]["cards"]}
    assert {"buy-inputs", "make", "sell", "pay-rent", "give-baki", "collect-baki", "flood", "illness"} <= game


def test_every_card_has_a_bangla_word_under_its_picture():
    for set_id, data in _definitions().items():
        assert re.search(r"[\u0980-\u09FF]", data["title_bn"]), set_id
        for card in data["cards"]:
            assert re.search(r"[\u0980-\u09FF]", card["word_bn"]), f"{set_id}/{card['id']}"
            assert card["word_en"].strip(), f"{set_id}/{card['id']}"


def test_every_use_names_a_real_session_or_guide_page():
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    for set_id, data in _definitions().items():
        for use in data["used_in"]:
            if "guide" in use:
                assert use["guide"] in lib.guide, f"{set_id}: no guide page {use['guide']!r}"
            else:
                titles = [s["title"] for s in lib.days[use["day"]].meta["sessions"]]
                assert use["session"] in titles, f"{set_id}: day {use['day']} has no session {use['session']!r}"


def test_every_day_from_one_to_ten_uses_some_cards():
    days = {use["day"] for data in _definitions().values() for use in data["used_in"] if "day" in use}
    assert days == set(range(1, 11))


# --- the loader refuses bad files, naming the file and the key --------------------------------

GOOD = """title_en: Test set
title_bn: পরীক্ষার কার্ড
summary: Cards for a test.
used_in:
  - {day: 8, session: Risk cards}
cards:
  - {id: flood, word_bn: বন্যা, word_en: flood}
"""
PICTURE = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><g fill="none" stroke="#000">'
           '<path d="M0 0 L10 10"/></g></svg>')


def _load(tmp_path, text=GOOD, picture=PICTURE, name="test-set.yaml"):
    (tmp_path / "sets").mkdir(exist_ok=True)
    (tmp_path / "pics" / "test-set").mkdir(parents=True, exist_ok=True)
    (tmp_path / "sets" / name).write_text(text, encoding="utf-8")
    if picture is not None:
        (tmp_path / "pics" / "test-set" / "flood.svg").write_text(picture, encoding="utf-8")
    return load_set(tmp_path / "sets" / name, tmp_path / "pics")


def test_a_good_set_loads(tmp_path):
    card_set = _load(tmp_path)
    assert card_set.cards[0].ref == "test-set/flood" and card_set.cards[0].picture.view_box == "0 0 100 100"


@pytest.mark.parametrize("text, picture, message", [
    (GOOD.replace("word_bn: বন্যা, ", ""), PICTURE, "key 'word_bn' must be a non-empty text"),
    (GOOD.replace("word_bn: বন্যা", "word_bn: flood"), PICTURE, "key 'word_bn' must be written in Bangla"),
    (GOOD.replace("title_bn: পরীক্ষার কার্ড\n", ""), PICTURE, "key 'title_bn'"),
    (GOOD, None, "key 'svg': the picture test-set/flood.svg does not exist"),
    (GOOD, PICTURE.replace(' viewBox="0 0 100 100"', ""), "needs a viewBox"),
    (GOOD, PICTURE.replace("0 0 100 100", "0 0 0 100"), "needs a viewBox"),
    (GOOD, PICTURE.replace("<path", "<script>alert(1)</script><path"), "uses <script>"),
    (GOOD, PICTURE.replace("<path", '<path style="fill:red"'), "carries ['style']"),
    (GOOD, PICTURE.replace("<path", '<path onclick="x()"'), "carries ['onclick']"),
    (GOOD, PICTURE.replace("<path", '<image href="http://example.org/x.png"/><path'), "uses <image>"),
    (GOOD, PICTURE.replace("</svg>", ""), "is not valid XML"),
    (GOOD, '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]>' + PICTURE, "DOCTYPE"),
    (GOOD, PICTURE.replace("<path", "<path d='" + "M0 0 " * 600 + "'/><path"), "keep pictures under"),
    (GOOD + "  - {id: flood, word_bn: বন্যা, word_en: again}\n", PICTURE, "'flood' is used twice"),
    (GOOD.replace("day: 8", "day: 11"), PICTURE, "key 'used_in' item 1: 'day' must be a day from 1 to 10"),
    (GOOD.replace("used_in:\n  - {day: 8, session: Risk cards}\n", "used_in: []\n"), PICTURE, "key 'used_in'"),
    (GOOD + "layout: poster\n", PICTURE, "key 'layout' must be one of"),
    (GOOD + "per_sheet: 7\n", PICTURE, "key 'per_sheet'"),
    (GOOD + "layout: table\ncolumns: [flood, rain]\nrows: 3\n", PICTURE, "key 'columns' names cards"),
    (GOOD + "layout: canvas\n", PICTURE, "must be the nine blocks"),
    (GOOD + "layout: answer_sheet\nform: C\n", PICTURE, "key 'form' must be A or B"),
    (GOOD + "colour: red\n", PICTURE, "unknown key(s) ['colour']"),
    (GOOD.replace("{id: flood,", "{id: Flood Card,"), PICTURE, "key 'id' must be lower case"),
])
def test_a_bad_set_is_refused_naming_the_file_and_the_key(tmp_path, text, picture, message):
    with pytest.raises(ContentError) as error:
        _load(tmp_path, text, picture)
    assert "test-set.yaml" in str(error.value) and message in str(error.value)


def test_a_picture_in_the_house_style_is_inlined_without_its_wrapper(tmp_path):
    house = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><g fill="none" stroke="#000" '
             'stroke-width="3" stroke-linecap="round" stroke-linejoin="round" '
             'font-family="Noto Sans Bengali,sans-serif"><circle cx="5" cy="5" r="4"/></g></svg>')
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.svg").write_text(house)
    assert str(read_picture(tmp_path, "s/a.svg", "x").inner) == '<circle cx="5" cy="5" r="4"/>'
    (tmp_path / "s" / "b.svg").write_text(PICTURE)
    assert str(read_picture(tmp_path, "s/b.svg", "x").inner).startswith('<g fill="none" stroke="#000">')


def test_the_app_does_not_start_with_a_bad_card_set(tmp_path):
    _load(tmp_path)
    (tmp_path / "sets" / "test-set.yaml").write_text(GOOD.replace("word_en: flood", "word_en: ''"), encoding="utf-8")
    with pytest.raises(ContentError, match=r"test-set.yaml: key 'cards' item 1 \(flood\): key 'word_en'"):
        create_app(make_config(CARDS_DIR=tmp_path / "sets", CARD_PICTURES_DIR=tmp_path / "pics"))


def test_an_answer_sheet_must_name_form_a_or_b(tmp_path):
    (tmp_path / "sets").mkdir()
    for path in SETS_DIR.glob("*.yaml"):
        (tmp_path / "sets" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "sets" / "answer-sheet-b.yaml").read_text(encoding="utf-8")
    (tmp_path / "sets" / "answer-sheet-b.yaml").write_text(text.replace("form: B", "form: Q"), encoding="utf-8")
    with pytest.raises(ContentError, match="answer-sheet-b.yaml: key 'form' must be A or B"):
        create_app(make_config(CARDS_DIR=tmp_path / "sets"))


def test_an_answer_sheet_without_the_picture_a_question_needs_stops_start_up(tmp_path):
    (tmp_path / "sets").mkdir()
    for path in SETS_DIR.glob("*.yaml"):
        (tmp_path / "sets" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load((tmp_path / "sets" / "answer-sheet-a.yaml").read_text(encoding="utf-8"))
    data["cards"] = [c for c in data["cards"] if c["id"] != "oral"]
    (tmp_path / "sets" / "answer-sheet-a.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="answer-sheet-a.yaml: key 'cards' needs the card 'oral' for the oral"):
        create_app(make_config(CARDS_DIR=tmp_path / "sets"))


# --- the library ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cards():
    from edt import instruments

    library = CardLibrary(SETS_DIR, PICTURES)
    library.paginate(instruments.load(ROOT / "facilitator_guide" / "assessments", library.has_card).forms)
    return library


def test_sheets_hold_6_to_12_cards_and_every_card_is_printed(cards):
    for card_set in cards.sets.values():
        printed = set()
        for sheet in card_set.sheets:
            printed |= {c.id for c in sheet.cards + sheet.columns}
            if sheet.kind == "grid":
                cols, rows = sheet.grid
                assert 6 <= cols * rows <= 12 and len(sheet.cards) <= cols * rows
        if card_set.layout == "answer_sheet":  # its own pictures print where a question needs them
            assert "dont-know" in printed and printed <= {c.id for c in card_set.cards}
        else:
            assert printed == {c.id for c in card_set.cards}, card_set.id
        assert sorted(i for part in card_set.parts for i in part) == list(range(len(card_set.sheets)))


def test_the_answer_sheets_show_every_item_of_their_form(cards):
    from edt import instruments

    forms = instruments.load(ROOT / "facilitator_guide" / "assessments", cards.has_card).forms
    for set_id, form in (("answer-sheet-a", "A"), ("answer-sheet-b", "B")):
        sheets = cards.sets[set_id].sheets
        assert [i.id for s in sheets for i in s.items] == [i.id for i in forms[form].items]


# --- the pages --------------------------------------------------------------------------------

def test_the_index_lists_every_set_with_its_print_view(client, login, world, cards):
    login(world.facilitator)
    html = client.get("/guide/cards").get_data(as_text=True)
    for card_set in cards.sets.values():
        assert f'href="/guide/cards/{card_set.id}"' in html and card_set.title_bn in html
        assert f'href="/guide/cards/{card_set.id}/print?part=1"' in html
    assert client.get("/guide/").get_data(as_text=True).count('href="/guide/cards"') == 1


def test_a_set_page_shows_each_card_its_word_and_note_and_where_it_is_used(client, login, world, cards):
    login(world.trainer)
    html = client.get("/guide/cards/costs").get_data(as_text=True)
    for card in cards.sets["costs"].cards:
        assert card.word_bn in html and f'href="#{card.picture.symbol_id}"' in html
    assert "Tricky: fixed if paid by the month" in html
    assert 'href="/guide/day-05-sessions#fixed-and-variable-costs"' in html


def test_the_print_view_lays_the_set_out_on_a4_sheets_without_navigation(client, login, world, cards):
    login(world.facilitator)
    for card_set in cards.sets.values():
        for part, sheets in enumerate(card_set.parts, 1):
            html = client.get(f"/guide/cards/{card_set.id}/print?part={part}").get_data(as_text=True)
            assert html.count('<section class="pc-sheet') == len(sheets), card_set.id
            assert "Log out" not in html and 'class="top"' not in html and "/static/css/edt.css" not in html
            for index in sheets:
                sheet = card_set.sheets[index]
                for card in sheet.cards + sheet.columns:
                    assert card.word_bn in html, f"{card_set.id}/{card.id}"
            # each picture once, as a symbol; each card draws it with <use>
            ids = re.findall(r'<symbol id="([^"]+)"', html)
            assert len(ids) == len(set(ids)) and set(re.findall(r'<use href="#([^"]+)"', html)) == set(ids)
    css = client.get("/static/css/cards.css").get_data(as_text=True)
    assert "@page{size:A4" in css and "dashed" in css and "NotoSansBengali-Regular.ttf" in css


def test_the_canvas_prints_the_nine_blocks_and_the_licence_line(client, login, world):
    login(world.facilitator)
    html = client.get("/guide/cards/canvas/print").get_data(as_text=True)
    assert html.count('class="pc-block') == 9 and "licensed under CC BY-SA 3.0" in html


def test_an_answer_sheet_has_the_code_box_and_a_dont_know_box_on_every_row(client, login, world):
    login(world.facilitator)
    html = client.get("/guide/cards/answer-sheet-b/print").get_data(as_text=True)
    rows = html.count('<li class="pc-arow')
    assert rows == 18 and html.count('class="pc-option pc-dk"') == rows
    assert html.count("কোড") == 2 and "যাচাই, ফর্ম খ" in html
    assert html.count('class="pc-write"') == 3 and html.count('class="pc-circle"') == 3  # number items; oral 0-2


def test_unknown_sets_and_parts_are_not_found(client, login, world):
    login(world.facilitator)
    assert client.get("/guide/cards/nothing").status_code == 404
    assert client.get("/guide/cards/nothing/print").status_code == 404
    for part in ("0", "2", "x", "-1", "99999999999999999999"):
        assert client.get(f"/guide/cards/feelings/print?part={part}").status_code in (400, 404), part


def test_every_card_page_and_print_part_fits_the_page_budget(client, login, world, cards):
    login(world.facilitator)
    urls = ["/guide/cards"] + [f"/guide/cards/{s.id}" for s in cards.sets.values()] + [
        f"/guide/cards/{s.id}/print?part={n}" for s in cards.sets.values() for n in range(1, len(s.parts) + 1)]
    for url in urls:
        status, total, requests = weigh(client, url)
        assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (url, total, requests)


def test_session_plans_link_each_session_to_the_sets_it_uses(client, login, world, cards):
    login(world.facilitator)
    html = client.get("/guide/day-05-sessions").get_data(as_text=True)
    section = html.split('id="fixed-and-variable-costs"', 1)[1].split("<h2", 1)[0]
    assert 'href="/guide/cards/costs"' in section
    assert 'href="/guide/cards/money"' not in section  # money serves "What one item costs", further down
    assert 'href="/guide/cards/money"' in html.split('id="what-one-item-costs"', 1)[1].split("<h2", 1)[0]
    for day in range(1, 11):
        page = client.get(f"/guide/day-{day:02d}-sessions").get_data(as_text=True)
        assert 'href="/guide/cards/' in page, day
    guide = client.get("/guide/participant-tools").get_data(as_text=True)
    assert 'href="/guide/cards/risks"' in guide and 'href="/guide/cards/cash-book"' in guide


def test_bengali_digits_with_bangladeshi_grouping():
    from edt.formats import bn_digits

    assert bn_digits(100000) == "১,০০,০০০" and bn_digits(1000) == "১,০০০" and bn_digits(18) == "১৮"
    assert bn_digits(12345678) == "১,২৩,৪৫,৬৭৮" and bn_digits(-450) == "-৪৫০" and bn_digits("৳") == "৳"
