"""Backup and restore of the whole database, and a fingerprint to compare two states.

SQLite: through SQLite's online backup API (sqlite3.Connection.backup), which copies a
consistent snapshot while the application keeps running, WAL content included; never a file copy
of a live database. PostgreSQL: pg_dump's custom format, restored with pg_restore (the PostgreSQL
client tools, matching the server's major version). Restoring replaces everything in the database.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump/pg_restore run in list form, never through a shell
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import URL, inspect, select, text

from edt import changes
from edt.extensions import db

PG_HINT = ("Install the PostgreSQL client tools for the server's version (Debian/Ubuntu: the "
           "postgresql-client package), or put pg_dump and pg_restore on the PATH.")


class BackupError(RuntimeError):
    """Backup or restore failed; the message says why, in plain words."""


# --- the fingerprint ---------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, bytes):
        return value.hex()
    return value


def fingerprint() -> dict[str, tuple[int, str]]:
    """{table: (row count, sha256 of every row in primary-key order)} for every table of the
    schema (but the change counter, edt/changes.py, which a restore starts afresh) and Alembic's
    version table."""
    result = {}
    existing = set(inspect(db.engine).get_table_names())
    for table in db.metadata.sorted_tables:
        if table.name not in existing or table.name == changes.DataVersion.__tablename__:  # bookkeeping, not data
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256()
        for row in rows:
            digest.update(json.dumps([_plain(v) for v in row], sort_keys=True, default=str,
                                     ensure_ascii=False).encode())
        result[table.name] = (len(rows), digest.hexdigest())
    if "alembic_version" in existing:
        versions = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        result["alembic_version"] = (len(versions), hashlib.sha256("|".join(versions).encode()).hexdigest())
    db.session.commit()  # end the read transaction: nothing is held while a restore runs
    return result


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_check(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error}).") from error
    if ok != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {ok}")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not an EDT database (it has no alembic_version table).")


def _sqlite_backup(path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(target)  # the online backup API: a consistent snapshot
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()
    finally:
        raw.close()
    _sqlite_check(partial)
    os.replace(partial, path)


def _sqlite_restore(path: Path) -> None:
    _sqlite_check(path)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw = db.engine.raw_connection()
    try:
        source.backup(raw.driver_connection)  # copied into the live database, page by page
    finally:
        raw.close()
        source.close()


# --- PostgreSQL --------------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found. {PG_HINT}")
    return found


def _pg_target(url) -> tuple[str, dict]:
    """A libpq connection string without the password, which travels in the environment (never
    on a command line that `ps` shows)."""
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                       query=url.query)
    conninfo = plain.render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # nosec B603  # list-form call of pg_dump/pg_restore with the configured database URL, no shell
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _pg_backup(path: Path) -> None:
    conninfo, env = _pg_target(db.engine.url)
    partial = path.with_name(path.name + ".partial")
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
          f"--dbname={conninfo}"], env)
    os.replace(partial, path)


def _pg_restore(path: Path) -> None:
    tool = _pg_tool("pg_restore")
    conninfo, env = _pg_target(db.engine.url)
    _run([tool, "--list", str(path)], env)  # a readable custom-format archive, before touching anything
    db.session.remove()
    db.engine.dispose()  # this process holds no connection (and so no lock) while tables are replaced
    _run([tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={conninfo}", str(path)], env)


# --- entry points ------------------------------------------------------------------------------

def backup(path) -> dict[str, tuple[int, str]]:
    """Write a backup of the whole database to `path`; returns the fingerprint it holds."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    db.session.commit()
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        _sqlite_backup(path)
    elif dialect == "postgresql":
        _pg_backup(path)
    else:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    path.chmod(0o600)  # it holds personal data
    return fingerprint()


def restore(path) -> dict[str, tuple[int, str]]:
    """Replace the whole database with the backup at `path`; returns the fingerprint after."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    db.session.remove()
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        _sqlite_restore(path)
    elif dialect == "postgresql":
        _pg_restore(path)
    else:
        raise BackupError(f"Restoring {dialect} databases is not supported.")
    db.engine.dispose()  # no pooled connection keeps anything cached from before
    changes.new_series()  # figures kept by a running app were computed from the replaced records
    return fingerprint()


def _summary(prints: dict) -> str:
    rows = sum(n for n, _digest in prints.values())
    return f"{len(prints)} tables, {rows} rows"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path):
    """Back up the whole database to PATH (SQLite: online backup API; PostgreSQL: pg_dump)."""
    try:
        prints = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {_summary(prints)} to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@with_appcontext
def restore_command(path, yes):
    """Replace the whole database with the backup at PATH. Stop the app servers first."""
    if not yes:
        click.confirm("This replaces everything in the database with the backup. Continue?", abort=True)
    try:
        prints = restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {_summary(prints)} from {path}. Run `flask --app edt init-db` if the backup "
               "is from an older version.")
