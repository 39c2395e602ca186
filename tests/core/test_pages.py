"""Page weight, security headers, error pages and health: the promises every page keeps."""

import pytest
from flask import abort

from edt import create_app

from tests.budget import BUDGET_BYTES, BUDGET_REQUESTS, weigh
from tests.conftest import make_config
from tests.core.test_access_matrix import MATRIX, ROLES, ids, user_for

EXEMPT = {"curriculum.print_day", "curriculum.print_guide"}  # whole-day and whole-guide print views


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_the_budget(role, client, login, world):
    login(user_for(world, role))
    weighed = 0
    for endpoint, entry in sorted(MATRIX.items()):
        if entry["method"] != "GET" or endpoint in EXEMPT or entry["expect"][role] != 200:
            continue
        status, total, requests = weigh(client, entry["url"].format_map(ids(world)))
        if status == 200:
            weighed += 1
            assert total <= BUDGET_BYTES, f"{endpoint} as {role}: {total} bytes"
            assert requests <= BUDGET_REQUESTS, f"{endpoint} as {role}: {requests} requests"
    assert weighed > 0


def test_every_curriculum_day_and_guide_page_fits_the_budget(client, login, world):
    from edt.content import library

    login(world.facilitator)
    lib = library()
    for url in [f"/curriculum/day/{n}" for n in lib.days] + [f"/guide/{slug}" for slug in lib.guide]:
        status, total, requests = weigh(client, url)
        assert status == 200 and total <= BUDGET_BYTES and requests <= BUDGET_REQUESTS, (url, total, requests)


def _assert_security_headers(response, authenticated=False):
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if authenticated:
        assert response.headers["Cache-Control"] == "no-store"


def test_security_headers_on_200_302_403_404(client, login, world):
    _assert_security_headers(client.get("/accounts/login"))
    _assert_security_headers(client.get("/participants/"))  # 302 to login
    login(world.facilitator)
    for url, status in (("/", 200), ("/accounts/users", 403), ("/curriculum/day/99", 404)):
        response = client.get(url)
        assert response.status_code == status
        _assert_security_headers(response, authenticated=True)


def test_session_cookie_flags(client, world):
    client.get("/accounts/login")
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_500_is_plain_with_a_reference_and_no_traceback(app):
    prod = create_app(make_config(RAISE_SERVER_ERRORS=False, ENV_NAME="production",
                                  SECRET_KEY="x" * 40, SESSION_COOKIE_SECURE=True, PUBLIC_URL="https://edt.example.org"))

    @prod.route("/boom")
    def boom():
        raise ZeroDivisionError("secret detail")

    boom.edt_public = True
    response = prod.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500 and "Reference" in body
    assert "Traceback" not in body and "secret detail" not in body and "ZeroDivisionError" not in body
    _assert_security_headers(response)


def test_production_refuses_to_start_without_a_real_secret_key():
    with pytest.raises(RuntimeError, match="EDT_SECRET_KEY"):
        create_app(make_config(ENV_NAME="production", SECRET_KEY=None))


def test_a_view_without_access_rule_stops_start_up():
    app = create_app(make_config())

    @app.route("/unguarded")
    def unguarded():
        abort(404)

    from edt.security import check_every_view_is_guarded

    with pytest.raises(RuntimeError, match="unguarded"):
        check_every_view_is_guarded(app)


def test_healthz_reports_the_database(client, app):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_pages_render_in_bangla(client, login, world):
    login(world.participant.user)
    from tests.conftest import csrf_token

    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="bn"' in html


def test_every_curriculum_day_fits_the_budget_in_bangla_for_a_participant(client, login, world):
    """The Bangla text of a day is the heavier one (three bytes a letter): it must fit a shared phone too."""
    from edt.content import library

    from tests.conftest import csrf_token

    login(world.participant.user)
    client.post("/accounts/language", data={"locale": "bn", "csrf_token": csrf_token(client, "/")})
    for number in library().days:
        for url in (f"/curriculum/day/{number}", f"/curriculum/day/{number}?lang=en"):
            status, total, requests = weigh(client, url)
            assert status == 200 and total <= BUDGET_BYTES, (url, total)
            assert requests <= BUDGET_REQUESTS, (url, requests)
