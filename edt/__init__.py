"""EDT: the Entrepreneurship Development Training platform."""
import logging
import re
import uuid
from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from edt import audit
from edt import assets, cards, cli, content, formats, forms, inputs, instruments, migrations_cli, sessions
from edt import config as config_module
from edt import changes, throttle  # noqa: F401  (their tables are part of the schema)
from edt.extensions import babel, csrf, db, login_manager
from edt.demo import cli as demo_cli
from edt.modules import register
from edt.security import check_every_view_is_guarded

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("edt")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def create_app(config=None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"), instance_relative_config=False)
    app.url_map.converters["int"] = inputs.BoundedInt
    app.config.from_object(config_module.load(config))
    config_module.finalise(app)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrations_cli.init_app(app, db, directory=str(ROOT / "edt" / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    sessions.init_app(app)
    audit.init_app(app)

    with app.app_context():
        _tune_sqlite(db.engine, immediate=app.config.get("SQLITE_BEGIN_IMMEDIATE", True))

    content.init_app(app)
    cards.init_app(app)
    instruments.init_app(app)
    formats.init_app(app)
    forms.init_app(app)
    _quiet_query_strings()
    register(app)
    cli.register(app)
    demo_cli.register(app)
    assets.install(app)  # registered first, so its compression runs after every other hook
    _install_hooks(app)

    check_every_view_is_guarded(app)
    return app


def _tune_sqlite(engine, immediate: bool) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE: concurrent writers wait their turn instead of
    failing with 'database is locked'."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the "begin" hook below open transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if immediate:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        # else: statements autocommit (used only by the test suite's own reads, so they always
        # see what requests have just committed)


class QueryStringFilter(logging.Filter):
    """Request log lines keep the path but drop what identifies someone: the query string
    (searches carry names: ?q=...) and the verification code in /verify/<code> (whoever reads
    the log could open the certificate). Covers the development server (werkzeug) and gunicorn's
    access log."""

    _QUERY = re.compile(r"\?[^\s\"]+")
    _CODE = re.compile(r"(/verify/)[^\s\"?]+")

    @classmethod
    def scrub(cls, text: str) -> str:
        if "/verify/" in text:
            text = cls._CODE.sub(r"\1…", text)
        return cls._QUERY.sub("?…", text) if "?" in text else text

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(self.scrub(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):  # gunicorn.access: its atoms (changed in place: a dict subclass)
            for key, value in list(args.items()):
                if isinstance(value, str):
                    args[key] = self.scrub(value)
            if "q" in args:
                args["q"] = ""
        if isinstance(record.msg, str) and not args:
            record.msg = self.scrub(record.msg)
        return True


def _quiet_query_strings() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())


LANGUAGES = ("en", "bn")


def _select_locale():
    """The language of this request, first that applies:
    1. the choice kept in the session: made on this visit (the language buttons, the login page's
       included), or the account's own saved choice copied there at login (staff keep theirs);
    2. for a participant, her batch's language (a hook the batches module registers);
    3. the last choice on this phone (sessions.LANGUAGE_COOKIE, a year long, kept after logout):
       the login pages remember it;
    4. Bangla on the participant login page (a shared phone's English default never decides for
       a participant); elsewhere, and for a participant not yet in any batch, the browser's."""
    if not has_request_context():  # CLI and services outside a request speak English
        return "en"
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    participant = current_user.is_authenticated and current_user.is_participant
    if participant:
        for hook in current_app.extensions.get("edt.participant_language", ()):
            language = hook(current_user)
            if language in LANGUAGES:
                return language
    phone = request.cookies.get(sessions.LANGUAGE_COOKIE)
    if phone in LANGUAGES:
        return phone
    if request.endpoint == "accounts.participant_login":
        return "bn"
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _install_hooks(app: Flask) -> None:
    inputs.install(app)

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if app.config["STRICT_TRANSPORT_SECURITY"]:
            response.headers["Strict-Transport-Security"] = app.config["STRICT_TRANSPORT_SECURITY"]
        # Static files are cached by edt.assets (a year for a versioned URL); every page but the
        # anonymous home page holds or may hold personal data: never stored.
        if request.endpoint != "static" and (request.endpoint != "site.home" or current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _globals():
        # Nothing here may read the request's form: the page about a request too large to read
        # (413) is rendered with this too. (The footer's forms write their CSRF token directly.)
        return {"current_locale": formats.language()}

    @app.errorhandler(HTTPException)
    def _http_error(error):
        code = error.code or 500
        if code not in (400, 403, 404, 405, 413, 429):
            return error
        return render_template("errors/error.html", code=code, description=_describe(error)), code

    @app.errorhandler(Exception)
    def _server_error(error):
        if isinstance(error, HTTPException):
            return _http_error(error)
        if isinstance(error, PermissionError):  # a service's role check (edt.security.require)
            return _http_error(Forbidden())
        if app.config.get("RAISE_SERVER_ERRORS"):  # tests see the real traceback
            raise error
        reference = uuid.uuid4().hex[:10]
        # Log the exception type and where it happened; never request data (it may be personal).
        log.error("unhandled %s at %s (ref %s)", type(error).__name__, request.endpoint, reference,
                  exc_info=app.debug or app.testing)
        db.session.rollback()
        return render_template("errors/error.html", code=500, reference=reference,
                               description=_("Something went wrong on our side. Nothing you sent was lost "
                                             "silently: please try again.")), 500


def _describe(error: HTTPException) -> str:
    if error.code == 404:
        return _("This page does not exist, or you cannot open it.")
    if error.code == 403:
        return _("Your account cannot open this page.")
    if error.code == 429:
        return _("Too many requests. Please wait a minute and try again.")
    if error.code == 413:
        megabytes = round((current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024), 1)
        return _("What you sent is too large: at most %(size)s MB at a time. Nothing was saved. "
                 "Send a smaller file, or fewer at once.", size=format_decimal(megabytes))
    if error.code == 400:
        reason = getattr(error, "description", "") or ""
        if "CSRF" in reason:
            return _("This form was open too long or was sent twice. Please go back, reload and try again.")
        return reason if isinstance(reason, str) and reason and "browser" not in reason else _(
            "The request was not understood.")
    return _("This request cannot be handled.")
