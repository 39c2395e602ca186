"""Browser journeys: the real app served on a local port, driven by Playwright in Debian's
Chromium (/usr/bin/chromium, installed by `make test` when missing). They run on one xdist
worker (one browser, one server). Screenshots go to a temporary folder; `make screenshots` sets
EDT_SCREENSHOTS_DIR=docs/screenshots to refresh the documentation's on purpose.

Every page a journey opens in the `phone` fixture (page.goto, or a click inside
page.expect_navigation) is checked by axe-core (tests/e2e/axe.py): the journey fails at its end
with each violation's rule, element and page. A page is checked once per test for each kind (its
path with numbers as N, with or without an error message shown)."""
import os
from contextlib import contextmanager
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from edt import create_app

from tests.conftest import make_config, relax_durability

from . import axe

SCREENSHOTS = Path(os.environ.get("EDT_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="edt-screenshots-"))
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class InFlight:
    """Counts the requests the served app is still answering. A journey's last page can leave one
    running after the test (a PDF, the offline script's sync on load); the next test's TRUNCATE
    would then deadlock with it on PostgreSQL, so each journey waits for the server to be idle."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            yield from self.wsgi_app(environ, start_response)
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float = 30) -> None:
        with self.idle:
            assert self.idle.wait_for(lambda: self.count == 0, timeout), \
                f"{self.count} requests still running {timeout} s after the journey"


SERVED = {}


@pytest.fixture(scope="session")
def server(app):
    served = create_app(make_config(RAISE_SERVER_ERRORS=False))
    relax_durability(served)
    SERVED["in_flight"] = in_flight = InFlight(served.wsgi_app)
    served.wsgi_app = in_flight
    httpd = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def _server_idle_after_journey(request):
    yield
    if "server" in request.fixturenames and "in_flight" in SERVED:
        SERVED["in_flight"].wait_idle()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class CheckedPage:
    """A Playwright page that runs axe on every page it loads (see the module's docstring); any
    other attribute is the page's own."""

    def __init__(self, page):
        self._page = page
        self.violations: list = []
        self.checked: list[str] = []
        self._kinds: set = set()

    def __getattr__(self, name):
        return getattr(self._page, name)

    def check_accessibility(self) -> None:
        """axe on the page as it is now, once per kind of page."""
        if not self._page.url.startswith("http"):
            return
        html = self._page.evaluate("() => document.contentType") == "text/html"
        kind = (axe.pattern(self._page.url), html and self._page.locator(".error, .flash-error").count() > 0)
        if not html or kind in self._kinds:
            return
        self._kinds.add(kind)
        self.checked.append(axe.page_name(self._page.url))
        self.violations += axe.violations(self._page)

    def goto(self, *args, **kwargs):
        response = self._page.goto(*args, **kwargs)
        if response is not None and "text/html" in (response.headers.get("content-type") or ""):
            self.check_accessibility()
        return response

    @contextmanager
    def expect_navigation(self, *args, **kwargs):
        with self._page.expect_navigation(*args, **kwargs) as navigation:
            yield navigation
        self._page.wait_for_load_state()
        self.check_accessibility()


def assert_accessible(page: CheckedPage) -> None:
    assert not page.violations, (f"axe-core found {len(page.violations)} violations on the pages of this journey:\n"
                                 + "\n".join(str(v) for v in page.violations))


@pytest.fixture
def phone(browser):
    """A fresh browser context the size of a cheap Android phone; every page it opens is checked
    by axe, and the test fails at its end on any violation."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                  java_script_enabled=True)
    page = CheckedPage(context.new_page())
    yield page
    context.close()
    assert_accessible(page)


def screenshot(page, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def staff_login(page, server, username, password):
    page.goto(f"{server}/accounts/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def participant_login(page, server, code, pin):
    page.goto(f"{server}/accounts/login/participant")
    page.fill("#code", code)
    page.fill("#pin", pin)
    with page.expect_navigation():
        page.click("main button[type=submit]")
