"""Flask CLI commands: demo data, places, register import/export, users."""
from __future__ import annotations

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demoregio laden.")
geo_cli = AppGroup("geo", help="Plaatsgegevens (PC4, woonplaatsen, gemeenten).")
import_cli = AppGroup("import", help="Register importeren uit CSV.")
export_cli = AppGroup("export", help="Register exporteren naar CSV.")
users_cli = AppGroup("users", help="Gebruikers beheren.")


def init_app(app) -> None:
    """Register the command groups on the app."""
    # Importing these modules registers their commands on the groups above.
    from beschikbaarheid import accounts, demo, places, register_io  # noqa: F401

    for group in (demo_cli, geo_cli, import_cli, export_cli, users_cli):
        app.cli.add_command(group)
    from jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
