"""flask --app edt <command>: the commands that belong to no module (the schema, backups).

Each module's own commands live in its cli.py and are added by the registry (edt.modules)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from edt.backup import backup_command, restore_command
from edt.migrations_cli import upgrade


def register(app) -> None:
    for command in (init_db, backup_command, restore_command):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the latest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database is up to date.")
