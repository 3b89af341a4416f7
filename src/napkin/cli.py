"""The `napkin` command: a thin shell over the Python API (`napkin.load_design`, `napkin.plan`).

Bad input prints one clear message (file, field, allowed values) and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
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
    """List the built-in designs: name, kind and description."""
    from napkin.specs.loader import builtin_designs, load_design

    for name in builtin_designs():
        design = load_design(name)
        typer.echo(f"{name:18s} {design.kind:18s} {design.description or ''}")


class BoardFormat(str, Enum):
    terminal = "terminal"
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command("whiteboard")
def whiteboard_command(
    design: Annotated[str, typer.Argument(help="built-in design name or a YAML design file")],
    form: Annotated[BoardFormat, typer.Option("--format", help="output notation")] = (
        BoardFormat.terminal
    ),
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a field")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --output")] = False,
) -> None:
    """The design's architecture, every box carrying the plan's numbers."""
    from napkin.planner import plan
    from napkin.render.whiteboard import Format, render
    from napkin.specs.loader import load_design

    try:
        text = render(plan(load_design(design, set_ or ())), Format(form.value))
        if output is None:
            typer.echo(text, nl=False)
            return
        if output.exists() and not force:
            raise NapkinError("already exists; pass --force to overwrite it", file=str(output))
        output.write_text(text)
    except NapkinError as error:
        _fail(error)


class Kind(str, Enum):
    chatbot = "chatbot"
    coding_agent = "coding-agent"
    finetune_service = "finetune-service"
    code_completion = "code-completion"
    eval_harness = "eval-harness"


@app.command("new")
def new_command(
    kind: Annotated[Kind, typer.Argument(help="kind of system")],
    path: Annotated[Path, typer.Argument(help="design file to write")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="take every default")] = False,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="pre-answer a question: path=value")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Clarify first: answer the kind's questions (Enter keeps the default) into a design."""
    from napkin.clarify import Question, clarify, write_design

    def ask(question: Question, default: str) -> str:
        return str(typer.prompt(question.text, default=default, show_default=True))

    try:
        if path.exists() and not force:
            raise NapkinError("already exists; pass --force to overwrite it", file=str(path))
        raw = clarify(
            kind.value,
            path.stem,
            None if yes else ask,
            tuple(set_ or ()),
            report=lambda text: typer.echo(text, err=True),
        )
        write_design(raw, path, force)
    except NapkinError as error:
        _fail(error)
        return
    typer.echo(f"wrote {path}; plan it with: napkin plan {path}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NapkinError as error:  # raised outside a command body (e.g. a broken catalog)
        typer.echo(f"napkin: error: {error}", err=True)
        sys.exit(USAGE_ERROR)
