"""The Day 1 and Day 10 tests (assessments module): crosswise forms, recording answers one tap
at a time or from the printed sheet, corrections as new versions, refusals that change nothing,
scoring with "don't know", the learning-gain arithmetic, screen = export, constant query counts,
the participant's own page, the certificate option and erasure."""
import csv
import io
import re
from datetime import timedelta

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.clock import today
from edt.extensions import db
from edt.instruments import DONT_KNOW, instruments
from edt.modules.assessments import queries, services, views
from edt.modules.assessments.models import Answer, Sitting
from edt.modules.certificates import services as certificates
from edt.modules.privacy import services as privacy

from tests.budget import BUDGET_BYTES, weigh
from tests.conftest import csrf_token
from tests.factories import enrol, make_batch, make_certifiable_batch, make_participant


def forms():
    return instruments().forms


def right(item):
    """The key's answer to an item, as the services take it."""
    if item.type == "oral":
        return str(item.max_score)
    if item.type == "number":
        return str(item.answer)
    return item.answer


def wrong(item):
    if item.type == "oral":
        return "0"
    if item.type == "number":
        return str(item.answer + item.tolerance + 7)
    if item.type == "yes_no":
        return "no" if item.answer == "yes" else "yes"
    return next(o.card for o in item.options if o.card != item.answer)


def sheet(form, score: int, *, skill_first=None) -> dict:
    """Answers to every item of `form` worth exactly `score` points: the first items right."""
    sent, left = {}, score
    for item in form.items:
        if left >= item.max_score:
            sent[item.id], left = right(item), left - item.max_score
        else:
            sent[item.id] = DONT_KNOW
    assert left == 0
    return sent


@pytest.fixture
def group(world):
    """world.facilitator's Khulna batch (started two days ago) with five people enrolled."""
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    people = [make_participant(world.khulna, world.trainer, full_name=f"Person {n}",
                               gender="man" if n == 4 else "woman") for n in range(5)]
    enrol(batch, people)
    return batch, people


def people_of(batch):
    return {p.participant.id: p for p in queries.batch_people(batch)}


# --- crosswise forms ------------------------------------------------------------------------------

def test_half_the_batch_takes_each_form_and_nobody_repeats_one(group, world):
    batch, people = group
    plan = people_of(batch)
    pre = [p.form_for("pre") for p in plan.values()]
    assert sorted(pre) == ["A", "A", "A", "B", "B"]
    assert all(p.form_for("post") != p.form_for("pre") for p in plan.values())
    # A form once taken stands, even when the roster changes the alternation.
    b_person = next(p for p in plan.values() if p.form_for("pre") == "B")
    services.record(world.facilitator, batch, b_person.participant.id, "pre", "B", "costing-1", DONT_KNOW)
    enrol(batch, [make_participant(world.khulna, world.trainer) for _ in range(3)])
    again = people_of(batch)[b_person.participant.id]
    assert (again.form_for("pre"), again.form_for("post")) == ("B", "A")


def test_the_printed_sheets_carry_codes_and_forms_never_names(client, login, group, world):
    batch, people = group
    login(world.facilitator)
    page = client.get(f"/assessments/batches/{batch.id}/pre/sheets").get_data(as_text=True)
    plan = people_of(batch)
    for person in people:
        assert f'data-code="{person.code}"' in page
        assert f"<td>{person.code}</td><td>{plan[person.id].form_for('pre')}</td>" in page
        assert person.full_name not in page
    # Each sheet has the form's pages (nine questions a page) and its pictures.
    pages = len(forms()["A"].items) // 9 + (1 if len(forms()["A"].items) % 9 else 0)
    assert page.count('class="pc-sheet pc-sheet-answers"') == 5 * pages
    # Large batches print in parts of six people; the list of who takes which is on the first.
    enrol(batch, [make_participant(world.khulna, world.trainer) for _ in range(3)])
    second = client.get(f"/assessments/batches/{batch.id}/pre/sheets?part=2").get_data(as_text=True)
    assert second.count('class="pc-sheet pc-sheet-answers"') == 2 * pages and "who-takes-which" not in second
    assert client.get(f"/assessments/batches/{batch.id}/pre/sheets?part=3").status_code == 404


# --- recording ------------------------------------------------------------------------------------

def test_one_tap_saves_an_answer_and_brings_the_next_person(client, login, group, world):
    batch, people = group
    login(world.facilitator)
    plan = people_of(batch)
    takers = sorted((p for p in plan.values() if p.form_for("pre") == "A"), key=lambda p: p.participant.code)
    form = forms()["A"]
    url = f"/assessments/batches/{batch.id}/pre/A/record"
    page = client.get(url).get_data(as_text=True)
    assert takers[0].participant.code in page and form.items[0].question_bn in page
    token = csrf_token(client, url)
    first = form.items[0]
    response = client.post(url, data={"csrf_token": token, "item": first.id, "person": takers[0].participant.id,
                                      "answer": first.answer})
    assert response.status_code == 302
    assert f"item={first.id}" in response.location and f"person={takers[1].participant.id}" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert takers[1].participant.code in page
    # After the last person the next question starts with the first person again.
    for taker in takers[1:]:
        response = client.post(url, data={"csrf_token": token, "item": first.id, "person": taker.participant.id,
                                          "answer": DONT_KNOW})
    assert f"item={form.items[1].id}" in response.location and f"person={takers[0].participant.id}" in response.location
    answers = db.session.scalars(select(Answer)).all()
    assert len(answers) == len(takers) and sum(a.score for a in answers) == 1


def test_a_chosen_group_is_kept_from_tap_to_tap(client, login, group, world):
    batch, people = group
    login(world.facilitator)
    takers = [p for p in people_of(batch).values() if p.form_for("pre") == "A"]
    chosen = sorted(takers, key=lambda p: p.participant.code)[1:]
    url = f"/assessments/batches/{batch.id}/pre/A/record"
    query = "&".join(f"p={p.participant.id}" for p in chosen)
    page = client.get(f"{url}?{query}").get_data(as_text=True)
    assert chosen[0].participant.code in page
    item = forms()["A"].items[0]
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "item": item.id,
                                      "person": chosen[0].participant.id, "answer": DONT_KNOW,
                                      "p": [str(p.participant.id) for p in chosen]})
    assert f"person={chosen[1].participant.id}" in response.location
    assert all(f"p={p.participant.id}" in response.location for p in chosen)


def test_bad_answers_change_nothing_and_say_why(client, login, group, world):
    batch, people = group
    login(world.facilitator)
    plan = people_of(batch)
    person = next(p for p in plan.values() if p.form_for("pre") == "A")
    url = f"/assessments/batches/{batch.id}/pre/A/record"
    token = csrf_token(client, url)
    picture = next(i for i in forms()["A"].items if i.type == "picture_choice")
    number = next(i for i in forms()["A"].items if i.type == "number")
    cases = [({"item": "no-such-item", "answer": DONT_KNOW}, "has no question"),
             ({"item": picture.id, "answer": "money/note-5000"}, "not one of the answers"),
             ({"item": number.id, "number": "lots"}, "needs a number"),
             ({"item": number.id, "number": "1e400"}, "needs a number"),
             ({"item": picture.id, "answer": ""}, "Choose an answer")]
    for data, words in cases:
        response = client.post(url, data={"csrf_token": token, "person": person.participant.id, **data})
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True)
    other_form = next(p for p in plan.values() if p.form_for("pre") == "B")
    response = client.post(url, data={"csrf_token": token, "person": other_form.participant.id,
                                      "item": picture.id, "answer": DONT_KNOW})
    assert response.status_code == 400 and "takes form B" in response.get_data(as_text=True)
    entry = f"/assessments/batches/{batch.id}/pre/people/{person.participant.id}"
    good = sheet(forms()["A"], 5)
    response = client.post(entry, data={"csrf_token": csrf_token(client, entry), **{f"i-{k}": v for k, v in good.items()},
                                        "i-not-in-form": "yes"})
    assert response.status_code == 400 and "has no question not-in-form" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    assert db.session.scalar(select(func.count()).select_from(Sitting)) == 0


def test_a_sheet_typed_in_later_and_a_correction_is_a_new_audited_version(client, login, group, world):
    batch, people = group
    login(world.facilitator)
    person = next(p for p in people_of(batch).values() if p.form_for("pre") == "B")
    form = forms()["B"]
    url = f"/assessments/batches/{batch.id}/pre/people/{person.participant.id}"
    page = client.get(url).get_data(as_text=True)
    # The entry page follows the sheet's order.
    positions = [page.index(f'id="q-{item.id}"') for item in form.items]
    assert positions == sorted(positions)
    half = {item.id: right(item) for item in form.items[:6]}
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **{f"i-{k}": v for k, v in half.items()}})
    assert response.status_code == 302
    taken = people_of(batch)[person.participant.id].taken["pre"]
    assert taken.answered == 6 and not taken.complete  # finished later
    fixed = {**half, form.items[0].id: wrong(form.items[0])}
    fixed.update({item.id: DONT_KNOW for item in form.items[6:]})
    client.post(url, data={"csrf_token": csrf_token(client, url), **{f"i-{k}": v for k, v in fixed.items()}})
    taken = people_of(batch)[person.participant.id].taken["pre"]
    assert taken.complete and taken.score == sum(i.max_score for i in form.items[1:6])
    versions = db.session.scalars(select(Answer).where(Answer.item_id == form.items[0].id)
                                  .order_by(Answer.version)).all()
    assert [(a.version, a.is_current, a.score) for a in versions] == [(1, False, 1), (2, True, 0)]
    saved = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "assessment_sheet_saved")).all()
    assert [s["corrected"] for s in saved] == [0, 1]


def test_other_partners_facilitators_cannot_record(client, login, group, world):
    batch, people = group
    with pytest.raises(services.AssessmentError):
        services.record(world.other_facilitator, batch, people[0].id, "pre", "A", "costing-1", DONT_KNOW)
    login(world.other_facilitator)
    url = f"/assessments/batches/{batch.id}/pre/A/record"
    assert client.get(url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


# --- scores ---------------------------------------------------------------------------------------

def test_dont_know_is_an_answer_worth_nothing(group, world):
    batch, people = group
    person = next(p for p in people_of(batch).values() if p.form_for("pre") == "A")
    form = forms()["A"]
    services.save_sheet(world.facilitator, batch, person.participant.id, "pre", {i.id: DONT_KNOW for i in form.items})
    taken = people_of(batch)[person.participant.id].taken["pre"]
    assert taken.complete and taken.score == 0 and taken.answered == len(form.items)
    number = next(i for i in form.items if i.type == "number")
    assert services.parse_answer(number, "৪৫০") == ("450", int(number.answer == 450))
    assert services.parse_answer(number, DONT_KNOW) == (DONT_KNOW, 0)
    assert services.parse_answer(number, "  ") is None


def test_the_gain_arithmetic_on_a_fixed_set(group, world, monkeypatch):
    """Five people, maximum M = the form's maximum. Totals (pre, post):
    (2, 10), (4, 12), (6, 6), (8, 16), (0, 1): mean pre = 20/5 = 4, mean post = 45/5 = 9,
    gain = (9 - 4) / (M - 4). Only the first item of costing counts for person 1's skill split."""
    batch, people = group
    plan = people_of(batch)
    totals = [(2, 10), (4, 12), (6, 6), (8, 16), (0, 1)]
    for person, (pre, post) in zip(people, totals):
        mine = plan[person.id]
        services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(forms()[mine.form_for("pre")], pre))
        services.save_sheet(world.facilitator, batch, person.id, "post", sheet(forms()[mine.form_for("post")], post))
    report = queries.report(world.trainer, "batch")
    maximum = forms()["A"].max_score
    line = report.lines[0]
    assert line.tested_both == 5 and line.tested_pre == 5
    figures = report.figures(line)
    assert figures["pre"] == pytest.approx(100 * 4 / maximum)
    assert figures["post"] == pytest.approx(100 * 9 / maximum)
    assert figures["gain"] == pytest.approx((9 - 4) / (maximum - 4))
    # By skill: the first skill's items come first on every sheet, so its points are the first points.
    skill = forms()["A"].items[0].skill
    top = forms()["A"].skill_max()[skill]
    pre_s = [min(p, top) for p, _ in totals]
    post_s = [min(q, top) for _, q in totals]
    assert report.figures(line, skill)["gain"] == pytest.approx(
        (sum(post_s) / 5 - sum(pre_s) / 5) / (top - sum(pre_s) / 5))
    assert queries.gain(2, 2, 2) is None  # nothing left to gain
    # Split by gender: one man among five is too few to show, and so the women's line is hidden too.
    by_gender = queries.report(world.trainer, "gender", labels={})
    assert [(line.key, line.hidden) for line in by_gender.lines] == [("woman", True), ("man", True)]
    assert not by_gender.total.hidden


def test_difficult_questions_are_those_most_missed_after_training(group, world):
    batch, people = group
    plan = people_of(batch)
    hard = forms()["A"].items[3].id
    for person in people:
        form = forms()[plan[person.id].form_for("post")]
        sent = {i.id: right(i) for i in form.items}
        sent[hard] = DONT_KNOW
        if person is people[0]:
            sent[forms()["A"].items[0].id] = wrong(form.items[0])
        services.save_sheet(world.facilitator, batch, person.id, "post", sent)
    found = queries.report(world.trainer).difficult
    assert [(d.item.id, d.answered, d.missed) for d in found] == [(hard, 5, 5)]
    assert found[0].day == queries.SKILL_DAYS[found[0].item.skill]


# --- screens, exports, query counts ------------------------------------------------------------

def cells(html: str, key: str) -> list[list[str]]:
    block = re.search(rf'data-table="{key}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", block, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip().replace("&lt;", "<") for c in
             re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


def test_the_exports_equal_the_screen(client, login, group, world):
    batch, people = group
    plan = people_of(batch)
    for n, person in enumerate(people):
        mine = plan[person.id]
        services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(forms()[mine.form_for("pre")], n))
        services.save_sheet(world.facilitator, batch, person.id, "post", sheet(forms()[mine.form_for("post")], n + 5))
    login(world.trainer)
    for by in ("batch", "gender", "facilitator"):
        page = client.get(f"/assessments/?by={by}").get_data(as_text=True)
        data = client.get(f"/assessments/report.csv?by={by}").get_data(as_text=True).lstrip("\ufeff")
        sections = [s for s in data.strip().split("\r\n\r\n")]
        for section, key in zip(sections, ("gain", "skills", "group_skills", "difficult")):
            rows = list(csv.reader(io.StringIO(section)))[1:]
            screen = cells(page, key) if f'data-table="{key}"' in page else []
            assert rows == screen, (by, key)
        book = load_workbook(io.BytesIO(client.get(f"/assessments/report.xlsx?by={by}").data))
        assert [[str(c) for c in r] for r in book["gain"].iter_rows(values_only=True)] == cells(page, "gain")
    page = client.get(f"/assessments/batches/{batch.id}").get_data(as_text=True)
    data = client.get(f"/assessments/batches/{batch.id}/results.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(data.split("\r\n\r\n")[0])))[1:]
    assert rows == [r[:-1] for r in cells(page, "people")]
    assert all(p.code in data and p.full_name not in data for p in people)


def test_query_counts_do_not_grow_with_the_people(client, login, world, count_queries):
    counts = []
    for size in (3, 9):
        batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
        people = [make_participant(world.khulna, world.trainer) for _ in range(size)]
        enrol(batch, people)
        plan = people_of(batch)
        for n, person in enumerate(people):
            form = forms()[plan[person.id].form_for("pre")]
            services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(form, n % 5))
            services.save_sheet(world.facilitator, batch, person.id, "post",
                                sheet(forms()[plan[person.id].form_for("post")], 6))
        login(world.facilitator)
        first = people[0]
        urls = [f"/assessments/batches/{batch.id}", "/assessments/?by=facilitator", "/assessments/?by=gender",
                f"/assessments/batches/{batch.id}/pre/A/record", f"/assessments/batches/{batch.id}/pre/sheets",
                f"/assessments/batches/{batch.id}/pre/people/{first.id}"]
        counts.append([count_queries(url) for url in urls])
    assert counts[0] == counts[1]


def _recomputed(sitting_ids=None) -> dict:
    """Each sitting's sums straight from its current answers: id -> (answered, score, by skill,
    items answered, items missed)."""
    items = {item.id: item for item in forms()["A"].items}
    found = {s.id: [0, 0, {}, set(), set()] for s in db.session.scalars(select(Sitting))}
    for answer in db.session.scalars(select(Answer).where(Answer.is_current)):
        row = found[answer.sitting_id]
        row[0] += 1
        row[1] += answer.score
        row[2][answer.skill] = row[2].get(answer.skill, 0) + answer.score
        row[3].add(answer.item_id)
        if answer.score < items[answer.item_id].max_score:
            row[4].add(answer.item_id)
    return found


def _line_figures(report) -> dict:
    return {line.key: (report.count(line, "pre"), report.pre_mean(line), report.count(line, "both"),
                       report.figures(line), {skill: report.figures(line, skill) for skill in report.skills})
            for line in [*report.lines, report.total]}


def test_the_report_equals_a_recomputation_from_the_answers(group, world):
    """The sums each sitting keeps (rewritten by every save, corrections included) give the
    figures a plain count of the current answers gives, line by line and question by question."""
    batch, people = group
    other = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    more = [make_participant(world.khulna, world.trainer, gender="man") for _ in range(6)]
    enrol(other, more)
    for where, crowd in ((batch, people), (other, more)):
        plan = people_of(where)
        for n, person in enumerate(crowd):
            pre = forms()[plan[person.id].form_for("pre")]
            post = forms()[plan[person.id].form_for("post")]
            services.save_sheet(world.facilitator, where, person.id, "pre", sheet(pre, n % 4))
            if n % 3:  # some have only the Day 1 test, one an unfinished Day 10 test
                sent = sheet(post, 3 + n)
                if n == 4:
                    sent.pop(post.items[-1].id)
                services.save_sheet(world.facilitator, where, person.id, "post", sent)
    first = people[1]
    form = forms()[people_of(batch)[first.id].form_for("post")]
    services.record(world.facilitator, batch, first.id, "post", form.form, form.items[0].id, wrong(form.items[0]))
    services.record(world.facilitator, batch, first.id, "post", form.form, form.items[-1].id, right(form.items[-1]))
    # What each sitting keeps is what its answers say.
    expected = _recomputed()
    kept = {s.id: s for s in db.session.scalars(select(Sitting))}
    for sid, (answered, score, skills, done, missed) in expected.items():
        sitting = kept[sid]
        db.session.refresh(sitting)
        ids = [item.id for item in forms()["A"].items]
        assert (sitting.answered, sitting.score) == (answered, score)
        assert {i for k, i in enumerate(ids) if sitting.answered_items >> k & 1} == done
        assert {i for k, i in enumerate(ids) if sitting.missed_items >> k & 1} == missed
    # The figures: people with both tests complete, pre alone, by skill, by batch.
    size = len(forms()["A"].items)
    maximum = forms()["A"].max_score
    complete = {(s.participant_id, s.stage): (s.batch_id, expected[s.id]) for s in kept.values()
                if expected[s.id][0] == size}
    report = queries.report(world.trainer, "batch")
    figures = _line_figures(report)
    for where in (batch, other):
        homes = {pid: (own.get("post") or own["pre"])[0] for pid, own in
                 _by_person(complete).items()}
        mine = [pid for pid, home in homes.items() if home == where.id]
        pres = [complete[(pid, "pre")][1][1] for pid in mine if (pid, "pre") in complete]
        pairs = [(complete[(pid, "pre")][1], complete[(pid, "post")][1]) for pid in mine
                 if (pid, "pre") in complete and (pid, "post") in complete]
        tested_pre, pre_mean, tested_both, overall, by_skill = figures[where.code]
        assert (tested_pre, tested_both) == (str(len(pres)), str(len(pairs)))
        assert pre_mean == 100 * sum(pres) / len(pres) / maximum
        sums = (sum(p[1] for p, _ in pairs), sum(q[1] for _, q in pairs))
        assert overall == queries.summary(len(pairs), sums, maximum)
        skill = report.skills[0]
        top = report.skill_max[skill]
        sums = (sum(p[2].get(skill, 0) for p, _ in pairs), sum(q[2].get(skill, 0) for _, q in pairs))
        assert by_skill[skill] == queries.summary(len(pairs), sums, top)
    posts = [row for sid, row in expected.items() if kept[sid].stage == "post"]
    difficult = {d.item.id: (d.answered, d.missed) for d in report.difficult}
    for item in forms()["A"].items:
        answered = sum(item.id in row[3] for row in posts)
        missed = sum(item.id in row[4] for row in posts)
        shown = answered >= report.limit and missed / answered >= queries.DIFFICULT_SHARE
        assert difficult.get(item.id) == ((answered, missed) if shown else None)
    # Rescoring everything from the answers changes nothing.
    before = {by: _line_figures(queries.report(world.trainer, by)) for by in queries.GROUPINGS}
    services.rescore()
    db.session.commit()
    assert before == {by: _line_figures(queries.report(world.trainer, by)) for by in queries.GROUPINGS}


def _by_person(complete: dict) -> dict:
    found: dict = {}
    for (pid, stage), value in complete.items():
        found.setdefault(pid, {})[stage] = value
    return found


def _tested_batches(world, starts, size=5) -> list:
    """A Khulna batch per start date, each with `size` people who took both tests."""
    made = []
    for start in starts:
        batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start)
        people = [make_participant(world.khulna, world.trainer) for _ in range(size)]
        enrol(batch, people)
        plan = people_of(batch)
        for n, person in enumerate(people):
            services.save_sheet(world.facilitator, batch, person.id, "pre",
                                sheet(forms()[plan[person.id].form_for("pre")], n % 5))
            services.save_sheet(world.facilitator, batch, person.id, "post",
                                sheet(forms()[plan[person.id].form_for("post")], 7))
        made.append(batch)
    return made


def _listed(html: str) -> list[str]:
    """The batch codes of the batches table, in page order."""
    block = re.search(r'<table id="test-batches">(.*?)</table>', html, re.S).group(1)
    return re.findall(r'<th scope="row"><a href="/assessments/batches/\d+">([^<]+)</a>', block)


def _export_rows(client, key="gain") -> list[list[str]]:
    """A table of the by-batch CSV export: its header, then its rows (as `cells` reads a page)."""
    data = client.get("/assessments/report.csv?by=batch").get_data(as_text=True).lstrip("\ufeff")
    sections = dict(zip(("gain", "skills", "group_skills", "difficult"), data.strip().split("\r\n\r\n")))
    return list(csv.reader(io.StringIO(sections[key])))[1:]


def test_a_master_trainer_pages_through_the_batches_newest_first(client, login, world, monkeypatch):
    """More batches than a page: the newest first, a pager, the results of the page's batches
    only (exactly as the export has them) and a page that stays light; the export has them all."""
    monkeypatch.setattr(views, "BATCHES_PER_PAGE", 3)
    made = _tested_batches(world, [today() - timedelta(days=4 + n) for n in range(5)])  # newest first
    login(world.trainer)
    first = client.get("/assessments/").get_data(as_text=True)
    assert _listed(first) == [b.code for b in made[:3]]
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "page=2" in following and "by=batch" in following and 'rel="prev"' not in first
    assert 'id="results-of-page"' in first
    exported = _export_rows(client)
    assert [row[0] for row in exported[1:]] == sorted(b.code for b in made) + ["All"]
    for key in ("gain", "group_skills"):
        header, *everything = _export_rows(client, key)
        assert cells(first, key) == [header] + [r for r in everything if r[0] in {b.code for b in made[:3]} | {"All"}]
    second = client.get(following).get_data(as_text=True)
    assert _listed(second) == [b.code for b in made[3:]]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert cells(second, "gain") == exported[:1] + [r for r in exported[1:] if r[0] in {b.code for b in made[3:]} | {"All"}]
    # Other groupings are not paged; a page past the end is an empty table, never an error.
    assert 'id="results-of-page"' not in client.get("/assessments/?by=partner").get_data(as_text=True)
    assert _listed(client.get("/assessments/?page=99").get_data(as_text=True)) == []
    for bad in ("0", "-3", "x"):
        assert _listed(client.get(f"/assessments/?page={bad}").get_data(as_text=True)) == [b.code for b in made[:3]]
    # Three more batches: the page still holds three rows a table and stays within the budget.
    made = _tested_batches(world, [today() - timedelta(days=3 - n) for n in range(3)])[::-1] + made
    page = client.get("/assessments/").get_data(as_text=True)
    assert _listed(page) == [b.code for b in made[:3]] and len(cells(page, "gain")) == 1 + 3 + 1
    assert len(_export_rows(client)) == 1 + len(made) + 1
    status, total, _requests = weigh(client, "/assessments/")
    assert status == 200 and total <= BUDGET_BYTES


def test_the_trainers_report_runs_the_same_queries_for_few_and_many(client, login, world, count_queries,
                                                                   monkeypatch):
    """The master trainer's report, by every grouping, and the batch results page: the same
    number of statements with one batch of 2 people as with three batches of 8 (more batches
    than the batches table shows on a page)."""
    monkeypatch.setattr(views, "BATCHES_PER_PAGE", 2)
    counts = []
    for batches, size in ((1, 2), (3, 8)):
        batch = _tested_batches(world, [None] * batches, size)[-1]
        login(world.trainer)
        urls = [f"/assessments/?by={by}" for by in queries.GROUPINGS] + [
            "/assessments/report.csv?by=facilitator", f"/assessments/batches/{batch.id}"]
        counts.append([count_queries(url) for url in urls])
    assert counts[0] == counts[1]


# --- the participant, certificates, erasure ------------------------------------------------------

def test_a_participant_sees_what_they_learned_and_nobody_else(client, login, group, world):
    batch, people = group
    plan = people_of(batch)
    me, other = people[0], people[1]
    login(me.user)
    assert 'id="no-tests"' in client.get("/assessments/mine").get_data(as_text=True)
    for person, (pre, post) in ((me, (3, 12)), (other, (1, 2))):
        mine = plan[person.id]
        services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(forms()[mine.form_for("pre")], pre))
        services.save_sheet(world.facilitator, batch, person.id, "post", sheet(forms()[mine.form_for("post")], post))
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    page = client.get("/assessments/mine").get_data(as_text=True)
    maximum = forms()["A"].max_score
    assert 'lang="bn"' in page and "খরচ হিসাব" in page
    assert re.search(rf"\b3 of {maximum}|৩|3\b", page)
    assert page.count('class="dot on"') == 3 + 12
    assert other.code not in page and "trafficking" not in page.lower()
    for url in (f"/assessments/batches/{batch.id}", "/assessments/"):
        assert client.get(url).status_code == 403


def test_the_certificate_rule_may_ask_for_a_day_10_test(app, world, monkeypatch):
    people = [make_participant(world.khulna, world.trainer) for _ in range(2)]
    batch, enrolments = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, people)
    assert all(row.eligible for row in certificates.standings(batch))
    monkeypatch.setitem(current_app.config, "ASSESSMENT_POST_TEST_REQUIRED", True)
    plan = people_of(batch)
    form = forms()[plan[people[0].id].form_for("post")]
    services.save_sheet(world.facilitator, batch, people[0].id, "post", {i.id: DONT_KNOW for i in form.items})
    rows = {row.participant.id: row for row in certificates.standings(batch)}
    assert rows[people[0].id].eligible  # a score of 0 is no failure: the test is taken
    assert not rows[people[1].id].eligible and "Day 10 test not taken yet" in rows[people[1].id].reason


def test_erasure_removes_the_answers(group, world):
    batch, people = group
    plan = people_of(batch)
    for person in people[:2]:
        form = forms()[plan[person.id].form_for("pre")]
        services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(form, 4))
    privacy.erase(world.trainer, people[0])
    left = db.session.scalars(select(Sitting.participant_id)).all()
    assert left == [people[1].id]
    assert db.session.scalar(select(func.count()).select_from(Answer)) == len(forms()["A"].items)
    details = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "participant_erased"))
    assert "assessment_answer.response" in details["fields"]


def test_two_saves_at_the_same_moment_keep_the_first_and_explain(group, world, monkeypatch):
    batch, people = group
    person = next(p for p in people_of(batch).values() if p.form_for("pre") == "A")
    before = queries.batch_people(batch, active_only=True)  # what the second request read
    services.record(world.facilitator, batch, person.participant.id, "pre", "A", "costing-1", DONT_KNOW)
    monkeypatch.setattr(services.queries, "batch_people", lambda *a, **k: before)
    with pytest.raises(services.AssessmentError, match="same moment"):
        services.record(world.trainer, batch, person.participant.id, "pre", "A", "costing-1", "costs/rent")
    monkeypatch.undo()
    answers = db.session.scalars(select(Answer)).all()
    assert [(a.response, a.is_current) for a in answers] == [(DONT_KNOW, True)]


def test_reports_reach_only_the_batches_a_facilitator_runs(client, login, group, world):
    batch, people = group
    plan = people_of(batch)
    for person in people:
        mine = plan[person.id]
        services.save_sheet(world.facilitator, batch, person.id, "pre", sheet(forms()[mine.form_for("pre")], 3))
    login(world.other_facilitator)
    page = client.get("/assessments/?by=batch").get_data(as_text=True)
    assert batch.code not in page and 'id="table-gain"' in page
    assert batch.code not in client.get("/assessments/report.csv?by=batch").get_data(as_text=True)
    login(world.facilitator)
    assert batch.code in client.get("/assessments/?by=batch").get_data(as_text=True)
    page = client.get(f"/assessments/batches/{batch.id}/pre/people/{people[0].id}").get_data(as_text=True)
    assert "Score: 3/" in page and "Costing" in page
