"""Sync credentials and applying a device's queued saves, each once.

A queued save ("item") is what a page's form would have sent, kept on the device while it had no
connection: {key, kind, target, base, fields}. apply() replays each one through the same form
parsing, scoped getters and services as the page itself (the attendance form and save_day, the
follow-up VisitForm and record, the canvas add_item), so an item may do exactly what its form
may, for exactly the people the user reaches. Each item answers one of:

- applied: written now, together with its key (one transaction);
- already: its key was applied before (a retry after a lost answer): nothing written again;
- refused: a rule or an access check said no (the reason is safe to show); nothing written;
- conflict: someone saved the same thing after the device opened the page; nothing written, and
  the answer carries the server's version so the device can show both.
"""
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from edt import audit
from edt.clock import today, utcnow
from edt.extensions import db
from edt.modules.accounts.models import User
from edt.modules.attendance import services as attendance
from edt.modules.attendance.forms import parse_entries
from edt.modules.batches import queries as batch_queries
from edt.modules.canvas import queries as canvas_queries
from edt.modules.canvas import services as canvas
from edt.modules.followup import queries as followup_queries
from edt.modules.followup import services as followup
from edt.modules.followup.forms import VisitForm
from edt.signals import erases

from .models import AppliedItem, Kind, SyncDevice

HEADER = "X-EDT-Sync"  # the credential travels in this header, never in a cookie or a form
MAX_ITEMS = 100
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_FIELDS = 400
MAX_VALUE = 2000


class SyncError(ValueError):
    """The request as a whole cannot be used (no or a revoked credential, not JSON, too many
    items): nothing was applied."""

    def __init__(self, message, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Outcome:
    key: str
    status: str  # applied | already | refused | conflict
    reason: str = ""
    server: dict = field(default_factory=dict)  # for a conflict: what is saved now

    def as_json(self) -> dict:
        out = {"key": self.key, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.server:
            out["server"] = self.server
        return out


# --- the credential ---------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_device(user, ends_at: int | None) -> tuple[str, SyncDevice]:
    """A new credential for one device of `user`'s current session, valid until the session's
    absolute end (`ends_at`, a Unix time). Returns the token (shown once) and its row."""
    now = utcnow()
    expires = datetime.fromtimestamp(ends_at, timezone.utc) if ends_at else now + timedelta(hours=12)
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(SyncDevice).where(SyncDevice.expires_at < now))  # housekeeping
    device = SyncDevice(user_id=user.id, token_hash=_hash(token), session_version=user.session_version,
                        created_at=now, expires_at=expires)
    db.session.add(device)
    audit.record(user, "sync_device_issued", "user", user.id)
    db.session.commit()
    return token, device


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def user_for_token(token: str | None):
    """The user a credential acts for, or SyncError(401) when it is missing, unknown, past its
    session's end, or revoked (the account's sessions were ended since it was issued)."""
    if not token or len(token) > 200:
        raise SyncError(_l("This phone is not signed in for sending. Open EDT and log in, then send again."), 401)
    device = db.session.scalar(select(SyncDevice).where(SyncDevice.token_hash == _hash(token)))
    user = db.session.get(User, device.user_id) if device else None
    if (device is None or user is None or not user.is_enabled or user.session_version != device.session_version
            or _aware(device.expires_at) <= utcnow()):
        raise SyncError(_l("You were logged out since these were saved. Log in again, then send: "
                           "nothing waiting on this phone is lost."), 401)
    device.last_used_at = utcnow()
    return user


# --- reading an item --------------------------------------------------------------------------

def _digest(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _fields(raw) -> MultiDict:
    """A form's fields as the device kept them: {name: value or [values]}, strings only."""
    if not isinstance(raw, dict) or len(raw) > MAX_FIELDS:
        raise ValueError(_("The saved form was damaged."))
    pairs = []
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not FIELD_NAME.match(str(name)) or len(values) > 50:
            raise ValueError(_("The saved form was damaged."))
        for one in values:
            if not isinstance(one, str) or len(one) > MAX_VALUE:
                raise ValueError(_("The saved form was damaged."))
            pairs.append((name, one))
    return MultiDict(pairs)


def _number(target: dict, name: str) -> int:
    value = target.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise ValueError(_("The saved form was damaged."))
    return value


def parse_items(body, *, is_json: bool = True) -> list:
    """The list of items of a request body, or SyncError."""
    if not is_json:
        raise SyncError(_l("Send the saves as JSON."), 415)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise SyncError(_l("Send a JSON object with a list of items."))
    if len(body["items"]) > MAX_ITEMS:
        raise SyncError(_l("At most %(n)d saves at a time.", n=MAX_ITEMS))
    return body["items"]


# --- applying ---------------------------------------------------------------------------------

class _Conflict(Exception):
    def __init__(self, server: dict):
        super().__init__("conflict")
        self.server = server


def _who(user_id) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""


def _attendance(user, target: dict, base, fields: MultiDict, _applied: AppliedItem) -> None:
    day = batch_queries.day_for(user, _number(target, "day_id"))
    try:
        attendance.save_day(user, day, parse_entries(fields), strict=True)
    except attendance.AttendanceConflict as conflict:
        codes = {e.id: (e.participant.code, e.participant.full_name) for e in
                 attendance.queries.day_roster(day)}
        rows = [{**row, "code": codes.get(row["enrolment_id"], ("", ""))[0],
                 "name": codes.get(row["enrolment_id"], ("", ""))[1], "by": _who(row.pop("by_id"))}
                for row in conflict.rows]
        raise _Conflict({"day_id": day.id, "rows": rows}) from conflict


def _version(visit) -> str:
    """A follow-up visit's version: when its record was last saved ("" before the first save)."""
    record = visit.record
    return record.recorded_at.isoformat() if record is not None and record.recorded_at else ""


def _followup(user, target: dict, base, fields: MultiDict, _applied: AppliedItem) -> None:
    stage = target.get("stage")
    if not isinstance(stage, str) or len(stage) > 20:
        raise ValueError(_("The saved form was damaged."))
    visit = followup_queries.visit_for(user, _number(target, "participant_id"), _number(target, "batch_id"),
                                       stage, today())
    if not isinstance(base, str) or base != _version(visit):
        record = visit.record
        raise _Conflict({"version": _version(visit), "status": record.status if record else "",
                         "by": _who(record.recorded_by_id) if record else "",
                         "at": record.recorded_at.isoformat() if record and record.recorded_at else ""})
    form = VisitForm(formdata=fields, meta={"csrf": False})
    if not form.validate():
        name, errors = next(iter(form.errors.items()))
        label = getattr(getattr(form, name, None), "label", None)
        raise followup.FollowUpError(f"{label.text if label else name}: {errors[0]}", name)
    try:
        answers = form.answers()
    except ValueError:
        raise followup.FollowUpError(_("Write a number of days from 0 to 30."), "days_worked") from None
    followup.record(user, visit, status=form.status.data, method=form.method.data or None,
                    consent_confirmed=form.consent_confirmed.data, **answers)


def _own_revisions(user, participant_id: int, base: int) -> int:
    """The revision the device's page would show after its own earlier notes were applied: two
    notes queued on one page both carry the page's revision, and the first one moved it on."""
    made = {}
    for row in db.session.scalars(select(AppliedItem).where(AppliedItem.user_id == user.id,
                                                            AppliedItem.kind == Kind.CANVAS_NOTE)):
        result = row.result or {}
        if result.get("participant_id") == participant_id:
            made[result.get("base")] = result.get("revision")
    seen = set()
    while base in made and base not in seen and isinstance(made[base], int):
        seen.add(base)
        base = made[base]
    return base


def _canvas_note(user, target: dict, base, fields: MultiDict, applied: AppliedItem) -> None:
    participant = canvas_queries.participant_for(user, _number(target, "participant_id"))
    block = target.get("block")
    if not isinstance(block, str):
        raise ValueError(_("The saved form was damaged."))
    if isinstance(base, bool) or not isinstance(base, int):
        raise canvas.CanvasError(canvas.STALE)
    note = canvas_queries.canvas_of(participant.id)  # the page the note was written on opened it
    if note is None:
        raise canvas.CanvasError(canvas.STALE)
    base = _own_revisions(user, participant.id, base)
    applied.result = {"participant_id": participant.id, "base": base, "revision": base + 1}
    try:
        canvas.add_item(user, note, block, fields.get("text", ""), base)
    except canvas.CanvasConflict as conflict:
        current = conflict.canvas
        raise _Conflict({"revision": current.revision, "items": current.items(block),
                         "by": _who(current.updated_by_id)}) from conflict


HANDLERS = {Kind.ATTENDANCE: _attendance, Kind.FOLLOWUP: _followup, Kind.CANVAS_NOTE: _canvas_note}
REFUSALS = (attendance.AttendanceError, followup.FollowUpError, canvas.CanvasError, ValueError)


def _applied(user, key: str):
    return db.session.scalar(select(AppliedItem).where(AppliedItem.user_id == user.id, AppliedItem.key == key))


def apply_one(user, item) -> Outcome:
    """Apply one queued save (see the module's docstring); never raises for a bad item."""
    key = item.get("key") if isinstance(item, dict) else None
    if not isinstance(key, str) or not KEY.match(key):
        return Outcome(str(key)[:64] if key is not None else "", "refused", _("This save has no usable key."))
    kind = item.get("kind")
    if kind not in HANDLERS:
        return Outcome(key, "refused", _("This kind of save is not known."))
    digest = _digest(item)
    done = _applied(user, key)
    if done is not None:
        if done.digest != digest:
            return Outcome(key, "refused", _("This key was already used for another save."))
        return Outcome(key, "already")
    target = item.get("target")
    try:
        if not isinstance(target, dict):
            raise ValueError(_("The saved form was damaged."))
        fields = _fields(item.get("fields"))
        # the key goes in with the save: the service's one commit writes both, or neither
        applied = AppliedItem(user_id=user.id, key=key, kind=kind, digest=digest)
        db.session.add(applied)
        HANDLERS[Kind(kind)](user, target, item.get("base"), fields, applied)
    except _Conflict as conflict:
        db.session.rollback()
        return Outcome(key, "conflict", _("Someone saved this after you opened it."), conflict.server)
    except NotFound:
        db.session.rollback()
        return Outcome(key, "refused", _("This is not there, or your account cannot change it."))
    except PermissionError:
        db.session.rollback()
        return Outcome(key, "refused", _("Your account cannot do this."))
    except REFUSALS as error:
        db.session.rollback()
        return Outcome(key, "refused", str(error) or _("The saved form was damaged."))
    except IntegrityError:  # the same key sent twice at once: the other request applied it
        db.session.rollback()
        if _applied(user, key) is not None:
            return Outcome(key, "already")
        raise
    if db.session.new or db.session.dirty:  # a service that wrote nothing did not commit
        db.session.commit()
    return Outcome(key, "applied")


def apply(user, items: list) -> list[Outcome]:
    outcomes = [apply_one(user, item) for item in items]
    db.session.commit()  # the credential's last use
    return outcomes


@erases("sync_device.token_hash", "sync_applied_item.key", "sync_applied_item.kind", "sync_applied_item.digest",
        "sync_applied_item.result")
def _erase_sync(participant, **_context) -> list[str]:
    """Erasure: the person's own sync credentials and the record of the saves her phone sent are
    deleted (her login is closed anyway). Staff devices' records stay: they hold ids and a hash of
    what was sent, and keep a delayed retry from writing the erased notes again."""
    devices = db.session.execute(delete(SyncDevice).where(SyncDevice.user_id == participant.user_id)
                                 .execution_options(synchronize_session=False)).rowcount
    items = db.session.execute(delete(AppliedItem).where(AppliedItem.user_id == participant.user_id)
                               .execution_options(synchronize_session=False)).rowcount
    return ["sync"] if devices or items else []
