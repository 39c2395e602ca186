"""Markup that WCAG 2.2 AA needs and axe-core cannot always tell (issue 21), read from the real
pages: group labels as fieldset/legend, help and errors tied to their fields, tables that scroll
by keyboard, Markdown tables that never widen a page, unique ids on the printed guide, the
language of parts, and people who left marked by a word instead of a fade. The browser crawl
(tests/e2e/test_a11y_crawl.py) runs axe on every page on top of this."""
import re
from collections import Counter
from pathlib import Path

from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import enrol, make_batch, make_participant

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "edt.css"


def test_choice_groups_are_fieldsets_named_by_a_legend_and_help_is_tied(client, login, world):
    login(world.trainer)
    page = client.get("/batches/new").get_data(as_text=True)
    for name in ("off_days", "facilitator_ids"):
        assert f'label for="{name}"' not in page  # no label pointing at a list
        group = re.search(r'<fieldset class="field group[^"]*"[^>]*>\s*<legend>[^<]+</legend>(?:(?!</fieldset>).)*'
                          rf'name="{name}"', page, re.S)
        assert group, name
    helped = re.search(r'<fieldset[^>]*aria-describedby="facilitator_ids-help"', page)
    assert helped and 'id="facilitator_ids-help"' in page
    page = client.get("/participants/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-describedby="full_name-help"[^>]*id="full_name"', page) or \
        re.search(r'<input[^>]*id="full_name"[^>]*aria-describedby="full_name-help"', page)


def test_a_refused_field_points_at_its_message_and_the_help(client, login, world):
    login(world.trainer)
    token = csrf_token(client, "/participants/new")
    page = client.post("/participants/new", data={"csrf_token": token, "full_name": "", "gender": "woman",
                                                  "partner_id": str(world.khulna.id)}).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="full_name"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="full_name-help full_name-err"' in field
    assert 'id="full_name-err"' in page


def test_the_plan_form_names_its_loan_method_group_and_links_its_errors(client, login, world):
    participant = world.participant
    login(participant.user)
    url = f"/canvas/{participant.id}/plan/edit"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<fieldset class="field group[^"]*" id="loan_method"[^>]*>\s*<legend>', page)
    token = csrf_token(client, url)
    refused = client.post(url, data={"csrf_token": token, "version": "0", "own_money": "lots",
                                     "startup-0-name": "Sewing machine", "startup-0-amount": "x"})
    page = refused.get_data(as_text=True)
    summary = re.search(r'<div class="flash flash-error" role="alert" id="plan-errors">(.*?)</div>', page, re.S)
    assert summary, page[:2000]
    targets = re.findall(r'<a href="#([^"]+)">', summary.group(1))
    assert "own_money" in targets and "startup-0-amount" in targets
    for target in targets:
        assert re.search(rf'id="{re.escape(target)}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{re.escape(target)}"',
                         page), target


def test_wide_tables_scroll_by_keyboard_and_are_named(client, login, world):
    login(world.trainer)
    for url in ("/reports/", "/privacy/audit", "/participants/", "/accounts/users"):
        page = client.get(url).get_data(as_text=True)
        wraps = re.findall(r'<div class="table-wrap"[^>]*>', page)
        assert wraps, url
        for wrap in wraps:
            assert 'tabindex="0"' in wrap and 'role="region"' in wrap and re.search(r'aria-label="[^"]+"', wrap), (url, wrap)
        names = Counter(re.search(r'aria-label="([^"]+)"', w).group(1) for w in wraps)
        assert max(names.values()) == 1, (url, names)  # each region has its own name


def test_markdown_tables_are_wrapped_and_the_printed_guide_has_unique_ids(client, login, world):
    login(world.facilitator)
    page = client.get("/guide/print").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for anchor in re.findall(r'href="#([^"]+)"', page):
        assert anchor in ids, anchor  # in-page links follow their prefixed targets
    tables = len(re.findall(r"<table>", page))
    assert tables and tables == len(re.findall(r'<div class="table-wrap" tabindex="0" role="region" aria-label="[^"]+"><table>', page))
    day = client.get("/curriculum/day/2").get_data(as_text=True)
    assert "<table>" not in day or '<div class="table-wrap" tabindex="0" role="region"' in day


def test_parts_in_the_other_language_say_so(client, login, world):
    login(world.trainer)
    person = make_participant(world.khulna, world.trainer, full_name="রহিমা খাতুন")
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert '<dd id="participant-name" lang="bn">রহিমা খাতুন</dd>' in page
    assert 'value="bn" lang="bn"' in page and 'value="en" lang="en"' in page  # the language buttons
    guide = client.get("/guide/").get_data(as_text=True)
    assert '<li lang="en"><a href="/guide/' in guide  # English guide pages, whatever the reader's language


def test_people_who_left_are_marked_with_a_word_not_a_fade(client, login, world):
    css = CSS.read_text(encoding="utf-8")
    assert not re.search(r"\.left[^{]*\{[^}]*opacity", css)
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    stays, leaves = make_participant(world.khulna, world.trainer), make_participant(world.khulna, world.trainer)
    enrolments = enrol(batch, [stays, leaves])
    enrolments[-1].status = "dropped"
    db.session.commit()
    login(world.trainer)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    row = re.search(rf'<tr class="left">.*?{leaves.code}.*?</tr>', page, re.S)
    assert row and 'class="left-tag"' in row.group(0)
    grid = client.get(f"/attendance/batches/{batch.id}").get_data(as_text=True)
    assert re.search(rf'{leaves.code}</small><br><span class="left-tag">', grid)  # the grid: name, code, then the word


def test_empty_header_cells_have_a_name(client, login, world):
    login(world.trainer)
    for url in ("/participants/", "/accounts/users", "/batches/holidays"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<th[^>]*></th>", page), url
