"""flask --app edt create-user / unlock: staff accounts from the command line."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from edt import audit, throttle
from edt.extensions import db
from edt.security import SYSTEM

from . import services
from .models import Partner


@click.command("create-user")
@click.option("--role", type=click.Choice(["master_trainer", "facilitator"]), required=True)
@click.option("--username", required=True)
@click.option("--partner", "partner_name", help="Partner organisation name (required for facilitators).")
@click.option("--name", "display_name", default="", help="Full name shown to colleagues.")
@click.password_option(prompt="Password (at least 12 characters)")
@with_appcontext
def create_user(role, username, partner_name, display_name, password):
    """Create a staff account."""
    partner_id = None
    if partner_name:
        partner = db.session.scalar(select(Partner).where(func.lower(Partner.name) == partner_name.lower()))
        if partner is None:
            raise click.ClickException(f"No partner named {partner_name!r}. Create it first on the partners page.")
        partner_id = partner.id
    try:
        user = services.create_staff(SYSTEM, username=username, password=password, role=role,
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
    audit.record(SYSTEM, "login_lock_cleared", "user", subject,
                 details={"failures": sum(r.count for r in rows), "refused": sum(r.refused for r in rows),
                          "was_locked": any(r.locked_at is not None for r in rows), "via": "command line"})
    db.session.commit()
    click.echo(f"{username} can log in again.")


COMMANDS = [create_user, unlock]
