"""A participant fills three canvas blocks and sends the canvas; the facilitator comments and
approves; the participant downloads the PDF. On a 360x740 phone."""
import io

from pypdf import PdfReader

from edt.extensions import db
from edt.modules.canvas.models import Canvas

from ..factories import PASSWORD, PIN, batch_world
from .conftest import participant_login, screenshot, staff_login


def test_participant_builds_canvas_facilitator_approves_participant_downloads(server, phone, world):
    batch_world(world)  # the participant is enrolled in a batch the facilitator runs
    pid = world.participant.id
    participant_login(phone, server, world.participant.code, PIN)
    phone.click("#open-canvas")
    for block, text in (("customer_segments", "Women in my para who sew at home"),
                        ("value_propositions", "ব্লাউজ সেলাই, সময়মতো ডেলিভারি"),
                        ("key_resources", "Sewing machine and a table")):
        phone.fill(f"#add-{block}", text)
        with phone.expect_navigation():
            phone.click(f"#add-{block}-button")
        assert text in phone.content()
    with phone.expect_navigation():
        phone.click("#submit-canvas")
    screenshot(phone, "canvas.png")
    with phone.expect_navigation():
        phone.click("header button:has-text('Log out')")

    staff_login(phone, server, "fac", PASSWORD)
    phone.goto(f"{server}/canvas/{pid}")
    assert "Rahima Khatun" in phone.content()  # the canvas review is where the name is needed
    phone.check("#review input[name=decision][value=approve]")
    phone.fill("#review textarea[name=body]", "Good start: ask two neighbours what they would pay.")
    with phone.expect_navigation():
        phone.click("#review-button")
    db.session.expire_all()
    canvas = db.session.scalar(db.select(Canvas).where(Canvas.participant_id == pid))
    assert canvas.status == "approved"
    with phone.expect_navigation():
        phone.click("header button:has-text('Log out')")

    participant_login(phone, server, world.participant.code, PIN)
    phone.click("#open-canvas")
    assert "ask two neighbours" in phone.content()  # the facilitator's comment reached them
    with phone.expect_download() as download:
        phone.click("#pdf-link")
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Sewing machine" in text and "CC BY-SA" in text
