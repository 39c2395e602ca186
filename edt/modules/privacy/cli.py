"""flask --app edt erase-participant CODE / retention [--older-than-years N] [--erase]."""
import click
from flask import current_app
from flask.cli import with_appcontext

from edt.security import SYSTEM

from . import queries, services


@click.command("erase-participant")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@with_appcontext
def erase_participant(code, yes):
    """Erase a participant's personal data; the code and the counts stay."""
    participant = queries.participant_by_code(code)
    if participant is None:
        raise click.ClickException(f"No participant with the code {code!r}.")
    if participant.erased_at is not None:
        raise click.ClickException(f"{participant.code} was already erased.")
    found = services.plan(participant)
    click.echo(f"{participant.code}: name, phone, {found.canvas_notes} canvas notes, {found.revisions} versions, "
               f"{found.comments} comments, {found.plan_lines} plan lines, {found.attendance_notes} attendance notes "
               f"will be replaced by {services.ERASED}; {found.certificates} certificates withdrawn; login closed.")
    if not yes:
        typed = click.prompt("Type the code again to confirm", default="", show_default=False)
        if typed.strip().upper() != participant.code.upper():
            raise click.ClickException("The code did not match. Nothing was erased.")
    services.erase(SYSTEM, participant, via="cli")
    click.echo(f"Erased {participant.code}.")


@click.command("retention")
@click.option("--older-than-years", "years", type=click.IntRange(min=1), default=None,
              help="No activity for this many years (default: RETENTION_YEARS, 5).")
@click.option("--erase", "do_erase", is_flag=True, help="Erase every participant listed.")
@click.option("--yes", is_flag=True, help="With --erase: do not ask for confirmation.")
@with_appcontext
def retention(years, do_erase, yes):
    """List participants with no activity for N years; with --erase, erase them."""
    years = years or int(current_app.config.get("RETENTION_YEARS", 5))
    rows = services.inactive(years)
    for participant, last in rows:
        click.echo(f"{participant.code}  last activity {last.isoformat()}")
    click.echo(f"{len(rows)} participant(s) with no activity for {years} years.")
    if not do_erase or not rows:
        return
    if not yes:
        click.confirm(f"Erase the personal data of these {len(rows)} participant(s)? This cannot be undone.",
                      abort=True)
    for participant, _last in rows:
        services.erase(SYSTEM, participant, via="retention")
    click.echo(f"Erased {len(rows)} participant(s).")


COMMANDS = [erase_participant, retention]
