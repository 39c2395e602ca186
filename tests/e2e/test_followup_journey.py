"""A facilitator records a follow-up visit on a 360x740 phone in Bangla, from the due list, in
one page and a handful of taps; and saves another visit as "not reached" with one tap."""
from datetime import timedelta

from sqlalchemy import select

from edt.clock import today
from edt.extensions import db
from edt.modules.followup import rules
from edt.modules.followup.models import FollowUp

from ..factories import PASSWORD, make_finished_batch, make_participant
from .conftest import screenshot, staff_login


def test_facilitator_records_a_visit_in_bangla_on_a_phone(server, phone, world):
    visited = make_participant(world.khulna, world.trainer, full_name="মরিয়ম বেগম", phone="01711223344")
    absent = make_participant(world.khulna, world.trainer, full_name="Parul Akter", phone="01711556677")
    batch = make_finished_batch(world, [visited, absent], days_ago=28)
    staff_login(phone, server, "fac", PASSWORD)
    phone.goto(f"{server}/followups/")
    with phone.expect_navigation():
        phone.click("footer button[value=bn]")
    assert "ফলো-আপ" in phone.locator("h1").inner_text()
    assert phone.locator(f"a[href='tel:{visited.phone}']").count() == 1

    # "Not reached": one tap on the list
    row = phone.locator(f"#visit-{absent.id}-{batch.id}-m1")
    with phone.expect_navigation():
        row.locator("button[type=submit]").click()
    taps_not_reached = 1

    # A typical visit: open it from the list, then tap the answers and save
    taps = 0
    with phone.expect_navigation():
        phone.click(f"#visit-{visited.id}-{batch.id}-m1 .who a")
    taps += 1
    assert phone.locator("h1").inner_text() == "মরিয়ম বেগম"
    for selector in ("label[for=method-1]",             # by phone
                     "#consent_confirmed",             # consent again
                     "label[for=works_now-2]",          # self-employed
                     "label[for=business_started-0]",   # started a business: yes
                     "label[for=still_running-0]",      # still running: yes
                     "label[for=income_range-2]"):      # Tk 2,001 to 5,000
        phone.click(selector)
        taps += 1
    screenshot(phone, "followup-visit.png")
    with phone.expect_navigation():
        phone.click("#visit-form button[type=submit]")
    taps += 1
    assert "সংরক্ষণ করা হয়েছে" in phone.content()
    assert phone.viewport_size["width"] == 360

    rows = {r.participant_id: r for r in db.session.scalars(select(FollowUp))}
    done, tried = rows[visited.id], rows[absent.id]
    assert (done.status, done.method, done.consent_confirmed, done.works_now, done.business_started,
            done.still_running, done.income_range) == ("done", "phone", True, "self", True, True, "2001-5000")
    assert tried.status == "not_reached"
    assert done.due_on == rules.add_months(batch.end_date, 1)  # recorded with its due date
    assert (taps, taps_not_reached) == (8, 1)
    assert done.recorded_at.date() >= today() - timedelta(days=1)
