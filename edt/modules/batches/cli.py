"""flask --app edt holidays add|list: the public holidays new batches skip."""
import click
from flask.cli import with_appcontext

from edt import clock
from edt.security import SYSTEM

from . import queries, services


@click.group("holidays")
def holidays():
    """Public holidays: new batches place no training day on them."""


@holidays.command("add")
@click.argument("day", metavar="DATE", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name", nargs=-1, required=True)
@with_appcontext
def holidays_add(day, name):
    """Add a holiday: flask --app edt holidays add 2026-12-16 Victory Day"""
    try:
        holiday = services.add_holiday(SYSTEM, day.date(), " ".join(name))
    except services.BatchError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {holiday.date.isoformat()} {holiday.name}.")


@holidays.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include past years.")
@with_appcontext
def holidays_list(show_all):
    """List the holidays from this year on."""
    start = None if show_all else clock.today().replace(month=1, day=1)
    rows = queries.holidays(start)
    for holiday in rows:
        click.echo(f"{holiday.date.isoformat()}  {holiday.date.strftime('%a')}  {holiday.name}")
    if not rows:
        click.echo("No holidays listed.")


COMMANDS = [holidays]
