"""The one throttle: every limit in EDT (logins, the PIN/password change page, the verify page and
its name checks, roster checks) counts events in one table, atomically, with one rule.

A Policy allows `step` events, then a delay; after each further `step` events the next delay of
`delays` (the last one repeats). Counting starts afresh `window` seconds after it began (never
during a delay, never while locked). With `lock_after`, the event that brings the count to that
number locks the counter for good: only clear() (a master trainer, or the command line) ends it.

What is counted is named only by a keyed hash (HMAC with the app's secret key) of the scope and
the subject: an account name, a client address group (an IPv4 address, an IPv6 /64 network), a
certificate, a user. Nothing readable is stored, and the keys are useless without the secret.

Atomic on PostgreSQL and SQLite: reserve() locks the counter rows it needs (SELECT ... FOR UPDATE;
on SQLite every write transaction starts with BEGIN IMMEDIATE, which serialises writers), checks
every gate, counts the event in all of them and commits, in one transaction. So N parallel
requests can never pass more than the limit: the check and the count are one step. A login
counts its attempt *before* the secret is checked and gives it back on success (refund()).

A device that logged in before carries a signed "known device" cookie (itsdangerous, the app's
secret key) naming, by keyed hash, the accounts that logged in on it. Logins decide with it which
gates apply (see accounts.services.authenticate).
"""
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, and_, delete, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from edt.clock import utcnow
from edt.extensions import db

# Scopes: what a counter counts.
LOGIN_PIN = "login_pin"                # wrong PINs per participant account (login and PIN change)
LOGIN_PASSWORD = "login_password"  # nosec B105  # a counter scope name: wrong passwords per staff account (login and password change)
LOGIN_ADDRESS = "login_address"        # wrong secrets per client address group, any account
DEVICE = "login_device"                # wrong secrets per known device, any account
VERIFY_ADDRESS = "verify_address"      # verify-page requests per client address group
VERIFY_NAME = "verify_name"            # name checks per certificate
VERIFY_NAME_ADDRESS = "verify_name_address"  # name checks per client address group
VERIFY_SEEN = "verify_seen"            # views of a certificate's verify page (counted, never refused)
ROSTER = "roster"                      # roster checks and imports per user
ACCOUNT_SCOPES = (LOGIN_PIN, LOGIN_PASSWORD)

MINUTE, HOUR, DAY = 60, 3600, 86400
YEAR = 365 * DAY
DEVICE_COOKIE = "edt_device"
DEVICE_ACCOUNTS = 8  # a shared phone remembers this many accounts
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ThrottleCounter(db.Model):
    """One counter: events of one scope for one keyed subject in the current window."""

    __tablename__ = "throttle_counter"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_throttle_counter_scope_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(24))
    key: Mapped[str] = mapped_column(String(64))
    # The account, certificate or user counted, when it exists (for the master trainer's page).
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)  # requests refused by this counter
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the row says nothing any more and may be deleted (never while locked).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


# --- policies, from the configuration --------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    scope: str
    step: int                   # events allowed before each delay (0: counted, never refused)
    delays: tuple[int, ...]     # seconds; the k-th delay follows k * step events; the last repeats
    window: int                 # seconds after which counting starts afresh
    lock_after: int = 0         # a lasting lock at this many events in the window (0: never)

    def delay_for(self, count: int) -> int:
        """The delay that the count-th event starts (0 when it starts none)."""
        if not self.step or count % self.step or not self.delays:
            return 0
        return self.delays[min(count // self.step, len(self.delays)) - 1]

    def most_per_year(self) -> int | None:
        """The most events one subject can make in 365 days, acting the moment it is allowed
        (None: no limit). The README's figures come from here."""
        if not self.step or not self.delays:
            return None
        t = window_start = blocked_until = 0
        count = events = 0
        while True:
            t = max(t, blocked_until)
            if t >= YEAR:
                return events
            if t >= window_start + self.window:
                count, window_start = 0, t
            count += 1
            events += 1
            if self.lock_after and count >= self.lock_after:
                return events
            if self.delay_for(count):
                blocked_until = t + self.delay_for(count)


def _minutes(values) -> tuple[int, ...]:
    return tuple(int(v) * MINUTE for v in values)


def policy(scope: str) -> Policy:
    c = current_app.config
    login_delays = _minutes(c["LOGIN_DELAYS_MINUTES"])
    if scope == LOGIN_PIN:
        return Policy(scope, c["LOGIN_FAILURES_BEFORE_DELAY"], login_delays, c["LOGIN_LOCK_WINDOW_DAYS"] * DAY,
                      c["LOGIN_LOCK_AFTER"])
    if scope == LOGIN_PASSWORD:
        lock = c["STAFF_LOCK_AFTER"]
        return Policy(scope, c["LOGIN_FAILURES_BEFORE_DELAY"], login_delays,
                      c["LOGIN_LOCK_WINDOW_DAYS"] * DAY if lock else DAY, lock)
    if scope == DEVICE:
        return Policy(scope, c["LOGIN_FAILURES_BEFORE_DELAY"], login_delays, DAY)
    if scope == LOGIN_ADDRESS:
        return Policy(scope, c["LOGIN_ADDRESS_MAX_FAILURES"], _minutes(c["LOGIN_ADDRESS_DELAYS_MINUTES"]), DAY)
    if scope == VERIFY_ADDRESS:
        return Policy(scope, c["VERIFY_RATE_LIMIT"], (MINUTE,), MINUTE)
    if scope == VERIFY_NAME:
        return Policy(scope, c["VERIFY_NAME_CHECKS_PER_DAY"], (DAY,), DAY)
    if scope == VERIFY_NAME_ADDRESS:
        return Policy(scope, c["VERIFY_NAME_CHECKS_PER_ADDRESS"], (DAY,), DAY)
    if scope == VERIFY_SEEN:
        return Policy(scope, 0, (), DAY)
    if scope == ROSTER:
        return Policy(scope, c["ROSTER_CHECKS_PER_HOUR"], (HOUR,), HOUR)
    raise KeyError(scope)


# --- keys --------------------------------------------------------------------------------------

def keyed(scope: str, subject) -> str:
    """A keyed hash of what is counted: enough to count, useless to identify."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{scope}:{subject}".encode(), hashlib.sha256).hexdigest()[:40]


def account_name(username: str | None) -> str:
    """Account names are counted as typed at login: trimmed, case-insensitive."""
    return (username or "").strip().lower()[:64]


def address_group(address: str | None) -> str:
    """Whom an address stands for: an IPv4 address, or an IPv6 /64 network (one home or phone
    gets a whole /64, so counting each IPv6 address alone would count nothing)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip.exploded}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Gate:
    """One counter an event must pass. `delays=False` honours only a lasting lock."""

    policy: Policy
    key: str
    subject_id: int | None = None
    delays: bool = True


def gate(scope: str, subject, *, subject_id: int | None = None, delays: bool = True) -> Gate:
    return Gate(policy(scope), keyed(scope, subject), subject_id, delays)


def address_gate(scope: str, address: str | None) -> Gate:
    return gate(scope, address_group(address))


# --- the atomic check ---------------------------------------------------------------------------

@dataclass
class Verdict:
    allowed: bool
    refused_by: Policy | None = None
    locked: bool = False
    wait: int = 0                                 # seconds until the refusing gate opens
    counts: dict[str, int] = field(default_factory=dict)
    started: list[Policy] = field(default_factory=list)  # policies whose delay or lock this event began
    _reserved: list = field(default_factory=list, repr=False)  # (gate, when, state before)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone: they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _insert():
    return (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(
        ThrottleCounter)


def _lock_row(g: Gate, now: datetime) -> ThrottleCounter:
    """The counter row of a gate, created when missing, locked until the transaction ends."""
    values = {"scope": g.policy.scope, "key": g.key, "subject_id": g.subject_id, "count": 0, "refused": 0,
              "window_start": now, "expires_at": now + timedelta(seconds=g.policy.window)}
    for _attempt in range(3):  # a row deleted as expired by another request between the two statements
        db.session.execute(_insert().values(values).on_conflict_do_nothing(index_elements=["scope", "key"]))
        row = db.session.scalar(
            select(ThrottleCounter).where(ThrottleCounter.scope == g.policy.scope, ThrottleCounter.key == g.key)
            .with_for_update().execution_options(populate_existing=True))
        if row is not None:
            return row
    raise RuntimeError("a throttle row vanished three times while being locked")


def _roll(row: ThrottleCounter, p: Policy, now: datetime) -> None:
    """Start counting afresh once the window is over (never while locked or waiting)."""
    blocked = _aware(row.blocked_until)
    if row.locked_at is None and (blocked is None or blocked <= now) \
            and now >= _aware(row.window_start) + timedelta(seconds=p.window):
        row.count, row.window_start, row.blocked_until = 0, now, None


def _expiry(row: ThrottleCounter, p: Policy) -> datetime | None:
    if row.locked_at is not None:
        return None
    ends = _aware(row.window_start) + timedelta(seconds=p.window)
    return max(ends, _aware(row.blocked_until) or EPOCH)


def _refuses(row: ThrottleCounter, g: Gate, now: datetime) -> bool:
    blocked = _aware(row.blocked_until)
    return row.locked_at is not None or (g.delays and blocked is not None and blocked > now)


def reserve(gates: list[Gate]) -> Verdict:
    """Check and count one event against every gate, atomically, and commit. Refused by the
    first gate that is locked or waiting (its `refused` tally grows, and no other gate counts
    anything); otherwise counted in all of them. Rows are locked in the order of `gates`: callers
    always list their scopes in the same order (broadest first), so two requests never wait on
    each other in a circle.

    On PostgreSQL the commit does not wait for the disk (synchronous_commit off for this
    transaction): other requests and servers see the counts at once, as with any commit, and a
    crash of the database server could forget at most the last fraction of a second of counts.
    A public page counts every request, so that wait was most of its cost."""
    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.expires_at < now))
    rows = []
    for g in gates:
        row = _lock_row(g, now)
        _roll(row, g.policy, now)
        if _refuses(row, g, now):
            row.refused += 1
            for passed in rows:  # a row made only for this refused request says nothing: drop it
                if passed.count == 0 and not passed.refused and passed.locked_at is None:
                    db.session.delete(passed)
            db.session.commit()
            locked = row.locked_at is not None
            wait = 0 if locked else int((_aware(row.blocked_until) - now).total_seconds()) + 1
            return Verdict(False, g.policy, locked=locked, wait=wait)
        rows.append(row)
    verdict = Verdict(True)
    for g, row in zip(gates, rows):
        verdict._reserved.append((g, now, row.blocked_until, row.locked_at))
        row.count += 1
        row.last_at = now
        if g.subject_id is not None:
            row.subject_id = g.subject_id
        delay = g.policy.delay_for(row.count)
        if delay:
            row.blocked_until = now + timedelta(seconds=delay)
        if g.policy.lock_after and row.count >= g.policy.lock_after and row.locked_at is None:
            row.locked_at = now
        if delay or row.locked_at == now:
            verdict.started.append(g.policy)
        row.expires_at = _expiry(row, g.policy)
        verdict.counts[g.policy.scope] = row.count
    db.session.commit()
    return verdict


def refund(verdict: Verdict) -> None:
    """The reserved event was not a failure (the right secret): give it back, and undo the delay
    or lock it began. A newer event's delay is left alone."""
    if not verdict._reserved:
        return
    now = utcnow()
    for g, at, blocked_before, locked_before in verdict._reserved:
        row = _lock_row(g, now)
        row.count = max(row.count - 1, 0)
        if _aware(row.last_at) == at:
            row.blocked_until, row.locked_at = blocked_before, locked_before
        if row.count == 0 and row.locked_at is None and not row.refused:
            db.session.delete(row)
        else:
            row.expires_at = _expiry(row, g.policy)
    db.session.commit()


def clear(scopes, subject) -> list[ThrottleCounter]:
    """End the counters (and any lock) of `subject` in `scopes`; returns the rows as they were
    (for the audit). Not committed: the caller commits with its audit row."""
    keys = [(scope, keyed(scope, subject)) for scope in scopes]
    rows = list(db.session.scalars(select(ThrottleCounter).where(
        or_(*(and_(ThrottleCounter.scope == s, ThrottleCounter.key == k) for s, k in keys)))))
    for row in rows:
        db.session.delete(row)
    return rows


def forget_account(username: str) -> None:
    """A new account starts clean, whatever was tried against its name before it existed
    (participant codes are predictable). Not committed."""
    name = account_name(username)
    db.session.execute(delete(ThrottleCounter).where(or_(
        *(and_(ThrottleCounter.scope == s, ThrottleCounter.key == keyed(s, name)) for s in ACCOUNT_SCOPES))))


def active_counters(scopes, now: datetime | None = None) -> list[ThrottleCounter]:
    """Counters of `scopes` that refuse now: locked, or waiting."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(ThrottleCounter)
        .where(ThrottleCounter.scope.in_(tuple(scopes)),
               or_(ThrottleCounter.locked_at.is_not(None), ThrottleCounter.blocked_until > now))
        .order_by(ThrottleCounter.locked_at.desc().nulls_last(), ThrottleCounter.blocked_until.desc())))


def wait_until(row: ThrottleCounter) -> datetime | None:
    return _aware(row.blocked_until)


# --- known devices ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    id: str
    accounts: tuple[str, ...]

    def knows(self, username: str) -> bool:
        return keyed("device-account", account_name(username)) in self.accounts


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="edt.known-device")


def read_device() -> Device | None:
    """The known-device cookie of this request, when it is genuine and not too old."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _devices().loads(raw, max_age=current_app.config["KNOWN_DEVICE_DAYS"] * DAY)
        return Device(str(data["d"]), tuple(str(a) for a in data["a"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def remember_device(response, device: Device | None, username: str) -> None:
    """After a successful login: this device now knows this account (and keeps up to
    DEVICE_ACCOUNTS others, for shared phones)."""
    tag = keyed("device-account", account_name(username))
    known = [a for a in (device.accounts if device else ()) if a != tag]
    data = {"d": device.id if device else secrets.token_urlsafe(16), "a": [tag, *known][:DEVICE_ACCOUNTS]}
    c = current_app.config
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(data), max_age=c["KNOWN_DEVICE_DAYS"] * DAY,
                        httponly=True, samesite="Lax", secure=c.get("SESSION_COOKIE_SECURE", False))
