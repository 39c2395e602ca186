"""A device's sync credential, and the saves the sync endpoint has applied (each once).

SyncDevice: a random token (only its SHA-256 is stored) handed to the JavaScript of one logged-in
session. It is valid while the account's session_version is the one it was issued under (logout,
"end all sessions", a new PIN or password, deactivation all bump it) and until the session's own
absolute end, so it is checked like a session; it is what authenticates a delayed send instead of
a form's CSRF token.

AppliedItem: one row per (user, client key) written in the same transaction as the save it
stands for, so a key is applied once: a retry after a lost answer finds it and does nothing.
"""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from edt.clock import utcnow
from edt.enums import Labelled
from edt.extensions import db


class Kind(Labelled):
    """What a queued save is: the attendance of one day, a follow-up visit, a canvas note."""
    ATTENDANCE = "attendance"
    FOLLOWUP = "followup"
    CANVAS_NOTE = "canvas_note"


class SyncDevice(db.Model):
    __tablename__ = "sync_device"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppliedItem(db.Model):
    __tablename__ = "sync_applied_item"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_sync_applied_item_user_key"),
        CheckConstraint(Kind.check("kind"), name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the item as sent: a reused key is told apart
    # what a later save of the same device builds on: for a canvas note, the revision it was based
    # on and the one it made ({"participant_id", "base", "revision"}), so a second note queued on
    # the same page is not taken for a colleague's change
    result: Mapped[dict | None] = mapped_column(JSON)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Kind.labels({Kind.ATTENDANCE: _l("Attendance"), Kind.FOLLOWUP: _l("Follow-up visit"),
             Kind.CANVAS_NOTE: _l("Business plan note")})
