"""`napkin drill`: the register's failure modes injected into a slice of the fleet."""

from __future__ import annotations

from typing import Annotated

import typer

from napkin.cli.shell import (
    JsonOut,
    Overrides,
    Quiet,
    Seed,
    Yes,
    app,
    fail,
    json_text,
    progress_steps,
    sim_options,
    stdout_console,
)
from napkin.errors import NapkinError


@app.command("drill")
def drill_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    failure: Annotated[str | None, typer.Option(help="one drill (default: the register's)")] = None,
    at: Annotated[float | None, typer.Option(help="when the fault starts (s)")] = None,
    count: Annotated[int | None, typer.Option(help="replicas the fault hits")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="drill parameter key=value (checked: an unknown key lists each drill's "
            "parameters with type and bounds)"
        ),
    ] = None,
    duration: Annotated[float, typer.Option(help="simulated seconds per arm")] = 300.0,
    replicas: Annotated[int | None, typer.Option(help="replicas in the slice")] = None,
    seed: Seed = 0,
    set_: Overrides = None,
    executor: Annotated[
        str,
        typer.Option(help="where drills run: serial (here), local (processes) or ray, a task each"),
    ] = "serial",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    as_json: JsonOut = False,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Inject each failure mode into the simulation: baseline, failure, failure + mitigation."""
    from napkin.drills.runner import require_drill_size
    from napkin.drills.selection import run_selection, select_drills
    from napkin.planner import plan
    from napkin.sim.footprint import DEFAULT_BUDGET
    from napkin.specs.loader import load_design

    try:
        options = sim_options(duration_s=duration, seed=seed, replicas=replicas)
        planned = plan(load_design(design, set_ or ()))
        _require_fleet(planned)
        given = _given_params(param or [], at, count)
        selection = select_drills(planned, failure, given, duration)
        if selection.runs and not selection.jobs and not yes:
            require_drill_size(planned, options, len(selection.runs), DEFAULT_BUDGET)
        with progress_steps(quiet or as_json, len(selection.runs)) as step:
            results = run_selection(planned, selection, options, step, executor, ray_address)
        skipped = selection.skipped
    except NapkinError as error:
        flags = {"at_s": ("--at", at), "count": ("--count", count)}
        for key, (flag, value) in flags.items():
            if error.field == f"--param {key}" and value is not None:
                error.field = flag  # name what the user typed
        fail(error)
        return
    if as_json:
        typer.echo(
            json_text(
                {
                    "design": planned.design.name,
                    "drills": [{"failure_mode": m, **r.to_json()} for m, r in results],
                    "not_simulated": [
                        {"failure_mode": m, "drill": d, "reason": why} for m, d, why in skipped
                    ],
                }
            )
        )
        return
    from napkin.render.drill import detail, summary

    console = stdout_console()
    if failure is not None and results:
        console.print(detail(results[0][1]))
    else:
        console.print(summary(results, skipped))


def _given_params(param: list[str], at: float | None, count: int | None) -> dict[str, object]:
    """--param key=value pairs (values as YAML reads them), then --at and --count."""
    import yaml

    from napkin.specs.yaml_reader import load_yaml

    given: dict[str, object] = {}
    for text in param:
        key, equals, value = text.partition("=")
        if not key or not equals:
            raise NapkinError(f"--param expects key=value, got {text!r}")
        try:
            given[key] = load_yaml(value)  # numbers, booleans, lists as YAML reads them
        except yaml.YAMLError:
            given[key] = value  # not YAML: kept as text (the drill's type check names it)
    flagged = {"at_s": at, "count": count}
    return given | {key: value for key, value in flagged.items() if value is not None}


def _require_fleet(planned) -> None:  # noqa: ANN001 - Plan is imported lazily
    """Refuse to drill a serving design that has no planned fleet: it does not fit, or no
    fleet meets its SLA. Other kinds pass (their drills need no serving fleet)."""
    from napkin.specs.design import SERVING_KINDS

    if planned.design.kind not in SERVING_KINDS or "model_replicas_provisioned" in planned.figures:
        return
    why = planned.fit_reason if not planned.fits else "; ".join(planned.notes)
    verdict = "does not fit" if not planned.fits else "has no fleet that meets its SLA"
    raise NapkinError(
        f"{planned.design.name} {verdict}, so there is no fleet to drill ({why}); "
        "change the deployment (e.g. --set deployment.tp=...) and plan it first",
        field="napkin drill",
    )
