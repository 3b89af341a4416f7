"""The `napkin` command: a thin shell over the Python API (`napkin.load_design`, `napkin.plan`).

One module per command family (`planning`, `simulating`, `drilling`, `optimizing`,
`reporting`, `calibrating`), each only parsing flags and rendering results; `shell` holds
what they share. Bad input prints one clear message (file, field, allowed values) and
exits with status 2.
"""

from __future__ import annotations

import sys

import typer

# Importing a family registers its commands; `napkin --help` lists them in this order, the
# method's: plan, simulate, drill, optimize, report, calibrate.
# isort: off
from napkin.cli import planning  # noqa: F401
from napkin.cli import simulating  # noqa: F401
from napkin.cli import drilling  # noqa: F401
from napkin.cli import optimizing  # noqa: F401
from napkin.cli import costing  # noqa: F401
from napkin.cli import reporting  # noqa: F401
from napkin.cli import calibrating  # noqa: F401

# isort: on
from napkin.cli.shell import PUBLISHED, USAGE_ERROR, app
from napkin.errors import NapkinError

__all__ = ["PUBLISHED", "USAGE_ERROR", "app", "main"]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NapkinError as error:  # raised outside a command body (e.g. a broken catalog)
        typer.echo(f"napkin: error: {error}", err=True)
        sys.exit(USAGE_ERROR)


if __name__ == "__main__":
    main()
