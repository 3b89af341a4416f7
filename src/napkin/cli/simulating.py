"""`napkin simulate`: the planned fleet (or a trace) through the discrete-event simulator."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from napkin.cli.shell import (
    JsonOut,
    Overrides,
    Quiet,
    Seed,
    Yes,
    app,
    emit,
    fail,
    sim_options,
    stderr_console,
)
from napkin.errors import NapkinError, writable
from napkin.sim.arrival import ArrivalKind
from napkin.sim.router import Router


@app.command("simulate")
def simulate_command(
    design: Annotated[str, typer.Argument(help="built-in serving design or a YAML file")],
    set_: Overrides = None,
    profile: Annotated[str | None, typer.Option(help="efficiency profile")] = None,
    qps: Annotated[float | None, typer.Option(help="arrival rate (default: planned peak)")] = None,
    duration: Annotated[float, typer.Option(help="simulated seconds of arrivals")] = 600.0,
    seed: Seed = 0,
    replicas: Annotated[int | None, typer.Option(help="replicas (default: planned)")] = None,
    router: Annotated[Router, typer.Option(help="routing policy")] = Router.round_robin,
    central_queue: Annotated[
        bool,
        typer.Option(
            "--central-queue", help="hold requests at the gateway until a replica has a slot"
        ),
    ] = False,
    arrival: Annotated[ArrivalKind, typer.Option(help="arrival process")] = ArrivalKind.poisson,
    cv: Annotated[float, typer.Option(help="gamma arrivals: coefficient of variation")] = 1.0,
    trace: Annotated[Path | None, typer.Option(help="replay a JSONL/CSV trace instead")] = None,
    max_seqs: Annotated[int | None, typer.Option(help="sequences per replica")] = None,
    prefix_cache: Annotated[
        float, typer.Option(help="fraction of KV kept for session prefixes (0 disables)")
    ] = 0.0,
    queue_timeout: Annotated[
        float | None, typer.Option(help="seconds before a waiting request times out")
    ] = None,
    max_context: Annotated[float | None, typer.Option(help="gateway context limit")] = None,
    tenant_qps: Annotated[float | None, typer.Option(help="per-tenant rate limit")] = None,
    replications: Annotated[
        int,
        typer.Option(
            help="seeds to run (seed, seed + 1, ...) on local processes; each statistic "
            "with a 95% confidence interval"
        ),
    ] = 1,
    shards: Annotated[
        int,
        typer.Option(help="split the fleet into this many shards of replicas, merged after"),
    ] = 1,
    executor: Annotated[
        str, typer.Option(help="where shards run: local (processes) or ray")
    ] = "local",
    ray_address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    records: Annotated[
        bool | None,
        typer.Option(
            "--records/--no-records",
            help="keep every request's record, or stream: count what ended (percentiles "
            "within 1%) in memory that does not grow with the run (default: keep up to 2M)",
        ),
    ] = None,
    autoscale: Annotated[
        bool,
        typer.Option(help="replicas follow the measured arrival rate (see --min-replicas)"),
    ] = False,
    min_replicas: Annotated[int, typer.Option(help="autoscaling: fewest replicas")] = 1,
    scale_lag: Annotated[
        float, typer.Option(help="autoscaling: seconds from asking for a replica to paying it")
    ] = 60.0,
    cold_start: Annotated[
        float, typer.Option(help="autoscaling: seconds from paying a replica to it serving")
    ] = 120.0,
    chart: Annotated[
        Path | None, typer.Option(help="write an SVG of replicas and latency over the run")
    ] = None,
    force: Annotated[bool, typer.Option(help="overwrite --chart's file")] = False,
    as_json: JsonOut = False,
    quiet: Quiet = False,
    yes: Yes = False,
) -> None:
    """Simulate the planned fleet: latency percentiles, goodput, queues, plan vs simulation."""
    from napkin.planner import plan
    from napkin.sim.footprint import DEFAULT_BUDGET
    from napkin.sim.run import simulate
    from napkin.specs.loader import load_design

    try:
        options = sim_options(
            duration_s=duration,
            seed=seed,
            qps=qps,
            replicas=replicas,
            router=router,
            central_queue=central_queue,
            arrival=arrival,
            cv=cv,
            max_seqs=max_seqs,
            prefix_cache_fraction=prefix_cache,
            queue_timeout_s=queue_timeout,
            max_context_tokens=max_context,
            tenant_qps=tenant_qps,
            records=records,
            autoscale=autoscale,
            min_replicas=min_replicas,
            scale_lag_s=scale_lag,
            cold_start_s=cold_start,
        )
        if chart is not None:
            if not autoscale:
                raise NapkinError("the chart draws an autoscaled run", field="--chart")
            if find_spec("matplotlib") is None:
                raise NapkinError("the chart needs pip install 'napkin[charts]'", field="--chart")
            writable(chart, force)  # before the run, not after it
    except NapkinError as error:
        fail(error)
        return
    try:
        planned = plan(load_design(design, set_ or (), profile))
        if planned.design.kind == "eval-harness":
            _simulate_eval(planned, as_json)
            return
        budget = None if yes else DEFAULT_BUDGET
        if replications != 1:
            _replicate(planned, options, replications, budget, as_json, (executor, ray_address))
            return
        if shards != 1 or executor != "local":
            _sharded(planned, options, (shards, executor, ray_address), budget, as_json, chart)
            return
        if as_json or quiet:
            result = simulate(planned, options, trace, budget=budget)
        else:
            result = _simulate_with_progress(planned, options, trace, budget)
    except NapkinError as error:
        fail(error)
        return
    from napkin.render.simulation import render_simulation

    if chart is not None:
        _draw(chart, result.summary)
    emit(result, as_json, lambda: render_simulation(result))


def _replicate(planned, options, replications, budget, as_json, where) -> None:  # noqa: ANN001
    """N seeds on the machine's cores or Ray (`where`: executor, address), and every
    statistic's 95% interval."""
    import os

    from napkin.render.simulation import render_replications
    from napkin.sim.replications import replicate

    executor, address = where
    if executor not in ("local", "ray"):
        raise NapkinError(f"{executor!r}: allowed executors are local, ray", field="--executor")
    processes = max(1, min(replications, os.cpu_count() or 1))
    result = replicate(planned, options, replications, processes, budget, None, executor, address)
    emit(result, as_json, lambda: render_replications(result))


def _sharded(planned, options, where, budget, as_json, chart) -> None:  # noqa: ANN001
    """The fleet in shards (`where`: how many, local or ray, the cluster) merged."""
    from napkin.render.simulation import render_sharded
    from napkin.sim.shards import simulate_sharded

    shards, executor, address = where
    if executor not in ("local", "ray"):
        raise NapkinError(f"{executor!r}: allowed executors are local, ray", field="--executor")
    result = simulate_sharded(planned, options, shards, executor, address, budget)
    if chart is not None:
        _draw(chart, result.summary())
    emit(result, as_json, lambda: render_sharded(result))


def _draw(chart: Path, summary: dict) -> None:
    """The autoscaled run's chart (`report.charts.fleet_day`)."""
    from napkin.report.charts import fleet_day

    chart.write_text(fleet_day(summary))


def _simulate_eval(planned, as_json: bool) -> None:  # noqa: ANN001
    """An eval suite: one pass on one replica (the fleet flags do not apply)."""
    from napkin.render.simulation import render_eval_pass
    from napkin.sim.eval_pass import simulate_eval

    run = simulate_eval(planned)
    emit(run, as_json, lambda: render_eval_pass(run))


def _simulate_with_progress(planned, options, trace, budget):  # noqa: ANN001, ANN202
    from rich.progress import Progress

    from napkin.sim.run import simulate

    with Progress(transient=True, console=stderr_console()) as bar:
        task = bar.add_task("simulating", total=options.duration_s)
        result = simulate(
            planned, options, trace, lambda t: bar.update(task, completed=t), budget=budget
        )
    return result
