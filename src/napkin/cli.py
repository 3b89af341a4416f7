"""The `napkin` command: a thin shell over the Python API (`napkin.load_design`, `napkin.plan`).

Bad input prints one clear message (file, field, allowed values) and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer

from napkin.errors import NapkinError

app = typer.Typer(
    name="napkin",
    help="LLM systems-design napkin math you can trust: every figure with unit and provenance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
USAGE_ERROR = 2


class CatalogKind(str, Enum):
    gpus = "gpus"
    models = "models"


def _console():  # noqa: ANN202 - rich is imported lazily to keep start-up fast
    from rich.console import Console

    return Console()


def _fail(error: NapkinError) -> None:
    typer.echo(f"napkin: error: {error}", err=True)
    raise typer.Exit(USAGE_ERROR)


@app.command("plan")
def plan_command(
    design: Annotated[
        str, typer.Argument(help="built-in design name (e.g. chatbot) or a YAML design file")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="override a field: path=value, e.g. workload.dau=20e6 (repeatable)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="show each formula's inputs and each figure's full source"),
    ] = False,
) -> None:
    """Capacity sheet: demand, memory, performance, fleet, queueing and cost."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    try:
        result = plan(load_design(design, set_ or ()))
    except NapkinError as error:
        _fail(error)
        return
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    from napkin.render.terminal import render_plan

    render_plan(result, _console(), explain)


@app.command("catalog")
def catalog_command(
    kind: Annotated[CatalogKind, typer.Argument(help="gpus or models")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the shipped GPU or model catalog, with sources."""
    from napkin.render.catalog import render_gpus, render_models
    from napkin.specs import catalog

    entries = catalog.gpus() if kind is CatalogKind.gpus else catalog.models()
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    render = render_gpus if kind is CatalogKind.gpus else render_models
    _console().print(render(entries))


@app.command("designs")
def designs_command() -> None:
    """List the built-in designs."""
    from napkin.specs.loader import BUILTIN_DIR, builtin_designs

    for name in builtin_designs():
        typer.echo(f"{name}\t{BUILTIN_DIR / (name + '.yaml')}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NapkinError as error:  # raised outside a command body (e.g. a broken catalog)
        typer.echo(f"napkin: error: {error}", err=True)
        sys.exit(USAGE_ERROR)
