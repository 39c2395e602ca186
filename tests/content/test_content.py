"""The curriculum and the facilitator guide: schema, arithmetic, links, words, do-no-harm."""
import re

import pytest

from edt import money
from edt.cards import CardLibrary
from edt.config import ROOT
from edt.content import CANVAS_BLOCKS, TOOLS, ContentError, Library, bengali_digits, block_anchor, search_key

BANNED = re.compile(r"traffick|survivor|victim|ট্রাফিকিং|পাচার|ভুক্তভোগী|ভিকটিম|সারভাইভার", re.I)
BENGALI = re.compile(r"[\u0980-\u09FF]")
PLAN_LABELS = ["**Objectives:**", "**Time:**", "**Materials:**", "**Steps:**", "**Key messages:**",
               "**Debrief questions:**", "**Adaptation for participants who cannot read:**"]


@pytest.fixture(scope="module")
def lib():
    return Library(ROOT / "curriculum", ROOT / "facilitator_guide")


def test_ten_days_with_complete_front_matter(lib):
    assert sorted(lib.days) == list(range(1, 11))
    for number, page in lib.days.items():
        meta = page.meta
        assert meta["summary"].strip() and page.bn.summary.strip()
        assert BENGALI.search(page.bn.summary), f"day {number}: the Bangla summary is not Bangla"
        assert sum(s["minutes"] for s in meta["sessions"]) == meta["duration_minutes"]
        assert 3 <= len(meta["objectives"]) <= 8
        assert set(meta["tools"]) <= set(TOOLS)


def test_the_ten_days_cover_all_nine_canvas_blocks_each_with_its_section(lib):
    covered = set()
    for page in lib.days.values():
        for key in page.meta["canvas_blocks"]:
            covered.add(key)
            assert f'id="{block_anchor(key)}"' in page.html, f"day {page.meta['day']}: no section for {key}"
    assert covered == set(CANVAS_BLOCKS)


def test_every_day_has_1200_words_and_both_take_home_boxes(lib):
    for number, page in lib.days.items():
        assert page.words >= 1200, f"day {number}: {page.words} words"
        assert set(page.takehome) == {"en", "bn"}, f"day {number}: take-home boxes"
        for locale, box in page.takehome.items():
            text = re.sub(r"<[^>]+>", " ", str(box))
            sentences = [s for s in re.split(r"[.!?।]\s", text) if len(s.split()) > 2]
            assert 3 <= len(sentences) <= 7, f"day {number} {locale}: {len(sentences)} sentences"
        assert re.search(r"[\u0980-\u09FF]", str(page.takehome["bn"]))


def _check(tool, ex):
    """Recompute a worked example with the app's own formulas."""
    close = lambda a, b, tol=0.5: abs(a - b) <= tol + 1e-9  # noqa: E731
    if tool == "unit_cost":
        return close(money.unit_cost(ex["costs"], ex["units"]), ex["answer_unit_cost"])
    if tool == "cost_plus_price":
        ok = close(money.cost_plus_price(ex["unit_cost"], ex["markup_percent"]), ex["answer_price"])
        if "answer_margin_percent" in ex:
            ok = ok and close(money.margin_percent(ex["markup_percent"]), ex["answer_margin_percent"], 0.05)
        return ok
    if tool == "break_even":
        return money.break_even_units(ex["fixed_costs"], ex["price"], ex["variable_cost"]) == ex["answer_units"]
    if tool == "cash_book":
        return close(money.cash_book_balance(ex["opening_balance"], ex["entries"]), ex["answer_closing_balance"])
    if tool == "cash_flow_calendar":
        got = money.cash_flow_balances(ex["opening_balance"], ex["months"])
        return len(got) == len(ex["answer_closing_balances"]) and all(
            close(a, b) for a, b in zip(got, ex["answer_closing_balances"]))
    if tool == "savings":
        return close(money.savings_total(ex["amount_per_period"], ex["periods"]), ex["answer_total"])
    if tool in ("flat_loan", "declining_loan"):
        compute = money.flat_loan if tool == "flat_loan" else money.declining_loan
        instalment, interest = compute(ex["principal"], ex["annual_rate_percent"], ex["months"])
        return close(instalment, ex["answer_instalment"]) and close(interest, ex["answer_total_interest"])
    if tool == "weekly_loan":
        instalment, interest = money.weekly_loan(ex["principal"], ex["annual_rate_percent"], ex["weeks"],
                                                 ex["method"], ex.get("term_weeks", money.WEEKS_A_YEAR))
        return close(instalment, ex["answer_instalment"]) and close(interest, ex["answer_total_interest"])
    if tool == "startup_budget":
        figures = _startup_figures(ex)
        ok = (close(figures.startup_total, ex["answer_startup_total"])
              and close(figures.money_available, ex["answer_money_available"])
              and close(figures.funding_gap, ex["answer_funding_gap"]))
        if "answer_monthly_instalment" in ex:
            ok = ok and figures.loan is not None and close(figures.loan.instalment, ex["answer_monthly_instalment"])
        return ok
    raise AssertionError(f"unknown tool {tool}")


def _startup_figures(ex):
    """A start-up budget as the participant types it into the financial-plan form: each item with how
    many and the cost of one, own money, and the loan (amount, % a year, flat or declining, months)."""
    from edt.modules.canvas import plan

    return plan.compute(plan.PlanInput(
        startup=[plan.CostLine(i["item"], i["cost_each"], i["quantity"]) for i in ex["items"]],
        own_money=ex["own_money"], loan_amount=ex["loan_amount"], loan_rate=ex.get("loan_rate", 0),
        loan_method=ex.get("loan_method", "declining"), loan_months=ex.get("loan_months", 12)))


def test_every_money_tool_has_a_worked_example_and_every_figure_is_right(lib):
    taught = set()
    for number, page in lib.days.items():
        for tool in page.meta["tools"]:
            examples = page.meta["examples"][tool]
            assert examples, f"day {number}: no worked example for {tool}"
            for example in examples:
                assert _check(tool, example), f"day {number}: wrong figure in {tool} example {example.get('label')}"
            taught.add(tool)
    # Day 5 costing and break-even, day 6 cash book, day 7 cash flow, savings, the start-up budget and
    # the loan kinds (monthly as the app counts them, weekly as microcredit is repaid).
    assert taught == set(TOOLS)
    assert {"unit_cost", "cost_plus_price", "break_even"} <= set(lib.days[5].meta["tools"])
    assert "cash_book" in lib.days[6].meta["tools"]
    assert {"cash_flow_calendar", "savings", "flat_loan", "declining_loan", "weekly_loan",
            "startup_budget"} <= set(lib.days[7].meta["tools"])


def test_the_check_catches_a_wrong_figure():
    assert not _check("break_even", {"fixed_costs": 1500, "price": 25, "variable_cost": 15, "answer_units": 149})
    assert not _check("flat_loan", {"principal": 20000, "annual_rate_percent": 12, "months": 12,
                                    "answer_instalment": 1867, "answer_total_interest": 2000})
    weekly = {"principal": 20000, "annual_rate_percent": 24, "weeks": 46, "method": "declining",
              "answer_instalment": 484, "answer_total_interest": 2244}
    assert _check("weekly_loan", weekly)
    assert not _check("weekly_loan", {**weekly, "method": "flat"})
    budget = {"items": [{"item": "Chicks", "quantity": 100, "cost_each": 30}, {"item": "Shed", "quantity": 1,
                                                                               "cost_each": 7000}],
              "own_money": 4000, "loan_amount": 5000, "answer_startup_total": 10000,
              "answer_money_available": 9000, "answer_funding_gap": 1000}
    assert _check("startup_budget", budget)
    assert not _check("startup_budget", {**budget, "answer_funding_gap": 0})


def test_nothing_participants_read_mentions_trafficking(lib):
    paths = sorted((ROOT / "curriculum").glob("*.md"))
    assert len([p for p in paths if p.name.endswith(".bn.md")]) == 10  # the Bangla files are read too
    for path in paths:
        assert not BANNED.search(path.read_text(encoding="utf-8")), path.name


def test_the_banned_words_check_catches_bangla_and_english():
    for text in ("পাচারকারী", "ভুক্তভোগী নারী", "ট্রাফিকিং", "ভিকটিম", "সারভাইভার",
                 "a Survivor", "trafficked"):
        assert BANNED.search(text), text


def test_every_day_is_in_bangla_too(lib):
    """Title, summary, objectives (to the participant), sessions, every section and the take-home box."""
    for number, page in lib.days.items():
        bn = page.bn
        assert BENGALI.search(bn.title) and BENGALI.search(bn.summary), f"day {number}"
        assert all(o.startswith("আপনি") for o in bn.meta["objectives"]), f"day {number}: objectives say আপনি"
        assert len(bn.meta["objectives"]) == len(page.meta["objectives"])
        assert [s["title"] for s in page.sessions_for("bn")] == bn.meta["sessions"]
        assert all(BENGALI.search(s) for s in bn.meta["sessions"])
        en_ids = [s.anchor for s in page.sections if s.anchor]
        bn_ids = [s.anchor for s in bn.sections if s.anchor]
        assert [a for a in en_ids if a in bn_ids] == [a for a in bn_ids if a in en_ids]
        box = re.sub(r"<[^>]+>", " ", str(bn.takehome["bn"]))
        assert 3 <= len([s for s in re.split(r"[।?!]\s", box) if len(s.split()) > 2]) <= 7, f"day {number}"


def _front_and_body(path):
    text = path.read_text(encoding="utf-8")
    front, body = text.split("\n---\n", 1)
    return front, body


def test_bangla_files_write_numbers_in_bengali_digits_and_no_latin_words(lib):
    """Outside link targets, section ids and list numbering, the Bangla files have no ASCII digit and
    no Latin letter: a participant reads every number and word in Bangla."""
    for path in sorted((ROOT / "curriculum").glob("*.bn.md")):
        front, body = _front_and_body(path)
        front = re.sub(r"^(\s*)[a-z_]+:", r"\1", front, flags=re.M).replace("day: ", "")
        front = re.sub(r"^\s*\d+\s*$", "", front, flags=re.M)
        body = re.sub(r"\]\([^)]*\)", "]", body)
        body = re.sub(r"\{\s*#[^}]*\}", "", body)
        body = re.sub(r"^\s*\d+\.\s", "", body, flags=re.M)
        body = re.sub(r"^!!! [a-z-]+", "", body, flags=re.M)
        for part, text in (("front matter", front.replace("---", "")), ("body", body)):
            digits = re.findall(r".{0,20}[0-9].{0,20}", text)
            assert not digits, f"{path.name} {part}: ASCII digits in {digits[:3]}"
            latin = re.findall(r".{0,20}[A-Za-z].{0,20}", text)
            assert not latin, f"{path.name} {part}: Latin letters in {latin[:3]}"


def bangla_number(value) -> str:
    """A figure as the Bangla text writes it: Bengali digits, Bangladeshi grouping (১,০০,০০০)."""
    value = abs(value)
    written = f"{value:.10f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    whole, _, decimals = written.partition(".")
    groups = [whole[-3:]] + [whole[max(0, i - 2):i] for i in range(len(whole) - 3, 0, -2)]
    text = ",".join(reversed([g for g in groups if g])) + (f".{decimals}" if decimals else "")
    return bengali_digits(text)


def test_bangla_numbers_are_grouped_the_bangladeshi_way():
    assert bangla_number(100000) == "১,০০,০০০" and bangla_number(17100) == "১৭,১০০"
    assert bangla_number(440) == "৪৪০" and bangla_number(28.6) == "২৮.৬" and bangla_number(20.0) == "২০"
    assert bangla_number(-1300) == "১,৩০০" and bangla_number(1234567) == "১২,৩৪,৫৬৭"


def _answers(example):
    for key, value in example.items():
        if key.startswith("answer_"):
            yield from (value if isinstance(value, list) else [value])


def test_every_worked_example_answer_is_in_the_bangla_text_in_bengali_digits(lib):
    for number, page in lib.days.items():
        text = re.sub(r"<[^>]+>", " ", str(page.bn.html))
        for tool, examples in (page.meta.get("examples") or {}).items():
            for example in examples:
                for answer in _answers(example):
                    assert bangla_number(answer) in text, (
                        f"day {number}: {tool} answer {answer} ({example['label']}) is not in the Bangla "
                        f"text as {bangla_number(answer)}")


def test_law_figures_sit_in_check_locally_boxes(lib):
    page = lib.days[9]
    assert page.html.count('class="admonition check"') >= 5
    for topic in ("trade licence", "e-TIN", "BSTI", "Consumer", "SME Foundation", "Joyeeta"):
        assert topic.lower() in page.html.lower(), topic


def _links(html):
    return re.findall(r'href="(/[^"]*)"', html)


def test_every_internal_link_and_anchor_resolves(lib):
    targets = {}
    for page in list(lib.days.values()) + list(lib.guide.values()):
        targets[page.url_path] = set(re.findall(r'id="([^"]+)"', page.html))
    # the guide also links to the printable card sets, the test scripts and the observation rubric
    cards = CardLibrary(ROOT / "facilitator_guide" / "cards", ROOT / "static" / "cards")
    targets.update({f"/guide/cards/{s}": set() for s in cards.sets})
    targets.update({"/guide/cards": set(), "/guide/tests/a": set(), "/guide/tests/b": set(),
                    "/guide/observation-rubric": set()})
    for page in list(lib.days.values()) + list(lib.guide.values()):
        for link in _links(page.html):
            path, _, anchor = link.partition("#")
            assert path in targets or path in ("/curriculum/", "/guide/"), f"{page.url_path}: broken link {link}"
            if anchor:
                assert anchor in targets.get(path, set()), f"{page.url_path}: missing anchor {link}"
            if page.kind == "day":
                assert not path.startswith("/guide"), f"{page.url_path} links to the staff-only guide"


def test_guide_has_every_section_and_10000_words(lib):
    slugs = set(lib.guide)
    for slug in ("purpose-and-use", "programme-at-a-glance", "trauma-informed-practice",
                 "confidentiality-and-distress", "low-literacy-methods", "logistics", "participant-tools",
                 "energizers-and-grounding", "pre-post-test-and-follow-up", "law-and-finance-sheets",
                 "master-trainer-guide", "certificates-and-photo-consent", "bangla-glossary"):
        assert slug in slugs, slug
    assert sum(p.words for p in lib.guide.values()) >= 10000


def test_a_session_plan_for_every_session_of_every_day(lib):
    for number, day in lib.days.items():
        plans = lib.session_plans(number)
        assert plans is not None, f"day {number}: no session-plan page"
        source = (ROOT / "facilitator_guide" / f"{20 + number}-{plans.slug}.md").read_text(encoding="utf-8")
        sections = {part.split("\n", 1)[0].strip(): part for part in re.split(r"^## ", source, flags=re.M)[1:]}
        for session in day.meta["sessions"]:
            section = sections.get(session["title"])
            assert section, f"day {number}: no plan for session {session['title']!r}"
            positions = [section.find(label) for label in PLAN_LABELS]
            assert -1 not in positions and positions == sorted(positions), f"day {number}: {session['title']}"
            if re.search(r"money|loan|debt|family|cash|saving", session["title"], re.I):
                assert "**Trauma-informed note:**" in section, f"day {number}: {session['title']} needs a note"


def test_glossary_has_bangla_beside_english(lib):
    page = lib.guide["bangla-glossary"]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page.html, re.S)
    assert len(rows) >= 50
    assert all(re.search(r"[\u0980-\u09FF]", bangla) for _, bangla in rows)


# --- the engine -------------------------------------------------------------------------------

DAY = """---
day: 1
title: T
summary: S
duration_minutes: 30
objectives: [a, b]
sessions:
  - {title: One, minutes: 15}
  - {title: Two, minutes: 15}
canvas_blocks: []
tools: []
---
## Heading {#heading}
Body about profit.

## Prices { #prices }
More.

!!! check "Check locally"
    A rule that changes.

!!! takehome "Take home"
    One thing to keep. Another thing to keep. A third thing to keep.
"""

BN_DAY = """---
day: 1
title: শিরোনাম
summary: সারকথা
objectives: [আপনি এক, আপনি দুই]
sessions: [এক, দুই]
---
## শুরু {#heading}
লাভের কথা।

## দাম {#prices}
আরও কথা।

!!! check "নিজের এলাকায় খোঁজ নিন"
    নিয়মটা বদলায়।

!!! takehome "যা মনে রাখবেন"
    প্রথম কথাটা মনে রাখুন। দ্বিতীয় কথাটা মনে রাখুন। তৃতীয় কথাটা মনে রাখুন।
"""


def _lib_with(tmp_path, text, name="day-01-x.md", bangla=BN_DAY):
    (tmp_path / "c").mkdir(exist_ok=True)
    (tmp_path / "g").mkdir(exist_ok=True)
    (tmp_path / "c" / name).write_text(text, encoding="utf-8")
    if bangla is not None:
        (tmp_path / "c" / name.replace(".md", ".bn.md")).write_text(bangla, encoding="utf-8")
    return Library(tmp_path / "c", tmp_path / "g")


def test_a_valid_file_loads(tmp_path):
    day = _lib_with(tmp_path, DAY).days[1]
    assert day.title == "T" and day.bn.title == "শিরোনাম" and day.title_for("bn") == "শিরোনাম"
    assert [s["title"] for s in day.sessions_for("bn")] == ["এক", "দুই"]
    assert [s["minutes"] for s in day.sessions_for("bn")] == [15, 15]
    assert set(day.takehome) == {"en", "bn"} and "যা মনে রাখবেন" in day.takehome["bn"]


@pytest.mark.parametrize("broken, message", [
    (DAY.replace("duration_minutes: 30", "duration_minutes: 40"), "minutes add up"),
    (DAY.replace("summary: S\n", ""), "missing key 'summary'"),
    (DAY.replace("summary: S\n", "summary: S\nsummary_bn: স\n"), "key 'summary_bn' has moved"),
    (DAY.replace("canvas_blocks: []", "canvas_blocks: [goats]"), "unknown value"),
    (DAY.replace("tools: []", "tools: [break_even]"), "worked example"),
    (DAY.replace("day: 1", "day: 2"), "key 'day'"),
    (DAY.replace("---\nday", "day", 1), "front matter"),
    (DAY.replace("## Heading {#heading}", "## Heading"), "'## Heading' needs an explicit id"),
    (DAY.replace('!!! takehome "Take home"', '!!! note "Take home"'),
     "exactly one '!!! takehome' box, found 0"),
    (DAY + '\n!!! takehome-bn "যা মনে রাখবেন"\n    এক।\n', "'!!! takehome-bn' box has moved"),
])
def test_a_bad_file_stops_start_up_naming_file_and_key(tmp_path, broken, message):
    with pytest.raises(ContentError) as error:
        _lib_with(tmp_path, broken)
    assert "day-01-x.md" in str(error.value) and message in str(error.value)


WEEKLY = ("tools: [weekly_loan]\nexamples:\n  weekly_loan:\n    - {label: L, principal: 20000, "
          "annual_rate_percent: 24, weeks: 46, method: declining, answer_instalment: 484, "
          "answer_total_interest: 2244}")


@pytest.mark.parametrize("example, message", [
    (WEEKLY, None),
    (WEEKLY.replace("method: declining", "method: weekly"), "method must be one of"),
    (WEEKLY.replace("weeks: 46", "weeks: 4.5"), "whole number of weeks"),
    (WEEKLY.replace(", answer_total_interest: 2244", ""), "missing ['answer_total_interest']"),
    ("tools: [startup_budget]\nexamples:\n  startup_budget:\n    - {label: B, items: [{item: Shed, cost_each: 10}], "
     "own_money: 0, loan_amount: 0, answer_startup_total: 10, answer_money_available: 0, answer_funding_gap: 10}",
     "items must list"),
])
def test_a_weekly_loan_or_start_up_example_of_the_wrong_shape_stops_start_up(tmp_path, example, message):
    text = DAY.replace("tools: []", example)
    if message is None:
        assert _lib_with(tmp_path, text).days[1].meta["examples"]["weekly_loan"][0]["weeks"] == 46
        return
    with pytest.raises(ContentError) as error:
        _lib_with(tmp_path, text)
    assert "day-01-x.md" in str(error.value) and message in str(error.value)


def _refusal(tmp_path, bangla, english=DAY):
    with pytest.raises(ContentError) as error:
        _lib_with(tmp_path, english, bangla=bangla)
    return str(error.value)


def test_a_day_without_its_bangla_file_stops_start_up(tmp_path):
    assert _refusal(tmp_path, None) == "day-01-x.md: the Bangla file day-01-x.bn.md is missing"


def test_a_bangla_file_without_its_english_day_stops_start_up(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "day-02-y.bn.md").write_text(BN_DAY, encoding="utf-8")
    with pytest.raises(ContentError, match="day-02-y.bn.md: a Bangla file needs its English day file "
                                           "day-02-y.md"):
        _lib_with(tmp_path, DAY)


def test_a_section_missing_from_the_bangla_stops_start_up_naming_file_and_section(tmp_path):
    bangla = BN_DAY.replace("## দাম {#prices}\nআরও কথা।\n", "")
    assert _refusal(tmp_path, bangla) == "day-01-x.bn.md: section id 'prices' of day-01-x.md is missing"


def test_a_bangla_heading_without_an_id_stops_start_up(tmp_path):
    message = _refusal(tmp_path, BN_DAY.replace("## দাম {#prices}", "## দাম"))
    assert message.startswith("day-01-x.bn.md: the heading '## দাম' needs an explicit id")


def test_a_bangla_section_the_english_does_not_have_stops_start_up(tmp_path):
    message = _refusal(tmp_path, BN_DAY + "\n## বাড়তি {#extra}\nকথা।\n")
    assert message == "day-01-x.bn.md: section id 'extra' is not in day-01-x.md"


def test_bangla_sections_in_another_order_stop_start_up(tmp_path):
    swapped = BN_DAY.replace("## শুরু {#heading}\nলাভের কথা।\n\n## দাম {#prices}\nআরও কথা।\n",
                             "## দাম {#prices}\nআরও কথা।\n\n## শুরু {#heading}\nলাভের কথা।\n")
    assert "sections are in another order than in day-01-x.md: section 1 is 'prices', expected 'heading'" in (
        _refusal(tmp_path, swapped))


def test_a_different_number_of_sessions_or_objectives_stops_start_up(tmp_path):
    assert _refusal(tmp_path, BN_DAY.replace("sessions: [এক, দুই]", "sessions: [এক]")) == (
        "day-01-x.bn.md: key 'sessions' has 1 item(s), but day-01-x.md has 2")
    assert _refusal(tmp_path, BN_DAY.replace("objectives: [আপনি এক, আপনি দুই]", "objectives: [আপনি এক]")) == (
        "day-01-x.bn.md: key 'objectives' has 1 item(s), but day-01-x.md has 2")


def test_a_bangla_file_without_its_take_home_box_stops_start_up(tmp_path):
    message = _refusal(tmp_path, BN_DAY.replace('!!! takehome "যা মনে রাখবেন"', '!!! story "যা মনে রাখবেন"'))
    assert message == "day-01-x.bn.md: needs exactly one '!!! takehome' box, found 0"


def test_a_different_number_of_check_boxes_stops_start_up(tmp_path):
    box = '!!! check "নিজের এলাকায় খোঁজ নিন"\n    নিয়মটা বদলায়।\n'
    message = _refusal(tmp_path, BN_DAY.replace(box, ""))
    assert message == "day-01-x.bn.md: has 0 '!!! check' box(es), day-01-x.md has 1"


def test_the_bangla_file_must_be_the_same_day_with_a_title(tmp_path):
    assert "key 'day' must be 1, as in day-01-x.md" in _refusal(tmp_path, BN_DAY.replace("day: 1", "day: 3"))
    assert "day-01-x.bn.md: missing key 'title'" in _refusal(tmp_path, BN_DAY.replace("title: শিরোনাম\n", ""))


# --- search: both languages, Bangla spelling variants ------------------------------------------

def test_search_key_makes_common_bangla_spellings_one():
    pairs = [
        ("বেশি", "বেশী"), ("দুর", "দূর"), ("ইদ", "ঈদ"), ("উনিশ", "ঊনিশ"),
        ("\u09df", "\u09af\u09bc"),  # য় as one character, and য + nukta
        ("\u09dc", "\u09a1\u09bc"),  # ড়
        ("\u09dd", "\u09a2\u09bc"),  # ঢ়
        ("\u0995\u09cb", "\u0995\u09c7\u09be"),  # কো: the o-sign as one character or as e + aa (NFC)
        ("লাভ", "লা\u200cভ"), ("খরচ", "খ\u200dরচ"), ("সৎ", "সত্\u200d"), ("৪৪০", "440"),
    ]
    for one, other in pairs:
        assert search_key(one) == search_key(other), (one, other)
    assert search_key("Break-Even") == "break-even"


def test_search_finds_bangla_words_written_with_the_other_spelling(tmp_path):
    bangla = BN_DAY.replace("আরও কথা।", "ঈদের আগে বেশি বিক্রি, বা\u09dcতি দাম, দায়িত্ব।")
    lib = _lib_with(tmp_path, DAY, bangla=bangla)
    for query in ("ইদের", "বেশী", "বা\u09a1\u09bcতি", "দা\u09af\u09bcিত্ব", "বে\u200cশি বিক্রি"):
        results = lib.search(query, include_guide=False)
        assert [r["section"].anchor for r in results] == ["prices"], query
        assert results[0]["url"] == "/curriculum/day/1?lang=bn#prices" and results[0]["lang"] == "bn"
        assert "<mark>" in str(results[0]["snippet"])
    snippet = str(lib.search("বেশী", include_guide=False)[0]["snippet"])
    assert "<mark>বেশি</mark>" in snippet  # the text as written is shown, with the match marked


def test_search_finds_the_day_by_its_title_objectives_and_take_home_box_in_both_languages(tmp_path):
    lib = _lib_with(tmp_path, DAY)
    assert [r["section"].anchor for r in lib.search("সারকথা", include_guide=False)] == ["objectives"]
    assert [r["section"].anchor for r in lib.search("তৃতীয়", include_guide=False)] == ["takehome"]
    assert [(r["section"].anchor, r["lang"]) for r in lib.search("third thing", include_guide=False)] == [
        ("takehome", "en")]
    assert [r["section"].anchor for r in lib.search("লাভের", include_guide=False)] == ["heading"]


# --- in the app -------------------------------------------------------------------------------

def test_day_page_shows_blocks_objectives_and_take_home(client, login, world):
    login(world.facilitator)
    html = client.get("/curriculum/day/5").get_data(as_text=True)
    assert "Cost structure" in html and 'href="#canvas-cost-structure"' in html
    assert "Take home" in html and 'rel="next"' in html and 'rel="prev"' in html


def test_participant_sees_the_bangla_summary_and_box_in_bangla(client, login, world):
    login(world.participant.user)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": _token(client)})
    html = client.get("/curriculum/day/5").get_data(as_text=True)
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    assert lib.days[5].bn.summary in html
    assert str(lib.days[5].takehome["bn"]) in html and str(lib.days[5].takehome["en"]) not in html


def _as_bangla_participant(client, login, world):
    login(world.participant.user)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": _token(client)})


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_bangla_participant_reads_the_day_in_bangla_take_home_box_first(client, login, world):
    _as_bangla_participant(client, login, world)
    day = Library(ROOT / "curriculum", ROOT / "facilitator_guide").days[5]
    html = client.get("/curriculum/day/5").get_data(as_text=True)
    at = {name: html.find(marker) for name, marker in (
        ("title", day.bn.title), ("summary", day.bn.summary), ("takehome", str(day.takehome["bn"])),
        ("objectives", day.bn.meta["objectives"][0]), ("sessions", day.bn.meta["sessions"][1]),
        ("body", 'id="fixed-variable"'))}
    assert -1 not in at.values(), at
    assert at["title"] < at["summary"] < at["takehome"] < at["objectives"] < at["sessions"] < at["body"]
    assert day.title not in html and day.meta["objectives"][0] not in html  # no English text of the day
    assert "(১৫ মিনিট)" in html and '<span class="daynum">৫</span>' in html
    assert 'href="/curriculum/day/5?lang=en" lang="en" hreflang="en">English</a>' in html
    assert 'href="/curriculum/day/6"' in html  # moving on keeps the reader's own language


def test_the_english_link_shows_the_day_in_english_with_a_link_back(client, login, world):
    _as_bangla_participant(client, login, world)
    day = Library(ROOT / "curriculum", ROOT / "facilitator_guide").days[5]
    html = client.get("/curriculum/day/5?lang=en").get_data(as_text=True)
    assert day.title in html and day.meta["objectives"][0] in html and str(day.takehome["en"]) in html
    assert day.bn.meta["objectives"][0] not in html and str(day.takehome["bn"]) not in html
    assert 'href="/curriculum/day/5?lang=bn" lang="bn" hreflang="bn">বাংলা</a>' in html
    assert 'href="/curriculum/day/6?lang=en"' in html  # the chosen language follows to the next day
    assert "(15 min)" in html


def test_english_mode_shows_english(client, login, world):
    login(world.participant.user)
    day = Library(ROOT / "curriculum", ROOT / "facilitator_guide").days[3]
    html = client.get("/curriculum/day/3").get_data(as_text=True)
    assert day.title in html and day.summary in html and str(day.takehome["en"]) in html
    assert day.bn.summary not in html and str(day.takehome["bn"]) not in html
    assert ">বাংলা</a>" in html


def test_staff_switch_language_and_see_both_take_home_boxes(client, login, world):
    login(world.facilitator)
    day = Library(ROOT / "curriculum", ROOT / "facilitator_guide").days[4]
    english = client.get("/curriculum/day/4").get_data(as_text=True)
    bangla = client.get("/curriculum/day/4?lang=bn").get_data(as_text=True)
    assert day.title in english and day.bn.title not in english
    assert day.bn.title in bangla and day.bn.meta["objectives"][0] in bangla
    assert day.meta["objectives"][0] not in bangla
    for html, first, second in ((english, "en", "bn"), (bangla, "bn", "en")):
        assert str(day.takehome[first]) in html and str(day.takehome[second]) in html
        assert html.find(str(day.takehome[first])) < html.find(str(day.takehome[second]))
    assert "Session plans" in bangla


def test_the_print_view_follows_the_language(client, login, world):
    _as_bangla_participant(client, login, world)
    day = Library(ROOT / "curriculum", ROOT / "facilitator_guide").days[5]
    page = client.get("/curriculum/day/5").get_data(as_text=True)
    assert 'href="/curriculum/day/5/print?lang=bn"' in page
    bangla = client.get("/curriculum/day/5/print").get_data(as_text=True)
    assert '<html lang="bn">' in bangla and day.bn.title in bangla and str(day.takehome["bn"]) in bangla
    assert day.title not in bangla
    english = client.get("/curriculum/day/5/print?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and day.title in english and day.bn.title not in english


def test_the_day_list_and_home_page_show_bangla_titles_in_bangla(client, login, world):
    _as_bangla_participant(client, login, world)
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    index = client.get("/curriculum/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    for number, day in lib.days.items():
        assert day.bn.title in index and day.bn.summary in index and day.bn.title in home
        assert day.title not in index


@pytest.mark.parametrize("word, day", [("লাভ", 5), ("খরচ", 5), ("ঋণ", 7)])
def test_bangla_search_finds_its_sessions(client, login, world, word, day):
    _as_bangla_participant(client, login, world)
    html = client.get(f"/curriculum/search?q={word}").get_data(as_text=True)
    assert f'href="/curriculum/day/{day}?lang=bn#' in html and f"<mark>{word}" in html


def test_bangla_search_matches_another_spelling_of_the_same_word(client, login, world):
    _as_bangla_participant(client, login, world)
    plain = client.get("/curriculum/search?q=বেশি").get_data(as_text=True)
    variant = client.get("/curriculum/search?q=বেশী").get_data(as_text=True)
    links = lambda html: re.findall(r'<a href="(/curriculum/day/[^"]+)"', html)  # noqa: E731
    assert links(plain) and links(variant) == links(plain)
    assert "<mark>বেশি</mark>" in variant


def test_staff_search_finds_the_glossary_in_bangla_and_participants_do_not(client, login, world):
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    days_text = " ".join(s.key for d in lib.days.values() for s in d.bn.sections + d.sections)
    terms = re.findall(r"<td>([\u0980-\u09FF][^<(]*?)\s*(?:\(|</td>)", lib.guide["bangla-glossary"].html)
    term = next(t for t in terms if search_key(t) not in days_text)  # a word only the glossary has
    login(world.facilitator)
    assert 'href="/guide/bangla-glossary' in client.get(f"/curriculum/search?q={term}").get_data(as_text=True)
    _as_bangla_participant(client, login, world)
    assert "/guide/" not in client.get(f"/curriculum/search?q={term}").get_data(as_text=True)


def _token(client):
    from tests.conftest import csrf_token
    return csrf_token(client, "/")


def test_search_finds_a_phrase_in_the_curriculum_and_the_guide_for_staff_only(client, login, world):
    login(world.facilitator)
    html = client.get("/curriculum/search?q=break-even").get_data(as_text=True)
    assert "Day 5" in html and "Guide:" in html and "<mark>" in html
    login(world.participant.user)
    html = client.get("/curriculum/search?q=break-even").get_data(as_text=True)
    assert "Day 5" in html and "Guide:" not in html
    assert client.get("/guide/purpose-and-use").status_code == 403


def test_search_finds_bangla_glossary_words(client, login, world):
    login(world.facilitator)
    word = re.findall(r"<td>([\u0980-\u09FF][^<]*)</td>", Library(
        ROOT / "curriculum", ROOT / "facilitator_guide").guide["bangla-glossary"].html)[0].split()[0]
    html = client.get(f"/curriculum/search?q={word}").get_data(as_text=True)
    assert "Bangla glossary" in html or "glossary" in html.lower()


def test_search_escapes_what_was_typed(client, login, world):
    login(world.facilitator)
    html = client.get("/curriculum/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_print_views_hold_the_whole_day_and_the_whole_guide(client, login, world):
    login(world.facilitator)
    day = client.get("/curriculum/day/7/print").get_data(as_text=True)
    assert "Money plans" in day or "money" in day.lower()
    assert 'class="top"' not in day  # no navigation in print
    guide = client.get("/guide/print").get_data(as_text=True)
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    assert all(p.title in guide for p in lib.guide.values())


STORY_TOLD = re.compile(r"\b[Tt]ell\b[^.\n]*\bstor(?:y|ies)\b|\(script below\)|\bstory below\b")


def _plan_sections(number):
    plans = Library(ROOT / "curriculum", ROOT / "facilitator_guide").session_plans(number)
    source = (ROOT / "facilitator_guide" / f"{20 + number}-{plans.slug}.md").read_text(encoding="utf-8")
    return {part.split("\n", 1)[0].strip(): part for part in re.split(r"^## ", source, flags=re.M)[1:]}


def test_every_story_told_aloud_has_its_bangla_script_beside_it(lib):
    told = 0
    for number in lib.days:
        sections = _plan_sections(number)
        for title, section in sections.items():
            scripts = re.findall(r'^!!! story-bn "([^"]+)"\n((?:    .*\n|\n)+)', section, flags=re.M)
            for heading, body in scripts:
                assert heading.startswith("গল্প:"), f"day {number} {title}: {heading}"
                assert len(BENGALI.findall(body)) > 100, f"day {number} {title}: {heading} is not a Bangla script"
            if STORY_TOLD.search(section):
                told += 1
                assert scripts, f"day {number}, session {title!r}: a story told aloud has no Bangla script"
    assert told >= 20
