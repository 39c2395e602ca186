"""Batches and training days: scheduling, holidays, moving days, scope, enrolment, drop-out and
transfer."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from edt import clock
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.accounts.models import User
from edt.modules.attendance import services as attendance
from edt.modules.batches import queries, services
from edt.modules.batches.models import Batch, Enrolment, Holiday, TrainingDay, batch_facilitator
from edt.modules.canvas import queries as canvases
from edt.modules.certificates import queries as certificates
from edt.modules.reports import queries as reports
from edt.security import Role

from tests.conftest import csrf_token
from tests.factories import batch_world, enrol, make_batch, make_participant, make_staff


def fresh(model, ident):
    """Read what requests committed, not this session's cached copy."""
    db.session.expire_all()
    return db.session.get(model, ident)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


# --- creating batches -----------------------------------------------------------------------------

def test_batch_gets_a_district_code_and_ten_days_skipping_fridays_and_holidays(app, world):
    monday = next_weekday(clock.today() + timedelta(days=7), 0)
    services.add_holiday(world.trainer, monday + timedelta(days=2), "Test Day")  # the Wednesday
    first = services.create_batch(world.trainer, partner_id=world.khulna.id, district=None, venue="Union hall",
                                  start_date=monday, facilitator_ids=[world.facilitator.id])
    second = services.create_batch(world.trainer, partner_id=world.khulna.id, district=None, venue="",
                                   start_date=monday, facilitator_ids=[world.facilitator.id],
                                   clash_ok=services.KEEP_BOTH)
    year = monday.year
    assert (first.code, second.code) == (f"KHU-{year}-01", f"KHU-{year}-02")
    dates = [d.date for d in first.days]
    assert len(dates) == 10 and dates == sorted(dates) and len(set(dates)) == 10
    assert all(d.weekday() != 4 for d in dates)  # Friday is the default weekly off day
    assert monday + timedelta(days=2) not in dates  # the holiday
    assert dates[0] == monday and first.start_date == dates[0] and first.end_date == dates[-1]
    assert [d.number for d in first.days] == list(range(1, 11))
    assert first.capacity == 25 and first.master_trainer_id == world.trainer.id
    assert first.status_on(monday - timedelta(days=1)) == "planned"
    assert first.status_on(dates[3]) == "running"
    assert first.status_on(dates[-1] + timedelta(days=1)) == "completed"


def test_start_on_an_off_day_moves_day_one_to_the_next_working_day(app, world):
    friday = next_weekday(clock.today() + timedelta(days=3), 4)
    batch = services.create_batch(world.trainer, partner_id=world.khulna.id, district="Jashore", venue="",
                                  start_date=friday, off_days={4, 5}, facilitator_ids=[world.facilitator.id])
    assert batch.code.startswith("JAS-")  # the code follows the batch's district
    assert batch.days[0].date == friday + timedelta(days=2)  # Friday and Saturday off: Sunday
    assert all(d.date.weekday() not in (4, 5) for d in batch.days)


def test_master_trainer_creates_a_batch_through_the_form(client, login, world):
    login(world.trainer)
    token = csrf_token(client, "/batches/new")
    start = clock.today() + timedelta(days=10)
    response = client.post("/batches/new", data={
        "csrf_token": token, "partner_id": world.khulna.id, "district": "", "venue": "Sonadanga community hall",
        "start_date": start.isoformat(), "off_days": ["4"], "language": "bn", "capacity": "25",
        "master_trainer_id": world.trainer.id, "facilitator_ids": [world.facilitator.id]})
    assert response.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert response.headers["Location"] == f"/batches/{batch.id}"
    assert batch.venue == "Sonadanga community hall" and [f.id for f in batch.facilitators] == [world.facilitator.id]
    assert count(TrainingDay) == 10
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert batch.code in page and "Sonadanga community hall" in page and 'id="day-10-attendance"' in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "batch_created"))
    assert audit.actor_id == world.trainer.id and "venue" in audit.details["fields"]


@pytest.mark.parametrize("change, message", [
    ({"facilitator_ids": []}, "Choose at least one facilitator"),
    ({"facilitator_ids": ["{other}"]}, "must be active staff of the batch"),
    ({"start_date": "2001-01-01"}, "within a year of today"),
    ({"start_date": "not a date"}, "Give a date"),
    ({"capacity": "0"}, "Between 1 and 60"),
    ({"off_days": ["0", "1", "2", "3", "4", "5", "6"]}, "At least one day of the week"),
    ({"off_days": ["9"]}, "not a valid choice"),
    ({"partner_id": "0"}, "Choose a partner organisation"),
])
def test_bad_batch_input_is_refused_with_a_message_and_saves_nothing(client, login, world, change, message):
    login(world.trainer)
    data = {"csrf_token": csrf_token(client, "/batches/new"), "partner_id": world.khulna.id, "district": "",
            "venue": "Hall", "start_date": (clock.today() + timedelta(days=3)).isoformat(), "off_days": ["4"],
            "language": "bn", "capacity": "25", "master_trainer_id": world.trainer.id,
            "facilitator_ids": [world.facilitator.id]}
    data.update({k: [str(world.other_facilitator.id) if x == "{other}" else x for x in v] if isinstance(v, list)
                 else v for k, v in change.items()})
    response = client.post("/batches/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Batch) == 0 and count(TrainingDay) == 0


def test_only_master_trainers_create_and_change_batches(app, world):
    with pytest.raises(services.BatchError):
        services.create_batch(world.facilitator, partner_id=world.khulna.id, district=None, venue="",
                              start_date=clock.today(), facilitator_ids=[world.facilitator.id])
    assert count(Batch) == 0


def test_edit_changes_venue_capacity_and_facilitators_but_not_below_enrolled(client, login, world):
    batch_world(world)
    second = make_staff(Role.FACILITATOR, world.khulna)
    login(world.trainer)
    url = f"/batches/{world.batch.id}/edit"
    token = csrf_token(client, url)
    base = {"csrf_token": token, "venue": "New hall", "off_days": ["4"], "language": "bn",
            "master_trainer_id": world.trainer.id, "facilitator_ids": [world.facilitator.id, second.id]}
    assert client.post(url, data={**base, "capacity": "0"}).status_code == 400
    too_low = client.post(url, data={**base, "capacity": "1"})
    assert too_low.status_code == 302  # one person is enrolled: 1 is allowed
    batch = fresh(Batch, world.batch.id)
    assert batch.venue == "New hall" and batch.language == "bn" and batch.capacity == 1
    assert {f.id for f in batch.facilitators} == {world.facilitator.id, second.id}
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "batch_updated"))
    assert set(event_row.details["fields"]) >= {"venue", "language", "capacity", "facilitators"}


def test_capacity_cannot_drop_below_the_people_enrolled(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator])
    enrol(batch, [make_participant(world.khulna) for _ in range(3)])
    with pytest.raises(services.BatchError, match="3 people are enrolled"):
        services.update_batch(world.trainer, batch, venue="", off_days={4}, language="bn", capacity=2,
                              master_trainer_id=None, facilitator_ids=[world.facilitator.id])


def test_cancel_and_reinstate(client, login, world):
    batch_world(world)
    login(world.trainer)
    token = csrf_token(client, "/")
    assert client.post(f"/batches/{world.batch.id}/cancelled/1", data={"csrf_token": token}).status_code == 302
    batch = fresh(Batch, world.batch.id)
    assert batch.status_on(clock.today()) == "cancelled"
    with pytest.raises(services.BatchError, match="cancelled"):
        enrol(batch, [make_participant(world.khulna)], world.trainer)
    assert client.post(f"/batches/{world.batch.id}/cancelled/0", data={"csrf_token": token}).status_code == 302
    assert fresh(Batch, world.batch.id).status_on(clock.today()) == "running"


# --- scope and lists --------------------------------------------------------------------------------

def test_facilitators_see_only_the_batches_they_facilitate(client, login, world):
    batch_world(world)
    unassigned = make_batch(world.khulna, trainer=world.trainer)  # Khulna, but another facilitator runs it
    login(world.facilitator)
    page = client.get("/batches/").get_data(as_text=True)
    assert world.batch.code in page and unassigned.code not in page and world.other_batch.code not in page
    assert client.get(f"/batches/{unassigned.id}").status_code == 404
    login(world.trainer)
    page = client.get("/batches/").get_data(as_text=True)
    assert all(b.code in page for b in (world.batch, unassigned, world.other_batch))
    running = client.get("/batches/?status=planned").get_data(as_text=True)
    assert world.batch.code not in running  # it started two days ago


def test_facilitates_answers_for_other_modules(app, world):
    batch_world(world)
    assert queries.facilitates(world.trainer, world.participant)
    assert queries.facilitates(world.facilitator, world.participant)
    assert not queries.facilitates(world.other_facilitator, world.participant)
    assert not queries.facilitates(world.participant.user, world.participant)
    colleague = make_staff(Role.FACILITATOR, world.khulna)  # same partner, not in this batch
    assert not queries.facilitates(colleague, world.participant)
    services.drop_out(world.facilitator, world.enrolment, on=clock.today(), reason="work")
    assert not queries.facilitates(world.facilitator, world.participant)  # no active enrolment any more


def test_batch_list_and_detail_load_in_a_fixed_number_of_queries(count_queries, login, world):
    login(world.trainer)
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    enrol(batch, [make_participant(world.khulna, world.trainer) for _ in range(5)])
    small = (count_queries("/batches/"), count_queries(f"/batches/{batch.id}"))
    for _ in range(4):
        extra = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    batch.capacity = 60
    db.session.commit()
    enrol(fresh(Batch, batch.id), [make_participant(world.khulna, world.trainer) for _ in range(45)])
    assert extra
    large = (count_queries("/batches/"), count_queries(f"/batches/{batch.id}"))
    assert small == large


# --- moving days ------------------------------------------------------------------------------------

def test_a_day_moves_only_between_its_neighbours(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], start=clock.today() + timedelta(days=5))
    days = batch.days
    with pytest.raises(services.BatchError, match="must come after day 3"):
        services.move_day(world.facilitator, days[3], days[2].date)
    with pytest.raises(services.BatchError, match="must come before day 5"):
        services.move_day(world.facilitator, days[3], days[4].date)
    with pytest.raises(services.BatchError, match="within a year"):
        services.move_day(world.facilitator, days[9], clock.today() + timedelta(days=500))
    assert [d.date for d in fresh(Batch, batch.id).days] == [d.date for d in days]


def test_moving_a_day_with_the_later_days_keeps_the_order(app, world):
    start = next_weekday(clock.today() + timedelta(days=5), 0)
    batch = make_batch(world.khulna, facilitators=[world.facilitator], start=start, off_days={4})
    day4 = batch.days[3]
    new = day4.date + timedelta(days=3)
    moved = services.move_day(world.facilitator, day4, new, shift_following=True, confirmed=True)
    batch = fresh(Batch, batch.id)
    dates = [d.date for d in batch.days]
    assert dates[3] == new and dates == sorted(dates) and len(set(dates)) == 10
    assert all(d.weekday() != 4 for d in dates[4:])
    assert batch.end_date == dates[-1] and len(moved) >= 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training_day_moved")).details[
        "days_moved"] == len(moved)


def hidden_value(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def test_moving_onto_an_off_day_or_holiday_asks_for_confirmation(client, login, world):
    start = next_weekday(clock.today() + timedelta(days=5), 0)  # a Monday; days Mon..Thu, Sat..
    batch = make_batch(world.khulna, facilitators=[world.facilitator], start=start, off_days={4})
    day10 = batch.days[9]
    friday = next_weekday(day10.date + timedelta(days=1), 4)
    login(world.facilitator)
    url = f"/batches/days/{day10.id}/move"
    token = csrf_token(client, url)
    ask = client.post(url, data={"csrf_token": token, "date": friday.isoformat()})
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "weekly off day" in page and 'id="confirm-question"' in page
    assert fresh(TrainingDay, day10.id).date == day10.date  # nothing moved yet
    plan = hidden_value(page, "confirmed")
    # The confirmation is for that plan only: another off day asks again.
    later_friday = friday + timedelta(days=7)
    again = client.post(url, data={"csrf_token": token, "date": later_friday.isoformat(), "confirmed": plan})
    assert 'id="confirm-question"' in again.get_data(as_text=True)
    assert fresh(TrainingDay, day10.id).date == day10.date
    done = client.post(url, data={"csrf_token": token, "date": friday.isoformat(), "confirmed": plan})
    assert done.status_code == 302
    assert fresh(TrainingDay, day10.id).date == friday
    services.add_holiday(world.trainer, friday + timedelta(days=1), "Test holiday")
    with pytest.raises(services.NeedsConfirmation, match="public holiday"):
        services.move_day(world.facilitator, fresh(TrainingDay, day10.id), friday + timedelta(days=1))


def test_a_facilitator_cannot_move_days_of_a_batch_they_do_not_run(client, login, world):
    batch_world(world)
    login(world.other_facilitator)
    url = f"/batches/days/{world.batch.days[0].id}/move"
    response = client.post(url, data={"csrf_token": csrf_token(client, "/"), "date": clock.today().isoformat()})
    assert response.status_code == 404
    with pytest.raises(services.BatchError):
        services.move_day(world.other_facilitator, world.batch.days[0], clock.today() - timedelta(days=3))


# --- holidays ---------------------------------------------------------------------------------------

def test_holidays_page_adds_lists_and_removes(client, login, world):
    login(world.trainer)
    token = csrf_token(client, "/batches/holidays")
    day = clock.today() + timedelta(days=30)
    assert client.post("/batches/holidays", data={"csrf_token": token, "date": day.isoformat(),
                                                   "name": "Pohela Boishakh"}).status_code == 302
    duplicate = client.post("/batches/holidays", data={"csrf_token": token, "date": day.isoformat(), "name": "Again"})
    assert duplicate.status_code == 400 and "already in the holiday list" in duplicate.get_data(as_text=True)
    assert client.post("/batches/holidays", data={"csrf_token": token, "date": "", "name": "x"}).status_code == 400
    assert "Pohela Boishakh" in client.get("/batches/holidays").get_data(as_text=True)
    holiday = db.session.scalar(select(Holiday))
    assert client.post(f"/batches/holidays/{holiday.id}/delete", data={"csrf_token": token}).status_code == 302
    assert count(Holiday) == 0
    assert client.post("/batches/holidays/999999/delete", data={"csrf_token": token}).status_code == 404


def test_holidays_cli(app, world):
    runner = app.test_cli_runner()
    day = clock.today() + timedelta(days=40)
    result = runner.invoke(args=["holidays", "add", day.isoformat(), "Victory", "Day"])
    assert result.exit_code == 0, result.output
    assert "Victory Day" in runner.invoke(args=["holidays", "list"]).output
    again = runner.invoke(args=["holidays", "add", day.isoformat(), "Twice"])
    assert again.exit_code != 0 and "already in the holiday list" in again.output
    bad = runner.invoke(args=["holidays", "add", "16/12/2026", "Wrong format"])
    assert bad.exit_code != 0
    assert count(Holiday) == 1


# --- enrolment --------------------------------------------------------------------------------------

def test_enrol_by_ticking_and_by_code(client, login, world):
    batch_world(world)
    ticked = make_participant(world.khulna, world.trainer)
    typed = make_participant(world.khulna, world.trainer)
    login(world.facilitator)
    url = f"/batches/{world.batch.id}"
    page = client.get(url).get_data(as_text=True)
    assert ticked.code in page and ticked.full_name not in page  # codes only on the batch page
    response = client.post(f"{url}/enrol", data={"csrf_token": csrf_token(client, url),
                                                 "participant_ids": [ticked.id], "codes": typed.code.lower()})
    assert response.status_code == 302
    active = db.session.scalars(select(Enrolment.participant_id).where(Enrolment.batch_id == world.batch.id,
                                                                       Enrolment.status == "active")).all()
    assert set(active) == {world.participant.id, ticked.id, typed.id}


def test_enrolment_rules_are_all_or_nothing(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], capacity=2)
    people = [make_participant(world.khulna) for _ in range(3)]
    with pytest.raises(services.BatchError, match="2 places left; you chose 3"):
        enrol(batch, people, world.facilitator)
    assert count(Enrolment) == 0
    with pytest.raises(services.BatchError, match="another partner"):
        enrol(batch, [people[0], world.other_participant], world.trainer)
    assert count(Enrolment) == 0
    enrol(batch, people[:2], world.facilitator)
    other = make_batch(world.khulna, facilitators=[world.facilitator])
    with pytest.raises(services.BatchError, match="already enrolled in"):
        enrol(other, [people[0]], world.facilitator)
    with pytest.raises(services.BatchError, match="already in this batch"):
        enrol(batch, [people[0]], world.facilitator)
    with pytest.raises(services.BatchError, match="only the batches you facilitate"):
        enrol(other, [people[2]], make_staff(Role.FACILITATOR, world.khulna))
    assert count(Enrolment) == 2


def test_the_database_allows_one_active_enrolment(app, world):
    from sqlalchemy.exc import IntegrityError

    first = make_batch(world.khulna, facilitators=[world.facilitator])
    second = make_batch(world.khulna, facilitators=[world.facilitator])
    enrol(first, [world.participant])
    db.session.add(Enrolment(batch_id=second.id, participant_id=world.participant.id, status="active",
                             enrolled_on=clock.today()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_enrol_with_unknown_code_changes_nothing(client, login, world):
    batch_world(world)
    login(world.facilitator)
    url = f"/batches/{world.batch.id}"
    response = client.post(f"{url}/enrol", data={"csrf_token": csrf_token(client, url), "codes": "KHU-1999-9999",
                                                 "participant_ids": ["abc"]})
    assert response.status_code == 302
    assert count(Enrolment) == 1
    response = client.post(f"{url}/enrol", data={"csrf_token": csrf_token(client, url),
                                                 "codes": world.other_participant.code}, follow_redirects=True)
    assert "No participant you can reach has the code" in response.get_data(as_text=True)
    assert count(Enrolment) == 1


def test_drop_out_needs_a_date_in_range_and_a_reason(client, login, world):
    batch_world(world)
    login(world.facilitator)
    url = f"/batches/enrolments/{world.enrolment.id}/drop"
    token = csrf_token(client, url)
    future = client.post(url, data={"csrf_token": token, "on": (clock.today() + timedelta(days=2)).isoformat(),
                                    "reason": "work"})
    assert future.status_code == 400 and "between" in future.get_data(as_text=True)
    bad_reason = client.post(url, data={"csrf_token": token, "on": clock.today().isoformat(), "reason": "secret"})
    assert bad_reason.status_code == 400
    assert fresh(Enrolment, world.enrolment.id).status == "active"
    ok = client.post(url, data={"csrf_token": token, "on": clock.today().isoformat(), "reason": "moved"})
    assert ok.status_code == 302
    enrolment = fresh(Enrolment, world.enrolment.id)
    assert (enrolment.status, enrolment.reason, enrolment.ended_on) == ("dropped", "moved", clock.today())
    # Back again later: the same row becomes active, so its marks stay with them.
    enrol(fresh(Batch, world.batch.id), [world.participant], world.facilitator)
    assert fresh(Enrolment, world.enrolment.id).status == "active" and count(Enrolment) == 1


def test_transfer_keeps_the_old_enrolment_and_its_history(client, login, world):
    batch_world(world)
    target = make_batch(world.khulna, facilitators=[world.facilitator], start=clock.today())
    login(world.facilitator)
    url = f"/batches/enrolments/{world.enrolment.id}/transfer"
    page = client.get(url).get_data(as_text=True)
    assert target.code in page and world.other_batch.code not in page
    token = csrf_token(client, url)
    refused = client.post(url, data={"csrf_token": token, "batch_id": world.other_batch.id,
                                     "on": clock.today().isoformat()})
    assert refused.status_code == 400
    response = client.post(url, data={"csrf_token": token, "batch_id": target.id, "on": clock.today().isoformat()})
    assert response.status_code == 302 and response.headers["Location"] == f"/batches/{target.id}"
    old = fresh(Enrolment, world.enrolment.id)
    new = db.session.scalar(select(Enrolment).where(Enrolment.batch_id == target.id))
    assert old.status == "transferred" and old.transferred_to_id == new.id and new.status == "active"
    assert new.participant_id == world.participant.id


def test_transfer_into_a_full_batch_is_refused(app, world):
    batch_world(world)
    full = make_batch(world.khulna, facilitators=[world.facilitator], capacity=1)
    enrol(full, [make_participant(world.khulna)])
    with pytest.raises(services.BatchError, match="is full"):
        services.transfer(world.facilitator, world.enrolment, full)
    assert fresh(Enrolment, world.enrolment.id).status == "active"


def test_other_partners_facilitator_reaches_nothing_and_changes_nothing(client, login, world):
    """Every batch, day, enrolment, participant and attendance URL of Khulna: 404, nothing changed."""
    ids = batch_world(world)
    login(world.other_facilitator)
    token = csrf_token(client, "/")
    before = {m.__tablename__: count(m) for m in (Batch, TrainingDay, Enrolment, Holiday)}
    day = ids["day_id"]
    gets = [f"/batches/{ids['batch_id']}", f"/batches/days/{day}/move",
            f"/batches/enrolments/{ids['enrolment_id']}/drop",
            f"/batches/enrolments/{ids['enrolment_id']}/transfer", f"/attendance/days/{day}",
            f"/attendance/days/{day}/sheet.pdf", f"/attendance/batches/{ids['batch_id']}",
            f"/participants/{world.participant.id}", f"/participants/{world.participant.id}/edit",
            f"/participants/{world.participant.id}/pin"]
    for url in gets:
        assert client.get(url).status_code == 404, url
    assert world.batch.code not in client.get(f"/batches/roster/import?batch={ids['batch_id']}").get_data(as_text=True)
    posts = {
        f"/batches/{ids['batch_id']}/enrol": {"codes": world.other_participant.code},
        f"/batches/days/{day}/move": {"date": clock.today().isoformat()},
        f"/batches/enrolments/{ids['enrolment_id']}/drop": {"on": clock.today().isoformat(), "reason": "work"},
        f"/batches/enrolments/{ids['enrolment_id']}/transfer": {"batch_id": world.other_batch.id},
        f"/attendance/days/{day}": {"row": ids["enrolment_id"], f"s-{ids['enrolment_id']}": "absent"},
        f"/participants/{world.participant.id}/edit": {"full_name": "Changed", "gender": "man", "district": "Khulna"},
        f"/participants/{world.participant.id}/pin": {"pin": "739164"},
    }
    for url, data in posts.items():
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    assert {m.__tablename__: count(m) for m in (Batch, TrainingDay, Enrolment, Holiday)} == before
    assert fresh(Enrolment, ids["enrolment_id"]).status == "active"
    from edt.modules.attendance.models import AttendanceMark
    from edt.modules.participants.models import Participant

    assert count(AttendanceMark) == 0
    assert fresh(Participant, world.participant.id).full_name == "Rahima Khatun"
    refusals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "not_found"))
    assert refusals >= len(gets) + len(posts)


def test_batch_page_with_a_full_roster_and_many_waiting_stays_within_the_page_budget(client, login, world):
    from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh

    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    enrol(batch, [make_participant(world.khulna, world.trainer) for _ in range(25)])
    for _ in range(60):
        make_participant(world.khulna, world.trainer)
    login(world.facilitator)
    status, total, requests = weigh(client, f"/batches/{batch.id}")
    assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (total, requests)


# --- one rule: a facilitator reaches a batch only while assigned AND of the batch's partner -------

def _assigned(user_id) -> set[int]:
    return set(db.session.scalars(select(batch_facilitator.c.batch_id).where(batch_facilitator.c.user_id == user_id)))


def test_moving_a_facilitator_to_another_partner_ends_their_old_batches_audited(client, login, world):
    """Through the users page: the Khulna batches are left (one audit row each, field names
    only), a Jashore batch the person is put on afterwards is kept by a later harmless edit."""
    batch_world(world)
    mover = make_staff(Role.FACILITATOR, world.khulna, username="mover")
    kept_with_colleague = make_batch(world.khulna, facilitators=[mover, world.facilitator], trainer=world.trainer)
    alone = make_batch(world.khulna, facilitators=[mover], trainer=world.trainer)
    login(world.trainer)
    response = client.post(f"/accounts/users/{mover.id}/edit", data={
        "csrf_token": csrf_token(client, f"/accounts/users/{mover.id}/edit"), "username": "mover",
        "display_name": "Staff Person", "role": "facilitator", "partner_id": world.jashore.id, "locale": ""})
    assert response.status_code == 302
    assert _assigned(mover.id) == set()
    assert {f.id for f in fresh(Batch, kept_with_colleague.id).facilitators} == {world.facilitator.id}
    assert fresh(Batch, alone.id).facilitators == []
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "facilitator_unassigned")).all()
    assert sorted(int(r.target_id) for r in rows) == sorted([kept_with_colleague.id, alone.id])
    assert all(r.actor_id == world.trainer.id and r.details["fields"] == ["facilitators"] for r in rows)
    assert "Staff Person" not in str([r.details for r in rows])
    # Now in Jashore: put on a Jashore batch, then only the name changes: the assignment stays.
    mover = fresh(User, mover.id)
    jashore_batch = make_batch(world.jashore, facilitators=[mover], trainer=world.trainer)
    accounts.update_staff(world.trainer, mover, display_name="New Name",
                          role=Role.FACILITATOR, partner_id=world.jashore.id, locale=None)
    assert _assigned(mover.id) == {jashore_batch.id}


def test_a_facilitator_made_master_trainer_leaves_every_batch_they_ran(app, world):
    ids = batch_world(world)
    accounts.update_staff(world.trainer, world.facilitator, display_name="Promoted", role=Role.MASTER_TRAINER,
                          partner_id=world.khulna.id, locale=None)
    assert _assigned(world.facilitator.id) == set()
    assert queries.batch_for(world.facilitator, ids["batch_id"]).id == ids["batch_id"]  # all, as a trainer


def _stale(world):
    """world.facilitator moved to Jashore by a plain write: the Khulna assignment rows stay, as in
    a database from before moves ended them. Only the rule itself keeps them out."""
    ids = batch_world(world)
    world.facilitator.partner_id = world.jashore.id
    db.session.commit()
    assert ids["batch_id"] in _assigned(world.facilitator.id)
    return ids


def _disabled(world):
    """world.facilitator's account is disabled (as if a request were still running for it)."""
    ids = batch_world(world)
    world.facilitator.is_enabled = False
    db.session.commit()
    return ids


@pytest.mark.parametrize("make", [_stale, _disabled], ids=["moved, rows kept", "deactivated"])
def test_every_scope_and_service_applies_the_one_rule(app, world, make):
    """Query helpers, object getters and the services' own checks all refuse: batches, days,
    enrolments, participants of the batch, canvases, certificates, reports, attendance marks,
    drop-out, moving a day, enrolling."""
    ids = make(world)
    me, batch = world.facilitator, fresh(Batch, ids["batch_id"])
    assert queries.reachable_ids(me, [batch.id]) == set()
    assert queries.list_batches(me)[1].total == 0
    assert not queries.facilitates(me, world.participant)
    for getter, ident in ((queries.batch_for, ids["batch_id"]), (queries.day_for, ids["day_id"]),
                          (queries.enrolment_for, ids["enrolment_id"]),
                          (canvases.participant_for, world.participant.id)):
        with pytest.raises(NotFound):
            getter(me, ident)
    assert db.session.scalars(canvases.scope(me)).all() == []
    assert db.session.scalars(certificates.scope(me)).all() == []
    for who in (me, reports.viewer(me)):
        assert db.session.scalars(reports.reachable_batches(who)).all() == []
    day = fresh(TrainingDay, ids["day_id"])
    with pytest.raises(attendance.AttendanceError):
        attendance.save_day(me, day, [attendance.Entry(enrolment_id=ids["enrolment_id"], status="absent")])
    with pytest.raises(services.BatchError):
        services.drop_out(me, fresh(Enrolment, ids["enrolment_id"]), on=clock.today(), reason="work")
    with pytest.raises(services.BatchError):
        services.move_day(me, day, day.date + timedelta(days=1))
    with pytest.raises(services.BatchError):
        services.enrol(me, batch, [make_participant(world.khulna, world.trainer)])
    assert fresh(Enrolment, ids["enrolment_id"]).status == "active"
    assert not queries.runs_batch(me, fresh(Batch, ids["batch_id"]))
