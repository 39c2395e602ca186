"""The training of facilitators: five ToT days and a refresher day, each session planned with
the same eight parts as the day session plans, the minutes adding up, every EDT day practised,
teach-backs scored with the observation rubric, and EDT used on a phone."""
import re

import pytest

from edt.config import ROOT
from edt.content import Library

from tests.content.test_content import PLAN_LABELS

LABELS = PLAN_LABELS + ["**Trauma-informed note:**"]  # all eight parts, in this order
TOT_DAYS = [1, 2, 3, 4, 5, "refresher"]


@pytest.fixture(scope="module")
def tot():
    lib = Library(ROOT / "curriculum", ROOT / "facilitator_guide")
    pages = {p.meta["tot_day"]: p for p in lib.guide.values() if "tot_day" in p.meta}
    return lib, pages


def _source(page):
    path = next((ROOT / "facilitator_guide").glob(f"*-{page.slug}.md"))
    return path.read_text(encoding="utf-8")


def test_five_tot_days_and_a_refresher_day(tot):
    _lib, pages = tot
    assert sorted(pages, key=str) == sorted(TOT_DAYS, key=str)
    for key, page in pages.items():
        assert "day" not in page.meta, f"ToT {key} must not pose as a session-plan page of an EDT day"


def test_every_tot_session_has_all_eight_parts_in_order_and_its_minutes(tot):
    _lib, pages = tot
    count = 0
    for key, page in pages.items():
        meta = page.meta
        assert sum(s["minutes"] for s in meta["sessions"]) == meta["duration_minutes"], f"ToT {key}: minutes"
        source = _source(page)
        sections = {part.split("\n", 1)[0].strip(): part for part in re.split(r"^## ", source, flags=re.M)[1:]}
        assert list(sections) == [s["title"] for s in meta["sessions"]], f"ToT {key}: sessions and sections"
        for session in meta["sessions"]:
            section = sections[session["title"]]
            positions = [section.find(label) for label in LABELS]
            assert -1 not in positions and positions == sorted(positions), f"ToT {key}: {session['title']}"
            assert f"**Time:** {session['minutes']} minutes" in section, f"ToT {key}: {session['title']} time"
            steps = re.findall(r"\((\d+) min[,)]", section)
            if steps:
                assert sum(int(n) for n in steps) == session["minutes"], f"ToT {key}: {session['title']} steps"
            count += 1
    assert count >= 30


def test_every_edt_day_is_practised_and_the_tot_covers_what_it_must(tot):
    _lib, pages = tot
    five = [pages[n] for n in range(1, 6)]
    html = "".join(str(p.html) for p in five)
    days = {int(n) for n in re.findall(r'href="/curriculum/day/(\d+)"', html)}
    assert days == set(range(1, 11))
    titles = " ".join(s["title"] for p in five for s in p.meta["sessions"])
    assert "Trauma-informed facilitation" in titles and "EDT on a phone" in titles
    assert sum("Teach-back" in s["title"] or "teach-back" in s["title"] for p in five for s in p.meta["sessions"]) >= 3
    for n in (2, 3, 4, 5):
        assert 'href="/guide/observation-rubric"' in str(pages[n].html), n
    assert 'href="/guide/observation-rubric"' in str(pages["refresher"].html)
    assert 'href="/guide/pre-post-test-and-follow-up"' in str(pages[4].html)


def test_the_master_trainer_guide_points_to_the_tot_plans(tot):
    lib, pages = tot
    html = str(lib.guide["master-trainer-guide"].html)
    for page in pages.values():
        assert f'href="/guide/{page.slug}"' in html, page.slug
    assert 'href="/guide/observation-rubric"' in html and "six days of training" not in html


def test_the_tot_pages_are_served_with_their_card_sets(client, login, world):
    login(world.trainer)
    html = client.get("/guide/tot-day-3").get_data(as_text=True)
    assert "Day 5 practised" in html and 'href="/guide/cards/costs"' in html
    assert client.get("/guide/tot-refresher").status_code == 200
