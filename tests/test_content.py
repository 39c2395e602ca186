"""The curriculum and the facilitator guide: schema, arithmetic, links, words, do-no-harm."""
import re

import pytest

from edt import money
from edt.config import ROOT
from edt.content import CANVAS_BLOCKS, TOOLS, ContentError, Library, block_anchor

BANNED = re.compile(r"traffick|survivor|victim|পাচার|ভুক্তভোগী", re.I)
PLAN_LABELS = ["**Objectives:**", "**Time:**", "**Materials:**", "**Steps:**", "**Key messages:**",
               "**Debrief questions:**", "**Adaptation for participants who cannot read:**"]


@pytest.fixture(scope="module")
def lib():
    return Library(ROOT / "curriculum", ROOT / "facilitator_guide")


def test_ten_days_with_complete_front_matter(lib):
    assert sorted(lib.days) == list(range(1, 11))
    for number, page in lib.days.items():
        meta = page.meta
        assert meta["summary"].strip() and meta["summary_bn"].strip()
        assert re.search(r"[\u0980-\u09FF]", meta["summary_bn"]), f"day {number}: summary_bn is not Bangla"
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
    for path in sorted((ROOT / "curriculum").glob("*.md")):
        assert not BANNED.search(path.read_text(encoding="utf-8")), path.name


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


def test_pre_and_post_test_have_ten_questions_and_an_answer_key(lib):
    source = (ROOT / "facilitator_guide" / "09-pre-post-test-and-follow-up.md").read_text(encoding="utf-8")
    for heading in ("## Pre-test", "## Post-test"):
        part = source.split(heading, 1)[1].split("\n## ", 1)[0]
        questions = re.findall(r"^\d+\.\s", part, flags=re.M)
        assert len(questions) == 10, heading
        assert len(set(re.findall(r"\(Day (\d+)\)", part))) == 10, f"{heading}: one question per day"
    assert "## Answer key" in source


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
summary_bn: স
duration_minutes: 30
objectives: [a]
sessions:
  - {title: One, minutes: 15}
  - {title: Two, minutes: 15}
canvas_blocks: []
tools: []
---
## Heading
Body.
"""


def _lib_with(tmp_path, text, name="day-01-x.md"):
    (tmp_path / "c").mkdir(exist_ok=True)
    (tmp_path / "g").mkdir(exist_ok=True)
    (tmp_path / "c" / name).write_text(text, encoding="utf-8")
    return Library(tmp_path / "c", tmp_path / "g")


def test_a_valid_file_loads(tmp_path):
    assert _lib_with(tmp_path, DAY).days[1].title == "T"


@pytest.mark.parametrize("broken, message", [
    (DAY.replace("duration_minutes: 30", "duration_minutes: 40"), "minutes add up"),
    (DAY.replace("summary_bn: স\n", ""), "missing key 'summary_bn'"),
    (DAY.replace("canvas_blocks: []", "canvas_blocks: [goats]"), "unknown value"),
    (DAY.replace("tools: []", "tools: [break_even]"), "worked example"),
    (DAY.replace("day: 1", "day: 2"), "key 'day'"),
    (DAY.replace("---\nday", "day", 1), "front matter"),
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
    assert lib.days[5].meta["summary_bn"] in html
    assert "admonition takehome-bn" in html and "admonition takehome\"" not in html


def _token(client):
    from .conftest import csrf_token
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
