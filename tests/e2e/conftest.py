"""Browser journeys: the real app served on a local port, driven by Playwright in Debian's
Chromium (/usr/bin/chromium, installed by `make test` when missing). They run on one xdist
worker (one browser, one server). Screenshots go to a temporary folder; `make screenshots` sets
EDT_SCREENSHOTS_DIR=docs/screenshots to refresh the documentation's on purpose."""
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from edt import create_app

from tests.conftest import make_config, relax_durability

SCREENSHOTS = Path(os.environ.get("EDT_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="edt-screenshots-"))
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def server(app):
    served = create_app(make_config(RAISE_SERVER_ERRORS=False))
    relax_durability(served)
    httpd = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh browser context the size of a cheap Android phone."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                  java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


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
