from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from edt.clock import utcnow
from edt.extensions import db


class FormStash(db.Model):
    """What a form sent when its session had ended: kept for its owner only, for a few hours,
    until it is sent again or thrown away. It may hold personal text (attendance notes, canvas
    notes), so it lives only server-side, never in a URL or a cookie, and expires quickly."""

    __tablename__ = "form_stash"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(255))
    fields: Mapped[list] = mapped_column(JSON)  # [[name, value], ...] in the order sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
