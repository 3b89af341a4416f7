"""`simulate(plan, options)`: traffic in, fleet run, metrics out — plan and simulation side by
side."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from napkin import strict_json
from napkin.capacity.diurnal import rate_at
from napkin.errors import NapkinError
from napkin.native import CORE_KIND
from napkin.perf.sizing import SLICE_REPLICAS
from napkin.planner import Plan
from napkin.sim.autoscaler import Autoscaler, Policy
from napkin.sim.event_loop import Fleet, FleetConfig, FleetRun
from napkin.sim.footprint import (
    DEFAULT_BUDGET,
    Budget,
    Footprint,
    footprint,
    over,
    require_within,
    shrink,
    trace_rows,
)
from napkin.sim.histogram import ALPHA, LogHistogram
from napkin.sim.metrics import GoodputLimits, assemble, latencies, summarize
from napkin.sim.options import SimOptions, fleet_of, steps_of, traffic_of
from napkin.sim.requests import Requests
from napkin.sim.slots import Stream
from napkin.sim.tally import METRICS, Tally
from napkin.sim.traffic import blocks, generate, read_trace


@dataclass
class Simulation:
    plan: Plan
    options: SimOptions
    requests: Requests
    run: FleetRun
    summary: dict[str, Any]
    wall_s: float
    peak_memory_bytes: int
    estimate: Footprint

    def histograms(self) -> dict[str, LogHistogram]:
        """TTFT, TPOT and E2E (seconds) as mergeable histograms: the tally's when the run
        streamed, else built from its records."""
        if self.run.tally is not None:
            return dict(self.run.tally.histograms)
        values = latencies(self.requests, self.run.records)
        return {m: LogHistogram().add(v) for m, v in zip(METRICS, values, strict=True)}

    def to_json(self) -> dict[str, Any]:
        """Everything the seed decides, then `run`: the only fields that differ between two
        runs of one seed (wall clock, memory, the estimate made before starting). Strict
        JSON: a NaN (no data) or infinite figure is None."""
        return strict_json.finite(
            {
                "design": self.plan.design.name,
                "options": self.options.model_dump(mode="json"),
                "replicas": self.summary["replicas"],
                "summary": self.summary,
                "plan": plan_figures(self.plan),
                "run": {
                    "wall_s": self.wall_s,
                    "core": CORE_KIND,  # compiled or pure Python (napkin.native): same results
                    "simulated_requests_per_wall_s": self.summary["requests"]
                    / max(self.wall_s, 1e-9),
                    "peak_memory_bytes": self.peak_memory_bytes,
                    "estimated_wall_s": self.estimate.wall_s,
                    "estimated_memory_bytes": self.estimate.memory_bytes,
                },
                "series": {
                    "time_s": self.run.series.time_s.tolist(),
                    "waiting": self.run.series.waiting.tolist(),
                    "running": self.run.series.running.tolist(),
                    "kv_fraction": self.run.series.kv_fraction.tolist(),
                },
            }
        )


PLAN_KEYS = (
    "ttft_estimate_s",
    "ttft_p99_estimate_s",
    "step_time_s",
    "e2e_p99_estimate_s",
    "replica_max_qps",
    "peak_utilization",
    "model_replicas_provisioned",
    "peak_qps",
)


def plan_figures(plan: Plan) -> dict[str, float]:
    return {k: float(plan.figures[k].value) for k in PLAN_KEYS if k in plan.figures}


def goodput_limits_of(plan: Plan) -> GoodputLimits:
    sla = getattr(plan.design, "sla", None)
    tpot = plan.figures.get("tpot_budget_s")
    return GoodputLimits(
        ttft_s=(sla.ttft_p99_s or sla.ttft_p50_s) if sla else None,
        tpot_s=float(tpot.value) if tpot else None,
        e2e_s=sla.e2e_p99_s if sla else None,
    )


def _peak_rss_bytes() -> int:
    """The process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


RECORDS_UP_TO = 2_000_000  # requests whose records a run keeps unless told (SimOptions.records)


def cost_of(plan: Plan, options: SimOptions, trace: str | Path | None = None) -> Footprint:
    """The run's estimated cost (`sim.footprint`): requests = qps × duration × the mean of
    the diurnal curve over the hours the run covers (1 for other arrivals), or the trace's
    rows."""
    replicas = fleet_of(plan, options).replicas
    if trace is not None:
        rows = trace_rows(trace)
        streams(plan, options, rows, trace)  # a trace keeps its records: say so if told not to
        return footprint(rows, replicas, rows)
    qps = options.qps or plan.figures["peak_qps"].value
    samples = options.duration_s / options.sample_interval_s
    requests = qps * options.duration_s * _day_share(plan, options)
    streamed = streams(plan, options, requests, trace)
    return footprint(requests, replicas, samples=samples, streamed=streamed)


def _day_share(plan: Plan, options: SimOptions) -> float:
    """The mean rate over [0, duration) as a fraction of the peak (1 unless arrivals are
    diurnal): the diurnal rate averaged on a 60 s grid."""
    hourly = traffic_of(plan, options).arrivals.hourly
    if hourly is None:
        return 1.0
    grid = np.arange(0.0, options.duration_s, 60.0) + 30.0
    return float(rate_at(hourly, grid).mean()) if len(grid) else 1.0


def streams(
    plan: Plan, options: SimOptions, requests: float, trace: str | Path | None = None
) -> bool:
    """Whether the run streams (counts what ended, keeps no record a request): when asked
    (records=False), or unasked above RECORDS_UP_TO requests. A trace, a closed loop and a
    disaggregated fleet keep their records."""
    wanted = requests > RECORDS_UP_TO if options.records is None else not options.records
    if not wanted or trace is None and plan.design.disaggregation is None:
        return wanted
    if options.records is False:
        raise NapkinError(
            "a trace replay and a disaggregated fleet keep every request's record",
            field="--no-records",
        )
    return False


def replay_cost(requests: Requests, replicas: int, options: SimOptions) -> Footprint:
    """A read trace's cost: its requests, and the span its timestamps cover (an hour-long
    gap between two rows is an hour of simulated series)."""
    span = float(requests.arrival_s[-1]) if len(requests) else 0.0
    return footprint(len(requests), replicas, samples=span / options.sample_interval_s)


def smaller_run(
    plan: Plan, options: SimOptions, cost: Footprint, budget: Budget, trace: bool = False
) -> str:
    """How to ask for a run inside `budget`: a shorter window, or a slice of the fleet."""
    scale = shrink(cost, budget)
    if trace:
        return f"Replay the first {max(cost.requests * scale, 1):,.0f} rows of the trace"
    shorter = f"--duration {max(options.duration_s * scale, 1):,.0f} or less"
    replicas = cost.replicas
    if replicas <= SLICE_REPLICAS:
        return f"Simulate {shorter}"
    qps = (options.qps or plan.figures["peak_qps"].value) * SLICE_REPLICAS / replicas
    hint = (
        f"Simulate a slice, --replicas {SLICE_REPLICAS} --qps {qps:.4g} ({SLICE_REPLICAS} of "
        f"the {replicas:,} replicas at their share of the load), or {shorter}"
    )
    return hint


def _run(
    plan: Plan, options: SimOptions, fleet: Fleet, progress: Callable[[float], None] | None
) -> tuple[FleetRun, Autoscaler | None]:
    """Run the fleet, autoscaled when asked: it starts with what the load at time 0 wants."""
    if not options.autoscale:
        return fleet.run(progress), None
    if fleet.config.decode is not None or fleet.config.clients:
        raise NapkinError("autoscaling runs an aggregated, open-loop fleet", field="--autoscale")
    traffic = traffic_of(plan, options)
    peak = traffic.arrivals.qps
    hourly = traffic.arrivals.hourly
    start = peak * float(rate_at(hourly, np.zeros(1))[0]) if hourly else peak
    policy = Policy(
        replica_qps=peak / fleet.entry,
        min_replicas=min(options.min_replicas, fleet.entry),
        scale_lag_s=options.scale_lag_s,
        cold_start_s=options.cold_start_s,
        until_s=options.duration_s,
    )
    scaler = Autoscaler(policy, fleet)
    scaler.install(start)
    return fleet.run(progress), scaler


def _autoscaled(
    plan: Plan, scaler: Autoscaler, requests: Requests, run: FleetRun, window_s: float
) -> dict[str, Any]:
    """What the autoscaled run paid, and its SLA attainment hour by hour."""
    f = plan.figures
    gpus = float(f["gpus_per_replica"].value) if "gpus_per_replica" in f else 1.0
    price = float(f["price_per_gpu_hour_usd"].value) if "price_per_gpu_hour_usd" in f else 0.0
    bill = scaler.bill(gpus, price, window_s)
    tally = run.tally
    if tally is None:  # the records, counted hour by hour
        tally = Tally(goodput_limits_of(plan))
        n, rec = len(requests), run.records
        tally.add(
            requests.arrival_s,
            requests.prompt_tokens,
            requests.output_tokens,
            rec.outcome[:n],
            rec.first_token_s[:n],
            rec.finish_s[:n],
            rec.prefix_hit_tokens[:n],
        )
    return bill | {"hourly": tally.hourly()}


def _streamed(
    plan: Plan,
    options: SimOptions,
    config: FleetConfig,
    progress: Callable[[float], None] | None,
) -> tuple[float, FleetRun, Autoscaler | None]:
    """A streaming run: traffic in blocks, what ended counted into a tally. Returns the
    last arrival (it ends the arrival window) and the run."""
    traffic = traffic_of(plan, options)
    source = blocks(traffic, options.duration_s, options.seed)
    tally = Tally(goodput_limits_of(plan))
    stream = Stream(source, tally, tenants=len(traffic.tenant_shares))
    fleet = Fleet(config, steps_of(plan), Requests.none(), stream=stream)
    run, scaler = _run(plan, options, fleet, progress)
    last = stream.last.arrival_s[-1] if stream.last is not None else 0.0
    return float(last), run, scaler


def simulate(
    plan: Plan,
    options: SimOptions,
    trace: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
    budget: Budget | None = DEFAULT_BUDGET,
) -> Simulation:
    """Run the planned fleet (or the overridden one) on the plan's traffic or a trace.

    A run estimated over `budget` (`sim.footprint`) is refused before it starts, with what
    it would cost and how to ask for a smaller one; `budget=None` runs it anyway."""
    started = time.perf_counter()
    config = fleet_of(plan, options)
    cost = cost_of(plan, options, trace)
    if budget is not None and over(cost, budget):
        hint = smaller_run(plan, options, cost, budget, trace is not None)
        require_within(cost, budget, hint)
    if trace is not None:
        requests = read_trace(trace)
        replay = replay_cost(requests, config.replicas, options)
        if budget is not None and over(replay, budget):
            span = f"{float(requests.arrival_s[-1]):,.0f} s"
            require_within(replay, budget, f"Replay a part of the trace shorter than {span}")
        run, scaler = _run(plan, options, Fleet(config, steps_of(plan), requests), progress)
    elif streams(plan, options, cost.requests):
        requests, (last, run, scaler) = Requests.none(), _streamed(plan, options, config, progress)
    else:
        requests = generate(traffic_of(plan, options), options.duration_s, options.seed)
        run, scaler = _run(plan, options, Fleet(config, steps_of(plan), requests), progress)
    if run.tally is None:
        last = float(requests.arrival_s[-1]) if len(requests) else 0.0
    # Rates are over the time the run took to drain, not the arrival window: an overloaded
    # fleet finishes its last request long after the last arrival.
    window = max(run.end_s, last)
    replicas, limits = len(run.busy_s), goodput_limits_of(plan)
    if run.tally is None:
        summary = summarize(requests, run, limits, replicas, max(window, 1e-9))
    else:
        summary = assemble(run.tally.totals(), run, replicas, max(window, 1e-9))
        summary["streamed"] = {"percentile_error": ALPHA, "hourly": run.tally.hourly()}
    summary["replicas"] = config.replicas
    if scaler is not None:
        summary["autoscale"] = _autoscaled(plan, scaler, requests, run, window)
    if config.decode is not None:
        summary["decode_replicas"] = config.decode.replicas
    wall = time.perf_counter() - started
    return Simulation(plan, options, requests, run, summary, wall, _peak_rss_bytes(), cost)
