"""How every `flask` command stops on a problem the operator can fix: a Dutch message, exit status 1."""
from __future__ import annotations

import click


class CommandError(click.ClickException):
    """click's error with a Dutch prefix on each line (administrators read these), exit status 1."""

    def show(self, file=None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"Fout: {line}", err=True, file=file)
