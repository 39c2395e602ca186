"""Backup and restore: `flask --app edt backup PATH` and `restore PATH` on the suite's own
database (SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore). A backup,
then changes, then a restore gives back every table with the same row count and checksum."""
import sqlite3
import stat

import pytest
from sqlalchemy import create_engine, text

from edt import backup as backups
from edt.extensions import db
from edt.modules.canvas import services as canvas_services
from edt.modules.privacy import services as privacy

from tests.conftest import csrf_token
from tests.factories import PASSWORD, canvas_world, certificate_world, make_participant


def _changes(world):
    """Changes of every kind after the backup: new rows, updated rows, deleted rows."""
    from edt.modules.batches import services as batches

    make_participant(world.jashore, world.trainer, full_name="Registered After The Backup")
    canvas_services.add_item(world.participant.user, world.canvas, "channels", "Added after", world.canvas.revision)
    privacy.erase(world.trainer, world.participant)
    batches.delete_holiday(world.trainer, world.holiday)


def test_backup_change_restore_gives_back_every_table(app, client, world, tmp_path):
    canvas_world(world)
    certificate_world(world)
    participant_id = world.participant.id
    runner = app.test_cli_runner()
    path = tmp_path / "edt.backup"
    before = backups.fingerprint()
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    tables, rows = len(before), sum(n for n, _ in before.values())
    assert f"Backed up {tables} tables, {rows} rows" in made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds personal data
    head = path.read_bytes()[:16]
    assert head.startswith(b"SQLite format 3" if db.engine.dialect.name == "sqlite" else b"PGDMP")

    _changes(world)
    changed = backups.fingerprint()
    differ = sorted(name for name in before if before[name] != changed[name])
    assert {"participant", "canvas", "canvas_revision", "holiday", "audit_event"} <= set(differ)

    db.session.remove()  # the test holds nothing while the database is replaced
    restored = runner.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = backups.fingerprint()
    assert after == before, sorted(name for name in before if before[name] != after.get(name))
    assert all(n > 0 for name, (n, _d) in after.items() if name in ("user", "participant", "canvas", "audit_event"))
    # The application works on the restored database: a login and a page.
    token = csrf_token(client)
    response = client.post("/accounts/login", data={"username": "mtr", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "Rahima Khatun" in client.get(f"/participants/{participant_id}").get_data(as_text=True)


def test_a_backup_is_a_consistent_snapshot_without_uncommitted_writes(app, world, tmp_path):
    """Taken while another connection is in the middle of a write: the backup holds what was
    committed, nothing half-written (never a file copy of a live database)."""
    url = db.engine.url.render_as_string(hide_password=False)
    other = create_engine(url, isolation_level="AUTOCOMMIT" if db.engine.dialect.name == "postgresql" else None)
    path = tmp_path / "snapshot.backup"
    with other.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA busy_timeout=15000")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
        conn.execute(text("INSERT INTO holiday (date, name, created_at) VALUES ('2031-01-01', 'Half-written', "
                          "'2030-01-01 00:00:00')"))
        backups.backup(path)
        conn.exec_driver_sql("ROLLBACK")
    other.dispose()
    if db.engine.dialect.name == "sqlite":
        copy = sqlite3.connect(path)
        try:
            names = [r[0] for r in copy.execute("SELECT name FROM holiday")]
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            copy.close()
        assert "Half-written" not in names
    db.session.remove()
    backups.restore(path)
    assert db.session.execute(text("SELECT count(*) FROM holiday WHERE name = 'Half-written'")).scalar() == 0


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(app, world, tmp_path):
    canvas_world(world)
    runner = app.test_cli_runner()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database backup\n" * 50)
    before = backups.fingerprint()
    db.session.remove()
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "Error" in result.output
    assert backups.fingerprint() == before
    asked = runner.invoke(args=["restore", str(junk)], input="n\n")
    assert asked.exit_code != 0 and backups.fingerprint() == before
    missing = runner.invoke(args=["backup", str(tmp_path / "no-such-folder" / "x.backup")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_missing_postgresql_tools_fail_with_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    for tool in ("pg_dump", "pg_restore"):
        with pytest.raises(backups.BackupError, match=f"{tool} was not found.*postgresql-client"):
            backups._pg_tool(tool)


def test_the_postgresql_password_never_reaches_the_command_line():
    from sqlalchemy.engine import make_url

    conninfo, env = backups._pg_target(make_url("postgresql+psycopg://edt:s3cret-pass@db.example:5433/edt"))
    assert "s3cret-pass" not in conninfo and conninfo.startswith("postgresql://edt@db.example:5433/edt")
    assert env["PGPASSWORD"] == "s3cret-pass"
