"""report_tally: each enrolment's day counts, kept exact by the transaction that changes them.

After every kind of change (marks saved through the page and the services, a drop-out, a
transfer, a cancelled batch, a bulk load, an UPDATE whose rows cannot be seen) the kept rows
equal a fresh count from the marks (`tally.stale()` is empty), and the dashboard shows the new
figure at once."""
import logging

from sqlalchemy import select, update

from edt.extensions import db
from edt.modules.batches.models import Enrolment
from edt.modules.reports import queries, tally
from edt.modules.reports.queries import Filter
from edt.modules.reports.tally import Tally
from tests.attendance.test_attendance import enrolments_of, read_form
from tests.reports.test_reports import bulk_people, report_dataset, screen_splits


def kept(enrolment_id: int) -> Tally:
    return db.session.get(Tally, enrolment_id, populate_existing=True)


def test_every_kind_of_change_leaves_the_counts_exact(world):
    data = report_dataset(world)  # services: marks, certificates, a drop-out, a transfer, a cancellation
    assert tally.stale(db.session) == []
    assert db.session.scalar(select(db.func.count()).select_from(Tally)) == \
        db.session.scalar(select(db.func.count()).select_from(Enrolment))
    # The person moved from the running batch to a planned one keeps her three days there, by
    # day number (C_MARKS row 1: late, absent, present).
    moved = kept(data.moved.id)
    assert (moved.marked, moved.excused_or_better, moved.attended, moved.present) == (3, 2, 2, 1)
    assert (moved.d1, moved.d2, moved.d3, moved.d4) == (3, 1, 4, 0)
    old = kept(data.c_enrolments[1].id)
    assert (old.marked, old.d1) == (3, 3)


def test_a_save_through_the_page_is_counted_before_its_commit(client, login, world):
    data = report_dataset(world)
    login(world.facilitator)
    day = sorted(data.c.days, key=lambda d: d.number)[0]
    ids = enrolments_of(data.c)
    person = data.c_people[5]  # present on days 1 to 3
    before = kept(ids[person.id])
    assert (before.present, before.d1) == (3, 4)
    form = read_form(client.get(f"/attendance/days/{day.id}").get_data(as_text=True))
    form[f"s-{ids[person.id]}"] = ["absent"]
    assert client.post(f"/attendance/days/{day.id}", data=form).status_code == 302
    after = kept(ids[person.id])
    assert (after.marked, after.attended, after.present, after.d1) == (3, 2, 2, 1)
    assert tally.stale(db.session) == []


def test_the_dashboard_shows_a_new_mark_at_once(client, login, world):
    data = report_dataset(world)
    everyone = Filter()
    login(world.trainer)
    client.get("/reports/")  # the figures are now kept (reports.cache)
    before = queries.totals(world.trainer, everyone)
    attended = before["attended"]
    login(world.facilitator)
    ids = enrolments_of(data.c)
    for day in sorted(data.c.days, key=lambda d: d.number)[:3]:
        form = read_form(client.get(f"/attendance/days/{day.id}").get_data(as_text=True))
        form[f"s-{ids[data.c_people[5].id]}"] = ["absent"]
        assert client.post(f"/attendance/days/{day.id}", data=form).status_code == 302
    now = queries.totals(world.trainer, everyone)
    assert now["attended"] == attended - 3
    rate = f"{round(100 * now['attended'] / now['marked'])}%"
    assert rate != f"{round(100 * attended / before['marked'])}%"  # so a kept, stale page would show
    login(world.trainer)
    total = screen_splits(client.get("/reports/").get_data(as_text=True))["gender"]["total"]
    assert total["attendance"] == rate


def test_bulk_inserts_are_counted_from_their_rows(world):
    bulk_people(60)
    assert db.session.scalar(select(db.func.count()).select_from(Tally)) == 60
    assert tally.stale(db.session) == []


def test_a_write_whose_rows_cannot_be_seen_counts_everyone_again(world, caplog):
    data = report_dataset(world)
    enrolment = data.a_enrolments[0]
    db.session.execute(update(Tally).where(Tally.enrolment_id == enrolment.id).values(present=99))
    db.session.commit()
    assert tally.stale(db.session) == [enrolment.id]  # a kept row that lies is found
    with caplog.at_level(logging.WARNING, logger="edt.modules.reports.tally"):
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(reason=None))
        db.session.commit()
    assert "counting everyone again" in caplog.text
    assert tally.stale(db.session) == []


def test_rebuild_counts_everything_from_the_marks(world):
    report_dataset(world)
    db.session.execute(Tally.__table__.delete())
    db.session.commit()
    assert tally.stale(db.session)
    with db.engine.begin() as connection:
        assert tally.rebuild(connection) == db.session.scalar(select(db.func.count()).select_from(Enrolment))
    assert tally.stale(db.session) == []


def test_erasing_a_person_blanks_her_notes_without_counting_everyone_again(world, caplog):
    from edt.modules.attendance import services as attendance
    from edt.modules.privacy import services as privacy
    data = report_dataset(world)
    person, enrolment = data.c_people[5], data.c_enrolments[5]
    day = sorted(data.c.days, key=lambda d: d.number)[0]
    attendance.save_day(world.facilitator, day, [attendance.Entry(enrolment.id, "present", note="came with her son")])
    before = kept(enrolment.id)
    counts = (before.marked, before.attended, before.present)
    with caplog.at_level(logging.WARNING, logger="edt.modules.reports.tally"):
        privacy.erase(world.trainer, db.session.get(type(person), person.id))
    assert "counting everyone again" not in caplog.text
    assert (kept(enrolment.id).marked, kept(enrolment.id).attended, kept(enrolment.id).present) == counts
    assert tally.stale(db.session) == []
