"""One counter of committed changes to the records figures are computed from.

Every transaction that writes any table but the few that never feed a figure (the audit trail,
the throttle counters, the stash of unsent forms, staff and participant accounts) adds one to a
single row, `data_version`, as the last statement before its commit. A reader that notes the
counter *before* computing its figures may keep them, keyed by the counter, for as long as the
counter stays the same: any later change to enrolments, attendance, canvases, certificates,
participants, batches, partners, follow-ups... moves it. The reports dashboard caches that way
(reports.cache), so its figures are exactly those computed from the records, never stale.

Why one row updated at commit: on PostgreSQL the update locks the row until the commit, so the
counter moves in commit order (a sequence would not: a lower number can commit after a higher
one) and a transaction holds the row only while it commits, after all its other writes, so the
lock cannot be part of a deadlock. Writers of figures wait for each other only for that moment.
Both ORM flushes and DML statements run through the session (update(), delete(), insert()) are
seen. Writes that bypass the session (raw connections, `seed-scale`'s bulk load) bump it
themselves with bump(connection).
"""
import secrets

from sqlalchemy import BigInteger, Integer, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from edt.extensions import db

# Tables no figure is computed from: writing them does not move the counter.
# report_tally is counted from the marks in the same transaction as the marks themselves, which
# move the counter already.
QUIET_TABLES = frozenset({"audit_event", "throttle_counter", "form_stash", "user", "data_version",
                          "alembic_version", "report_tally"})
CHANGED = "edt_changes_figures"
# An execution option for a write statement on attendance marks, enrolments or training days that
# changes nothing a day count is made from (an erased note): the reports' day counts
# (reports/tally.py) are then left as they are instead of being counted again for everyone.
COUNTS_UNCHANGED = "edt_counts_unchanged"


class DataVersion(db.Model):
    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # Random, set when the row is made: a database emptied and filled again (the test suite does)
    # starts a new series of values, which must not match figures kept from the old one.
    stamp: Mapped[str] = mapped_column(String(32), nullable=False)


def version() -> tuple[str, int] | None:
    """(stamp, counter) as committed now; None while there is no counter row yet (then nothing
    may be kept: the first change makes the row)."""
    row = db.session.execute(select(DataVersion.stamp, DataVersion.value).where(DataVersion.id == 1)).first()
    return (row.stamp, row.value) if row else None


def bump(connection) -> None:
    """Move the counter on `connection` (for writes made outside the ORM session)."""
    result = connection.execute(update(DataVersion.__table__).where(DataVersion.__table__.c.id == 1)
                                .values(value=DataVersion.__table__.c.value + 1))
    if not result.rowcount:
        connection.execute(DataVersion.__table__.insert().values(id=1, value=1, stamp=secrets.token_hex(16)))


def new_series() -> None:
    """Give the counter a new stamp (after a restore put back an older counter row, or a test put
    back a snapshot): figures kept under the old series can never match again."""
    table = DataVersion.__table__
    with db.engine.begin() as connection:
        if not connection.execute(update(table).where(table.c.id == 1).values(stamp=secrets.token_hex(16))).rowcount:
            connection.execute(table.insert().values(id=1, value=0, stamp=secrets.token_hex(16)))


def _loud(tables) -> bool:
    return any(name not in QUIET_TABLES for name in tables)


@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context):
    tables = {obj.__table__.name for obj in (*session.new, *session.dirty, *session.deleted)
              if hasattr(obj, "__table__")}
    if _loud(tables):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and _loud({table.name}):
            state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session):
    """The last statement of a transaction that changed a figure's records (pending objects are
    flushed first, so their changes are seen)."""
    session.flush()
    if session.info.pop(CHANGED, False):
        bump(session.connection())

# No reset on rollback: a savepoint's rollback must not forget the outer transaction's changes;
# a flag left by a rolled-back transaction only moves the counter once more than needed.
