"""Bangla first for participants: a participant reads her batch's language, then this phone's
last choice (a year-long cookie kept after logout), never the browser's English default; the login
pages remember the choice; staff keep their own. A page that needs a login on a participant's
phone asks for the code and PIN."""
import re

from edt import sessions
from edt.extensions import db

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN, enrol, make_batch

ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def _lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def _fresh_phone(app):
    client = app.test_client()
    client.delete_cookie(sessions.LANGUAGE_COOKIE)  # a phone where no one chose a language yet
    return client


def _participant_login(client, code, pin=PIN):
    url = "/accounts/login/participant"
    return client.post(url, data={"code": code, "pin": pin, "csrf_token": csrf_token(client, url)},
                       headers=ENGLISH_BROWSER)


def _choose(client, locale, path="/"):
    return client.post("/accounts/language", data={"locale": locale, "next": path,
                                                   "csrf_token": csrf_token(client, path)})


def test_a_participant_of_a_bangla_batch_reads_bangla_on_an_english_phone(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, language="bn")
    enrol(batch, [world.participant])
    phone = _fresh_phone(app)
    assert _lang(phone.get("/accounts/login/participant", headers=ENGLISH_BROWSER)) == "bn"
    assert _participant_login(phone, world.participant.code).status_code == 302
    for url in ("/", "/curriculum/", "/accounts/password"):
        assert _lang(phone.get(url, headers=ENGLISH_BROWSER)) == "bn", url


def test_her_batchs_language_is_read_with_her_account_in_the_session_check(app, world, login, count_queries):
    """The one statement that checks the session also finds her batch's language: a day page
    costs a participant no more statements than a staff member, and a change of the batch's
    language shows on her next page."""
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, language="bn")
    enrol(batch, [world.participant])
    login(world.facilitator)
    staff = count_queries("/curriculum/day/5")
    login(world.participant.user)
    assert count_queries("/curriculum/day/5") == staff
    assert 'lang="bn"' in count_queries.html
    batch.language = "en"
    db.session.commit()
    assert count_queries("/curriculum/day/5") == staff and '<html lang="en"' in count_queries.html


def test_a_participant_of_an_english_batch_reads_english_even_after_a_bangla_reader(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, language="en")
    enrol(batch, [world.participant])
    phone = _fresh_phone(app)
    _participant_login(phone, world.participant.code)
    assert _lang(phone.get("/")) == "en"


def test_the_phones_choice_survives_logout_and_the_login_page_remembers_it(app, world):
    batch = make_batch(world.khulna, facilitators=[world.facilitator], trainer=world.trainer, language="bn")
    enrol(batch, [world.participant])
    phone = _fresh_phone(app)
    _choose(phone, "en", "/accounts/login/participant")  # chosen on the login page
    assert phone.get_cookie(sessions.LANGUAGE_COOKIE).value == "en"
    assert _lang(phone.get("/accounts/login/participant")) == "en"
    _participant_login(phone, world.participant.code)
    assert _lang(phone.get("/")) == "en"  # her own choice wins over the batch's language
    _choose(phone, "bn")
    assert _lang(phone.get("/")) == "bn"
    logged_out = phone.post("/accounts/logout", data={"csrf_token": csrf_token(phone, "/")})
    assert logged_out.headers["Location"].endswith("/accounts/login/participant")
    page = phone.get("/accounts/login/participant", headers=ENGLISH_BROWSER)
    assert _lang(page) == "bn" and "লগ" in page.get_data(as_text=True)  # not back to English


def test_staff_keep_their_own_choice_on_a_phone_left_in_bangla(app, world):
    world.facilitator.locale = "en"
    db.session.commit()
    phone = _fresh_phone(app)
    _choose(phone, "bn", "/accounts/login/participant")  # the last person left the phone in Bangla
    with phone.session_transaction() as session:
        session.clear()  # ... and went away: only the phone's cookie remembers it
    url = "/accounts/login"
    assert _lang(phone.get(url)) == "bn"  # the login page remembers this phone's choice
    phone.post(url, data={"username": world.facilitator.username, "password": PASSWORD,
                          "csrf_token": csrf_token(phone, url)})
    assert _lang(phone.get("/participants/")) == "en"  # her own saved choice


def test_a_staff_member_without_a_choice_gets_the_browsers_language(app, world):
    phone = _fresh_phone(app)
    url = "/accounts/login"
    assert _lang(phone.get(url, headers=ENGLISH_BROWSER)) == "en"
    assert _lang(phone.get(url, headers={"Accept-Language": "bn"})) == "bn"
    phone.post(url, data={"username": world.facilitator.username, "password": PASSWORD,
                          "csrf_token": csrf_token(phone, url)})
    assert _lang(phone.get("/participants/", headers=ENGLISH_BROWSER)) == "en"


def test_an_expired_participant_session_leads_to_the_participant_login(app, world, login):
    import time
    phone = app.test_client()
    login(world.participant.user, target=phone)
    now = int(time.time())
    with phone.session_transaction() as session:
        session["seen"] = session["login_at"] = now - 40 * 86400
    response = phone.get("/curriculum/day/3")  # a page staff read too
    assert response.status_code == 302
    assert "/accounts/login/participant?next=/curriculum/day/3" in response.headers["Location"]


def test_a_missing_session_on_a_participants_phone_asks_for_the_code_and_pin(app, world, login):
    phone = app.test_client()
    login(world.participant.user, target=phone)
    phone.post("/accounts/logout", data={"csrf_token": csrf_token(phone, "/")})
    for url in ("/curriculum/day/3", "/canvas/", "/assessments/mine"):
        location = phone.get(url).headers["Location"]
        assert "/accounts/login/participant?next=" in location, url
    # A participant-only page asks for the code and PIN on any phone; a staff page, the password.
    stranger = app.test_client()
    assert "/accounts/login/participant?next=" in stranger.get("/assessments/mine").headers["Location"]
    assert "/accounts/login?next=" in stranger.get("/participants/").headers["Location"]
    assert "/accounts/login?next=" in stranger.get("/curriculum/day/3").headers["Location"]
    # Once staff log in on that phone, it is a staff phone again.
    login(world.facilitator, target=phone)
    phone.post("/accounts/logout", data={"csrf_token": csrf_token(phone, "/")})
    assert "/accounts/login?next=" in phone.get("/curriculum/day/3").headers["Location"]


def test_a_code_card_link_fills_in_the_code_but_never_a_pin(client, world):
    page = client.get(f"/accounts/login/participant?code={world.participant.code}").get_data(as_text=True)
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert f'value="{world.participant.code}"' in code_input
    pin_input = re.search(r'<input[^>]*name="pin"[^>]*>', page).group(0)
    assert "value=" not in pin_input or 'value=""' in pin_input
    assert _participant_login(client, world.participant.code).status_code == 302
