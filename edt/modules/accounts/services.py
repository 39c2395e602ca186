"""Accounts: credentials, logins (counted by the one throttle, edt/throttle.py), users and
partners. Services take the acting user as an argument and commit once per action, so views, the
CLI and tests share them."""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from edt import audit, throttle
from edt.errors import RuleError
from edt.audit import AuditEvent
from edt.clock import utcnow
from edt.extensions import db
from edt.places import DISTRICTS
from edt.security import STAFF, Role, require
from edt.signals import staff_reach_changed

from .models import Partner, User

PIN_RE = re.compile(r"^[0-9]{6}$")


class AccountError(RuleError):
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

GENERIC_FAILURE = _l("That did not work. Check what you typed and try again.")
LOCKED_PIN = _l("Too many attempts: for your safety this account is locked. Ask your facilitator to unlock it.")
LOCKED_PASSWORD = _l("Too many attempts: for your safety this account is locked. Ask a master trainer to "
                     "unlock it.")
WRONG_CURRENT = _l("Your current password or PIN is not right.")
NOT_LOCKED = _l("This account has no failed attempts to clear.")
# Audit actions of the throttle, listed on the master trainer's page of locked accounts.
ALERT_LABELS = {
    "login_locked": _l("Account locked"),
    "login_delayed": _l("Account made to wait"),
    "login_address_throttled": _l("A network made to wait"),
    "login_device_throttled": _l("A phone or computer made to wait"),
    "secret_change_failed": _l("Wrong current PIN or password on the change page"),
    "sessions_ended": _l("Logged out after wrong current PINs or passwords"),
    "login_lock_cleared": _l("Unlocked"),
    "certificate_name_checks_paused": _l("Name checks of a certificate paused for today"),
    "roster_checks_paused": _l("Roster checks paused for an hour"),
}
HASH_PREFIXES = ("scrypt:", "pbkdf2:")


class WrongSecret(AccountError):
    """The current password or PIN typed on the change page was not right."""


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash made exactly like real ones in this configuration: a login whose account is
    unknown, closed (no PIN yet, erased) or of the other kind costs the same hash work."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def _is_hash(stored: str | None) -> bool:
    """A real hash, not a closed login ("!no-pin", "!erased") or no account at all."""
    return bool(stored) and stored.startswith(HASH_PREFIXES)


def _check_secret(stored: str | None, secret: str | None) -> bool:
    """One hash check, always: against the account's own hash, or a dummy one of the same cost."""
    dummy = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    return check_password_hash(stored if _is_hash(stored) else dummy, secret or "") and _is_hash(stored)


def _account_scope(participant: bool) -> str:
    return throttle.LOGIN_PIN if participant else throttle.LOGIN_PASSWORD


def _refusal(verdict: throttle.Verdict) -> str:
    """What a refused attempt is told. The same for every name, known or not."""
    if verdict.locked:
        return str(LOCKED_PIN if verdict.refused_by.scope == throttle.LOGIN_PIN else LOCKED_PASSWORD)
    wait = format_timedelta(timedelta(seconds=verdict.wait), granularity="minute")
    if verdict.refused_by.scope == throttle.LOGIN_ADDRESS:
        return _("Too many attempts from this network. Wait %(time)s and try again, or use a phone or "
                 "computer that logged in here before.", time=wait)
    return _("Too many attempts. For your safety, wait %(time)s and try again.", time=wait)


def _record_failure(verdict: throttle.Verdict, user_id: int | None, action: str, actor=None) -> None:
    """Audit a wrong secret: one row when it concerns an account (as many as that account's
    throttle lets through), none for a name that matches no account (it is only counted), and one
    row when the failure starts a delay or a lock (a burst of refused requests adds no row: the
    counter's tally holds them). Not committed."""
    if user_id is not None:
        audit.record(actor, action, "user", user_id, outcome="refused")
    for p in verdict.started:
        count = verdict.counts[p.scope]
        details = {"failures": count, "wait_minutes": p.delay_for(count) // 60}
        if p.scope in throttle.ACCOUNT_SCOPES:
            if user_id is not None:
                locked = bool(p.lock_after) and count >= p.lock_after
                audit.record(actor, "login_locked" if locked else "login_delayed", "user", user_id,
                             outcome="refused", details=details)
        else:
            action_name = "login_device_throttled" if p.scope == throttle.DEVICE else "login_address_throttled"
            audit.record(actor, action_name, "address", None, outcome="refused", details=details)


def authenticate(username: str, secret: str, *, participant: bool, address: str,
                 device: throttle.Device | None = None) -> tuple[User | None, str | None]:
    """Check a login. Returns (user, None) or (None, message).

    - Unknown names, wrong secrets, closed logins (no PIN yet, erased), deactivated accounts and
      accounts of the other login page get the same message after the same hash work.
    - The attempt is counted in the throttle before the secret is checked, atomically, and given
      back when the secret was right: parallel guesses cannot slip past the limit.
    - Gates: the client's address group (any account), or instead, on a device that logged in
      to this account before, the device itself; then the account (growing delays; a participant
      account locks for good after LOGIN_LOCK_AFTER wrong PINs). So a training room behind one
      address that a stranger made wait still logs in from its known phones, and the owner's
      known phone is not held up by a stranger's guesses either; a lock holds for every device.
    """
    name = throttle.account_name(username)
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    if user is not None and not (user.is_participant if participant else user.is_staff):
        user = None  # an account of the other login page is unknown here
    user_id = user.id if user is not None else None
    stored = user.password_hash if user is not None else None
    enabled = user is not None and user.is_enabled
    known = device is not None and device.knows(name)
    gates = [throttle.gate(throttle.DEVICE, device.id) if known
             else throttle.address_gate(throttle.LOGIN_ADDRESS, address),
             throttle.gate(_account_scope(participant), name, subject_id=user_id, delays=not known)]
    verdict = throttle.reserve(gates)  # commits: no lock is held during the hash work below
    if not verdict.allowed:
        return None, _refusal(verdict)
    if not (_check_secret(stored, secret) and enabled):
        _record_failure(verdict, user_id, "login_failed")
        db.session.commit()
        return None, str(GENERIC_FAILURE)
    throttle.refund(verdict)
    user = db.session.get(User, user_id)
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id)
    db.session.commit()
    return user, None


def logout(user: User) -> None:
    """End every session of this user on the server side: old cookies stop working."""
    user.session_version += 1
    audit.record(user, "logout", "user", user.id)
    db.session.commit()


def end_sessions_after_wrong_secrets(user: User, failures: int) -> None:
    """Someone typed several wrong current secrets in one session (perhaps on a borrowed phone):
    that session and every other of this account end."""
    user.session_version += 1
    audit.record(user, "sessions_ended", "user", user.id, outcome="refused",
                 details={"reason": "wrong_current_secret", "failures": failures})
    db.session.commit()


@dataclass(frozen=True)
class HeldAccount:
    """An account that the throttle refuses now: locked, or waiting until `until`."""

    user: User
    failures: int
    refused: int
    locked_at: datetime | None
    until: datetime | None


def held_accounts() -> tuple[list[HeldAccount], int]:
    """Accounts locked or waiting now (locked first), and how many locked names match no account."""
    rows = throttle.active_counters(throttle.ACCOUNT_SCOPES)
    ids = {row.subject_id for row in rows if row.subject_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    held = [HeldAccount(users[row.subject_id], row.count, row.refused, row.locked_at, throttle.wait_until(row))
            for row in rows if row.subject_id in users]
    unknown = sum(1 for row in rows if row.subject_id not in users and row.locked_at is not None)
    return held, unknown


def throttled_networks() -> int:
    """Client address groups that wait now (their addresses are not known, only counted)."""
    return len(throttle.active_counters((throttle.LOGIN_ADDRESS,)))


def alerts(days: int = 14, limit: int = 50) -> list[tuple[AuditEvent, str]]:
    """The throttle's recent audit rows, newest first, each with the account it names."""
    since = utcnow() - timedelta(days=days)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(tuple(ALERT_LABELS)),
                                                              AuditEvent.at >= since)
                                     .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
    user_ids = {e.id: int(e.target_id) for e in events if e.target_type == "user" and (e.target_id or "").isdigit()}
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(set(user_ids.values()))))
                 .all()) if user_ids else {}
    return [(e, names.get(user_ids.get(e.id), "")) for e in events]


def clear_lock(actor: User, user: User) -> None:
    """A master trainer ends an account's lock or wait (after speaking with its owner)."""
    require(actor, Role.MASTER_TRAINER, error=AccountError, message=_l("Only master trainers can unlock accounts."))
    rows = throttle.clear(throttle.ACCOUNT_SCOPES, throttle.account_name(user.username))
    if not rows:
        raise AccountError(NOT_LOCKED)
    audit.record(actor, "login_lock_cleared", "user", user.id,
                 details={"failures": sum(r.count for r in rows), "refused": sum(r.refused for r in rows),
                          "was_locked": any(r.locked_at is not None for r in rows)})
    db.session.commit()


# --- users -----------------------------------------------------------------------------------

def _require_master(actor) -> None:
    require(actor, Role.MASTER_TRAINER, error=AccountError,
            message=_l("Only master trainers manage staff accounts and partner organisations."))


def _check_role_partner(role: str, partner_id: int | None) -> None:
    if role not in (Role.MASTER_TRAINER, Role.FACILITATOR):
        raise AccountError(_l("Choose master trainer or facilitator. Participants are registered from the participants page."))
    if role == Role.FACILITATOR and not partner_id:
        raise AccountError(_l("A facilitator belongs to a partner organisation: choose one."))
    if partner_id and db.session.get(Partner, partner_id) is None:
        raise AccountError(_l("That partner organisation does not exist."))


def create_staff(actor: User, *, username: str, password: str, role: str,
                 display_name: str = "", partner_id: int | None = None, locale: str | None = None) -> User:
    _require_master(actor)
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
    throttle.forget_account(username)
    audit.record(actor, "user_created", "user", user.id, details={"fields": ["username", "role", "partner"]})
    db.session.commit()
    return user


def update_staff(actor: User, user: User, *, display_name: str, role: str, partner_id: int | None,
                 locale: str | None) -> User:
    _require_master(actor)
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
    _require_master(actor)
    if user.id == actor.id and not enabled:
        raise AccountError(_l("You cannot deactivate your own account."))
    user.is_enabled = enabled
    user.session_version += 1
    audit.record(actor, "user_activated" if enabled else "user_deactivated", "user", user.id)
    db.session.commit()


def reset_password(actor: User, user: User, new_password: str) -> None:
    _require_master(actor)
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
    require(actor, *STAFF, error=AccountError, message=_l("Only staff set a participant's PIN."))
    problem = pin_problem(pin)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_secret(pin)
    user.session_version += 1
    audit.record(actor, "pin_set", "user", user.id)
    db.session.commit()


def change_own_secret(user: User, current: str, new: str) -> None:
    """The current secret is checked as at login and counted in the same throttle as the
    account's logins (so this page is no way around it); each wrong one is audited. Raises
    WrongSecret for a wrong current secret and while the account waits (the view ends the
    session after a few), AccountError for a weak new secret."""
    user_id, stored, participant = user.id, user.password_hash, user.is_participant
    verdict = throttle.reserve([throttle.gate(_account_scope(participant), throttle.account_name(user.username),
                                              subject_id=user_id)])
    if not verdict.allowed:
        raise WrongSecret(_refusal(verdict))
    if not _check_secret(stored, current):
        _record_failure(verdict, user_id, "secret_change_failed", actor=user)
        db.session.commit()
        raise WrongSecret(WRONG_CURRENT)
    throttle.refund(verdict)
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
    _require_master(actor)
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
