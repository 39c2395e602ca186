"""Two app servers on one database (nginx in front of several gunicorn instances): a session made
on one is honoured by the other, ended on one it is ended on both, and the throttle counts wrong
secrets from both together. Two app objects stand for the two servers."""
from edt import create_app

from tests.conftest import EnglishPhoneClient, csrf_token, make_config
from tests.core.test_throttle import attempt, said
from tests.factories import PASSWORD, PIN, make_participant


def _second_server(app):
    second = create_app(make_config(SECRET_KEY=app.config["SECRET_KEY"]))
    second.test_client_class = EnglishPhoneClient  # the same phone as the suite's: English pages
    return second


def _carry_cookies(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_a_session_made_on_one_server_works_on_the_other_and_ends_on_both(app, client, world):
    other = _second_server(app).test_client()
    response = client.post("/accounts/login", data={"username": world.trainer.username, "password": PASSWORD,
                                                    "csrf_token": csrf_token(client, "/accounts/login")})
    assert response.status_code == 302
    _carry_cookies(client, other)
    assert other.get("/participants/").status_code == 200  # the other server knows the session
    # Logging out on the second server ends the session the first server also holds.
    other.post("/accounts/logout", data={"csrf_token": csrf_token(other, "/")})
    assert client.get("/participants/").status_code == 302


def test_wrong_pins_on_two_servers_count_together(app, client, world):
    person = make_participant(world.khulna, world.trainer, pin=PIN)
    other = _second_server(app).test_client()
    answers = [said(attempt(client if n % 2 else other, person.code, "000001")) for n in range(5)]
    assert answers == ["failed"] * 5
    # The sixth wrong PIN, on either server, waits: the count lives in the shared database.
    assert said(attempt(other, person.code, "000001")) == "wait"
    assert said(attempt(client, person.code, PIN)) == "wait"
