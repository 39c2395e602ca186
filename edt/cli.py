"""flask --app edt <command>: database, users, holidays, backups (the demo data: edt/demo/cli.py)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from edt import clock
from edt import audit, throttle
from edt.extensions import db


def register(app) -> None:
    for command in (init_db, create_user, unlock):
        app.cli.add_command(command)
    app.cli.add_command(holidays)
    # issue 8: backup and restore, erasure and retention
    from edt.backup import backup_command, restore_command
    from edt.modules.privacy.cli import erase_participant, retention

    for command in (backup_command, restore_command, erase_participant, retention):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the latest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database is up to date.")


@click.command("create-user")
@click.option("--role", type=click.Choice(["master_trainer", "facilitator"]), required=True)
@click.option("--username", required=True)
@click.option("--partner", "partner_name", help="Partner organisation name (required for facilitators).")
@click.option("--name", "display_name", default="", help="Full name shown to colleagues.")
@click.password_option(prompt="Password (at least 12 characters)")
@with_appcontext
def create_user(role, username, partner_name, display_name, password):
    """Create a staff account."""
    from edt.modules.accounts import services
    from edt.modules.accounts.models import Partner

    partner_id = None
    if partner_name:
        partner = db.session.scalar(select(Partner).where(func.lower(Partner.name) == partner_name.lower()))
        if partner is None:
            raise click.ClickException(f"No partner named {partner_name!r}. Create it first on the partners page.")
        partner_id = partner.id
    try:
        user = services.create_staff(None, username=username, password=password, role=role,
                                     display_name=display_name, partner_id=partner_id)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.username}.")


@click.command("unlock")
@click.argument("username")
@with_appcontext
def unlock(username):
    """End an account's login lock or wait (for a locked master trainer: others use the
    Locked accounts page)."""
    rows = throttle.clear(throttle.ACCOUNT_SCOPES, throttle.account_name(username))
    if not rows:
        raise click.ClickException(f"{username!r} has no failed attempts to clear.")
    subject = next((r.subject_id for r in rows if r.subject_id is not None), None)
    audit.record(None, "login_lock_cleared", "user", subject,
                 details={"failures": sum(r.count for r in rows), "refused": sum(r.refused for r in rows),
                          "was_locked": any(r.locked_at is not None for r in rows), "via": "command line"})
    db.session.commit()
    click.echo(f"{username} can log in again.")


@click.group("holidays")
def holidays():
    """Public holidays: new batches place no training day on them."""


@holidays.command("add")
@click.argument("day", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name", nargs=-1, required=True)
@with_appcontext
def holidays_add(day, name):
    """Add a holiday: flask --app edt holidays add 2026-12-16 Victory Day"""
    from edt.modules.batches import services

    try:
        holiday = services.add_holiday(None, day.date(), " ".join(name))
    except services.BatchError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {holiday.date.isoformat()} {holiday.name}.")


@holidays.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include past years.")
@with_appcontext
def holidays_list(show_all):
    """List the holidays from this year on."""
    from edt.modules.batches import queries

    start = None if show_all else clock.today().replace(month=1, day=1)
    rows = queries.holidays(start)
    for holiday in rows:
        click.echo(f"{holiday.date.isoformat()}  {holiday.date.strftime('%a')}  {holiday.name}")
    if not rows:
        click.echo("No holidays listed.")
