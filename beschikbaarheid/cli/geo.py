"""`flask geo import`: load a GeoNames postcode file into the place tables."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from beschikbaarheid.cli.errors import CommandError
from beschikbaarheid.places import GeoImportError, import_geonames, summary_lines

geo_cli = AppGroup("geo", help="Plaatsgegevens (PC4, woonplaatsen, gemeenten).")


@geo_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def geo_import_command(file: Path) -> None:
    """Importeer een GeoNames-postcodebestand (NL.txt); opnieuw importeren is onschadelijk."""
    started = time.perf_counter()
    try:
        counts = import_geonames(file, echo=click.echo)
    except GeoImportError as exc:
        raise CommandError(str(exc)) from None
    for line in summary_lines(counts):
        click.echo(line)
    click.echo(f"Klaar in {time.perf_counter() - started:.1f} s.")
