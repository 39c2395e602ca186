"""Test fixtures: a real app on a real database (a SQLite file, or PostgreSQL when
EDT_TEST_DATABASE_URL is set), migrated with Alembic once, emptied before each test."""
import os
import re
import tempfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from edt import create_app
from edt.config import TestConfig
from edt.extensions import db

from . import factories

TMP = Path(tempfile.mkdtemp(prefix="edt-tests-"))


def database_url() -> str:
    url = os.environ.get("EDT_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{TMP / 'test.sqlite'}"


def make_config(**overrides):
    attrs = {"SQLALCHEMY_DATABASE_URI": database_url(), "INSTANCE_PATH": TMP / "instance", **overrides}
    return type("SuiteConfig", (TestConfig,), attrs)


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory)


@pytest.fixture(scope="session")
def app():
    app = create_app(make_config())
    _reset_schema(app)
    return app


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()


@pytest.fixture(scope="session")
def data_app(app):
    """A second app on the same database for the test's own reads and writes. Requests made
    through the test client then get their own app context (fresh `g`, fresh session), as in
    production, instead of sharing the test's."""
    # On SQLite its statements autocommit, so a test reading its fixtures never holds the write
    # lock while a request (which starts BEGIN IMMEDIATE) waits, and always sees fresh data.
    return create_app(make_config(SQLITE_BEGIN_IMMEDIATE=False))


@pytest.fixture(autouse=True)
def _clean(request):
    if "app" not in request.fixturenames:
        yield
        return
    data_app = request.getfixturevalue("data_app")
    ctx = data_app.app_context()
    ctx.push()
    empty_database()
    db.session.remove()
    yield
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two partners, each with a facilitator and a participant, and a master trainer."""
    return factories.make_world()


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, url="/accounts/login") -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


@pytest.fixture
def login(client):
    def _login(user, secret=None, *, target=client):
        target.post("/accounts/logout", data={"csrf_token": csrf_token(target, "/")})
        if user is None:
            return target
        if user.is_participant:
            url, data = "/accounts/login/participant", {"code": user.username, "pin": secret or factories.PIN}
        else:
            url, data = "/accounts/login", {"username": user.username, "password": secret or factories.PASSWORD}
        data["csrf_token"] = csrf_token(target, url)
        response = target.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return target

    return _login


class QueryCounter:
    """Counts the SQL statements that the app serving the test client runs for one GET. It
    listens on that app's own engine (the test's reads and writes go through another app), and
    refuses a count of zero: that would mean it watched the wrong engine."""

    def __init__(self, client):
        self.client = client
        self.response = None

    def __call__(self, url: str, client=None, *, status: int = 200) -> int:
        client = client or self.client
        with client.application.app_context():
            engine = db.engine
        statements = []

        def before(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            self.response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        assert self.response.status_code == status, (url, self.response.status_code)
        assert statements, f"no statement counted for {url}"
        return len(statements)

    @property
    def html(self) -> str:
        """The page of the last count."""
        return self.response.get_data(as_text=True)


@pytest.fixture
def count_queries(client):
    """`count_queries(url)` → statements the app runs for that page (asserting 200);
    `count_queries.html` is the page just counted."""
    return QueryCounter(client)
