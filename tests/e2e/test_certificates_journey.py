"""A master trainer issues a batch's certificates; a visitor opens the verify URL from the QR
code, types the name on the paper, and sees that it matches."""
from sqlalchemy import select

from edt.extensions import db
from edt.modules.certificates.models import Certificate

from ..factories import PASSWORD, make_certifiable_batch, make_participant
from .conftest import CheckedPage, assert_accessible, screenshot, staff_login


def test_issue_batch_then_verify_from_the_qr_url(server, phone, browser, world):
    people = [world.participant] + [make_participant(world.khulna, world.trainer, full_name=name)
                                    for name in ("মোমেনা খাতুন", "Parul Begum")]
    batch, _ = make_certifiable_batch(world.khulna, world.trainer, world.facilitator, people,
                                      attended=[10, 9, 6])
    staff_login(phone, server, "mtr", PASSWORD)
    phone.goto(f"{server}/certificates/batch/{batch.id}")
    assert "attended 6 of 10 days" in phone.content()
    with phone.expect_navigation():
        phone.click("#issue-all")
    issued = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(issued) == 2  # the person who attended 6 days is not eligible
    screenshot(phone, "certificates.png")

    bangla = next(c for c in issued if c.holder_name == "মোমেনা খাতুন")
    visitor = CheckedPage(browser.new_context(viewport={"width": 360, "height": 740}).new_page())  # no login
    visitor.goto(f"{server}/verify/{bangla.code}")
    status = visitor.locator("#verify-status").inner_text()
    assert "valid" in status.lower()
    assert "মোমেনা" not in visitor.content()  # the holder's name is never shown
    visitor.fill("#name", "  মোমেনা   খাতুন ")
    with visitor.expect_navigation():
        visitor.click("main form button[type=submit]")
    assert "মোমেনা" not in visitor.url
    assert "matches" in visitor.locator("#name-result").inner_text().lower()
    screenshot(visitor, "verify.png")
    visitor.fill("#name", "Someone Else")
    with visitor.expect_navigation():
        visitor.click("main form button[type=submit]")
    assert "does not match" in visitor.locator("#name-result").inner_text().lower()
    visitor.context.close()
    assert_accessible(visitor)
