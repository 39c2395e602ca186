"""Sessions lose nothing: a facilitator who opens the attendance page at 9:00 and saves at
15:00 is asked to log in, and the marks she sent are shown again, pre-filled, to save. The same for
any form sent after the session ended or with a CSRF token made stale by a login in another tab.
Nothing is ever saved without a fresh CSRF token from a live session."""
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from edt.audit import AuditEvent
from edt.extensions import db
from edt.throttle import ThrottleCounter
from edt.modules.attendance.models import AttendanceMark
from edt.modules.canvas.models import Canvas
from edt.modules.kept_forms.models import FormStash

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN, batch_world, enrol, make_canvas, make_kept_form, make_participant
from tests.attendance.test_attendance import read_form

NEXT_RE = re.compile(r'name="next" type="hidden" value="([^"]*)"')


def _age(client, *, seen_ago=0, login_ago=0):
    now = int(time.time())
    with client.session_transaction() as session:
        session["seen"] = now - seen_ago
        session["login_at"] = now - login_ago


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _log_in_again(client, location, user, secret=PASSWORD):
    """Follow the redirect to the login page and log in there, as a person would."""
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    next_url = NEXT_RE.search(html).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    if user.is_participant:
        data = {"code": user.username, "pin": secret, "next": next_url, "csrf_token": token}
        response = client.post("/accounts/login/participant", data=data)
    else:
        data = {"username": user.username, "password": secret, "next": next_url, "csrf_token": token}
        response = client.post("/accounts/login", data=data)
    assert response.status_code == 302 and response.headers["Location"] == next_url
    return next_url, html


def _day_with_people(world):
    batch_world(world)
    people = [world.participant] + [make_participant(world.khulna, world.trainer, full_name=name)
                                    for name in ("Amena Khatun", "Nasima Akter", "রহিমা বেগম")]
    enrol(world.batch, people[1:])
    return world.batch.days[0]


def test_attendance_opened_at_nine_and_saved_at_three_loses_nothing(client, login, world):
    day = _day_with_people(world)
    login(world.facilitator)
    url = f"/attendance/days/{day.id}"
    form = read_form(client.get(url).get_data(as_text=True))
    rows = form["row"]
    for i, enrolment_id in enumerate(rows):
        form[f"s-{enrolment_id}"] = ["late" if i % 2 else "present"]
    form[f"n-{rows[0]}"] = ["came with her daughter"]
    _age(client, seen_ago=6 * 3600, login_ago=6 * 3600)  # 9:00 -> 15:00: far past the 30-minute idle limit

    sent = client.post(url, data=form)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/accounts/login?next=/kept-forms/")
    assert _count(AttendanceMark) == 0 and _count(FormStash) == 1  # kept, not saved
    next_url, login_html = _log_in_again(client, sent.headers["Location"], world.facilitator)
    assert "You were logged out, so this was not saved yet" in login_html

    shown = client.get(next_url)
    assert shown.status_code == 302 and shown.headers["Location"].startswith(f"{url}?kept=")
    page = client.get(shown.headers["Location"]).get_data(as_text=True)
    assert "You were logged out before these marks were saved" in page
    again = read_form(page)
    assert [again[f"s-{r}"] for r in rows] == [form[f"s-{r}"] for r in rows]  # every mark, as sent
    assert again[f"n-{rows[0]}"] == ["came with her daughter"]
    assert _count(AttendanceMark) == 0  # still nothing saved before the person presses Save

    saved = client.post(url, data=again)  # a fresh CSRF token from the live session
    assert saved.status_code == 302
    statuses = dict(db.session.execute(select(AttendanceMark.enrolment_id, AttendanceMark.status)).all())
    assert statuses == {int(r): form[f"s-{r}"][0] for r in rows}
    assert _count(FormStash) == 0  # sent again: the kept copy is gone
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "form_kept"))
    assert event.actor_id == world.facilitator.id and "daughter" not in str(event.details)


@pytest.mark.parametrize("how", ["logged out elsewhere", "copied before the logout", "logged out and idle",
                                 "deactivated"])
def test_a_cookie_whose_session_was_ended_keeps_no_form(client, login, world, how):
    """Only a session that was valid when it expired keeps a form. A cookie whose session version
    was bumped (a logout on another device, or a copy of the cookie taken before its owner logged
    out on a shared phone), even one that is idle too, or a deactivated account's, keeps nothing:
    otherwise anyone holding an old cookie could plant a pre-filled form for its owner."""
    from edt.modules.accounts import services as accounts

    day = _day_with_people(world)
    login(world.facilitator)
    url = f"/attendance/days/{day.id}"
    form = read_form(client.get(url).get_data(as_text=True))
    for enrolment_id in form["row"]:
        form[f"s-{enrolment_id}"] = ["absent"]
    form[f"n-{form['row'][0]}"] = ["planted note"]
    if how == "copied before the logout":
        copied = client.get_cookie("session").value
        client.post("/accounts/logout", data={"csrf_token": form["csrf_token"][0]})
        client.set_cookie("session", copied)
    elif how == "deactivated":
        accounts.set_enabled(world.trainer, world.facilitator, False)
    else:
        accounts.logout(world.facilitator)  # the same person logged out on her phone
    if how == "logged out and idle":
        _age(client, seen_ago=6 * 3600, login_ago=6 * 3600)
    sent = client.post(url, data=form)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/accounts/login?next=")
    assert "kept" not in sent.headers["Location"]
    assert _count(FormStash) == 0 and _count(AttendanceMark) == 0
    assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "form_kept"))


@pytest.mark.parametrize("browsed", [False, True])
def test_a_form_made_stale_by_a_login_in_another_tab_is_offered_again(app, login, world, browsed):
    """Tab A opened the page; the session ended; tab B logged in again (a fresh session and CSRF
    secret, with or without a page seen since). Tab A's save fails the CSRF check: it is kept and
    shown again, never saved as it is."""
    day = _day_with_people(world)
    client = app.test_client()
    login(world.facilitator, target=client)
    url = f"/attendance/days/{day.id}"
    form = read_form(client.get(url).get_data(as_text=True))
    for enrolment_id in form["row"]:
        form[f"s-{enrolment_id}"] = ["excused"]
    login(world.facilitator, target=client)  # logs out and in again: a fresh session, a new token
    if browsed:
        client.get("/")
    sent = client.post(url, data=form)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/kept-forms/")
    assert _count(AttendanceMark) == 0
    page = client.get(client.get(sent.headers["Location"]).headers["Location"]).get_data(as_text=True)
    assert "You were logged out before these marks were saved" in page
    assert client.post(url, data=read_form(page)).status_code == 302
    assert set(db.session.scalars(select(AttendanceMark.status))) == {"excused"}


def test_a_missing_or_forged_csrf_token_is_refused_and_nothing_is_kept(client, login, world):
    day = _day_with_people(world)
    login(world.facilitator)
    url = f"/attendance/days/{day.id}"
    form = read_form(client.get(url).get_data(as_text=True))
    for enrolment_id in form["row"]:
        form[f"s-{enrolment_id}"] = ["present"]
    for token in (None, "forged-token"):
        data = {k: v for k, v in form.items() if k != "csrf_token"}
        if token:
            data["csrf_token"] = token
        response = client.post(url, data=data)
        assert response.status_code == 400
    assert _count(AttendanceMark) == 0 and _count(FormStash) == 0


def test_any_form_is_offered_again_on_a_page_that_lists_what_was_written(client, login, world):
    """A participant's session ends after 7 idle days; the note she added is kept, shown in plain
    text (escaped) and saved when she sends it again."""
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home"]})
    login(p.user)
    note = "<b>Eggs</b> at the Friday market"
    data = {"text": note, "base": str(canvas.revision), "csrf_token": csrf_token(client, f"/canvas/{p.id}")}
    _age(client, seen_ago=8 * 86400, login_ago=8 * 86400)
    sent = client.post(f"/canvas/{p.id}/block/channels/add", data=data)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/accounts/login/participant?next=")
    next_url, _html = _log_in_again(client, sent.headers["Location"], p.user, PIN)
    page = client.get(next_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;b&gt;Eggs&lt;/b&gt; at the Friday market" in html
    assert "<b>Eggs</b>" not in html
    assert db.session.scalar(select(Canvas.blocks).where(Canvas.participant_id == p.id))["channels"] == [
        "From my home"]
    resend = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                             html.split('id="resend-form"')[1].split("</form>")[0]))
    import html as html_module

    resend = {k: html_module.unescape(v) for k, v in resend.items()}
    assert client.post(f"/canvas/{p.id}/block/channels/add", data=resend).status_code == 302
    assert db.session.scalar(select(Canvas.blocks).where(Canvas.participant_id == p.id))["channels"] == [
        "From my home", note]
    assert _count(FormStash) == 0


def test_secrets_are_never_kept(client, login, world):
    login(world.facilitator)
    token = csrf_token(client, "/accounts/password")
    _age(client, seen_ago=3600)
    response = client.post("/accounts/password", data={"current": PASSWORD, "new": "a brand new long secret",
                                                       "csrf_token": token})
    assert response.status_code == 302 and "kept" not in response.headers["Location"]
    assert _count(FormStash) == 0


def test_only_the_sender_can_see_a_kept_form_and_it_expires(app, client, login, world):
    stash = make_kept_form(world.facilitator, path=f"/canvas/{world.participant.id}/block/channels/add")
    for user in (world.other_facilitator, world.trainer, world.participant.user):
        login(user)
        assert client.get(f"/kept-forms/{stash.token}").status_code == 404
    refusals = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "refused", AuditEvent.target_type == "form_stash"))
    assert refusals == 3
    login(world.facilitator)
    assert client.get(f"/kept-forms/{stash.token}").status_code == 200
    db.session.execute(FormStash.__table__.update().values(expires_at=stash.created_at - timedelta(minutes=1)))
    db.session.commit()
    assert client.get(f"/kept-forms/{stash.token}").status_code == 404


def test_a_kept_form_can_be_thrown_away(client, login, world):
    stash = make_kept_form(world.facilitator)
    login(world.facilitator)
    response = client.post(f"/kept-forms/{stash.token}/discard", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and _count(FormStash) == 0
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "form_discarded"))


def test_expired_kept_forms_are_deleted_when_new_ones_arrive(app, world):
    from edt.clock import utcnow

    old = make_kept_form(world.facilitator)
    db.session.execute(FormStash.__table__.update().where(FormStash.id == old.id)
                       .values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    make_kept_form(world.facilitator)
    assert _count(FormStash) == 1


# --- login throttling per client address, across workers, behind a proxy ----------------------------

def _try_login(client, username, password, address=None, forwarded=None):
    environ = {"REMOTE_ADDR": address} if address else {}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token_page = client.get("/accounts/login", environ_base=environ, headers=headers)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page.get_data(as_text=True)).group(1)
    return client.post("/accounts/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ, headers=headers)


def test_the_per_address_limit_holds_across_workers_and_stores_no_address(app, world, monkeypatch):
    """Failures on different accounts from one address add up, in the database, so a second
    worker (another app object) refuses too; another address is not affected."""
    from edt import create_app

    from tests.conftest import make_config

    second_worker = create_app(make_config(LOGIN_ADDRESS_MAX_FAILURES=4))
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 4)
    one, two = app.test_client(), second_worker.test_client()
    for n, client in enumerate((one, two, one, two)):  # four failures, four accounts, two workers
        assert "did not work" in _try_login(client, f"guess{n}", "wrong password", "203.0.113.7").get_data(
            as_text=True)
    refused = _try_login(two, "fac", PASSWORD, "203.0.113.7")  # the right password, from that address
    assert refused.status_code == 200 and "Too many attempts" in refused.get_data(as_text=True)
    assert _try_login(one, "fac", PASSWORD, "198.51.100.20").status_code == 302  # the training room next door
    stored = " ".join(f"{r.scope} {r.key}" for r in db.session.scalars(select(ThrottleCounter)))
    assert "203.0.113.7" not in stored and "guess" not in stored  # only keyed hashes are kept


def test_behind_a_trusted_proxy_the_forwarded_address_counts_and_cannot_be_spoofed_without(app, world):
    from edt import create_app

    from tests.conftest import make_config

    proxied = create_app(make_config(TRUSTED_PROXIES=1, LOGIN_ADDRESS_MAX_FAILURES=2)).test_client()
    for n in range(2):
        _try_login(proxied, f"guess{n}", "wrong password", "10.0.0.1", forwarded="203.0.113.9")
    assert "Too many attempts" in _try_login(proxied, "fac", PASSWORD, "10.0.0.1", "203.0.113.9").get_data(
        as_text=True)
    assert _try_login(proxied, "fac", PASSWORD, "10.0.0.1", "198.51.100.3").status_code == 302  # another client
    # Without a trusted proxy the header is ignored: the real peer address is what counts.
    direct = create_app(make_config(TRUSTED_PROXIES=0, LOGIN_ADDRESS_MAX_FAILURES=2)).test_client()
    for n in range(2):
        _try_login(direct, f"other{n}", "wrong password", "192.0.2.50", forwarded=f"198.51.100.{n}")
    spoofed = _try_login(direct, "fac2", PASSWORD, "192.0.2.50", forwarded="198.51.100.99")
    assert "Too many attempts" in spoofed.get_data(as_text=True)
