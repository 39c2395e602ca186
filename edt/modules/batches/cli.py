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
@click.option("--lunar", is_flag=True, help="The date depends on the moon sighting.")
@with_appcontext
def holidays_add(day, name, lunar):
    """Add a holiday: flask --app edt holidays add 2026-12-16 Victory Day"""
    try:
        holiday = services.add_holiday(SYSTEM, day.date(), " ".join(name), lunar=lunar)
    except services.BatchError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {holiday.date.isoformat()} {holiday.name}.")


@holidays.command("load")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def holidays_load(path):
    """Load holidays from a CSV file (date,name,lunar,note): all rows or, if one is bad, none.
    The list shipped with EDT: edt/data/holidays-bd-2026-2027.csv"""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise click.ClickException("The file is not UTF-8 text; save it as CSV UTF-8.") from error
    try:
        added, kept = services.load_holidays(SYSTEM, text)
    except services.HolidayFileError as error:
        for line, message in error.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {added} holidays; {kept} were already listed and kept.")


@holidays.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include past years.")
@with_appcontext
def holidays_list(show_all):
    """List the holidays from this year on."""
    start = None if show_all else clock.today().replace(month=1, day=1)
    rows = queries.holidays(start)
    for holiday in rows:
        mark = "  (lunar: check locally)" if holiday.lunar else ""
        click.echo(f"{holiday.date.isoformat()}  {holiday.date.strftime('%a')}  {holiday.name}{mark}")
    if not rows:
        click.echo("No holidays listed.")


COMMANDS = [holidays]
