"""Session lifetimes: staff 30 minutes idle and 12 hours in all; participants 7 days idle."""
import time

import pytest


def _age(client, seen_ago=0, login_ago=0):
    now = int(time.time())
    with client.session_transaction() as session:
        session["seen"] = now - seen_ago
        session["login_at"] = now - login_ago


@pytest.mark.parametrize("seen_ago, login_ago, still_in", [
    (29 * 60, 60 * 60, True),
    (31 * 60, 60 * 60, False),
    (60, 12 * 3600 + 60, False),
])
def test_staff_session_limits(client, login, world, seen_ago, login_ago, still_in):
    login(world.facilitator)
    _age(client, seen_ago, login_ago)
    assert (client.get("/participants/").status_code == 200) is still_in


@pytest.mark.parametrize("days, still_in", [(6, True), (8, False)])
def test_participant_session_lasts_seven_idle_days(client, login, world, days, still_in):
    login(world.participant.user)
    _age(client, days * 86400, days * 86400)
    assert (client.get("/curriculum/").status_code == 200) is still_in


def test_every_page_offers_log_out(client, login, world):
    login(world.participant.user)
    for url in ("/", "/curriculum/", "/curriculum/day/3", "/accounts/password"):
        assert "Log out" in client.get(url).get_data(as_text=True), url
