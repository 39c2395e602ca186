"""Security headers on every kind of answer: 200, 302, 400, 403, 404, 409, 429 and 500,
for visitors and logged-in users, and a production 500 that is plain, with a reference id."""
import re

import pytest

from edt import create_app
from edt.config import Config, ProductionConfig

from tests.conftest import TMP, csrf_token, database_url, make_config
from tests.factories import make_canvas

HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def assert_headers(response, *, logged_in: bool):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    if logged_in:
        assert response.headers.get("Cache-Control") == "no-store"


@pytest.fixture
def answers(client, login, world, monkeypatch):
    """One response of each status, logged in where the status needs it."""
    got = {}
    got[(200, False)] = client.get("/accounts/login")
    got[(302, False)] = client.get("/participants/")
    got[(404, False)] = client.get("/no-such-page")
    got[(400, False)] = client.post("/accounts/login", data={"username": "x", "password": "y"})  # no CSRF token
    monkeypatch.setitem(client.application.config, "VERIFY_RATE_LIMIT", 1)
    client.get("/verify/AAAA")
    got[(429, False)] = client.get("/verify/BBBB")
    p = world.participant
    canvas = make_canvas(p, items={"channels": ["From my home"]})
    login(p.user)
    got[(200, True)] = client.get("/")
    got[(403, True)] = client.get("/participants/")
    got[(404, True)] = client.get("/canvas/999999")
    got[(409, True)] = client.post(f"/canvas/{p.id}/block/channels/add", data={
        "text": "Late note", "base": str(canvas.revision - 1), "csrf_token": csrf_token(client, "/")})
    got[(302, True)] = client.post(f"/canvas/{p.id}/block/channels/add", data={
        "text": "Note", "base": str(canvas.revision), "csrf_token": csrf_token(client, "/")})
    got[(400, True)] = client.post("/accounts/language", data={"locale": "xx", "csrf_token": csrf_token(client, "/")})
    return got


def test_security_headers_on_every_status(answers):
    for (status, logged_in), response in answers.items():
        assert response.status_code == status, (status, logged_in)
        assert_headers(response, logged_in=logged_in)


def test_a_production_500_is_plain_with_headers_and_a_reference(app):
    prod = create_app(make_config(RAISE_SERVER_ERRORS=False, ENV_NAME="production", SECRET_KEY="y" * 40, PUBLIC_URL="https://edt.example.org",
                                  SESSION_COOKIE_SECURE=True))

    @prod.route("/fail")
    def fail():
        raise RuntimeError("database password is hunter2")

    fail.edt_public = True
    response = prod.test_client().get("/fail")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert_headers(response, logged_in=False)
    assert re.search(r"Reference: <code>[0-9a-f]{10}</code>", body)
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body


def production_app():
    """The production configuration itself (not the test one with flags changed), with the long
    secret key production insists on and the suite's database."""
    config = type("ProductionForTests", (ProductionConfig,), {
        "SECRET_KEY": "a-long-random-production-key-" + "7f3a9c" * 8,
        "SQLALCHEMY_DATABASE_URI": database_url(), "INSTANCE_PATH": TMP / "instance",
        "PUBLIC_URL": "https://edt.example.org"})
    return create_app(config)


def test_hsts_in_production_on_every_answer_and_never_in_development(app, client):
    prod = production_app().test_client()
    for url, status in (("/accounts/login", 200), ("/participants/", 302), ("/no-such-page", 404),
                        ("/static/css/edt.css", 200)):
        response = prod.get(url)
        assert response.status_code == status, url
        assert response.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", url
    assert "Strict-Transport-Security" not in client.get("/accounts/login").headers  # the test configuration
    development = create_app(type("Development", (Config,), {
        "SQLALCHEMY_DATABASE_URI": database_url(), "INSTANCE_PATH": TMP / "instance"}))
    assert "Strict-Transport-Security" not in development.test_client().get("/accounts/login").headers
