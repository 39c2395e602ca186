"""Working without a connection, in Chromium on a 360 px phone (issue 20).

"No connection" here is real on both sides: the browser context is set offline (navigator.onLine,
the page's own requests) and the server resets every connection while the cut lasts, so the
service worker's own requests fail too (Playwright's offline mode does not reach service workers,
microsoft/playwright#2311)."""
import socket
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from edt import create_app
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.attendance import services as attendance
from edt.modules.attendance.models import AttendanceMark
from edt.modules.canvas import plan
from edt.modules.canvas.models import Canvas
from edt.modules.sync.models import AppliedItem

from tests.conftest import make_config, relax_durability
from ..factories import PASSWORD, PIN, enrol, make_batch, make_canvas, make_participant, make_plan
from .conftest import screenshot, staff_login, participant_login

WAIT = 20_000


class Cuttable:
    """A WSGI wrapper: while `cut`, every request's connection is reset before any answer."""

    def __init__(self, app):
        self.app, self.cut = app, False

    def __call__(self, environ, start_response):
        if self.cut:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("the network is cut")
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def line(app):
    served = create_app(make_config(RAISE_SERVER_ERRORS=False))
    relax_durability(served)
    wrapper = Cuttable(served.wsgi_app)
    served.wsgi_app = wrapper
    httpd = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    wrapper.url = f"http://127.0.0.1:{httpd.server_port}"
    yield wrapper
    httpd.shutdown()


def go_offline(page, line):
    line.cut = True
    page.context.set_offline(True)


def go_online(page, line):
    line.cut = False
    page.context.set_offline(False)


def ready(page):
    """offline.js has registered the service worker, it controls the page, and the first send and
    the keeping of pages are done."""
    page.wait_for_selector("body[data-offline-started='1']", state="attached", timeout=WAIT)
    try:
        until(page, lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"), seconds=3)
    except AssertionError:  # the page was loading while the new worker activated: the next load is its
        page.reload()
        page.wait_for_selector("body[data-offline-started='1']", state="attached", timeout=WAIT)
        until(page, lambda: page.evaluate("() => navigator.serviceWorker.controller !== null"))


def until(page, condition, seconds=20):
    """Wait for a condition checked from Python (the page's route handlers keep running)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the page did not get there in time"
        page.wait_for_timeout(100)


def waiting(page) -> int:
    return int(page.get_attribute("body", "data-outbox-waiting") or 0)


def a_day_of_25(world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    people = [make_participant(world.khulna, world.trainer, full_name=f"Person {n}") for n in range(25)]
    enrolments = enrol(batch, people)
    day = batch.days[2]  # the batch began two days ago: day 3 is today
    return batch, day, enrolments


def open_the_day(page, line, day):
    """The facilitator logs in and opens the day's attendance page, with the offline script ready."""
    staff_login(page, line.url, "fac", PASSWORD)
    ready(page)
    page.goto(f"{line.url}/attendance/days/{day.id}")
    ready(page)


def mark_offline(page, enrolments):
    """Everyone present but two late and one absent, then Save, with no connection."""
    page.click("#mark-all-present")
    page.click(f"label[for=s-{enrolments[0].id}-late]")
    page.click(f"label[for=s-{enrolments[1].id}-late]")
    page.click(f"label[for=s-{enrolments[2].id}-absent]")
    page.fill(f"#n-{enrolments[2].id}", "called: fever") if page.is_visible(f"#n-{enrolments[2].id}") else None
    page.click("#save-attendance")
    page.wait_for_selector("body[data-outbox-waiting='1']", state="attached", timeout=WAIT)


def stored_marks(day):
    return {m.enrolment_id: m.status for m in db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.training_day_id == day.id))}


def audit_count(action) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def expected(enrolments):
    marks = {e.id: "present" for e in enrolments}
    marks.update({enrolments[0].id: "late", enrolments[1].id: "late", enrolments[2].id: "absent"})
    return marks


def test_a_facilitator_marks_a_day_offline_and_it_arrives_once(line, phone, world):
    _batch, day, enrolments = a_day_of_25(world)
    open_the_day(phone, line, day)
    prepared = phone.evaluate("() => EDTOutbox.meta('prepared')")
    kept, pages = prepared["bytes"], prepared["pages"]
    assert kept > 0 and pages >= 4
    print(f"\n[figure] kept on the device for a facilitator's day: {kept} bytes in {pages} pages plus assets")

    go_offline(phone, line)
    mark_offline(phone, enrolments)
    status = phone.inner_text("#offline-status")
    assert "Saved on this phone: 1 waiting to send." in status and "No connection" in status
    assert "Saved day" not in phone.content()  # never the server's "saved"
    assert stored_marks(day) == {}
    screenshot(phone, "offline-attendance-saved-on-phone.png")

    phone.reload()  # still no connection: the kept page, with the marks waiting on the phone
    ready(phone)
    assert phone.is_checked(f"#s-{enrolments[0].id}-late") and phone.is_checked(f"#s-{enrolments[2].id}-absent")
    assert phone.is_checked(f"#s-{enrolments[24].id}-present")
    assert waiting(phone) == 1 and "1 waiting to send" in phone.inner_text("#offline-status")
    assert stored_marks(day) == {}

    started = time.perf_counter()
    go_online(phone, line)
    phone.wait_for_selector("body[data-outbox-waiting='0']:not([data-outbox-sending])", state="attached",
                            timeout=WAIT)
    elapsed = time.perf_counter() - started
    print(f"[figure] reconnect to all sent for 25 marks: {elapsed:.2f} s")
    assert "All sent" in phone.inner_text("#offline-status")
    assert stored_marks(day) == expected(enrolments)
    assert db.session.scalar(select(func.count()).select_from(AppliedItem)) == 1
    assert audit_count("attendance_saved") == 1


def test_the_answer_to_the_first_send_is_lost_and_nothing_is_doubled(line, phone, world):
    _batch, day, enrolments = a_day_of_25(world)
    open_the_day(phone, line, day)
    go_offline(phone, line)
    mark_offline(phone, enrolments)

    lost = []

    def lose_the_first_answer(route):
        if not lost:
            response = route.fetch()  # the server applies the save...
            lost.append(response.status)
            route.abort("connectionreset")  # ...and the phone never hears it
        else:
            route.continue_()

    phone.route("**/sync/", lose_the_first_answer)
    go_online(phone, line)
    until(phone, lambda: lost and phone.get_attribute("body", "data-outbox-sending") is None)
    assert waiting(phone) == 1
    assert lost == [200]
    assert stored_marks(day) == expected(enrolments)  # applied on the server, still waiting on the phone
    phone.click("#offline-status [data-send-now]")
    phone.wait_for_selector("body[data-outbox-waiting='0']:not([data-outbox-sending])", state="attached",
                            timeout=WAIT)
    assert stored_marks(day) == expected(enrolments)
    assert audit_count("attendance_saved") == 1  # the retry found its key: applied once
    assert db.session.scalar(select(func.count()).select_from(AppliedItem)) == 1


def test_a_colleagues_save_of_the_same_person_shows_both_versions(line, phone, world):
    _batch, day, enrolments = a_day_of_25(world)
    open_the_day(phone, line, day)
    go_offline(phone, line)
    phone.click(f"label[for=s-{enrolments[0].id}-late]")
    phone.click("#save-attendance")
    phone.wait_for_selector("body[data-outbox-waiting='1']", state="attached", timeout=WAIT)
    # meanwhile, with a connection, the master trainer marks the same person absent
    attendance.save_day(world.trainer, day, [attendance.Entry(enrolments[0].id, "absent", "phoned: sick")])

    go_online(phone, line)
    phone.wait_for_selector("body[data-outbox-conflicts='1']", state="attached", timeout=WAIT)
    assert "need your choice" in phone.inner_text("#offline-status")
    assert stored_marks(day) == {enrolments[0].id: "absent"}  # nothing replaced silently
    phone.goto(f"{line.url}/sync/outbox")
    row = phone.locator(f".conflict-row[data-enrolment='{enrolments[0].id}']")
    row.wait_for(timeout=WAIT)
    text = row.inner_text()
    assert "Yours (on this phone): Late" in text and "On the server now: Absent (phoned: sick)" in text
    assert "saved by" in text
    screenshot(phone, "offline-conflict.png", full_page=True)
    row.locator("[data-keep=mine]").click()
    phone.wait_for_selector("#outbox-empty", timeout=WAIT)
    assert stored_marks(day) == {enrolments[0].id: "late"}


def test_logout_asks_then_clears_the_device(line, phone, world):
    _batch, day, enrolments = a_day_of_25(world)
    staff_login(phone, line.url, "fac", PASSWORD)
    ready(phone)
    phone.click("#offline-status [data-prepare]")
    until(phone, lambda: "Ready for offline" in phone.inner_text("#offline-status"))
    phone.goto(f"{line.url}/attendance/days/{day.id}")
    ready(phone)
    assert phone.evaluate("() => caches.keys()") == ["edt-pages", "edt-static"] or set(
        phone.evaluate("() => caches.keys()")) == {"edt-pages", "edt-static"}
    go_offline(phone, line)
    phone.click(f"label[for=s-{enrolments[0].id}-excused]")
    phone.click("#save-attendance")
    phone.wait_for_selector("body[data-outbox-waiting='1']", state="attached", timeout=WAIT)
    # the connection is back but the server cannot take the save now
    phone.route("**/sync/", lambda route: route.fulfill(status=503, body="busy"))
    go_online(phone, line)

    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss() if len(dialogs) == 1 else dialog.accept()

    phone.on("dialog", answer)
    phone.click("form.logout button")
    until(phone, lambda: dialogs)
    phone.wait_for_timeout(300)
    assert waiting(phone) == 1 and dialogs and "1 saves have not reached the server" in dialogs[0]
    assert phone.locator("form.logout").count() == 1  # cancelled: still logged in, the save still there
    with phone.expect_navigation(timeout=WAIT):
        phone.click("form.logout button")
    assert len(dialogs) == 2
    assert phone.locator("form.logout").count() == 0  # logged out
    assert [n for n in phone.evaluate("() => caches.keys()") if n.startswith("edt-")] == []
    assert "edt-offline" not in [d["name"] for d in phone.evaluate("() => indexedDB.databases()")]
    assert phone.evaluate("() => navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    assert stored_marks(day) == {}


def test_a_participant_reads_her_plan_offline_and_adds_a_note(line, phone, world):
    participant = world.participant
    canvas = make_canvas(participant, items={"channels": ["sell at the haat"]}, business_name="Rahima's Tailoring")
    make_plan(canvas, participant.user, products=[plan.ProductLine("Blouse", 150, 20, price=300)], own_money=2000)
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer)
    enrol(batch, [participant])
    participant_login(phone, line.url, participant.user.username, PIN)
    ready(phone)  # (a request still running when the language changes answers with the old cookie)
    with phone.expect_navigation():
        phone.click("footer button[value=bn]")  # she reads Bangla
    ready(phone)  # her home page: what she needs offline is kept after this one visit
    kept_canvas = ("() => caches.open('edt-pages').then(c => c.match('/canvas/%d')).then(r => r.text())"
                   % participant.id)
    assert '<html lang="bn">' in phone.evaluate(kept_canvas)  # kept in the language she reads
    go_offline(phone, line)
    phone.goto(f"{line.url}/canvas/{participant.id}/plan")
    assert "Blouse" in phone.content()
    phone.goto(f"{line.url}/canvas/{participant.id}")
    ready(phone)
    assert "sell at the haat" in phone.content()
    phone.goto(f"{line.url}/curriculum/day/1")
    assert phone.locator("h1").count() == 1
    screenshot(phone, "offline-participant-plan.png")
    phone.goto(f"{line.url}/canvas/{participant.id}")
    ready(phone)
    form = phone.locator("form[data-sync-kind=canvas_note][action*='/block/channels/add']")
    form.locator("[name=text]").fill("sell to neighbours")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("body[data-outbox-waiting='1']", state="attached", timeout=WAIT)
    assert "এই ফোনে রাখা হয়েছে: ১টি পাঠানোর অপেক্ষায়।" in phone.inner_text("#offline-status")
    pending = phone.locator("[data-pending]")
    assert pending.count() == 1 and "sell to neighbours" in pending.inner_text()  # shown where it goes, not sent yet
    assert "এখনো পাঠানো হয়নি" in pending.inner_text()
    screenshot(phone, "offline-participant-note-bn.png")
    go_online(phone, line)
    phone.wait_for_selector("body[data-outbox-waiting='0']:not([data-outbox-sending])", state="attached",
                            timeout=WAIT)
    db.session.expire_all()
    saved = db.session.scalar(select(Canvas).where(Canvas.participant_id == participant.id))
    assert saved.items("channels") == ["sell at the haat", "sell to neighbours"]
