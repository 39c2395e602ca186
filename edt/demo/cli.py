"""`flask --app edt seed-demo`: the demo story on an empty database (never in production)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from werkzeug.security import generate_password_hash

from edt.clock import today
from edt.demo import scale, seed
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
            click.echo(seed.logins_text())
            return
        raise click.ClickException("The database already has users; seed-demo only fills an empty database.")
    seed.seed()
    click.echo(seed.logins_text())


@click.command("seed-scale")
@click.option("--participants", type=click.IntRange(1, 1_000_000), default=6000, show_default=True,
              help="How many participants (batches of 25, over four years, in all ten districts).")
@with_appcontext
def seed_scale(participants):
    """Fill an empty database with programme-scale data for benchmarks (never in production)."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("seed-scale refuses to run under the production configuration.")
    try:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        made = scale.seed_scale(participants, password_hash=generate_password_hash(seed.DEMO_PASSWORD, method=method),
                                pin_hash=generate_password_hash(seed.DEMO_PIN, method=method), today=today(),
                                public_url=current_app.config["PUBLIC_URL"])
    except scale.ScaleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in made.items()))
    click.echo(f"Staff log in as scale-trainer or scale-facilitator-<partner id> with {seed.DEMO_PASSWORD}; "
               f"the first participant of each batch has the PIN {seed.DEMO_PIN}.")


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(seed_scale)
