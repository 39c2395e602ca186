"""flask --app edt seed-demo: the demo partners, users, batches and records (edt.demo).

Kept apart from edt/cli.py: the demo data is built through every module's services, and the core
commands import no module."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from edt import demo
from edt.extensions import db
from edt.modules.accounts.models import User


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo(if_empty):
    """Load the demo partners, users, batches and records (never in production)."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("seed-demo refuses to run under the production configuration: its logins are public.")
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("Demo data already loaded; keeping what users entered.")
            click.echo(demo.logins_text())
            return
        raise click.ClickException("The database already has users; seed-demo only fills an empty database.")
    demo.seed()
    click.echo(demo.logins_text())
