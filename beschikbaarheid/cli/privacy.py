"""`flask privacy check [--blank]`: stored free text that looks like client data (never printing it)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from beschikbaarheid.cli.errors import CommandError
from beschikbaarheid.services import privacy

privacy_cli = AppGroup("privacy", help="Opgeslagen vrije tekst controleren op cliëntgegevens.")


@privacy_cli.command("check")
@click.option("--blank", is_flag=True, help="De gevonden waarden leegmaken (de historie inbegrepen).")
def check_command(blank: bool) -> None:
    """Meld notities, hun historie, toelichtingen en gespreksnotities die op cliëntgegevens lijken (tabel, id, veld, soort).

    Zonder --blank is de exitcode 1 als er iets gevonden is, zodat een controle in cron of CI opvalt.
    """
    findings = list(privacy.scan())
    for finding in findings:
        click.echo(str(finding))
    if not findings:
        click.echo("Geen opgeslagen tekst die op cliëntgegevens lijkt.")
        return
    if not blank:
        raise CommandError(f"{len(findings)} waarde(n) lijken cliëntgegevens te bevatten. "
                           "Maak ze leeg met 'flask privacy check --blank'.")
    counts = privacy.blank(findings)
    parts = ", ".join(f"{n} in {table}" for table, n in sorted(counts.items()))
    click.echo(f"{len(findings)} waarde(n) leeggemaakt ({parts}).")
