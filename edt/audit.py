"""The audit trail: one AuditEvent per login, view, change, export and refusal.

Rows are append-only: the ORM refuses to update or delete them. Details hold field names and
counts only, never values, so nothing personal survives here after an erasure.
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from edt.clock import utcnow
from edt.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    details: Mapped[dict | None] = mapped_column(JSON)


def init_app(app) -> None:
    """Views never commit: a page that only records who looked (its audit rows) is committed once,
    after the request, here. A service commits its own action together with its audit rows; rows
    left beside other unsaved changes (a refused or failed request) are not committed."""

    @app.after_request
    def _commit_audit_rows(response):
        session = db.session
        if session.info.get(AUDIT_ROWS) and not session.info.get(OTHER_WRITES) and not _other_changes(session):
            session.commit()
        return response


AUDIT_ROWS, OTHER_WRITES = "edt_audit_rows", "edt_other_writes"  # keys in the session's info


def _other_changes(session) -> bool:
    """Does the session hold unsaved changes besides audit rows?"""
    return (any(not isinstance(obj, AuditEvent) for obj in session.new) or bool(session.deleted)
            or any(session.is_modified(obj) for obj in session.dirty if not isinstance(obj, AuditEvent)))


@event.listens_for(Session, "before_flush")
def _note_other_writes(session, flush_context, instances):
    """An autoflush (a query run after an audit row was added) sends the row to the database
    before the request ends: remember whether anything besides audit rows went with it."""
    if _other_changes(session):
        session.info[OTHER_WRITES] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_args):
    session.info.pop(AUDIT_ROWS, None)
    session.info.pop(OTHER_WRITES, None)


def record(actor, action: str, target_type: str | None = None, target_id=None, *,
           outcome: str = "ok", details: dict | None = None, commit: bool = False) -> AuditEvent:
    """Add an audit row to the current transaction: committed with the action it records (by the
    service), or after the request when it is all the request wrote (init_app). `commit=True`
    is for the command line, which has no request."""
    actor_id = getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    event_row = AuditEvent(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        outcome=outcome,
        details=details,
        at=utcnow(),
    )
    db.session.add(event_row)
    db.session.info[AUDIT_ROWS] = True
    if commit:
        db.session.commit()
    return event_row


@event.listens_for(Session, "before_flush")
def _append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("Audit events are append-only")
