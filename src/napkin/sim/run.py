"""`simulate(plan, options)`: traffic in, fleet run, metrics out — plan and simulation side by
side."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napkin.planner import Plan
from napkin.sim.fleet import Fleet, FleetRun
from napkin.sim.metrics import Targets, summarize
from napkin.sim.options import SimOptions, fleet_of, steps_of, traffic_of
from napkin.sim.requests import Requests
from napkin.sim.workload import generate, read_trace


@dataclass
class Simulation:
    plan: Plan
    options: SimOptions
    requests: Requests
    run: FleetRun
    summary: dict[str, Any]
    wall_s: float
    peak_memory_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.plan.design.name,
            "options": self.options.model_dump(mode="json"),
            "replicas": self.summary["replicas"],
            "summary": self.summary,
            "plan": plan_figures(self.plan),
            "wall_s": self.wall_s,
            "simulated_requests_per_wall_s": len(self.requests) / max(self.wall_s, 1e-9),
            "peak_memory_bytes": self.peak_memory_bytes,
            "series": {
                "time_s": self.run.series.time_s.tolist(),
                "waiting": self.run.series.waiting.tolist(),
                "running": self.run.series.running.tolist(),
                "kv_fraction": self.run.series.kv_fraction.tolist(),
            },
        }


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


def targets_of(plan: Plan) -> Targets:
    sla = getattr(plan.design, "sla", None)
    tpot = plan.figures.get("tpot_budget_s")
    return Targets(
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


def simulate(
    plan: Plan,
    options: SimOptions,
    trace: str | Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> Simulation:
    """Run the planned fleet (or the overridden one) on the plan's traffic or a trace."""
    started = time.perf_counter()
    config = fleet_of(plan, options)
    if trace is not None:
        requests = read_trace(trace)
    else:
        requests = generate(traffic_of(plan, options), options.duration_s, options.seed)
    run = Fleet(config, steps_of(plan), requests).run(progress)
    # Rates are over the time the run took to drain, not the arrival window: an overloaded
    # fleet finishes its last request long after the last arrival.
    window = max(run.end_s, float(requests.arrival_s[-1]) if len(requests) else 0.0)
    summary = summarize(requests, run, targets_of(plan), config.replicas, max(window, 1e-9))
    summary["replicas"] = config.replicas
    wall = time.perf_counter() - started
    return Simulation(plan, options, requests, run, summary, wall, _peak_rss_bytes())
