"""`simulate(plan, options)`: traffic in, fleet run, metrics out — plan and simulation side by
side."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napkin import strict_json
from napkin.perf.sizing import SLICE_REPLICAS
from napkin.planner import Plan
from napkin.sim.event_loop import Fleet, FleetRun
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
from napkin.sim.metrics import GoodputLimits, summarize
from napkin.sim.options import SimOptions, fleet_of, steps_of, traffic_of
from napkin.sim.requests import Requests
from napkin.sim.traffic import generate, read_trace


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
                    "simulated_requests_per_wall_s": len(self.requests) / max(self.wall_s, 1e-9),
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


def cost_of(plan: Plan, options: SimOptions, trace: str | Path | None = None) -> Footprint:
    """The run's estimated cost (`sim.footprint`): requests = qps × duration (an upper
    bound for diurnal arrivals, which thin the peak rate), or the trace's rows."""
    replicas = fleet_of(plan, options).replicas
    if trace is not None:
        rows = trace_rows(trace)
        return footprint(rows, replicas, rows)
    qps = options.qps or plan.figures["peak_qps"].value
    samples = options.duration_s / options.sample_interval_s
    return footprint(qps * options.duration_s, replicas, samples=samples)


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
    else:
        requests = generate(traffic_of(plan, options), options.duration_s, options.seed)
    run = Fleet(config, steps_of(plan), requests).run(progress)
    # Rates are over the time the run took to drain, not the arrival window: an overloaded
    # fleet finishes its last request long after the last arrival.
    window = max(run.end_s, float(requests.arrival_s[-1]) if len(requests) else 0.0)
    replicas = len(run.busy_s)
    summary = summarize(requests, run, goodput_limits_of(plan), replicas, max(window, 1e-9))
    summary["replicas"] = config.replicas
    if config.decode is not None:
        summary["decode_replicas"] = config.decode.replicas
    wall = time.perf_counter() - started
    return Simulation(plan, options, requests, run, summary, wall, _peak_rss_bytes(), cost)
