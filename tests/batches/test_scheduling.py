"""Safe scheduling: a facilitator on two batches on one date is asked about (naming the clash)
for a new batch, an edit and a day move; day moves show the dates before and after, ask, and the
last one can be undone (audited)."""
import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from edt import clock
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.batches import services
from edt.modules.batches.models import Batch, DayMove, Holiday, TrainingDay

from tests.conftest import csrf_token
from tests.factories import make_batch, make_staff
from edt.security import Role


def hidden_value(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def new_batch_form(world, start, facilitator, **extra):
    return {"partner_id": world.khulna.id, "district": "", "venue": "Rupsha hall", "start_date": start.isoformat(),
            "off_days": ["4"], "language": "bn", "capacity": "25", "master_trainer_id": world.trainer.id,
            "facilitator_ids": [facilitator.id], **extra}


def test_a_new_batch_that_double_books_a_facilitator_asks_naming_the_clash(client, login, world):
    start = clock.today() + timedelta(days=10)
    first = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start,
                       venue="Sonadanga hall")
    login(world.trainer)
    token = csrf_token(client, "/batches/new")
    ask = client.post("/batches/new", data={"csrf_token": token, **new_batch_form(world, start, world.facilitator)})
    page = html.unescape(ask.get_data(as_text=True))
    assert ask.status_code == 200 and 'id="clash-question"' in page
    assert first.code in page and world.facilitator.display_name in page  # the clash is named
    assert db.session.scalar(select(func.count(Batch.id))) == 1  # nothing saved yet
    # A made-up confirmation is no confirmation.
    wrong = client.post("/batches/new", data={"csrf_token": token, "clash_ok": "0" * 16,
                                               **new_batch_form(world, start, world.facilitator)})
    assert 'id="clash-question"' in wrong.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Batch.id))) == 1
    done = client.post("/batches/new", data={"csrf_token": token, "clash_ok": hidden_value(page, "clash_ok"),
                                              **new_batch_form(world, start, world.facilitator)})
    assert done.status_code == 302 and db.session.scalar(select(func.count(Batch.id))) == 2
    [row] = audits("double_booking_confirmed")
    assert row.details["other_batches"] == [first.code] and row.details["facilitators"] == [world.facilitator.id]
    # Another facilitator, or dates after the first batch, ask nothing.
    other = make_staff(Role.FACILITATOR, world.khulna)
    assert client.post("/batches/new", data={"csrf_token": token, **new_batch_form(world, start, other)}
                       ).status_code == 302
    later = db.session.scalar(select(func.max(Batch.end_date))) + timedelta(days=1)
    assert client.post("/batches/new", data={"csrf_token": token, **new_batch_form(world, later, world.facilitator)}
                       ).status_code == 302
    assert len(audits("double_booking_confirmed")) == 1


def test_adding_a_facilitator_to_a_batch_on_the_same_dates_asks_first(app, world):
    start = clock.today() + timedelta(days=10)
    busy = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start)
    other = make_staff(Role.FACILITATOR, world.khulna)
    second = make_batch(world.khulna, facilitators=[other], trainer=world.trainer, start=start + timedelta(days=3))
    change = dict(venue="Hall", off_days=set(), language="bn", capacity=25, master_trainer_id=world.trainer.id,
                  facilitator_ids=[other.id, world.facilitator.id])
    with pytest.raises(services.BookingClash, match=busy.code) as asked:
        services.update_batch(world.trainer, second, **change)
    db.session.rollback()
    assert [f.id for f in db.session.get(Batch, second.id).facilitators] == [other.id]
    services.update_batch(world.trainer, db.session.get(Batch, second.id), **change, clash_ok=asked.value.token)
    assert len(audits("double_booking_confirmed")) == 1


def test_a_day_move_shows_before_and_after_asks_and_can_be_undone(client, login, world):
    start = clock.today() + timedelta(days=5)
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start)
    before = {d.number: d.date for d in batch.days}
    day4 = batch.days[3]
    login(world.facilitator)
    url = f"/batches/days/{day4.id}/move"
    token = csrf_token(client, url)
    new = before[4] + timedelta(days=2)
    preview = client.post(url, data={"csrf_token": token, "date": new.isoformat(), "shift_following": "y"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="move-preview"' in page and "7 days will move" in page
    assert f'datetime="{before[4].isoformat()}"' in page and f'datetime="{new.isoformat()}"' in page
    assert {d.number: d.date for d in db.session.scalars(select(TrainingDay))} == before  # nothing moved yet
    plan = hidden_value(page, "confirmed")
    done = client.post(url, data={"csrf_token": token, "date": new.isoformat(), "shift_following": "y",
                                  "confirmed": plan})
    assert done.status_code == 302
    db.session.expire_all()
    after = {d.number: d.date for d in db.session.get(Batch, batch.id).days}
    assert after[4] == new and after[10] > before[10] and after[3] == before[3]
    # The same plan again is stale (the days have moved): it shows a new preview, moves nothing.
    again = client.post(url, data={"csrf_token": token, "date": (new + timedelta(days=1)).isoformat(),
                                   "shift_following": "y", "confirmed": plan})
    assert again.status_code == 200 and 'id="move-preview"' in again.get_data(as_text=True)
    detail = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'id="undo-move"' in detail and "Last move: 7 days" in detail
    undo_url = f"/batches/{batch.id}/undo-move"
    undo_page = client.get(undo_url).get_data(as_text=True)
    assert 'id="undo-day-4"' in undo_page and f'datetime="{before[4].isoformat()}"' in undo_page
    assert client.post(undo_url, data={"csrf_token": csrf_token(client, undo_url)}).status_code == 302
    db.session.expire_all()
    assert {d.number: d.date for d in db.session.get(Batch, batch.id).days} == before
    assert db.session.get(Batch, batch.id).end_date == before[10]
    assert len(audits("training_day_move_undone")) == 1 and len(audits("training_day_moved")) == 1
    # Only the last move: nothing further to undo.
    assert 'id="undo-move"' not in client.get(f"/batches/{batch.id}").get_data(as_text=True)
    refused = client.post(undo_url, data={"csrf_token": csrf_token(client, f"/batches/{batch.id}")})
    assert refused.status_code == 302
    assert "There is no move to undo" in client.get(f"/batches/{batch.id}").get_data(as_text=True)


def test_undo_is_refused_when_the_days_changed_since(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer,
                       start=clock.today() + timedelta(days=5))
    last = batch.days[9]
    services.move_day(world.trainer, last, last.date + timedelta(days=2))
    db.session.get(TrainingDay, last.id).date = last.date + timedelta(days=1)  # changed by other means
    db.session.commit()
    with pytest.raises(services.BatchError, match="changed since"):
        services.undo_last_move(world.trainer, db.session.get(Batch, batch.id))
    assert db.session.scalar(select(func.count(DayMove.id))) == 1


def test_a_day_move_onto_another_batch_of_the_facilitator_names_the_clash(client, login, world):
    start = clock.today() + timedelta(days=5)
    mine = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start)
    busy = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer,
                      start=mine.end_date + timedelta(days=3))
    last = mine.days[9]
    login(world.trainer)
    url = f"/batches/days/{last.id}/move"
    token = csrf_token(client, url)
    onto = busy.days[0].date
    page = html.unescape(client.post(url, data={"csrf_token": token, "date": onto.isoformat()}).get_data(as_text=True))
    assert 'id="clash-1"' in page and busy.code in page
    assert client.post(url, data={"csrf_token": token, "date": onto.isoformat(),
                                  "confirmed": hidden_value(page, "confirmed")}).status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingDay, last.id).date == onto
    [row] = audits("double_booking_confirmed")
    assert row.details["other_batches"] == [busy.code]
    with pytest.raises(services.BookingClash):  # the service itself asks too
        services.move_day(world.trainer, db.session.get(TrainingDay, mine.days[8].id), busy.days[0].date
                          - timedelta(days=0), shift_following=True)


# --- holidays: the shipped list, the load command, editing ------------------------------------

def test_the_shipped_list_loads_2026_and_2027_with_lunar_dates_marked(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["holidays", "load", str(services.HOLIDAY_FILE)])
    assert result.exit_code == 0, result.output
    rows = list(db.session.scalars(select(Holiday).order_by(Holiday.date)))
    years = {year: [h for h in rows if h.date.year == year] for year in (2026, 2027)}
    assert len(years[2026]) == 20 and len(years[2027]) == 21
    names = " ".join(h.name for h in rows)
    for wanted in ("Eid-ul-Fitr", "Eid-ul-Adha", "Bijoya Dashami", "Christmas", "Independence Day", "Victory Day",
                   "Pohela Boishakh", "May Day", "Shab-e-Barat", "Ashura", "Eid-e-Miladunnabi", "Buddha Purnima",
                   "Janmashtami", "Mother Language Day"):
        assert wanted in names, wanted
    assert all(h.lunar for h in rows if "Eid" in h.name or "Ashura" in h.name)
    assert not any(h.lunar for h in rows if h.name in ("Victory Day", "Christmas Day"))
    assert "Added 41 holidays" in result.output
    again = runner.invoke(args=["holidays", "load", str(services.HOLIDAY_FILE)])  # the same file twice adds nothing
    assert again.exit_code == 0 and "Added 0 holidays; 41 were already listed" in again.output
    assert db.session.scalar(select(func.count(Holiday.id))) == 41
    listed = runner.invoke(args=["holidays", "list", "--all"]).output
    assert "Eid-ul-Adha  (lunar: check locally)" in listed


def test_a_holiday_file_with_a_bad_row_reports_each_and_commits_none(app, world, tmp_path):
    path = tmp_path / "holidays.csv"
    path.write_text("date,name,lunar,note\n2031-03-26,Independence Day,no,\n2031-13-01,Nowhere Day,no,\n"
                    "2031-12-16,,no,\n2031-12-25,Christmas Day,maybe,\n2031-03-26,Twice,no,\n2031-05-01,May Day,,\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["holidays", "load", str(path)])
    assert result.exit_code != 0
    for line in ("line 3:", "line 4:", "line 5:", "line 6:"):
        assert line in result.output, result.output
    assert "line 2:" not in result.output and "line 7:" not in result.output
    assert "4 bad rows; nothing was saved" in result.output
    assert db.session.scalar(select(func.count(Holiday.id))) == 0
    assert not audits("holidays_loaded")


def test_holidays_are_edited_and_removed_on_the_page_with_an_audit(client, login, world):
    holiday = services.add_holiday(world.trainer, date(2031, 3, 27), "Eid-ul-Fitr", lunar=True)
    login(world.trainer)
    holiday_id = holiday.id
    url = f"/batches/holidays/{holiday_id}/edit"
    token = csrf_token(client, url)
    page = client.get("/batches/holidays").get_data(as_text=True)
    assert "check locally: moon sighting" in page and url in page
    assert client.post(url, data={"csrf_token": token, "date": "2031-03-28", "name": "Eid-ul-Fitr",
                                  "lunar": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Holiday, holiday.id).date == date(2031, 3, 28)
    [row] = audits("holiday_updated")
    assert row.details == {"fields": ["date"]}
    services.add_holiday(world.trainer, date(2031, 3, 26), "Independence Day")
    clash = client.post(url, data={"csrf_token": token, "date": "2031-03-26", "name": "Eid-ul-Fitr"})
    assert clash.status_code == 400 and "already in the holiday list" in clash.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Holiday, holiday.id).date == date(2031, 3, 28)
    assert client.post(f"/batches/holidays/{holiday_id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Holiday, holiday_id) is None and len(audits("holiday_deleted")) == 1
