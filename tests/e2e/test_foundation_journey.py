from ..factories import PASSWORD
from .conftest import screenshot, staff_login


def test_facilitator_logs_in_opens_day_one_and_logs_out(server, phone, world):
    staff_login(phone, server, "fac", PASSWORD)
    assert phone.url.rstrip("/") == server
    phone.click("header summary")  # on a phone the menu folds behind one button
    with phone.expect_navigation():
        phone.click("nav >> text=Curriculum")
    with phone.expect_navigation():
        phone.click("text=Safe start and me")
    assert "/curriculum/day/1" in phone.url
    assert phone.locator("h1").inner_text().strip().endswith("Safe start and me")
    # The page fits a 360 px phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "day-page.png")
    with phone.expect_navigation():
        phone.click("header button:has-text('Log out')")
    assert "/accounts/login" in phone.url
    phone.goto(f"{server}/curriculum/day/1")
    assert "/accounts/login" in phone.url  # the session is over
