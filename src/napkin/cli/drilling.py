"""`napkin drill`: the register's failure modes injected into a slice of the fleet."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from napkin.cli.shell import (
    JsonOut,
    Overrides,
    Quiet,
    Seed,
    Yes,
    _check_seed,
    _console,
    _fail,
    _json,
    _option_error,
    _steps,
    app,
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
    as_json: JsonOut = False,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Inject each failure mode into the simulation: baseline, failure, failure + mitigation."""
    import yaml
    from pydantic import ValidationError

    from napkin.drills.jobs import JOB_DRILLS, JOB_HOURS, JOB_PARAMS, run_job_drill
    from napkin.drills.params import PARAMS, check_params, unknown_params
    from napkin.drills.runner import register_drills, require_drill_size, run_drill
    from napkin.drills.serving import DRILLS
    from napkin.planner import plan
    from napkin.sim.options import SimOptions
    from napkin.specs.design import SERVING_KINDS
    from napkin.specs.loader import load_design

    try:
        _check_seed(seed)
        try:
            options = SimOptions(duration_s=duration, seed=seed, replicas=replicas)
        except ValidationError as error:
            raise _option_error(error) from None
        planned = plan(load_design(design, set_ or ()))
        _require_fleet(planned)
        extra: dict[str, object] = {}
        for text in param or ():
            key, _, value = text.partition("=")
            if not key or not _:
                raise NapkinError(f"--param expects key=value, got {text!r}")
            extra[key] = yaml.safe_load(value)
        if at is not None:
            extra["at_s"] = at
        if count is not None:
            extra["count"] = count
        register = register_drills(planned)
        if failure is not None:
            params = next((p for _, d, p in register if d == failure), {})
            register = [(failure, failure, params)]
        results = []
        jobs = planned.design.kind == "finetune-service"
        serving = planned.design.kind in SERVING_KINDS
        known = JOB_DRILLS if jobs else DRILLS if serving else {}
        runnable = [entry for entry in register if entry[1] in known]
        declared = JOB_PARAMS if jobs else PARAMS
        if failure is not None and failure in known:
            unknown_params(failure, list(extra), declared[failure])
        elif runnable:  # every drill of the register: a key must fit one of them
            union = {k: v for _, d, _ in runnable for k, v in declared[d].items()}
            unknown_params("(any in the register)", list(extra), union)
        # bounds known now (the slice's replicas and slots only when a drill runs): refuse
        # a bad value before the first drill runs, not after the others
        limits = {"duration_s": JOB_HOURS if jobs else duration, "replicas": math.inf}
        for _, drill, _ in runnable:
            mine = declared[drill]
            given = {k: v for k, v in extra.items() if k in mine}
            check_params(drill, given, mine, {**limits, "slots": math.inf})
        if serving and runnable and not yes:
            from napkin.sim.footprint import DEFAULT_BUDGET

            require_drill_size(planned, options, len(runnable), DEFAULT_BUDGET)
        skipped = [
            (mode, drill, "not simulated: no model of this failure")
            for mode, drill, _ in register
            if drill not in known
        ]
        with _steps(quiet or as_json, len(runnable)) as step:
            for mode, drill, params in runnable:
                step(f"drill: {mode}")
                mine = declared[drill]
                merged = {**params, **{k: v for k, v in extra.items() if k in mine}}
                result = (
                    run_job_drill(planned, drill, merged, JOB_HOURS, seed)
                    if jobs
                    else run_drill(planned, drill, merged, options, budget=None)
                )
                results.append((mode, result))
        if failure is not None and not results:
            allowed = ", ".join(known) or "none (drills simulate serving and fine-tuning)"
            raise NapkinError(
                f"no drill {failure!r} for a {planned.design.kind} design; drills: {allowed}",
                field="--failure",
            )
    except NapkinError as error:
        flags = {"at_s": ("--at", at), "count": ("--count", count)}
        for key, (flag, value) in flags.items():
            if error.field == f"--param {key}" and value is not None:
                error.field = flag  # name what the user typed
        _fail(error)
        return
    if as_json:
        typer.echo(
            _json(
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

    console = _console()
    if failure is not None and results and not jobs:  # `detail` reads request windows
        console.print(detail(results[0][1]))
    else:
        console.print(summary(results, skipped))


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
