"""`flask demo load`: the demo region with fictional providers and a year of history."""
from __future__ import annotations

import datetime as dt
import os

import click
from flask import current_app
from flask.cli import AppGroup

from beschikbaarheid.cli.errors import CommandError
from beschikbaarheid.demo import DemoLoadError, load_demo
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Region

demo_cli = AppGroup("demo", help="Demoregio laden.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Niets doen als er al een regio in de database staat.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Peildatum JJJJ-MM-DD waar de demogeschiedenis naartoe loopt (standaard: vandaag).")
def load_command(if_empty: bool, as_of: dt.datetime | None) -> None:
    """Laad de demoregio 'Een 10 voor de Jeugd' met fictieve aanbieders en een jaar geschiedenis."""
    # The demo creates a beheerder account; in production its password must not be the published one.
    if current_app.config.get("ENV_NAME") == "production" and not os.environ.get("DEMO_PASSWORD"):
        raise CommandError(
            "De demoregio laden in productie kan alleen met een eigen DEMO_PASSWORD in de omgeving "
            "(het standaardwachtwoord staat in de README)."
        )
    if if_empty and db.session.scalar(db.select(Region.id).limit(1)) is not None:
        click.echo("Er staat al een regio in de database; de demoregio is niet opnieuw geladen.")
        return
    try:
        counts = load_demo(as_of.date() if as_of else None)
    except DemoLoadError as exc:
        raise CommandError(str(exc)) from None
    share = counts["providers_updated_this_month"] / counts["providers"]
    click.echo(
        f"Demoregio '{counts['region']}' geladen (peildatum {counts['as_of']}) in {counts['seconds']:.1f} s:\n"
        f"  {counts['municipalities']} gemeenten in {counts['subregions']} subregio's, "
        f"{counts['neighbour_municipalities']} buurgemeenten\n"
        f"  {counts['woonplaatsen']} woonplaatsen en {counts['pc4_areas']} postcodegebieden toegevoegd\n"
        f"  {counts['products']} producten, {counts['providers']} aanbieders, {counts['locations']} locaties\n"
        f"  {counts['contracts']} contracten, {counts['offerings']} aanbiedingen, {counts['history']} historieregels\n"
        f"  {counts['providers_updated_this_month']} aanbieders ({share:.0%}) hebben deze maand bijgewerkt\n"
        f"  {counts['users']} demo-accounts; toon ze met: flask --app beschikbaarheid users demo-list"
    )
