"""Sessions: how a login starts, how long it lasts, and how it ends.

- The session cookie names the user as "id:version" (identity()); bumping the account's
  session_version (logout, PIN or password change, reset, deactivation, too many wrong current
  secrets) ends every session of that account at its next request (load()).
- Staff sessions end after STAFF_IDLE_MINUTES idle or STAFF_MAX_HOURS in all; participants'
  after PARTICIPANT_IDLE_DAYS idle or PARTICIPANT_MAX_DAYS in all (expired(), checked before
  every request).
- The cookie itself expires at the absolute limit (CookieSessions), so a staff cookie never lies
  on a shared computer's disk longer than 12 hours, and a participant's no longer than her 30
  days. (Not at the idle limit: the server ends an idle session itself, and a form sent after it
  ended must still arrive with the cookie that names its owner, to be kept for her.)
"""
import time
from datetime import datetime, timezone

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user


LANGUAGE_COOKIE = "edt_lang"      # the last language chosen on this phone: survives logout
PHONE_COOKIE = "edt_phone"        # "p" once a participant logged in on this phone (no one's identity)
YEAR = 365 * 86400


def remember_language(response, locale: str) -> None:
    """Keep the language just chosen on this phone or computer for a year, past logout."""
    response.set_cookie(LANGUAGE_COOKIE, locale, max_age=YEAR, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def remember_kind(response, user) -> None:
    """After a login: whether this phone is a participant's, so a later page that needs a login
    asks for the participant's code and PIN rather than a staff password. Says nothing of who."""
    if user.is_participant:
        response.set_cookie(PHONE_COOKIE, "p", max_age=YEAR, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    else:
        response.delete_cookie(PHONE_COOKIE)


def participant_phone() -> bool:
    """Did a participant last log in on this phone, or has a participant's session just ended?"""
    return bool(g.get("expired_participant")) or request.cookies.get(PHONE_COOKIE) == "p"


def identity(user) -> str:
    """What the session cookie holds for a user: an older version no longer logs in."""
    return f"{user.id}:{user.session_version}"


def load(user_id: str, fetch):
    """Flask-Login's loader: the user named by identity(), or None once that session ended.
    `fetch(id)` reads the account (the accounts module passes its model's getter)."""
    try:
        ident, version = (int(part) for part in user_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = fetch(ident)
    if user is None or user.session_version != version or not user.is_enabled:
        return None
    return user


def start(user) -> None:
    """A fresh session on every login: nothing from before carries over except the language
    just chosen on the login page, which wins over the account's saved language."""
    chosen = session.get("locale")
    session.clear()
    login_user(user)
    if chosen or user.locale:
        session["locale"] = chosen or user.locale
    now = int(time.time())
    session["login_at"] = now
    session["seen"] = now
    session["participant"] = bool(user.is_participant)
    session.permanent = True


def _limits(participant: bool, config) -> tuple[int, int]:
    """(idle, in all) in seconds."""
    if participant:
        return config["PARTICIPANT_IDLE_DAYS"] * 86400, config["PARTICIPANT_MAX_DAYS"] * 86400
    return config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_MAX_HOURS"] * 3600


def ends_at(data, config) -> int | None:
    """When this logged-in session ends if nothing more happens (a Unix time), or None for a
    session without a login."""
    if "login_at" not in data:
        return None
    idle, in_all = _limits(bool(data.get("participant")), config)
    return min(int(data.get("seen", data["login_at"])) + idle, int(data["login_at"]) + in_all)


def cookie_ends_at(data, config) -> int | None:
    """When the cookie of this session expires: its absolute limit."""
    if "login_at" not in data:
        return None
    return int(data["login_at"]) + _limits(bool(data.get("participant")), config)[1]


def expired() -> bool:
    """Has the current user's session passed its idle or absolute limit? (Refreshes its
    last-seen time, and so the cookie's expiry.)"""
    now = int(time.time())
    session.setdefault("login_at", now)
    session.setdefault("seen", now)
    session["participant"] = bool(current_user.is_participant)
    ends = ends_at(session, current_app.config)
    session["seen"] = now
    return now > ends


def end_now() -> None:
    """Log this request's user out and forget the session."""
    logout_user()
    session.clear()


def note_wrong_secret() -> int:
    """Count a wrong current secret typed in this session; returns how many so far."""
    session["wrong_secrets"] = int(session.get("wrong_secrets", 0)) + 1
    return session["wrong_secrets"]


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the cookie's expiry at the session's absolute end."""

    def get_expiration_time(self, app, data):
        ends = cookie_ends_at(data, app.config) if data.permanent else None
        if ends is None:
            return super().get_expiration_time(app, data)
        return datetime.fromtimestamp(ends, timezone.utc)


def init_app(app) -> None:
    app.session_interface = CookieSessions()

    @app.before_request
    def _expire_idle_sessions():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        if expired():
            g.expired_user_id = current_user.id  # a form sent now is kept for after the login
            g.expired_participant = bool(current_user.is_participant)  # ... and asks the right login
            end_now()
        return None
