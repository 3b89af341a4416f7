"""`napkin plan`, `catalog`, `designs`, `whiteboard` and `new`: a design in, its figures out."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from napkin.cli.shell import (
    Force,
    JsonOut,
    Overrides,
    Price,
    app,
    fail,
    json_text,
    stdout_console,
    with_price,
    write_new_file,
)
from napkin.errors import NapkinError, writable


class CatalogKind(str, Enum):
    gpus = "gpus"
    models = "models"
    engines = "engines"
    prices = "prices"


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
    price: Price = None,
    as_json: JsonOut = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="show each formula's inputs and each figure's full source"),
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="efficiency profile saved by `napkin calibrate`")
    ] = None,
    sheet: Annotated[
        bool, typer.Option("--sheet", help="print the full capacity sheet after the answer")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="decide the replica count in simulation (3 seeds, 5%% margin; seconds to a "
            "minute) instead of the closed form",
        ),
    ] = False,
) -> None:
    """The recommended deployment and its SLA verdict; the capacity sheet with --sheet."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    try:
        result = plan(load_design(design, with_price(set_, price), profile))
    except NapkinError as error:
        fail(error)
        return
    if verify:
        from napkin.sim.sla_check import verified

        result = verified(result)
    if as_json:
        typer.echo(json_text(result.to_json()))
        return
    from napkin.render.terminal import render_plan

    render_plan(result, stdout_console(), explain, sheet)


@app.command("catalog")
def catalog_command(
    kind: Annotated[CatalogKind, typer.Argument(help="gpus, models, engines or prices")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the shipped GPU, model, engine or price catalog, with sources."""
    from napkin.render.catalog_table import (
        render_engines,
        render_gpus,
        render_models,
        render_prices,
    )
    from napkin.specs import catalog
    from napkin.specs.engine import engines
    from napkin.specs.prices import api_prices, gpu_prices

    entries, render = {
        CatalogKind.gpus: (catalog.gpus(), render_gpus),
        CatalogKind.models: (catalog.models(), render_models),
        CatalogKind.engines: (engines(), render_engines),
        CatalogKind.prices: ((*gpu_prices(), *api_prices()), render_prices),
    }[kind]
    if as_json:
        typer.echo(json_text([e.model_dump(mode="json") for e in entries]))
        return
    stdout_console().print(render(entries))  # type: ignore[operator]


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
    set_: Overrides = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --output")] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", help="efficiency profile saved by `napkin calibrate`")
    ] = None,
) -> None:
    """The design's architecture, every box carrying the plan's numbers."""
    from napkin.planner import plan
    from napkin.render.diagram import Format, render
    from napkin.specs.loader import load_design

    try:
        text = render(plan(load_design(design, set_ or (), profile)), Format(form.value))
        if output is None:
            typer.echo(text, nl=False)
            return
        writable(output, force)
        write_new_file(output, text)
    except NapkinError as error:
        fail(error)


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
    set_: Overrides = None,
    force: Force = False,
) -> None:
    """Clarify first: answer the kind's questions (Enter keeps the default) into a design."""
    from napkin.clarify import Question, clarify, write_design

    def ask(question: Question, default: str) -> str:
        return str(typer.prompt(question.text, default=default, show_default=True))

    try:
        writable(path, force)
        raw = clarify(
            kind.value,
            path.stem,
            None if yes else ask,
            tuple(set_ or ()),
            report=lambda text: typer.echo(text, err=True),
        )
        write_design(raw, path, force)
    except OSError as error:
        fail(NapkinError(f"cannot write: {error.strerror or error}", file=str(path)))
        return
    except NapkinError as error:
        fail(error)
        return
    typer.echo(f"wrote {path}; plan it with: napkin plan {path}")
