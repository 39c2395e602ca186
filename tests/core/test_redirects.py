"""Redirects after a login and after choosing a language never leave the site.

`next` travels in a URL and a hidden field, so anyone can craft a link to the real login page that
sends its user elsewhere after a correct login. Each form below is a known way past naive checks
(OWASP and PortSwigger open-redirect cheat sheets): control and whitespace characters that
Werkzeug's urlsplit or the browser drop ("/<TAB>/evil" leaves as "//evil"), backslashes that
browsers read as "/", scheme-relative and full URLs, other schemes, percent-encoded separators and
dot segments. Each is sent through the real endpoints, and the Location must stay on this site as a
browser resolves it (the home page, in fact: none of them names a page). Legitimate addresses, with
query strings and Bangla, still lead back where the user was.
"""
import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from edt.security import safe_next

from tests.conftest import csrf_token
from tests.factories import PASSWORD, PIN

SITE = "http://localhost"
EVIL = "evil.example"

BYPASSES = [
    "/\t/evil.example",  # the reported one: Werkzeug strips the tab and sends //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/ /evil.example",
    "/\t\\evil.example",
    "//evil.example",
    "//evil.example/",
    "///evil.example",
    "////evil.example",
    "//evil.example@localhost",
    "//localhost@evil.example",
    "//%65vil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:\\\\evil.example",
    "http://localhost@evil.example",
    "https://localhost/",  # a full URL, even to this host: only a path is accepted
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%00/evil.example",
    "/.//evil.example",
    "/./evil.example",
    "/../evil.example",
    "/%2e%2e/evil.example",
    "/%2e/%2e%2e//evil.example",
    "/\u3000/evil.example",  # an ideographic space
    "/\u200b/evil.example",  # a zero-width space
    "/\u202e/elpmaxe.live",  # a right-to-left override
    "/\u2028/evil.example",  # a line separator
    "/\xa0/evil.example",  # a no-break space
    "/" + "a" * 2100,  # longer than any page address
]

# (what the page passed as next, the Location expected back)
LEGITIMATE = [
    ("/", "/"),
    ("/curriculum/day/2", "/curriculum/day/2"),
    ("/participants/?q=Rahima&page=2", "/participants/?q=Rahima&page=2"),
    ("/reports/?start_from=2026-01-01&start_to=2026-12-31&district=Khulna&partner=",
     "/reports/?start_from=2026-01-01&start_to=2026-12-31&district=Khulna&partner="),
    ("/privacy/audit?since=2026-01-01&until=2026-01-31&page=2",
     "/privacy/audit?since=2026-01-01&until=2026-01-31&page=2"),
    ("/curriculum/search?q=%E0%A6%A6%E0%A6%BE%E0%A6%AE", "/curriculum/search?q=%E0%A6%A6%E0%A6%BE%E0%A6%AE"),
    ("/participants/?q=%E0%A6%B0%E0%A6%B9%E0%A6%BF%E0%A6%AE%E0%A6%BE+%E0%A6%96%E0%A6%BE%E0%A6%A4%E0%A7%81%E0%A6%A8",
     "/participants/?q=%E0%A6%B0%E0%A6%B9%E0%A6%BF%E0%A6%AE%E0%A6%BE+%E0%A6%96%E0%A6%BE%E0%A6%A4%E0%A7%81%E0%A6%A8"),
    ("/curriculum/search?q=দাম", "/curriculum/search?q=%E0%A6%A6%E0%A6%BE%E0%A6%AE"),  # typed Bangla, sent encoded
    ("/curriculum/search?q=price%2Fcost", "/curriculum/search?q=price%2Fcost"),  # an encoded / in a query is data
    ("/participants/?q=a%20b", "/participants/?q=a%20b"),
    ("/canvas/12/plan", "/canvas/12/plan"),
    ("/batches/3#day-2", "/batches/3#day-2"),
    ("/batches/", "/batches/"),
    ("/accounts/login?next=/canvas/", "/accounts/login?next=/canvas/"),
    ("/verify?serial=EDT-2026-000001&code=AFCM-YBGZ", "/verify?serial=EDT-2026-000001&code=AFCM-YBGZ"),
]


def browser_resolves(location: str, base: str = SITE + "/accounts/login") -> tuple[str, str]:
    """(scheme, host) a WHATWG browser navigates to for this Location: it strips leading and
    trailing C0 controls and spaces, removes tabs and newlines anywhere, reads a backslash as a
    slash in http(s) URLs, and a special scheme other than the base's takes whatever follows it
    as an authority (https:evil.example is https://evil.example)."""
    text = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(0x21)))))
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    text = text[:cut].replace("\\", "/") + text[cut:]
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", text)
    if scheme:
        name, rest = scheme.group(1).lower(), text[scheme.end():]
        if name not in ("http", "https"):
            return name, ""  # javascript:, data:...: not a page of this site either
        if name != "http" or rest.startswith("/"):
            host = urlsplit(f"{name}://{rest.lstrip('/')}").hostname or ""
            return name, host
        text = rest
    resolved = urlsplit(urljoin(base, text))
    return resolved.scheme, resolved.hostname or ""


def assert_stays(response, where):
    location = response.headers.get("Location")
    if location is None:  # refused outright (a 400): no redirect at all
        assert response.status_code == 400, where
        return
    assert browser_resolves(location) == ("http", "localhost"), f"{where} leaves the site: {location!r}"
    assert EVIL not in location.lower() and "elpmaxe" not in location, f"{where}: {location!r}"


def test_the_bypass_table_is_large():
    assert len(BYPASSES) >= 20 and len(set(BYPASSES)) == len(BYPASSES)


def test_the_oracle_sees_what_a_browser_sees():
    """The helper above is the test's own model of a browser: it must call these off-site."""
    for off_site in ("//evil.example", "/\t/evil.example", "/\\evil.example", "https:evil.example",
                     " //evil.example", "http:\\\\evil.example"):
        assert browser_resolves(off_site)[1] == EVIL, off_site
    assert browser_resolves("javascript:alert(1)") == ("javascript", "")
    assert browser_resolves("/participants/?q=//evil.example") == ("http", "localhost")


@pytest.mark.parametrize("target", BYPASSES, ids=repr)
def test_no_bypass_is_accepted_as_next(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target,expected", LEGITIMATE)
def test_legitimate_paths_are_kept(target, expected):
    assert safe_next(target) == expected


def _hidden_next(page: str) -> str:
    match = re.search(r'name="next" type="hidden" value="([^"]*)"|type="hidden" name="next" value="([^"]*)"|'
                      r'name="next" value="([^"]*)"', page)
    assert match, "the login page carries next in a hidden field"
    return next(g for g in match.groups() if g is not None)


def _logout(client):
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})


def test_bypasses_through_the_login_pages_and_the_language_switch(client, world):
    """Each form, after a correct login on both login pages, when already logged in, and when
    choosing a language: the browser stays here, on the home page."""
    for target in BYPASSES:
        for url, data in (("/accounts/login", {"username": "fac", "password": PASSWORD}),
                          ("/accounts/login/participant", {"code": world.participant.code, "pin": PIN})):
            page = client.get(f"{url}?next={quote(target, safe='')}")
            if page.status_code == 400:  # characters no field may hold are refused before any view
                assert_stays(page, f"GET {url} {target!r}")
                continue
            assert page.status_code == 200
            response = client.post(f"{url}?next={quote(target, safe='')}",
                                   data={**data, "next": target, "csrf_token": csrf_token(client, url)})
            assert response.status_code == 302, (url, target)
            assert_stays(response, f"login {url} {target!r}")
            assert response.headers["Location"] == "/", (url, target)
            again = client.get(f"{url}?next={quote(target, safe='')}")  # already logged in
            assert_stays(again, f"logged in, GET {url} {target!r}")
            assert again.headers["Location"] == "/"
            response = client.post("/accounts/language", data={"locale": "bn", "next": target,
                                                               "csrf_token": csrf_token(client, "/")})
            assert_stays(response, f"language {target!r}")
            assert response.headers["Location"] == "/"
            _logout(client)
        response = client.post("/accounts/language", data={"locale": "en", "next": target,
                                                           "csrf_token": csrf_token(client, "/accounts/login")})
        assert_stays(response, f"language (logged out) {target!r}")
        assert response.headers["Location"] == "/"


def test_legitimate_next_survives_the_real_login_and_language_switch(client, world):
    for target, expected in LEGITIMATE:
        page = client.get(f"/accounts/login?next={quote(target, safe='')}")
        assert _hidden_next(page.get_data(as_text=True)) == target.replace("&", "&amp;")
        response = client.post(f"/accounts/login?next={quote(target, safe='')}",
                               data={"username": "fac", "password": PASSWORD, "next": target,
                                     "csrf_token": csrf_token(client, "/accounts/login")})
        assert response.headers["Location"] == expected, target
        response = client.post("/accounts/language", data={"locale": "bn", "next": target,
                                                           "csrf_token": csrf_token(client, "/")})
        assert response.headers["Location"] == expected, target
        _logout(client)


def test_a_page_that_needs_a_login_comes_back_after_it(client, world):
    """The login page's own next (built from the page asked for) is accepted, Bangla search included."""
    response = client.get("/participants/?q=%E0%A6%B0%E0%A6%B9%E0%A6%BF%E0%A6%AE%E0%A6%BE&page=1")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    page = client.get(login_url)
    target = _hidden_next(page.get_data(as_text=True)).replace("&amp;", "&")
    response = client.post(login_url, data={"username": "fac", "password": PASSWORD, "next": target,
                                            "csrf_token": csrf_token(client, "/accounts/login")})
    assert response.headers["Location"] == "/participants/?q=%E0%A6%B0%E0%A6%B9%E0%A6%BF%E0%A6%AE%E0%A6%BE&page=1"
    assert client.get(response.headers["Location"]).status_code == 200
