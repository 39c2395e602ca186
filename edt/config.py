"""Configuration, read from EDT_* environment variables.

Config is the development default; TestConfig and ProductionConfig adjust it. Nothing secret
lives in the repository: without EDT_SECRET_KEY a key is generated once into instance/.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from edt.clock import TIMEZONE_NAME

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0")  # nosec B104  # addresses a public URL must not name; nothing binds here


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _instance_secret(instance_path: Path) -> str:
    """A key generated on first start and kept in instance/ (never committed)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _signatories(raw: str | None) -> tuple[tuple[str, str], ...]:
    """Certificate signatories from "Name|Title;Name|Title" (a name may be left blank to sign by hand)."""
    if not raw:
        return (("", "Master Trainer"), ("", "Executive Director"))
    pairs = []
    for entry in raw.split(";"):
        name, _bar, title = entry.partition("|")
        if name.strip() or title.strip():
            pairs.append((" ".join(name.split()), " ".join(title.split())))
    return tuple(pairs[:4])


def _numbers(raw: str) -> tuple[int, ...]:
    """"1,5,15,60" -> (1, 5, 15, 60): positive whole numbers, in the order given."""
    values = tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    if not values or min(values) < 1:
        raise ValueError(f"expected positive whole numbers separated by commas, not {raw!r}")
    return values


class Config:
    ENV_NAME = "development"
    INSTANCE_PATH = Path(_env("EDT_INSTANCE_PATH", ROOT / "instance"))
    SQLALCHEMY_DATABASE_URI = _env("EDT_DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'edt.sqlite'}")
    SECRET_KEY = _env("EDT_SECRET_KEY")
    PUBLIC_URL = _env("EDT_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    CURRICULUM_DIR = Path(_env("EDT_CURRICULUM_DIR", ROOT / "curriculum"))
    GUIDE_DIR = Path(_env("EDT_GUIDE_DIR", ROOT / "facilitator_guide"))
    # Picture-card sets (one YAML file each), their SVG pictures, and the assessment instruments
    # (the parallel test forms and the observation rubric): all checked at start-up.
    CARDS_DIR = Path(_env("EDT_CARDS_DIR", ROOT / "facilitator_guide" / "cards"))
    CARD_PICTURES_DIR = Path(_env("EDT_CARD_PICTURES_DIR", ROOT / "static" / "cards"))
    ASSESSMENTS_DIR = Path(_env("EDT_ASSESSMENTS_DIR", ROOT / "facilitator_guide" / "assessments"))
    TRUSTED_PROXIES = int(_env("EDT_TRUSTED_PROXIES", 0))

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)  # the longest idle time (participants')
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: a long training day loses nothing
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE_NAME  # dates and times are shown in Bangladesh time (edt.formats)
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "edt" / "translations")
    LANGUAGES = ("en", "bn")

    # The throttle (edt/throttle.py; the README works out what these allow). Wrong secrets per
    # account: LOGIN_FAILURES_BEFORE_DELAY, then each delay in turn (the last repeats); a
    # participant account locks for good at LOGIN_LOCK_AFTER wrong PINs within
    # LOGIN_LOCK_WINDOW_DAYS (a master trainer clears it); staff accounts only wait, unless
    # STAFF_LOCK_AFTER is set. Per client address group (IPv4 address, IPv6 /64): a delay after
    # each LOGIN_ADDRESS_MAX_FAILURES wrong secrets on any accounts, which a device that logged in
    # before (its signed cookie lasts KNOWN_DEVICE_DAYS) does not wait for.
    LOGIN_FAILURES_BEFORE_DELAY = int(_env("EDT_LOGIN_FAILURES_BEFORE_DELAY", 5))
    LOGIN_DELAYS_MINUTES = _numbers(_env("EDT_LOGIN_DELAYS_MINUTES", "1,5,15,60"))
    LOGIN_LOCK_AFTER = int(_env("EDT_LOGIN_LOCK_AFTER", 20))
    LOGIN_LOCK_WINDOW_DAYS = int(_env("EDT_LOGIN_LOCK_WINDOW_DAYS", 365))
    STAFF_LOCK_AFTER = int(_env("EDT_STAFF_LOCK_AFTER", 0))
    LOGIN_ADDRESS_MAX_FAILURES = int(_env("EDT_LOGIN_ADDRESS_MAX_FAILURES", 30))
    LOGIN_ADDRESS_DELAYS_MINUTES = _numbers(_env("EDT_LOGIN_ADDRESS_DELAYS_MINUTES", "15,60,240"))
    KNOWN_DEVICE_DAYS = int(_env("EDT_KNOWN_DEVICE_DAYS", 365))
    SECRET_CHANGE_MAX_FAILURES = int(_env("EDT_SECRET_CHANGE_MAX_FAILURES", 3))  # then the session ends
    ROSTER_CHECKS_PER_HOUR = int(_env("EDT_ROSTER_CHECKS_PER_HOUR", 20))
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_HASH_METHOD = "scrypt"  # nosec B105  # a hash-method name (Werkzeug's default scrypt cost), no password

    # Sessions (edt/sessions.py): staff 30 minutes idle and 12 hours in all; participants 7 days
    # idle and EDT_PARTICIPANT_MAX_DAYS in all. The session cookie expires at the absolute limit.
    STAFF_IDLE_MINUTES = 30
    STAFF_MAX_HOURS = 12
    PARTICIPANT_IDLE_DAYS = 7
    PARTICIPANT_MAX_DAYS = int(_env("EDT_PARTICIPANT_MAX_DAYS", 30))

    # The largest request accepted (413 beyond); the roster upload has its own, smaller limit.
    MAX_CONTENT_LENGTH = int(float(_env("EDT_MAX_REQUEST_MB", 2)) * 1024 * 1024)

    STRICT_TRANSPORT_SECURITY = ""  # the Strict-Transport-Security header; set in production only
    DEBUG_CONTENT_RELOAD = False
    TESTING = False
    SEED_DEMO_ALLOWED = True

    # Certificates: the eligibility rule shown on each batch's certificate page, the signatories
    # printed on every certificate, the verify page's limit per client address group per minute,
    # and the name checks allowed per certificate and per client address group per day.
    CERTIFICATE_MIN_DAYS = int(_env("EDT_CERT_MIN_DAYS", 8))
    CERTIFICATE_CANVAS_STATUS = _env("EDT_CERT_CANVAS_STATUS", "submitted")  # or "approved"
    CERTIFICATE_COUNT_EXCUSED = _env("EDT_CERT_COUNT_EXCUSED", "0").lower() in ("1", "true", "yes")
    CERTIFICATE_SIGNATORIES = _signatories(_env("EDT_CERT_SIGNATORIES"))
    # A certificate may also need the Day 10 test taken (never passed: the test is no gate).
    ASSESSMENT_POST_TEST_REQUIRED = _env("EDT_CERT_POST_TEST_REQUIRED", "0").lower() in ("1", "true", "yes")
    VERIFY_RATE_LIMIT = int(_env("EDT_VERIFY_RATE_LIMIT", 30))
    VERIFY_NAME_CHECKS_PER_DAY = int(_env("EDT_VERIFY_NAME_CHECKS_PER_DAY", 5))
    VERIFY_NAME_CHECKS_PER_ADDRESS = int(_env("EDT_VERIFY_NAME_CHECKS_PER_ADDRESS", 20))

    # Data protection. SQL parameters (names, notes) never reach a log line or an
    # exception message, whatever the log level. Participants with no activity for
    # RETENTION_YEARS are listed by `flask --app edt retention` (and erased with --erase). A form
    # sent after the session ended is kept server-side for KEPT_FORM_HOURS to be sent again after
    # the login.
    SQLALCHEMY_ENGINE_OPTIONS = {**SQLALCHEMY_ENGINE_OPTIONS, "hide_parameters": True}
    RETENTION_YEARS = int(_env("EDT_RETENTION_YEARS", 5))
    KEPT_FORM_HOURS = int(_env("EDT_KEPT_FORM_HOURS", _env("EDT_RESUME_HOURS", 12)))  # the old name still works

    # Reports: the programme's target (Phase II: 6,000 people, 65% women) and the smallest
    # count shown in splits beyond master trainers and in every export (smaller ones read "<5").
    PROGRAMME_TARGET_PARTICIPANTS = int(_env("EDT_TARGET_PARTICIPANTS", 6000))
    PROGRAMME_TARGET_WOMEN_SHARE = float(_env("EDT_TARGET_WOMEN_SHARE", 0.65))
    # EDT_SMALL_COUNT (default 5): the counter-trafficking data collaborative uses 11.
    SMALL_CELL_THRESHOLD = int(_env("EDT_SMALL_COUNT", _env("EDT_SMALL_CELL_THRESHOLD", 5)))

    # Facilitator credentials (the trainers module): a certificate lasts CREDENTIAL_YEARS; a
    # provisional or certified facilitator with no batch day, ToT or refresher for
    # CREDENTIAL_LAPSE_DAYS counts as lapsed; an observed session meets the bar when its mean
    # score is at least OBSERVATION_BAR (and the rubric's own ready-to-lead rule holds); the
    # expiry view looks CREDENTIAL_EXPIRY_WINDOW_DAYS ahead.
    CREDENTIAL_YEARS = int(_env("EDT_CREDENTIAL_YEARS", 3))
    CREDENTIAL_LAPSE_DAYS = int(_env("EDT_CREDENTIAL_LAPSE_DAYS", 365))
    CREDENTIAL_EXPIRY_WINDOW_DAYS = int(_env("EDT_CREDENTIAL_EXPIRY_WINDOW_DAYS", 90))
    OBSERVATION_BAR = float(_env("EDT_OBSERVATION_BAR", 3.0))


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # nosec B105  # the test configuration's key, never used in production
    SQLALCHEMY_DATABASE_URI = _env("EDT_TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    RAISE_SERVER_ERRORS = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # nosec B105  # a hash-method name: real scrypt, cheaper, so the suite stays fast


class ProductionConfig(Config):
    ENV_NAME = "production"
    # Browsers that once reached the site over HTTPS never try plain HTTP again for a year (nor on
    # subdomains): a café or shared Wi-Fi cannot downgrade the login page. Production only: a
    # development server on http://127.0.0.1 must stay reachable.
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEED_DEMO_ALLOWED = False
    # No default: certificates and QR codes carry this address, so it must be the real one.
    PUBLIC_URL = (_env("EDT_PUBLIC_URL") or "").rstrip("/")


def load(config=None) -> type[Config]:
    if config is not None:
        return config
    return {"production": ProductionConfig, "testing": TestConfig}.get(_env("EDT_ENV", ""), Config)


def finalise(app) -> None:
    """Settle values that depend on the environment the app actually runs in."""
    if app.config.get("ENV_NAME") == "production":
        key = app.config.get("SECRET_KEY") or ""
        if len(key) < 32 or key.startswith("test-") or key.startswith("change"):
            raise RuntimeError(
                "EDT_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        public = app.config.get("PUBLIC_URL") or ""
        host = urlsplit(public).hostname or ""
        if urlsplit(public).scheme not in ("http", "https") or not host or host in LOOPBACK:
            raise RuntimeError(
                "EDT_PUBLIC_URL must be set in production to the address people reach EDT at "
                "(for example: EDT_PUBLIC_URL=https://edt.example.org). Certificates and their QR codes "
                f"carry it; {public or 'nothing'!r} would send every verifier nowhere."
            )
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.config["INSTANCE_PATH"]))
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if int(app.config.get("SMALL_CELL_THRESHOLD", 5)) < 2:
        raise RuntimeError("EDT_SMALL_COUNT must be a whole number of at least 2 (5 by default; 11 for the "
                           "counter-trafficking data collaborative).")
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
