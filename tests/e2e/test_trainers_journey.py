"""A master trainer, on a 360-pixel phone, records a teach-back observation from the ToT page:
one tap on "Observe" next to the trainee, one tap per rubric criterion, one tap on save. The
count of taps is the figure the closing note gives."""
from datetime import timedelta

from sqlalchemy import select

from edt.clock import today
from edt.extensions import db
from edt.instruments import instruments
from edt.modules.trainers import services
from edt.modules.trainers.models import Observation

from tests.factories import PASSWORD
from .conftest import screenshot, staff_login


def test_an_observation_on_a_phone_takes_one_tap_per_criterion_and_two_more(server, phone, world):
    event = services.schedule_tot(world.trainer, title="ToT Khulna", kind="tot", venue="Training centre",
                                  start_date=today() - timedelta(days=6), days=5)
    services.add_trainees(world.trainer, event, [world.facilitator.id])
    staff_login(phone, server, "mtr", PASSWORD)
    phone.goto(f"{server}/trainers/tot/{event.id}")
    taps = 0
    with phone.expect_navigation():
        phone.click(".observe-link")
        taps += 1
    assert phone.locator("#observation-form").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    criteria = instruments().rubric.criteria
    for n, criterion in enumerate(criteria):
        key = criterion.id.replace("-", "_")
        score = 4 if n % 3 == 0 else 3
        phone.click(f"label[for=score_{key}-{score - 1}]")
        taps += 1
        assert phone.is_checked(f"#score_{key}-{score - 1}")
    screenshot(phone, "observation.png", full_page=True)
    with phone.expect_navigation():
        phone.click("#observation-form button[type=submit]")
        taps += 1
    assert phone.url.endswith(f"/trainers/facilitators/{world.facilitator.id}")
    assert "Observation saved." in phone.content()
    saved = db.session.scalar(select(Observation))
    assert saved.tot_event_id == event.id and saved.observed_on == today() and saved.meets_bar
    assert taps == len(criteria) + 2 == 10
