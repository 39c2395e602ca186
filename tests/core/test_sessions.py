"""Session lifetimes: staff 30 minutes idle and 12 hours in all; participants 7 days idle and 30
days in all; the cookie expires with the session; wrong current secrets end it."""
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from edt.audit import AuditEvent
from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN


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


@pytest.mark.parametrize("login_days_ago, still_in", [(29, True), (31, False)])
def test_a_participant_session_ends_thirty_days_after_login_however_active(client, login, world, login_days_ago,
                                                                           still_in):
    login(world.participant.user)
    _age(client, seen_ago=3600, login_ago=login_days_ago * 86400)
    assert (client.get("/curriculum/").status_code == 200) is still_in


def _cookie_lifetime(client) -> float:
    """Seconds until the session cookie expires on the browser's disk."""
    expires = client.get_cookie("session").expires
    assert expires is not None, "a logged-in session cookie must carry an expiry"
    return (expires - datetime.now(timezone.utc)).total_seconds()


def test_the_session_cookie_expires_at_the_absolute_limit(app, client, login, world):
    """On a shared computer's disk a staff cookie lasts 12 hours at most, a participant's her 30
    days. (The idle limits are kept by the server, which must still be told who sent a form after
    an idle session ended, to keep it for them.)"""
    login(world.facilitator)
    client.get("/participants/")
    assert 12 * 3600 - 60 < _cookie_lifetime(client) <= 12 * 3600 + 5
    _age(client, seen_ago=60, login_ago=11 * 3600 + 50 * 60)
    client.get("/participants/")
    assert 9 * 60 < _cookie_lifetime(client) <= 10 * 60 + 5

    phone = app.test_client()
    login(world.participant.user, target=phone)
    phone.get("/curriculum/")
    assert 30 * 86400 - 60 < _cookie_lifetime(phone) <= 30 * 86400 + 5
    _age(phone, seen_ago=60, login_ago=29 * 86400)
    phone.get("/curriculum/")
    assert 86400 - 60 < _cookie_lifetime(phone) <= 86400 + 5


def _change(client, current, new="739164"):
    return client.post("/accounts/password", data={"csrf_token": csrf_token(client, "/accounts/password"),
                                                   "current": current, "new": new})


def test_wrong_current_pins_count_with_logins_and_end_the_session(app, client, login, world):
    p = world.participant
    login(p.user)
    cookie = client.get_cookie("session").value
    for _ in range(2):
        wrong = _change(client, "111111")
        assert wrong.status_code == 200 and "not right" in wrong.get_data(as_text=True)
    ended = _change(client, "222222")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/accounts/login/participant")
    assert client.get("/curriculum/").status_code == 302
    client.set_cookie("session", cookie)
    assert client.get("/curriculum/").status_code == 302  # the old cookie is dead too
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "secret_change_failed")).all()
    assert [(e.actor_id, e.target_id) for e in failed] == [(p.user_id, str(p.user_id))] * 3
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sessions_ended")) == 1
    # The same count as the login page's: two more wrong PINs there make five, and the account waits.
    other = app.test_client()
    for _ in range(2):
        assert "did not work" in _pin_login(other, p.code, "333333").get_data(as_text=True)
    assert "Too many attempts" in _pin_login(other, p.code, PIN).get_data(as_text=True)


def test_the_change_page_waits_with_the_account(app, client, login, world):
    login(world.facilitator)
    stranger = app.test_client()
    for _ in range(5):
        stranger.post("/accounts/login", data={"username": "fac", "password": "not the password",
                                               "csrf_token": csrf_token(stranger, "/accounts/login")})
    refused = _change(client, PASSWORD, "a brand new long secret")
    assert refused.status_code == 200 and "Too many attempts" in refused.get_data(as_text=True)
    db.session.refresh(world.facilitator)
    assert check_password_hash(world.facilitator.password_hash, PASSWORD)  # unchanged


def _pin_login(client, code, pin):
    return client.post("/accounts/login/participant", data={
        "code": code, "pin": pin, "csrf_token": csrf_token(client, "/accounts/login/participant")})
