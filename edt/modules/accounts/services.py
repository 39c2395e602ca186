"""Accounts: credentials, login throttling, users and partners. Services take the acting user
as an argument and commit once per action, so views, the CLI and tests share them."""
import hashlib
import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from edt import audit
from edt.audit import utcnow
from edt.extensions import db
from edt.security import Role
from edt.signals import staff_reach_changed

from .models import LoginAttempt, Partner, User

PIN_RE = re.compile(r"^[0-9]{6}$")


class AccountError(ValueError):
    """A rule was broken; the message is safe to show to the user."""


# --- credentials -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused, in plain words, or None when it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _l("Use at least %(n)d characters. A short sentence is easy to remember.", n=minimum)
    if len(password) > 256:
        return _l("Use at most 256 characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 3:
        return _l("This password is too common. Choose something less predictable.")
    if username and username.lower() in lowered:
        return _l("The password must not contain the username.")
    return None


def pin_problem(pin: str) -> str | None:
    """PINs are exactly six digits and not a trivial pattern (000000, 123456, 121212...)."""
    if not PIN_RE.match(pin or ""):
        return _l("The PIN must be exactly 6 digits.")
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:])}
    if len(set(digits)) <= 2 or steps in ({1}, {9}, {0}):
        return _l("This PIN is too easy to guess. Avoid repeated or running digits.")
    return None


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=current_app.config["PASSWORD_HASH_METHOD"])


# --- login and throttling --------------------------------------------------------------------

def _address_key(address: str) -> str:
    """Client addresses are kept only as a keyed hash: enough to throttle, useless to identify."""
    key = current_app.config["SECRET_KEY"].encode()
    return hashlib.sha256(key + address.encode()).hexdigest()[:32]


def _window_start():
    return utcnow() - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def is_throttled(account_key: str, address: str) -> bool:
    since = _window_start()
    per_account = db.session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.account_key == account_key, LoginAttempt.at >= since)
    )
    if per_account >= current_app.config["LOGIN_MAX_FAILURES"]:
        return True
    per_address = db.session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.address == _address_key(address), LoginAttempt.at >= since)
    )
    return per_address >= current_app.config["LOGIN_ADDRESS_MAX_FAILURES"]


GENERIC_FAILURE = _l("That did not work. Check what you typed and try again.")
THROTTLED = _l("Too many attempts. For your safety, wait 15 minutes and try again, or ask your facilitator.")


def authenticate(username: str, secret: str, *, participant: bool, address: str) -> tuple[User | None, str | None]:
    """Check a login. Returns (user, None) or (None, message). The same message is given for an
    unknown user and a wrong secret; throttled accounts are refused even with the right secret."""
    account_key = (username or "").strip().lower()[:64]
    if is_throttled(account_key, address):
        audit.record(None, "login_throttled", "user", None, outcome="refused", commit=True)
        return None, str(THROTTLED)
    user = db.session.scalar(select(User).where(func.lower(User.username) == account_key))
    role_ok = user is not None and (user.is_participant if participant else user.is_staff)
    # Always run one hash check so response time does not reveal whether the account exists.
    valid = check_password_hash(user.password_hash if role_ok else _DUMMY_HASH, secret or "")
    if not (role_ok and valid and user.is_enabled):
        db.session.add(LoginAttempt(account_key=account_key, address=_address_key(address)))
        audit.record(None, "login_failed", "user", user.id if user else None, outcome="refused")
        db.session.commit()
        return None, str(GENERIC_FAILURE)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key))
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id)
    db.session.commit()
    return user, None


_DUMMY_HASH = generate_password_hash("not-a-real-password-just-timing", method="scrypt")


def logout(user: User) -> None:
    """End every session of this user on the server side: old cookies stop working."""
    user.session_version += 1
    audit.record(user, "logout", "user", user.id)
    db.session.commit()


# --- users -----------------------------------------------------------------------------------

def _check_role_partner(role: str, partner_id: int | None) -> None:
    if role not in (Role.MASTER_TRAINER, Role.FACILITATOR):
        raise AccountError(_l("Choose master trainer or facilitator. Participants are registered from the participants page."))
    if role == Role.FACILITATOR and not partner_id:
        raise AccountError(_l("A facilitator belongs to a partner organisation: choose one."))
    if partner_id and db.session.get(Partner, partner_id) is None:
        raise AccountError(_l("That partner organisation does not exist."))


def create_staff(actor: User | None, *, username: str, password: str, role: str,
                 display_name: str = "", partner_id: int | None = None, locale: str | None = None) -> User:
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]{3,64}", username):
        raise AccountError(_l("Usernames use 3 to 64 letters, digits, dots, dashes or underscores."))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(_l("This username is already taken."))
    _check_role_partner(role, partner_id)
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    user = User(username=username, display_name=display_name.strip(), role=role,
                partner_id=partner_id if role == Role.FACILITATOR else partner_id or None,
                password_hash=hash_secret(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user_created", "user", user.id, details={"fields": ["username", "role", "partner"]})
    db.session.commit()
    return user


def update_staff(actor: User, user: User, *, display_name: str, role: str, partner_id: int | None,
                 locale: str | None) -> User:
    if not user.is_staff:
        raise AccountError(_l("Participants are managed from the participants page."))
    _check_role_partner(role, partner_id)
    if user.id == actor.id and role != user.role:
        raise AccountError(_l("You cannot change your own role."))
    changed = [name for name, new in (("display_name", display_name.strip()), ("role", role),
                                      ("partner_id", partner_id), ("locale", locale))
               if getattr(user, name) != new]
    user.display_name, user.role, user.partner_id, user.locale = display_name.strip(), role, partner_id, locale
    if "role" in changed or "partner_id" in changed:
        user.session_version += 1  # new reach: log in again
        staff_reach_changed.send(user, actor=actor)  # e.g. batches of the old partner are left
    audit.record(actor, "user_updated", "user", user.id, details={"fields": changed})
    db.session.commit()
    return user


def set_enabled(actor: User, user: User, enabled: bool) -> None:
    if user.id == actor.id and not enabled:
        raise AccountError(_l("You cannot deactivate your own account."))
    user.is_enabled = enabled
    user.session_version += 1
    audit.record(actor, "user_activated" if enabled else "user_deactivated", "user", user.id)
    db.session.commit()


def reset_password(actor: User, user: User, new_password: str) -> None:
    if user.is_participant:
        raise AccountError(_l("Participants use a PIN."))
    problem = password_problem(new_password, user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_secret(new_password)
    user.session_version += 1
    audit.record(actor, "password_reset", "user", user.id)
    db.session.commit()


def set_pin(actor: User, user: User, pin: str) -> None:
    problem = pin_problem(pin)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_secret(pin)
    user.session_version += 1
    audit.record(actor, "pin_set", "user", user.id)
    db.session.commit()


def change_own_secret(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(_l("Your current password or PIN is not right."))
    problem = pin_problem(new) if user.is_participant else password_problem(new, user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_secret(new)
    user.session_version += 1  # other devices are logged out; the view logs this one in again
    audit.record(user, "pin_changed" if user.is_participant else "password_changed", "user", user.id)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


# --- partners --------------------------------------------------------------------------------

def save_partner(actor: User, partner: Partner | None, *, name: str, district: str) -> Partner:
    from edt.places import DISTRICTS

    name = name.strip()
    if not name:
        raise AccountError(_l("Give the organisation's name."))
    if district not in DISTRICTS:
        raise AccountError(_l("Choose one of the programme's districts."))
    clash = db.session.scalar(select(Partner.id).where(func.lower(Partner.name) == name.lower()))
    if clash and (partner is None or clash != partner.id):
        raise AccountError(_l("A partner with this name already exists."))
    created = partner is None
    if created:
        partner = Partner(name=name, district=district)
        db.session.add(partner)
        db.session.flush()
    else:
        partner.name, partner.district = name, district
    audit.record(actor, "partner_created" if created else "partner_updated", "partner", partner.id)
    db.session.commit()
    return partner


def partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.name)))


def staff_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role != Role.PARTICIPANT).order_by(User.username)))
