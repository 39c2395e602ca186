"""Keeping a form sent after the session ended, and offering it again after the login.

Nothing is saved on the strength of a kept form: it is shown again to its owner, who sends it
with a fresh CSRF token from a live session. So CSRF protection is never bypassed, and a form
planted by someone else cannot be claimed (the owner is the user of the session that sent it).
"""
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import delete, false, func, or_, select
from werkzeug.datastructures import MultiDict

from edt import audit
from edt.clock import utcnow
from edt.extensions import db

from edt.signals import erases

from .models import FormStash

# Never kept: secrets are typed again, and logging in, out or switching language after the
# session ended has nothing left to do.
SECRET_FIELDS = frozenset({"password", "pin", "current", "new"})
NOT_KEPT = frozenset({"accounts.logout", "accounts.language", "accounts.login", "accounts.participant_login",
                      "accounts.password"})
NOT_COPIED = frozenset({"csrf_token"})
MAX_CHARS = 256 * 1024
# Form fields that carry bookkeeping rather than what the person typed (not listed back to them).
TECHNICAL = ("row", "base", "version", "op", "confirmed", "ws-", "wn-", "pf-", "include", "partner_id",
             "batch_id")


def keepable(endpoint: str | None, form, files) -> bool:
    if not endpoint or endpoint in NOT_KEPT or len(files):
        return False
    names = set(form.keys())
    if names & SECRET_FIELDS or not names - NOT_COPIED:
        return False
    return sum(len(k) + len(v) for k, v in form.items(multi=True)) <= MAX_CHARS


def keep(owner, endpoint: str, path: str, form) -> FormStash:
    """Store what was sent for `owner`; expired forms of anyone are deleted on the way."""
    now = utcnow()
    purge_expired(now)
    fields = [[name, value] for name, value in form.items(multi=True) if name not in NOT_COPIED]
    stash = FormStash(token=secrets.token_urlsafe(32), user_id=owner.id, endpoint=endpoint, path=path[:255],
                      fields=fields, created_at=now,
                      expires_at=now + timedelta(hours=current_app.config["KEPT_FORM_HOURS"]))
    db.session.add(stash)
    db.session.flush()
    audit.record(owner, "form_kept", "form_stash", stash.id, details={"endpoint": endpoint, "count": len(fields)})
    db.session.commit()
    return stash


def claim(user, token: str, path: str | None = None) -> FormStash | None:
    """The user's own kept form with this token, if it has not expired."""
    if not token or len(token) > 64:
        return None
    stmt = select(FormStash).where(FormStash.token == token, FormStash.user_id == user.id,
                                   FormStash.expires_at >= utcnow())
    if path is not None:
        stmt = stmt.where(FormStash.path == path)
    return db.session.scalar(stmt)


def take_up(user, token: str, path: str | None = None) -> FormStash | None:
    """Claim a kept form for showing it again; it is deleted once it was sent successfully."""
    stash = claim(user, token, path)
    if stash is not None:
        session["kept_form"] = {"token": stash.token, "path": stash.path}
    return stash


def as_form(stash: FormStash) -> MultiDict:
    return MultiDict([(name, value) for name, value in stash.fields])


def typed_values(stash: FormStash) -> list[str]:
    """What the person typed or chose, to show them before sending it again (in order, once)."""
    seen, out = set(), []
    for name, value in stash.fields:
        value = (value or "").strip()
        if not value or name.startswith(TECHNICAL) or value in seen:
            continue
        seen.add(value)
        out.append(value)
    return out


def finish(user, token: str) -> None:
    db.session.execute(delete(FormStash).where(FormStash.token == token, FormStash.user_id == user.id))
    db.session.commit()


def discard(user, stash: FormStash) -> None:
    audit.record(user, "form_discarded", "form_stash", stash.id)
    db.session.delete(stash)
    db.session.commit()


def purge_expired(now=None) -> int:
    result = db.session.execute(delete(FormStash).where(FormStash.expires_at < (now or utcnow())))
    return result.rowcount or 0


def _matching(user_ids=(), paths=()):
    conditions = [FormStash.user_id.in_(list(user_ids))] if user_ids else []
    for path in paths:
        conditions += [FormStash.path == path, FormStash.path.startswith(path.rstrip("/") + "/")]
    return or_(*conditions) if conditions else false()


def purge_for(user_ids=(), paths=()) -> int:
    """Delete kept forms of these users, or sent to these pages or below them (erasure)."""
    if not user_ids and not paths:
        return 0
    result = db.session.execute(delete(FormStash).where(_matching(user_ids, paths)))
    return result.rowcount or 0


def _participant_pages(participant) -> dict:
    return {"user_ids": [participant.user_id],
            "paths": [f"/canvas/{participant.id}", f"/participants/{participant.id}"]}


def count_for_participant(participant) -> int:
    """Kept forms a participant's erasure will delete: theirs, and any sent to pages about them."""
    return db.session.scalar(select(func.count()).select_from(FormStash)
                             .where(_matching(**_participant_pages(participant)))) or 0


@erases("form_stash.fields", "form_stash.path")
def _erase_kept_forms(participant, **_context) -> list[str]:
    """Erasure: kept forms of the person, or sent to pages about them, are deleted."""
    return ["kept_forms"] if purge_for(**_participant_pages(participant)) else []

