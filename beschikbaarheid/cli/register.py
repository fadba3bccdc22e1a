"""`flask import products|offerings` and `flask export products|offerings`: the register as CSV."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from beschikbaarheid import register_io
from beschikbaarheid.cli.errors import CommandError
from beschikbaarheid.domain.plain_text import strip_control

import_cli = AppGroup("import", help="Register importeren uit CSV.")
export_cli = AppGroup("export", help="Register exporteren naar CSV.")


_REGION = click.option("--region", "region_name", required=True, metavar="NAAM", help="Naam van de inkoopregio.")
_DRY_RUN = click.option("--dry-run", is_flag=True, help="Alleen controleren; niets opslaan.")
_FILE = click.argument("file", metavar="BESTAND", type=click.Path(dir_okay=False, path_type=Path))


def _read(path: Path) -> bytes:
    """The file's bytes, or a Dutch error instead of a traceback."""
    if not path.exists():
        raise CommandError(f"Bestand '{path}' bestaat niet.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Bestand '{path}' kan niet worden gelezen: {exc.strerror}.") from None


def _echo(text: str, **kwargs) -> None:
    """Print without control characters: names stored by older versions must not reach a terminal raw."""
    click.echo(strip_control(text, keep="\n"), **kwargs)


def _run(do_import, path: Path, **kwargs) -> None:
    """Run an import and print its summary, or every problem and exit with status 1."""
    data = _read(path)
    try:
        summary = do_import(data=data, **kwargs)
    except register_io.ImportFailed as failed:
        for error in failed.errors:
            _echo(str(error), err=True)
        lines = f" in {failed.bad_lines} regel(s)" if failed.bad_lines else ""
        raise CommandError(f"Niets geïmporteerd: {len(failed.errors)} fout(en){lines} in '{path.name}'.") from None
    for warning in summary.warnings:
        _echo(f"let op, {warning}", err=True)
    _echo(summary.text())


@import_cli.command("products")
@_REGION
@_DRY_RUN
@_FILE
def import_products_command(region_name: str, dry_run: bool, file: Path) -> None:
    """Productcatalogus van een regio importeren (code,naam,categorie,segment,vorm,trefwoorden)."""
    _run(register_io.import_products, file, region_name=region_name, dry_run=dry_run)


@import_cli.command("offerings")
@_REGION
@_DRY_RUN
@_FILE
def import_offerings_command(region_name: str, dry_run: bool, file: Path) -> None:
    """Aanbod (aanbieders, locaties, contracten, plekken en wachttijden) van een regio importeren."""
    _run(register_io.import_offerings, file, region_name=region_name, source=file.name, dry_run=dry_run)


def _export(render, region_name: str, path: Path) -> None:
    """Write one export to `path` ('-' = standard output), refusing unknown regions in Dutch."""
    region = register_io.find_region(region_name)
    if region is None:
        raise CommandError(register_io.unknown_region_message(region_name))
    text = render(region)  # every cell is already stripped of control characters (register_io._cells)
    if str(path) == "-":
        click.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise CommandError(f"Bestand '{path}' kan niet worden geschreven: {exc.strerror}.") from None
    click.echo(f"{text.count(chr(10)) - 1} regels geschreven naar {path}.")


@export_cli.command("products")
@_REGION
@_FILE
def export_products_command(region_name: str, file: Path) -> None:
    """Productcatalogus van een regio exporteren als CSV (importformaat)."""
    _export(register_io.export_products, region_name, file)


@export_cli.command("offerings")
@_REGION
@_FILE
def export_offerings_command(region_name: str, file: Path) -> None:
    """Aanbod van een regio exporteren als CSV (importformaat, opnieuw te importeren)."""
    _export(register_io.export_offerings, region_name, file)
