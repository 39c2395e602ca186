"""A master trainer is stopped from double-booking a facilitator (the clash named, nothing saved,
then a free facilitator chosen); a facilitator moves days without JavaScript: the dates before
and after first, then the move, then the undo."""
from datetime import timedelta

from sqlalchemy import func, select

from edt.clock import today
from edt.extensions import db
from edt.modules.batches.models import Batch, TrainingDay
from edt.security import Role

from ..factories import PASSWORD, make_batch, make_staff
from .conftest import screenshot, staff_login


def test_a_double_booking_is_refused_with_the_clash_named(server, phone, world):
    start = today() + timedelta(days=10)
    busy = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, start=start,
                      venue="Sonadanga hall")
    free = make_staff(Role.FACILITATOR, world.khulna)
    staff_login(phone, server, world.trainer.username, PASSWORD)
    phone.goto(f"{server}/batches/new")
    phone.select_option("#partner_id", str(world.khulna.id))
    phone.fill("#venue", "Rupsha Union Parishad hall")
    phone.fill("#start_date", start.isoformat())
    phone.check(f"input[name=facilitator_ids][value='{world.facilitator.id}']")
    with phone.expect_navigation():
        phone.click("#batch-form button[type=submit]")
    question = phone.locator("#clash-question")
    assert question.is_visible() and busy.code in question.inner_text()
    assert question.bounding_box()["y"] < 740  # in view where the browser lands (#batch-form)
    assert db.session.scalar(select(func.count(Batch.id))) == 1  # nothing saved
    screenshot(phone, "double-booking.png")
    phone.uncheck(f"input[name=facilitator_ids][value='{world.facilitator.id}']")
    phone.check(f"input[name=facilitator_ids][value='{free.id}']")
    with phone.expect_navigation():
        phone.click("#batch-form button[type=submit]")
    assert phone.locator("#clash-question").count() == 0 and "/new" not in phone.url
    created = db.session.scalars(select(Batch).order_by(Batch.id.desc())).first()
    assert [f.id for f in created.facilitators] == [free.id]


def test_a_day_move_is_previewed_confirmed_and_undone_without_javascript(server, browser, world):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    phone = context.new_page()
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer,
                       start=today() + timedelta(days=5))
    before = {d.number: d.date for d in batch.days}
    staff_login(phone, server, world.facilitator.username, PASSWORD)
    phone.goto(f"{server}/batches/{batch.id}")
    with phone.expect_navigation():
        phone.click("#day-4-move")
    new = before[4] + timedelta(days=2)
    phone.fill("#date", new.isoformat())
    phone.check("#shift_following")
    with phone.expect_navigation():
        phone.click("#move-form button[type=submit]")
    preview = phone.locator("#move-preview")
    assert preview.is_visible() and "7 days will move" in preview.inner_text()
    assert phone.locator("#preview-day-4 time").nth(1).get_attribute("datetime") == new.isoformat()
    db.session.expire_all()
    assert {d.number: d.date for d in db.session.get(Batch, batch.id).days} == before  # nothing yet
    screenshot(phone, "move-preview.png", full_page=True)
    with phone.expect_navigation():
        phone.click("#move-form button[type=submit]")  # "Yes, move 7 days"
    assert "7 days moved" in phone.content()
    db.session.expire_all()
    assert db.session.get(TrainingDay, batch.days[3].id).date == new
    with phone.expect_navigation():
        phone.click("#undo-move")
    assert phone.locator("#undo-day-4").is_visible()
    with phone.expect_navigation():
        phone.click("#undo-form button[type=submit]")
    assert "Move undone" in phone.content() and phone.locator("#undo-move").count() == 0
    db.session.expire_all()
    assert {d.number: d.date for d in db.session.get(Batch, batch.id).days} == before
    context.close()
