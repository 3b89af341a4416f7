"""`napkin report` and `napkin ui`: a shareable file, and the app to explore what-ifs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from napkin.cli.shell import (
    Force,
    Overrides,
    Price,
    Quiet,
    Yes,
    app,
    fail,
    json_text,
    progress_steps,
    with_price,
    write_new_file,
)
from napkin.errors import NapkinError, writable

REPORT_FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".json": "json"}


@app.command("report")
def report_command(
    design: Annotated[str, typer.Argument(help="built-in design or a YAML file")],
    html: Annotated[Path | None, typer.Option("--html", help="write the HTML report")] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="write the Markdown report")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write every figure")] = None,
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", "-o", help="file to write, format from .html, .md or .json"),
    ] = None,
    set_: Overrides = None,
    price: Price = None,
    simulate_s: Annotated[
        float, typer.Option("--simulate", help="simulated seconds (0 skips the simulation)")
    ] = 60.0,
    optimize: Annotated[
        bool, typer.Option("--optimize/--no-optimize", help="include the design search")
    ] = True,
    drills: Annotated[bool, typer.Option("--drills", help="include failure drills")] = False,
    day: Annotated[
        bool,
        typer.Option("--day", help="include a simulated day of an autoscaled slice (minutes)"),
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            help="decide the fleet in simulation (default; ~15 s) or report the closed form",
        ),
    ] = True,
    force: Force = False,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Write a shareable report: sheet, whiteboard, claims, SLA, charts, risks, cost levers.

    HTML is one self-contained file (inline SVG, no network); Markdown carries the whiteboard
    as a Mermaid block, which GitHub and most wikis draw; JSON holds every figure.
    """
    name = Path(design).stem if design.endswith((".yaml", ".yml")) else design
    chosen = {path: REPORT_FORMATS.get(path.suffix.lower()) for path in out or ()}
    chosen |= {
        p: kind for p, kind in ((html, "html"), (markdown, "markdown"), (json_path, "json")) if p
    }
    chosen = chosen or {Path(f"{name}-report.html"): "html"}
    try:
        for path, kind in chosen.items():
            if kind is None:
                raise NapkinError(
                    f"unknown report format {path.suffix or '(none)'!r}; "
                    f"allowed: {', '.join(REPORT_FORMATS)}",
                    field="--out",
                )
            writable(path, force)
        if simulate_s < 0:
            raise NapkinError("must be zero or more seconds", field="--simulate")
        from napkin.report.contents import gather
        from napkin.sim.footprint import DEFAULT_BUDGET

        with progress_steps(quiet) as step:
            budget = None if yes else DEFAULT_BUDGET
            contents = gather(
                design,
                with_price(set_, price),
                simulate_s,
                optimize,
                drills,
                step,
                verify,
                budget,
                day,
            )
    except NapkinError as error:
        fail(error)
        return
    for path, kind in chosen.items():
        if kind == "html":
            from napkin.report.html import render_html

            text = render_html(contents)
        elif kind == "markdown":
            from napkin.report.markdown import render_markdown

            text = render_markdown(contents)
        else:
            text = json_text(contents.to_json())
        try:
            write_new_file(path, text)
        except NapkinError as error:
            fail(error)
        if not quiet:
            typer.echo(f"napkin: wrote {path} ({len(text) / 1024:,.0f} KiB)", err=True)


def _exec_streamlit(command: list[str], env: dict[str, str]) -> None:
    """Replace this process with Streamlit, so stopping `napkin ui` (Ctrl-C, SIGTERM) stops
    the server itself: no child is left running. Where exec cannot replace the process
    (Windows), run it as a child, pass on Ctrl-C and SIGTERM, and wait for it to end."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(command[0], command, env)
    import signal
    import subprocess

    child = subprocess.Popen(command, env=env)

    def forward(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler shape
        child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    raise typer.Exit(child.wait())


@app.command("ui")
def ui_command(
    design: Annotated[str, typer.Argument(help="design to open first")] = "chatbot",
    port: Annotated[int, typer.Option(help="port to serve on")] = 8501,
    host: Annotated[
        str,
        typer.Option(help="address to listen on (0.0.0.0 exposes the page to the network)"),
    ] = "127.0.0.1",
) -> None:
    """Open the interactive page: edit the traffic, model, GPU and SLA; see the sheet,
    whiteboard and verdict; run simulations and drills; save the YAML or a report."""
    import importlib.util
    import os

    if importlib.util.find_spec("streamlit") is None:
        fail(NapkinError("needs Streamlit: pip install 'napkin[ui]'", field="napkin ui"))
    try:
        from napkin.specs.loader import load_design

        load_design(design)
    except NapkinError as error:
        fail(error)
    page = Path(__file__).parents[1] / "ui" / "app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(page),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    _exec_streamlit(command, {**os.environ, "NAPKIN_UI_DESIGN": design})
