"""The `flask` commands, one module per group; only `create_app` imports this package.

Each module defines its group and its commands and calls down into the services; nothing here
registers a command by being imported elsewhere.
"""
from __future__ import annotations

from flask import Flask

from beschikbaarheid.cli import demo, geo, jobs, privacy, register, users


def init_app(app: Flask) -> None:
    """Add every command group to the app's `flask` command."""
    for group in (demo.demo_cli, geo.geo_cli, register.import_cli, register.export_cli, users.users_cli, jobs.jobs_cli,
                  privacy.privacy_cli):
        app.cli.add_command(group)
