"""A facilitator's working day on a 360x740 phone: the review queue from the home page (a refused
review lands on its error, a decision opens the next canvas), and the paper sign-in sheet round
trip (print it, open the day "from paper", copy the marks, save), with the compact header."""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from edt.extensions import db
from edt.modules.attendance.models import AttendanceMark
from edt.modules.batches.models import Enrolment
from edt.modules.canvas.models import Canvas

from ..canvas.test_review_queue import waiting_batch
from ..factories import PASSWORD, enrol, make_batch, make_participant
from .conftest import screenshot, staff_login


def in_view(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 740


def status_of(person):
    db.session.expire_all()
    return db.session.scalar(select(Canvas.status).where(Canvas.participant_id == person.id))


def test_the_review_queue_from_home_to_the_next_canvas(server, phone, world):
    batch, (first, second, third) = waiting_batch(world, ["Amena Khatun", "Nasima Akter", "Rupa Das"])
    staff_login(phone, server, "fac", PASSWORD)
    assert "3 canvases waiting for review" in phone.inner_text("#review-waiting")
    taps = 0
    with phone.expect_navigation():
        phone.click(f"#review-{batch.code}")  # "Start reviewing": the longest waiting canvas
    taps += 1
    assert phone.url.endswith(f"/canvas/{first.id}") and "Amena Khatun" in phone.content()
    # Ask for changes without a comment: the page comes back at the comment, focused, error in view.
    phone.check(".review-form input[name=decision][value=changes]")
    with phone.expect_navigation():
        phone.click("#review-next")
    assert phone.url.endswith(f"/canvas/{first.id}/review#review")
    assert phone.evaluate("document.activeElement.id") == "body"
    assert in_view(phone, "#body-err") and in_view(phone, "#body")
    assert "Write what to change" in phone.inner_text("#body-err")
    screenshot(phone, "review-error.png")
    assert status_of(first) == "submitted"
    # Approve instead: one tap for the decision, one for "save and open the next one".
    phone.check(".review-form input[name=decision][value=approve]")
    taps += 1
    with phone.expect_navigation():
        phone.click("#review-next")
    taps += 1
    assert phone.url.endswith(f"/canvas/{second.id}#canvas-title") and "Nasima Akter" in phone.content()
    assert status_of(first) == "approved" and taps == 3
    assert "1 more waiting in " + batch.code in phone.inner_text("#queue-left")
    # The next decision is two taps: ask for changes with a comment, then save and open the next.
    phone.click("#to-review")  # the link at the top jumps to the review form
    phone.check(".review-form input[name=decision][value=changes]")
    phone.fill("#body", "Write your prices in Revenue streams.")
    with phone.expect_navigation():
        phone.click("#review-next")
    assert phone.url.endswith(f"/canvas/{third.id}#canvas-title") and status_of(second) == "changes_requested"
    phone.check(".review-form input[name=decision][value=approve]")
    with phone.expect_navigation():
        phone.click("#review-button")  # the last one: saving lands on the emptied queue
    assert phone.url.endswith(f"/canvas/queue/{batch.id}#main") and phone.locator("#queue-empty").count() == 1


def test_the_paper_sign_in_sheet_round_trip(server, phone, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    batch.language = "en"
    db.session.commit()
    names = ["Shirin Begum", "Amena Khatun", "রহিমা বেগম", "Beauty Akter", "Nasima Akter", "মুক্তা রানী",
             "Laily Begum", "Halima Begum", "Rupa Das", "Parveen Sultana", "জোসনা বেগম", "Hasina Khatun"]
    people = [make_participant(world.khulna, world.trainer, full_name=f"{names[i % len(names)]} {i}")
              for i in range(25)]
    enrol(batch, people)
    day = batch.days[0]
    staff_login(phone, server, "fac", PASSWORD)
    # The compact header: one menu button (no JavaScript needed), log out in view.
    assert phone.locator("header.top").bounding_box()["height"] <= 60
    assert not phone.is_visible("header nav a[href='/batches/']")
    phone.click("header summary")
    assert phone.is_visible("header nav a[href='/batches/']")
    phone.goto(f"{server}/attendance/days/{day.id}")
    # At least five people above the fold, above the Save bar.
    fold = phone.locator(".save-bar").bounding_box()["y"]
    rows = phone.locator("li.roll-row")
    assert sum(1 for i in range(rows.count()) if rows.nth(i).bounding_box()["y"] + rows.nth(i).bounding_box()[
        "height"] <= fold) >= 5
    # Print the sheet (a PDF of one A4 page), then copy it back "from paper".
    response = phone.request.get(server + phone.get_attribute("#sheet-link", "href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    assert len(reader.pages) == 1
    codes = re.findall(r"KHU-\d{4}-\d{4}", reader.pages[0].extract_text())
    assert sorted(codes) == sorted(p.code for p in people)
    with phone.expect_navigation():
        phone.click("#paper-order")
    assert phone.url.endswith("?order=paper")
    shown = [phone.inner_text(f"li.roll-row:nth-of-type({i}) .code") for i in (1, 2, 25)]
    assert shown == [codes[0], codes[1], codes[24]]  # row by row as on the sheet
    assert phone.inner_text("li.roll-row .sheet-no") == "1"
    # Mark all present (JavaScript): the counter says what Save will save, focus stays useful.
    assert "not marked: 25" in phone.inner_text("#tally")
    phone.click("#mark-all-present")
    assert "P 25" in phone.inner_text("#tally") and "not marked: 0" in phone.inner_text("#tally")
    assert phone.evaluate("document.activeElement.type + ':' + document.activeElement.value") == "radio:present"
    assert "Everyone not yet marked is set to Present" in phone.inner_text("#prefill-note")
    ids = {e.participant.code: e.id for e in db.session.scalars(select(Enrolment).where(Enrolment.batch_id == batch.id))}
    phone.click(f"label[for='s-{ids[codes[1]]}-absent']")  # row 2 on paper: absent
    phone.click(f"label[for='s-{ids[codes[6]]}-late']")    # row 7: late
    assert "P 23" in phone.inner_text("#tally") and "A 1" in phone.inner_text("#tally")
    screenshot(phone, "attendance-from-paper.png")
    with phone.expect_navigation():
        phone.click("#save-attendance")
    assert phone.url.endswith("?order=paper") and "23 present, 1 late, 0 excused, 1 absent" in phone.content()
    db.session.expire_all()
    saved = {m.enrolment_id: m.status for m in db.session.scalars(select(AttendanceMark))}
    assert saved[ids[codes[1]]] == "absent" and saved[ids[codes[6]]] == "late" and len(saved) == 25
