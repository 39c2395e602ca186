"""Test fixtures: a real app on a real database (a SQLite file, or PostgreSQL when
EDT_TEST_DATABASE_URL is set), migrated with Alembic once, emptied before each test. Under
pytest-xdist every worker has its own database (a SQLite file in its own folder; on PostgreSQL the
database name gets the worker's suffix, _gw0, _gw1 ..., created when missing)."""
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy.exc import OperationalError

from edt import cards, changes, content, create_app, instruments, sessions
from edt.config import TestConfig
from edt.extensions import db

from . import factories

TMP = Path(tempfile.mkdtemp(prefix="edt-tests-"))


def _signature(folder) -> tuple:
    """What a folder holds, by name, size and time: a test that edits a file gets a fresh parse."""
    root = Path(folder)
    if not root.is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()))


def _parsed_once(init, dirs, names):
    """create_app parses the curriculum, guide, cards and instruments (seconds of Markdown and
    YAML) and the suite makes dozens of apps on the same folders: the real loader runs once per
    set of folders in each test process, and later apps on those folders share its result."""
    parsed = {}

    def init_app(app):
        if app.debug:  # a debug app reloads changed files before each request: it keeps its own
            init(app)
            return
        key = tuple((str(app.config[d]), _signature(app.config[d])) for d in dirs)
        if key in parsed:
            app.extensions.update(parsed[key])
            return
        init(app)
        parsed[key] = {name: app.extensions[name] for name in names}

    return init_app


CONTENT_DIRS = ("CURRICULUM_DIR", "GUIDE_DIR")
CARD_DIRS = ("CARDS_DIR", "CARD_PICTURES_DIR", "ASSESSMENTS_DIR")  # the instruments paginate the cards
content.init_app = _parsed_once(content.init_app, CONTENT_DIRS, ["edt_library"])
cards.init_app = _parsed_once(cards.init_app, CARD_DIRS, ["edt_cards"])
instruments.init_app = _parsed_once(instruments.init_app, CARD_DIRS, ["edt_instruments"])


def database_url() -> str:
    url = os.environ.get("EDT_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{TMP / 'test.sqlite'}"
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        parsed = make_url(url)
        url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)
    return url


def _create_database_when_missing(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}):
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        engine.dispose()


def relax_durability(app) -> None:
    """The test database is thrown away: no waiting for the disk on commit (SQLite keeps WAL,
    so concurrent requests still behave as in production)."""
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit = off")
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()


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


class EnglishPhoneClient(FlaskClient):
    """A test client on a phone whose last language choice was English (sessions.LANGUAGE_COOKIE),
    so the suite reads English pages; a participant in a Bangla batch still reads Bangla. Tests of
    the Bangla defaults delete the cookie: `client.delete_cookie(sessions.LANGUAGE_COOKIE)`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_cookie(sessions.LANGUAGE_COOKIE, "en")


@pytest.fixture(scope="session")
def app():
    _create_database_when_missing(database_url())
    app = create_app(make_config())
    app.test_client_class = EnglishPhoneClient
    relax_durability(app)
    _reset_schema(app)
    return app


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        truncate = text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        for attempt in range(3):
            try:
                db.session.execute(truncate)
                break
            except OperationalError as error:  # a deadlock with a request still finishing: once more
                db.session.rollback()
                if "deadlock" not in str(error) or attempt == 2:
                    raise
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
    data_app = create_app(make_config(SQLITE_BEGIN_IMMEDIATE=False))
    relax_durability(data_app)
    return data_app


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


class WorldSnapshots:
    """Worlds built once per test run (per xdist worker) and restored for each test that asks for
    the same one, with SQLite's online backup API: the database pages are copied back and the
    world's records are read again by id. On PostgreSQL every test builds its world."""

    def __init__(self):
        self._saved = {}
        self.built = 0

    def get(self, key, build):
        """The world `build()` makes on the empty database, for `key` (what the world depends on)."""
        if db.engine.dialect.name != "sqlite":
            return build()
        if key in self._saved:
            pages, frozen = self._saved[key]
            db.session.remove()
            with db.engine.connect() as conn:
                pages.backup(conn.connection.driver_connection)
            changes.new_series()  # the snapshot put back an old change counter: start a new series
            return _thaw(frozen)
        world = build()
        self.built += 1
        db.session.commit()
        frozen = _freeze(world)
        db.session.remove()
        pages = sqlite3.connect(":memory:", check_same_thread=False)
        with db.engine.connect() as conn:
            conn.connection.driver_connection.backup(pages)
        self._saved[key] = (pages, frozen)
        return _thaw(frozen)


def _freeze(value):
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{name: _freeze(v) for name, v in vars(value).items()})
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if hasattr(value, "__mapper__"):
        return ("record", type(value), inspect(value).identity)
    return value


def _thaw(value):
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{name: _thaw(v) for name, v in vars(value).items()})
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "record":
        return db.session.get(value[1], value[2])
    return value


@pytest.fixture(scope="session")
def worlds():
    """`worlds.get(key, build)`: the world that build() makes, built once per key."""
    return WorldSnapshots()
