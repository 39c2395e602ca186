"""Follow-ups after the training: the schedule (stages, windows, a day move), recording a visit and
"not reached", consent at every visit, the support log, the money book (theirs alone unless
shared), erasure, the outcome figures worked out by hand, screen = export, constant queries."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.clock import today
from edt.extensions import db
from edt.modules.batches import roster
from edt.modules.batches import services as batches
from edt.modules.followup import queries, rules
from edt.modules.followup import services as followups
from edt.modules.followup.models import FollowUp, MoneyEntry, SupportGiven
from edt.modules.participants.models import Participant
from edt.modules.privacy import services as privacy

from tests.factories import batch_world, make_participant, make_staff

FORM_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def finished_batch(world, people, *, last_day, facilitator=None):
    """A Khulna batch of `people` whose last day is `last_day` (scheduled ahead, people enrolled,
    day 1 moved back: the way the services let a finished batch have participants)."""
    batch = batches.create_batch(world.trainer, partner_id=world.khulna.id, district=None, venue="Hall",
                                 start_date=today() + timedelta(days=3), off_days=set(),
                                 facilitator_ids=[(facilitator or world.facilitator).id], clash_ok=batches.KEEP_BOTH)
    enrolments = batches.enrol(world.trainer, batch, people)
    batches.move_day(world.trainer, batch.days[0], last_day - timedelta(days=9), confirmed=True, shift_following=True,
                     clash_ok=batches.KEEP_BOTH)
    db.session.refresh(batch)
    return batch, enrolments


def people(world, n, **fields):
    return [make_participant(world.khulna, world.trainer, **fields) for _ in range(n)]


def visit(user, person, batch, stage):
    return queries.visit_for(user, person.id, batch.id, stage, today())


def token(client, url):
    return FORM_TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


# --- the schedule --------------------------------------------------------------------------------

def test_every_completer_gets_each_stage_and_a_dropout_only_the_three_month_one(world):
    last = today() - timedelta(days=40)
    stayed, left = people(world, 2)
    batch, enrolments = finished_batch(world, [stayed, left], last_day=last)
    batches.drop_out(world.trainer, enrolments[1], on=batch.days[3].date, reason="work")
    stayed_visits = queries.person_visits(world.facilitator, stayed, today())
    assert [(v.stage.key, v.due) for v in stayed_visits] == [
        ("m1", rules.add_months(batch.end_date, 1)), ("m3", rules.add_months(batch.end_date, 3)),
        ("m6", rules.add_months(batch.end_date, 6)), ("m12", rules.add_months(batch.end_date, 12))]
    one = stayed_visits[0]
    assert (one.opens, one.closes) == (one.due - timedelta(days=15), one.due + timedelta(days=15))
    # 40 days after the last day the 1-month window (due ~30 days after, +-15) is still open: overdue
    assert one.status == "scheduled" and one.bucket == "overdue"
    assert [v.stage.key for v in queries.person_visits(world.facilitator, left, today())] == ["m3"]


def test_a_window_that_closed_without_a_record_is_missed(world):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=50))
    first = queries.person_visits(world.facilitator, person, today())[0]
    assert first.stage.key == "m1" and first.status == "missed" and first.bucket == "missed"


def test_moving_a_training_day_moves_every_due_date(world):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=20))
    before = {v.stage.key: v.due for v in queries.person_visits(world.facilitator, person, today())}
    batches.move_day(world.trainer, batch.days[9], batch.days[9].date + timedelta(days=3), confirmed=True,
                     clash_ok=batches.KEEP_BOTH)
    db.session.refresh(batch)
    after = {v.stage.key: v.due for v in queries.person_visits(world.facilitator, person, today())}
    assert after == {k: rules.add_months(batch.end_date, rules.stage(k).months) for k in before}
    assert after["m1"] == before["m1"] + timedelta(days=3)


def test_a_running_batch_has_no_follow_ups_yet(world, client, login):
    person, = people(world, 1)
    batch = batches.create_batch(world.trainer, partner_id=world.khulna.id, district=None, venue="Hall",
                                 start_date=today() - timedelta(days=2), off_days=set(),
                                 facilitator_ids=[world.facilitator.id], clash_ok=batches.KEEP_BOTH)
    batches.enrol(world.trainer, batch, [person])
    assert queries.person_visits(world.facilitator, person, today()) == []
    login(world.facilitator)
    assert client.get(f"/followups/visit/{person.id}/{batch.id}/m1").status_code == 404


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert rules.add_months(date(2026, 3, 10), -6) == date(2025, 9, 10)


# --- recording a visit ---------------------------------------------------------------------------

def test_a_visit_is_recorded_in_one_page_and_leaves_the_due_list(world, client, login):
    person, = people(world, 1, phone="01711112222")
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    login(world.facilitator)
    page = client.get("/followups/").get_data(as_text=True)
    url = f"/followups/visit/{person.id}/{batch.id}/m1"
    assert url in page and 'href="tel:01711112222"' in page and person.full_name in page
    response = client.post(url, data={
        "csrf_token": token(client, url), "status": "done", "method": "home", "consent_confirmed": "y",
        "works_now": "self", "business_started": "yes", "trade": "Tailoring", "still_running": "yes",
        "income_range": "2001-5000", "days_worked": "২২", "savings": "yes", "loan_source": "mfi",
        "support_since": ["mentoring", "market"], "needs": ["capital"], "needs_note": "A second machine",
        "next_step": "Visit the market together"})
    assert response.status_code == 302
    row = db.session.scalar(select(FollowUp))
    assert (row.status, row.method, row.works_now, row.business_started, row.days_worked, row.support_since,
            row.recorded_by_id, row.consent_confirmed) == ("done", "home", "self", True, 22, ["mentoring", "market"],
                                                           world.facilitator.id, True)
    assert url not in client.get("/followups/").get_data(as_text=True)


def test_a_done_visit_needs_the_consent_ticked_again_and_saves_nothing_without(world, client, login):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    login(world.facilitator)
    url = f"/followups/visit/{person.id}/{batch.id}/m1"
    response = client.post(url, data={"csrf_token": token(client, url), "status": "done", "method": "phone",
                                      "works_now": "wage"})
    assert response.status_code == 400
    assert "tick the box" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    bad = client.post(url, data={"csrf_token": token(client, url), "status": "done", "method": "phone",
                                 "consent_confirmed": "y", "works_now": "wage", "days_worked": "45"})
    assert bad.status_code == 400 and db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_not_reached_is_one_tap_and_the_visit_stays_for_another_try(world, client, login):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    login(world.facilitator)
    url = f"/followups/visit/{person.id}/{batch.id}/m1/not-reached"
    list_token = token(client, "/followups/")
    assert client.post(url, data={"csrf_token": list_token}).status_code == 302
    row = db.session.scalar(select(FollowUp))
    assert row.status == "not_reached" and row.works_now is None
    page = client.get("/followups/").get_data(as_text=True)
    assert f"/followups/visit/{person.id}/{batch.id}/m1" in page and "tried: not reached" in page


def test_a_withdrawn_consent_ends_the_follow_up(world):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=100))
    followups.record(world.facilitator, visit(world.facilitator, person, batch, "m3"), status="withdrawn")
    statuses = {v.stage.key: v.status for v in queries.person_visits(world.facilitator, person, today())}
    assert statuses == {"m1": "missed", "m3": "withdrawn", "m6": "withdrawn", "m12": "withdrawn"}
    with pytest.raises(followups.FollowUpError):
        followups.record(world.facilitator, visit(world.facilitator, person, batch, "m6"), status="done",
                         method="phone", consent_confirmed=True, works_now="self")


def test_a_visit_cannot_be_recorded_before_its_window_opens(world):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=5))
    with pytest.raises(followups.FollowUpError):
        followups.not_reached(world.facilitator, visit(world.facilitator, person, batch, "m1"))
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_facilitators_reach_only_their_partners_people(world, client, login):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    colleague = make_staff(partner=world.khulna)  # a case manager of the partner who did not run the batch
    login(colleague)
    assert client.get(f"/followups/visit/{person.id}/{batch.id}/m1").status_code == 200
    assert client.get(f"/followups/people/{person.id}").status_code == 200
    login(world.other_facilitator)
    assert client.get(f"/followups/visit/{person.id}/{batch.id}/m1").status_code == 404
    assert person.full_name not in client.get("/followups/").get_data(as_text=True)


def test_every_view_of_a_follow_up_record_is_audited(world, client, login):
    person, = people(world, 1)
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    login(world.facilitator)
    client.get(f"/followups/visit/{person.id}/{batch.id}/m1")
    client.get(f"/followups/people/{person.id}")
    actions = db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "follow_up_viewed")).all()
    assert actions == [str(person.id), str(person.id)]


# --- support ---------------------------------------------------------------------------------------

def test_support_is_logged_with_date_and_who_and_shown_on_the_record(world, client, login):
    person, = people(world, 1)
    login(world.facilitator)
    url = f"/followups/people/{person.id}"
    day = (today() - timedelta(days=3)).isoformat()
    response = client.post(url + "/support", data={"csrf_token": token(client, url), "kind": "market",
                                                   "given_on": day, "note": "Met the wholesaler"})
    assert response.status_code == 302
    row = db.session.scalar(select(SupportGiven))
    assert (row.kind, row.given_on.isoformat(), row.given_by_id) == ("market", day, world.facilitator.id)
    page = client.get(url).get_data(as_text=True)
    assert "Market linkage" in page and "Met the wholesaler" in page
    future = client.post(url + "/support", data={"csrf_token": token(client, url), "kind": "market",
                                                 "given_on": (today() + timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and db.session.scalar(select(func.count()).select_from(SupportGiven)) == 1


# --- the money book --------------------------------------------------------------------------------

def test_the_money_book_totals_each_month_in_bangla_digits_next_to_the_plan(world, client, login):
    person = world.participant
    login(person.user)
    for category, amount in (("sales", "৫,০০০"), ("inputs", "1200"), ("household", "৩০০")):
        response = client.post("/followups/book", data={"csrf_token": token(client, "/followups/book"),
                                                        "category": category, "amount": amount, "on": ""})
        assert response.status_code == 302
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": token(client, "/followups/book")})
    page = client.get("/followups/book").get_data(as_text=True)
    month = today().strftime("%Y-%m")
    row = re.search(rf'<tr id="month-{month}">(.*?)</tr>', page, re.S).group(1)
    assert "৳ ৫,০০০" in row and "৳ ১,৫০০" in row and "৳ ৩,৫০০" in row
    assert "পাচার" not in page and "trafficking" not in page.lower()
    bad = client.post("/followups/book", data={"csrf_token": token(client, "/followups/book"), "category": "sales",
                                               "amount": "many"})
    assert bad.status_code == 400 and db.session.scalar(select(func.count()).select_from(MoneyEntry)) == 3


def test_staff_see_the_monthly_totals_only_when_the_owner_shares_them(world, client, login):
    batch_world(world)
    person = world.participant
    followups.add_entry(person.user, person, category="sales", amount=4000, on=today())
    login(world.facilitator)
    assert 'id="book-months"' not in client.get(f"/followups/people/{person.id}").get_data(as_text=True)
    followups.set_shared(person.user, person, True)
    page = client.get(f"/followups/people/{person.id}").get_data(as_text=True)
    assert 'id="book-months"' in page and "4,000" in page
    with pytest.raises(followups.FollowUpError):
        followups.add_entry(world.facilitator, person, category="sales", amount=1, on=today())


def test_nobody_deletes_a_line_of_another_book(world, client, login):
    mine = followups.add_entry(world.participant.user, world.participant, category="sales", amount=100, on=today())
    login(world.other_participant.user)
    url = f"/followups/book/{mine.id}/delete"
    assert client.post(url, data={"csrf_token": token(client, "/followups/book")}).status_code == 404
    assert db.session.get(MoneyEntry, mine.id) is not None


# --- erasure -----------------------------------------------------------------------------------------

def test_erasure_removes_the_book_the_intake_and_the_free_text(world):
    person = make_participant(world.khulna, world.trainer, intake={"intake_income": "0", "intake_work": "none",
                                                                   "intake_household": "4"})
    batch, _ = finished_batch(world, [person], last_day=today() - timedelta(days=28))
    followups.record(world.facilitator, visit(world.facilitator, person, batch, "m1"), status="done", method="home",
                     consent_confirmed=True, works_now="self", business_started=True, trade="canary trade",
                     needs_note="canary need", next_step="canary step")
    followups.add_support(world.facilitator, person, kind="mentoring", given_on=today(), note="canary support")
    followups.add_entry(person.user, person, category="sales", amount=700, on=today())
    privacy.erase(world.trainer, person)
    db.session.expire_all()
    erased = db.session.get(Participant, person.id)
    assert (erased.intake_income, erased.intake_work, erased.intake_household) == (None, None, None)
    assert db.session.scalar(select(func.count()).select_from(MoneyEntry)) == 0
    row = db.session.scalar(select(FollowUp))
    assert (row.trade, row.needs_note, row.next_step, row.works_now) == ("[erased]", "[erased]", "[erased]", "self")
    assert db.session.scalar(select(SupportGiven.note)) == "[erased]"


# --- the intake baseline -------------------------------------------------------------------------

def test_registration_keeps_the_optional_intake_and_refuses_a_bad_household(world, client, login):
    login(world.facilitator)
    url = "/participants/new"
    base = {"partner_id": world.khulna.id, "full_name": "Amena Khatun", "gender": "woman", "birth_year": "1990",
            "district": "Khulna", "consent_data_use": "y", "intake_work": "wage", "intake_income": "undisclosed",
            "intake_income_source": "", "intake_business": "no"}
    bad = client.post(url, data={**base, "csrf_token": token(client, url), "intake_household": "99"})
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Participant).where(
        Participant.full_name == "Amena Khatun")) == 0
    assert client.post(url, data={**base, "csrf_token": token(client, url),
                                  "intake_household": "৫"}).status_code == 302
    found = db.session.scalar(select(Participant).where(Participant.full_name == "Amena Khatun"))
    assert (found.intake_work, found.intake_income, found.intake_income_source, found.intake_household,
            found.intake_business) == ("wage", "undisclosed", None, 5, "no")


# --- outcome indicators ---------------------------------------------------------------------------

def cohort_of_ten(world):
    """Ten completers whose 6-month visit is due today, worked out by hand:
    visits done: 6 (people 0-5): works now self, wage, both, self, none, none;
                 business started: people 0, 2, 3; intake income 0 for all, income now 1-2000 for 0-2
    consent withdrawn: person 6; never reached: 7, 8, 9 (8 tried: not reached).
    Support logged for person 0 only.
    Employment at 6 months: 4 of 6 reached = 67%; 4 of 10 completers = 40%; not reached 3 of 10 = 30%;
    withdrawn 1 of 10 = 10%."""
    ten = people(world, 10, intake={"intake_income": "0"})
    batch, _ = finished_batch(world, ten, last_day=rules.add_months(today(), -6))
    works = ("self", "wage", "both", "self", "none", "none")
    for i, work in enumerate(works):
        followups.record(world.facilitator, visit(world.facilitator, ten[i], batch, "m6"), status="done",
                         method="phone", consent_confirmed=True, works_now=work, business_started=i in (0, 2, 3),
                         income_range="1-2000" if i < 3 else "0")
    followups.record(world.facilitator, visit(world.facilitator, ten[6], batch, "m6"), status="withdrawn")
    followups.not_reached(world.facilitator, visit(world.facilitator, ten[8], batch, "m6"))
    followups.add_support(world.facilitator, ten[0], kind="loan", given_on=today())
    return ten, batch


def screen_table(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table class="num" id="table-{key}">(.*?)</table>', page, re.S).group(1)
    rows = []
    for split, category, cells in re.findall(r'<tr data-split="([^"]+)" data-key="[^"]*"><th scope="row">(.*?)</th>'
                                             r'(.*?)</tr>', body, re.S):
        rows.append([split, category, *re.findall(r"<td>(.*?)</td>", cells)])
    return [[c.replace("&lt;", "<") for c in row] for row in rows]



def test_support_reported_at_the_visit_counts_and_an_empty_answer_does_not(world):
    three = people(world, 3)
    batch, _ = finished_batch(world, three, last_day=rules.add_months(today(), -6))
    for person, since in zip(three, (["mentoring", "market"], [], ["loan"])):
        followups.record(world.facilitator, visit(world.facilitator, person, batch, "m6"), status="done",
                         method="phone", consent_confirmed=True, works_now="self", business_started=False,
                         income_range="0", support_since=since)
    support = next(i for i in rules.indicators() if i.key == "support_6m")
    cell = queries.outcome_cells(today())[0][support.key][("total", "all")]
    assert (cell.eligible, cell.reached, cell.numerator) == (3, 3, 2)

def test_the_indicators_on_a_cohort_computed_by_hand(world, client, login):
    cohort_of_ten(world)
    login(world.trainer)
    page = client.get("/followups/outcomes").get_data(as_text=True)
    total = {key: screen_table(page, key)[0] for key in ("employed_6m", "business_started_6m", "income_up_6m",
                                                         "support_6m", "business_running_12m")}
    #            eligible reached yes  among reached  among all  not reached  withdrawn
    assert total["employed_6m"][2:] == ["10", "6", "<5", "67%", "40%", "30%", "10%"]
    assert total["business_started_6m"][2:] == ["10", "6", "<5", "50%", "30%", "30%", "10%"]
    assert total["income_up_6m"][2:] == ["10", "6", "<5", "50%", "30%", "30%", "10%"]
    assert total["support_6m"][2:] == ["10", "6", "<5", "17%", "10%", "30%", "10%"]
    assert total["business_running_12m"][2:] == ["0", "0", "0", "—", "—", "—", "—"]  # not due yet
    # and exactly, before small counts are hidden
    employed = rules.indicators()[0]
    cell = queries.outcome_cells(today())[0][employed.key][("total", "all")]
    assert (cell.eligible, cell.reached, cell.numerator, cell.withdrawn, cell.not_reached) == (10, 6, 4, 1, 3)


def test_the_donor_report_equals_the_screen(world, client, login):
    cohort_of_ten(world)
    login(world.trainer)
    page = client.get("/followups/outcomes").get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get("/followups/outcomes.xlsx").data))
    assert book.sheetnames[0] == "About"
    about = [[c.value for c in row] for row in book["About"].iter_rows()]
    assert ["employed_6m", "1", "m6", "completers", "works_now in (wage, self, both)"] == [
        str(v) for v in next(r for r in about if r[0] == "employed_6m")[:5]]
    for indicator in rules.indicators():
        screen = screen_table(page, indicator.key)
        sheet = [[("" if c.value is None else str(c.value)) for c in row] for row in book[indicator.key].iter_rows()]
        csv_rows = list(csv.reader(io.StringIO(client.get(f"/followups/outcomes.csv?table={indicator.key}")
                                               .get_data(as_text=True).lstrip("\ufeff"))))
        # the screen shows labels; the files the same labels and cells
        assert [r[1:] for r in sheet[1:]] == [r[1:] for r in screen] == [r[1:] for r in csv_rows[1:]]
    assert client.get("/followups/outcomes.csv?table=nothing").status_code == 400
    assert client.get("/followups/outcomes?cohort=1999-Q9").status_code == 400
    text = client.get("/followups/outcomes.xlsx").data
    assert b"KHU-" not in text  # pseudonymous: counts only


# --- query counts --------------------------------------------------------------------------------------

def test_the_due_list_takes_the_same_queries_for_few_and_many_visits(world, client, login, count_queries):
    finished_batch(world, people(world, 2), last_day=today() - timedelta(days=28))
    login(world.facilitator)
    few = count_queries("/followups/")
    finished_batch(world, people(world, 12), last_day=today() - timedelta(days=25))
    finished_batch(world, people(world, 6), last_day=rules.add_months(today(), -3))
    many = count_queries("/followups/")
    assert count_queries.html.count('class="button secondary" type="submit">Not reached') == 20
    assert many == few


def test_the_dashboard_outcomes_section_shows_the_outcome_pages_figures(world, client, login):
    cohort_of_ten(world)
    login(world.trainer)
    page = client.get("/followups/outcomes").get_data(as_text=True)
    board = client.get("/reports/").get_data(as_text=True)
    section = re.search(r'<table class="num" id="table-outcomes">(.*?)</table>', board, re.S).group(1)
    for indicator in rules.indicators():
        line = re.search(rf'<tr data-key="{indicator.key}"><th scope="row">.*?</th>(.*?)</tr>', section, re.S).group(1)
        total = screen_table(page, indicator.key)[0]
        cells = [c.replace("&lt;", "<") for c in re.findall(r"<td>(.*?)</td>", line)]
        assert cells == [total[2], total[3], *total[5:]]


def test_a_roster_may_carry_the_intake_columns(world):
    text = ("full_name,gender,birth_year,district,phone,consent_data_use,consent_photos,work_before,monthly_income,"
            "household_size,runs_business\n"
            "রহিমা খাতুন,woman,1994,Khulna,,yes,no,wage,1-2000,৪,হ্যাঁ\n"
            "Shirin Akter,woman,1990,Khulna,,yes,no,,prefers not to say,,no\n")
    check = roster.check(text, partner=world.khulna, actor=world.trainer)
    assert check.ok, check.errors
    created = roster.import_rows(world.trainer, partner=world.khulna, rows=check.rows, include=set())
    first, second = (p for _row, p in created)
    assert (first.intake_work, first.intake_income, first.intake_household, first.intake_business) == (
        "wage", "1-2000", 4, "yes")
    assert (second.intake_work, second.intake_income, second.intake_business) == (None, "undisclosed", "no")
    bad = roster.check(text.replace("1-2000", "lots"), partner=world.khulna, actor=world.trainer)
    assert [(row, column) for row, column, _m in bad.errors] == [(2, "monthly_income")]
