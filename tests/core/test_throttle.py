"""The one throttle (edt/throttle.py) at the login pages: wrong secrets counted per account with
growing delays and a lasting lock that a master trainer clears; addresses grouped (IPv6 by /64);
a known phone still logs in while its network waits; the same hash work for every login; the
audit trail does not grow by one row per anonymous failure; and the README's figures."""
import html
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug import security as werkzeug_security

from edt import throttle
from edt.audit import AuditEvent
from edt.extensions import db
from edt.modules.accounts import services as accounts
from edt.modules.participants import services as participants
from edt.modules.privacy import services as privacy
from edt.security import Role
from edt.throttle import ThrottleCounter

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN, make_participant, make_staff, rewind_throttle

ROOM = "203.0.113.5"
ERROR_RE = re.compile(r'<p class="error"[^>]*>([^<]+)</p>')


def attempt(client, name, secret, *, participant=True, address=ROOM):
    url = "/accounts/login/participant" if participant else "/accounts/login"
    fields = {"code": name, "pin": secret} if participant else {"username": name, "password": secret}
    return client.post(url, data={**fields, "csrf_token": csrf_token(client, url)},
                       environ_base={"REMOTE_ADDR": address})


def message(response) -> str:
    found = ERROR_RE.search(response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else ""


def said(response) -> str:
    """What a login answer amounts to: ok, failed, wait, network (the address waits) or locked."""
    if response.status_code == 302:
        return "ok"
    text = message(response)
    for word, meaning in (("did not work", "failed"), ("from this network", "network"), ("locked", "locked"),
                          ("Too many attempts", "wait")):
        if word in text:
            return meaning
    return f"unexpected {response.status_code}: {text!r}"


def _audit(action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- growing delays, a lasting lock, a master trainer unlocks -----------------------------------------

def test_wrong_pins_wait_longer_each_time_then_lock_until_a_master_trainer_unlocks(app, client, login, world):
    code = world.participant.code
    for minutes in (1, 5, 15):
        assert [said(attempt(client, code, "111111")) for _ in range(5)] == ["failed"] * 5
        waiting = attempt(client, code, PIN)  # the right PIN, while the account waits
        assert said(waiting) == "wait" and f"{minutes} minute" in message(waiting), message(waiting)
        rewind_throttle(minutes * 60 + 1)
    assert [said(attempt(client, code, "111111")) for _ in range(5)] == ["failed"] * 5  # the 20th wrong PIN
    rewind_throttle(400 * 86400)  # a lock outlasts every wait, and the year
    locked = attempt(client, code, PIN)
    assert said(locked) == "locked" and "Ask your facilitator" in message(locked)

    trainer = app.test_client()
    login(world.trainer, target=trainer)
    assert 'href="/accounts/locked"' in trainer.get("/accounts/users").get_data(as_text=True)
    page = trainer.get("/accounts/locked").get_data(as_text=True)
    assert f'data-account="{code}"' in page and "Locked since" in page and "Account locked" in page
    unlocked = trainer.post(f"/accounts/locked/{world.participant.user_id}/clear",
                            data={"csrf_token": csrf_token(trainer, "/accounts/locked")})
    assert unlocked.status_code == 302
    (cleared,) = _audit("login_lock_cleared")
    assert cleared.actor_id == world.trainer.id and cleared.target_id == str(world.participant.user_id)
    assert cleared.details["failures"] == 20 and cleared.details["was_locked"] is True
    assert said(attempt(client, code, PIN)) == "ok"
    assert f'data-account="{code}"' not in trainer.get("/accounts/locked").get_data(as_text=True)


def test_the_command_line_unlocks_a_locked_master_trainer(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_LOCK_AFTER", 5)
    assert [said(attempt(client, "mtr", "not my password", participant=False)) for _ in range(5)] == ["failed"] * 5
    rewind_throttle(61)
    assert said(attempt(client, "mtr", PASSWORD, participant=False)) == "locked"
    result = app.test_cli_runner().invoke(args=["unlock", "MTR"])
    assert result.exit_code == 0 and "can log in again" in result.output
    (cleared,) = _audit("login_lock_cleared")
    assert cleared.actor_id is None and cleared.target_id == str(world.trainer.id)
    assert cleared.details["via"] == "command line"
    assert said(attempt(client, "mtr", PASSWORD, participant=False)) == "ok"
    assert app.test_cli_runner().invoke(args=["unlock", "mtr"]).exit_code != 0  # nothing left to clear


def test_a_code_not_given_out_yet_locks_like_a_real_one_and_starts_clean_when_given(app, world):
    """Codes are predictable (KHU-2026-0003 follows 0002): a lock tells nothing about whether an
    account exists, and guesses at a code before it is given out never count against its owner."""
    real, future = world.participant.code, participants.next_code(world.khulna, date.today().year)
    answers = {}
    for name in (real, future):
        client, seen = app.test_client(), []
        for _round in range(4):
            seen += [message(attempt(client, name, "111111")) for _ in range(5)]
            rewind_throttle(3600)
        seen.append(message(attempt(client, name, PIN)))
        answers[name] = seen
    assert answers[real] == answers[future]
    assert "locked" in answers[real][-1]
    person = make_participant(world.khulna, world.trainer)
    assert person.code == future
    assert said(attempt(app.test_client(), future, PIN)) == "ok"


def test_staff_accounts_wait_but_lock_only_when_configured(app, client, world, monkeypatch):
    """A lasting lock on staff would let anyone shut the master trainers out (and with them
    whoever could unlock): by default staff accounts only wait."""
    for _round in range(5):  # 25 wrong passwords, the last delays done
        assert [said(attempt(client, "fac", "not my password", participant=False)) for _ in range(5)] == \
            ["failed"] * 5
        rewind_throttle(3601)
    assert said(attempt(client, "fac", PASSWORD, participant=False)) == "ok"

    monkeypatch.setitem(app.config, "STAFF_LOCK_AFTER", 20)
    other = app.test_client()
    for _round in range(4):
        assert [said(attempt(other, "fac2", "not my password", participant=False)) for _ in range(5)] == \
            ["failed"] * 5
        rewind_throttle(3601)
    locked = attempt(other, "fac2", PASSWORD, participant=False)
    assert said(locked) == "locked" and "Ask a master trainer" in message(locked)


def test_counters_hold_keyed_hashes_only(client, world):
    attempt(client, world.participant.code, "111111", address="2001:db8:aa::7")
    attempt(client, "canary-name-4711", "111111")
    stored = " ".join(f"{r.scope} {r.key} {r.subject_id}" for r in db.session.scalars(select(ThrottleCounter)))
    assert stored and "canary" not in stored and world.participant.code.lower() not in stored.lower()
    assert ROOM not in stored and "2001:db8" not in stored


# --- addresses: IPv6 by /64, and the known phone of a waiting training room ---------------------------

def test_ipv6_addresses_of_one_network_count_together(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 3)
    for n, host in enumerate(("::a", "::b", "::c")):  # three addresses of one phone's /64
        assert said(attempt(client, f"KHU-2099-000{n}", "111111", address=f"2001:db8:1:2{host}")) == "failed"
    assert said(attempt(client, world.participant.code, PIN, address="2001:db8:1:2:ffff::1")) == "network"
    assert said(attempt(client, world.participant.code, PIN, address="2001:db8:1:3::1")) == "ok"  # next network


def test_a_known_phone_logs_in_while_its_network_waits_but_never_while_its_account_is_locked(
        app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 3)
    rahima, shirin = world.participant, make_participant(world.khulna, world.trainer, full_name="Shirin Begum")
    phone, stranger, new_phone = app.test_client(), app.test_client(), app.test_client()
    assert said(attempt(phone, rahima.code, PIN)) == "ok"  # the phone now knows Rahima's account
    phone.post("/accounts/logout", data={"csrf_token": csrf_token(phone, "/")})
    for n in range(3):  # someone in the room guesses: the room's address waits
        attempt(stranger, f"KHU-2099-000{n}", "111111")
    assert said(attempt(new_phone, rahima.code, PIN)) == "network"
    assert said(attempt(phone, shirin.code, PIN)) == "network"  # the phone knows Rahima, not Shirin
    forged = app.test_client()
    forged.set_cookie(throttle.DEVICE_COOKIE, phone.get_cookie(throttle.DEVICE_COOKIE).value[:-3] + "AAA")
    assert said(attempt(forged, rahima.code, PIN)) == "network"
    assert said(attempt(phone, rahima.code, PIN)) == "ok"
    phone.post("/accounts/logout", data={"csrf_token": csrf_token(phone, "/")})

    elsewhere = app.test_client()
    for n in range(20):  # her account locks, from addresses all over
        attempt(elsewhere, rahima.code, "111111", address=f"198.51.100.{n}")
        rewind_throttle(3600)
    assert said(attempt(phone, rahima.code, PIN)) == "locked"


# --- the same hash work for every login ------------------------------------------------------------------

def test_every_login_does_the_same_hash_work(app, client, world, monkeypatch):
    """Unknown codes, codes without a PIN yet, erased people, deactivated staff, the other login
    page, wrong and right secrets: each costs exactly one check against a hash made with this
    configuration's parameters, so response time tells nothing about the account."""
    method = app.config["PASSWORD_HASH_METHOD"]
    checked = []
    real_check = werkzeug_security.check_password_hash

    def counting(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    no_pin = make_participant(world.khulna, world.trainer, pin=None)
    erased = make_participant(world.khulna, world.trainer)
    privacy.erase(world.trainer, erased)
    gone = make_staff(Role.FACILITATOR, world.khulna, username="gone")
    accounts.set_enabled(world.trainer, gone, False)
    cases = [("KHU-2099-0999", PIN, True), (no_pin.code, PIN, True), (erased.code, PIN, True),
             ("gone", PASSWORD, False), ("fac", PIN, True), (world.participant.code, "111111", True),
             ("nobody-at-all", PASSWORD, False), (world.participant.code, PIN, True)]
    for n, (name, secret, participant) in enumerate(cases):
        before = len(checked)
        fresh = app.test_client()
        attempt(fresh, name, secret, participant=participant, address=f"192.0.2.{n}")
        assert checked[before:] == [method], (name, checked[before:])


# --- anonymous failures are counted, not audited one by one ---------------------------------------------

def test_anonymous_failures_are_counted_not_audited_one_by_one(app, client, world):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    answers = [said(attempt(client, world.participant.code, "111111")) for _ in range(60)]
    answers += [said(attempt(client, f"KHU-2099-{n:04d}", "111111", address="198.51.100.9")) for n in range(120)]
    added = db.session.scalar(select(func.count()).select_from(AuditEvent)) - before
    # 5 wrong PINs for a real account (one row each) and the delay they began; 30 guesses at codes
    # that match no account (counted only) and the address's delay: 7 rows for 180 anonymous requests.
    assert answers.count("failed") == 35 and added == 7, (answers.count("failed"), added)
    assert [e.action for e in _audit("login_failed")] == ["login_failed"] * 5
    assert len(_audit("login_delayed")) == 1 and len(_audit("login_address_throttled")) == 1
    refused = db.session.scalar(select(func.sum(ThrottleCounter.refused)))
    assert refused == 180 - 35  # every refusal is still counted


# --- the README's figures come from the configuration -----------------------------------------------------

def test_the_readme_states_the_guesses_per_account_per_year_from_the_configuration(app):
    with app.app_context():
        pin, password = (throttle.policy(s).most_per_year() for s in (throttle.LOGIN_PIN, throttle.LOGIN_PASSWORD))
        address = throttle.policy(throttle.LOGIN_ADDRESS).most_per_year()
    assert pin == app.config["LOGIN_LOCK_AFTER"] == 20
    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text(encoding="utf-8")
    for figure in (pin, password, address):
        assert f"{figure:,}" in readme, figure


@pytest.mark.parametrize("policy, expected", [
    (throttle.Policy("p", 5, (60, 300, 900), 365 * 86400, 20), 20),
    # 2 an hour, and the day's last wait ends as the day does: 2 * 24 a day, 365 days
    (throttle.Policy("p", 2, (3600,), 86400), 2 * 24 * 365),
    (throttle.Policy("p", 0, (), 86400), None),
])
def test_the_yearly_figure_follows_the_rule(policy, expected):
    assert policy.most_per_year() == expected
