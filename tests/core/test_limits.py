"""Limits on what one request, and one user in an hour, may ask of the server: the request size
(413 with a clear page in both languages; the roster file keeps its own smaller limit) and roster
checks per user per hour (the one throttle)."""
import io

from sqlalchemy import select

from edt import sessions
from edt.audit import AuditEvent
from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import rewind_throttle
from tests.batches.test_batches_roster import HEADER, upload

BIG = 3 * 1024 * 1024


def test_a_request_over_the_limit_gets_a_clear_413_page_in_both_languages(client, login, world):
    too_big = client.post("/accounts/login", data={"username": "x", "password": "y" * BIG})
    text = too_big.get_data(as_text=True)
    assert too_big.status_code == 413 and "too large: at most 2 MB" in text and "Nothing was saved" in text
    # A browser asking for Bangla, on a phone with no language chosen yet (a chosen one comes first).
    client.delete_cookie(sessions.LANGUAGE_COOKIE)
    in_bangla = client.post("/accounts/login", data={"username": "x", "password": "y" * BIG},
                            headers={"Accept-Language": "bn"})
    assert in_bangla.status_code == 413 and "অনেক বড়" in in_bangla.get_data(as_text=True)
    assert '<html lang="bn"' in in_bangla.get_data(as_text=True)
    client.set_cookie(sessions.LANGUAGE_COOKIE, "en")

    login(world.facilitator)
    upload_too_big = client.post("/batches/roster/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0", "file": (io.BytesIO(b"a" * BIG), "roster.csv")})
    assert upload_too_big.status_code == 413
    # Under the request limit, a roster file over its own limit gets the roster's message.
    roster = upload(client, HEADER + "x" * (600 * 1024), partner_id=world.khulna.id)
    assert roster.status_code == 400 and "at most 500 KB" in roster.get_data(as_text=True)


def test_roster_checks_are_limited_per_user_per_hour(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "ROSTER_CHECKS_PER_HOUR", 3)
    login(world.facilitator)
    row = "Amena Khatun,woman,1991,Khulna,,yes,no\n"
    assert [upload(client, HEADER + row, partner_id=world.khulna.id).status_code for _ in range(2)] == [200, 200]
    confirm = client.post("/batches/roster/import/confirm", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0", "csv_text": HEADER + "Nasima Akter,woman,1990,Khulna,,yes,no\n"})
    assert confirm.status_code == 200  # the third check, through the confirmation step
    refused = upload(client, HEADER + row, partner_id=world.khulna.id)
    assert refused.status_code == 429 and "checked 3 rosters in the last hour" in refused.get_data(as_text=True)
    again = client.post("/batches/roster/import/confirm", data={
        "csrf_token": csrf_token(client, "/batches/roster/import"), "partner_id": str(world.khulna.id),
        "batch_id": "0", "csv_text": HEADER + row})
    assert again.status_code == 429
    paused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster_checks_paused")).all()
    assert [(e.actor_id, e.details["checks"]) for e in paused] == [(world.facilitator.id, 3)]  # once, not per refusal

    login(world.trainer)  # another user has an hour of their own
    assert upload(client, HEADER + row, partner_id=world.khulna.id).status_code == 200
    login(world.facilitator)
    rewind_throttle(3601)
    assert upload(client, HEADER + row, partner_id=world.khulna.id).status_code == 200
