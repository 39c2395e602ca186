"""A master trainer creates a batch and enrols people from a CSV; a facilitator marks today with
"mark all present" plus two exceptions on a 360x740 phone."""
from sqlalchemy import select

from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.clock import today

from ..factories import PASSWORD
from .conftest import screenshot, staff_login

ROSTER = ("full_name,gender,birth_year,district,phone,consent_data_use,consent_photos\n"
          "Parul Begum,woman,1991,Khulna,,yes,no\n"
          "মোমেনা খাতুন,woman,1988,Khulna,01711000000,yes,yes\n"
          "Kulsum Akter,woman,1996,Khulna,,yes,no\n"
          "Anwar Hossain,man,1985,Khulna,,yes,no\n"
          "তাসলিমা বেগম,woman,1999,Khulna,,yes,no\n")


def test_master_trainer_schedules_and_imports_then_facilitator_marks_a_day(server, phone, world, tmp_path):
    staff_login(phone, server, "mtr", PASSWORD)
    phone.goto(f"{server}/batches/new")
    phone.select_option("#partner_id", str(world.khulna.id))
    phone.fill("#venue", "Union Parishad hall, Dumuria")
    phone.fill("#start_date", today().isoformat())
    for box in phone.locator("input[name=off_days]").all():
        box.uncheck()  # no off day, so day 1 is today whatever weekday the suite runs on
    phone.check(f"input[name=facilitator_ids][value='{world.facilitator.id}']")
    with phone.expect_navigation():
        phone.click("#batch-form button[type=submit]")
    assert "/batches/" in phone.url and "/new" not in phone.url
    code = phone.locator("h1").inner_text().split()[0]
    # (the form posts to its own #batch-form anchor, and the browser keeps that fragment on the redirect)
    batch_id = phone.url.split("#", 1)[0].rstrip("/").rsplit("/", 1)[1]
    assert code.startswith("KHU-")
    screenshot(phone, "batch.png")

    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"\xef\xbb\xbf" + ROSTER.encode("utf-8"))  # Excel's "CSV UTF-8" adds a BOM
    phone.goto(f"{server}/batches/roster/import")
    phone.set_input_files("#file", str(roster))
    phone.select_option("#partner_id", str(world.khulna.id))
    phone.select_option("#batch_id", batch_id)
    with phone.expect_navigation():
        phone.click("#import-form button[type=submit]")
    assert "KHU-" in phone.content() and "import-errors" not in phone.content()
    with phone.expect_navigation():
        phone.click("header button:has-text('Log out')")

    staff_login(phone, server, "fac", PASSWORD)
    # Tap 1: today's day on the home page opens the roll with everyone set to present (the home
    # link carries "mark all present" while nobody is marked; the page has the same button).
    with phone.expect_navigation():
        phone.click(f"#mark-{code}")
    assert "/attendance/days/" in phone.url
    assert phone.locator("#prefill-note").count() == 1
    rows = phone.locator("li.roll-row")
    assert rows.count() == 5
    first, second = (rows.nth(i).get_attribute("id").split("-")[1] for i in (0, 1))
    phone.click(f"label[for='s-{first}-absent']")   # exception 1
    phone.click(f"label[for='s-{second}-late']")    # exception 2
    screenshot(phone, "attendance.png")
    with phone.expect_navigation():
        phone.click("#save-attendance")  # the last tap: k + 2 taps for k exceptions, one request
    marks = db.session.scalars(select(AttendanceMark)).all()
    statuses = sorted(m.status for m in marks)
    assert statuses == ["absent", "late", "present", "present", "present"]
