"""N seeds of one simulation, and each statistic with a 95% confidence interval (issue #19).

Replication r runs the same fleet and traffic with seed = options.seed + r, on a local
process pool (one seed a process) or one after another. Each gives its summary; a
statistic's N values x₁..x_N give

    mean ± t(0.975, N − 1) × s / √N

(Student's t: the seeds are independent, each statistic roughly normal across them), s the
sample standard deviation. A statistic that is not finite in some seed (no request of that
kind) is left out of that seed. Each seed also returns its latencies as a mergeable
histogram (`sim.histogram`, 1% relative error); merged, they give the P99 and P99.9 of every
request of every seed, which one seed has too few requests to pin down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from math import isfinite, sqrt
from statistics import NormalDist, mean, stdev
from typing import Any

from napkin import strict_json
from napkin.planner import Plan
from napkin.sim.footprint import DEFAULT_BUDGET, Budget, require_within
from napkin.sim.histogram import ALPHA, LogHistogram
from napkin.sim.options import SimOptions
from napkin.sim.run import cost_of, plan_figures, simulate
from napkin.sim.tally import METRICS
from napkin.sim.tasks import run_tasks

STATS = ("mean", "p50", "p90", "p99")
SCALARS = ("goodput_fraction", "throughput_rps", "gpu_busy_fraction")
MAX_REPLICATIONS = 1_000
# t(0.975, df) for df = 1..30 (two-sided 95%); beyond, the Cornish-Fisher expansion.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179)
T_975 += (2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064)
T_975 += (2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_975(df: int) -> float:
    """Student's t quantile at 0.975: the table to 30 degrees of freedom, then z + (z³ +
    z) / 4ν + (5z⁵ + 16z³ + 3z) / 96ν² (Abramowitz & Stegun 26.7.5)."""
    if df <= len(T_975):
        return T_975[df - 1]
    z = NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass(frozen=True)
class Interval95:
    mean: float
    low: float
    high: float
    seeds: int

    @classmethod
    def of(cls, values: list[float]) -> Interval95:
        finite = [v for v in values if isfinite(v)]
        if not finite:
            return cls(float("nan"), float("nan"), float("nan"), 0)
        centre = mean(finite)
        if len(finite) < 2:
            return cls(centre, float("nan"), float("nan"), 1)
        half = t_975(len(finite) - 1) * stdev(finite) / sqrt(len(finite))
        return cls(centre, centre - half, centre + half, len(finite))


POOLED = {"p99": 0.99, "p99.9": 0.999}


@dataclass
class Replications:
    plan: Plan
    options: SimOptions
    summaries: list[dict[str, Any]]
    wall_s: float
    processes: int
    histograms: list[dict[str, LogHistogram]] = field(default_factory=list)

    def pooled(self, metric: str, q: float) -> float:
        """The `q` quantile of `metric` over every seed's requests (within 1%)."""
        merged = LogHistogram()
        for seed in self.histograms:
            merged = merged.merged(seed[metric])
        return merged.quantile(q)

    def interval(self, metric: str, stat: str | None = None) -> Interval95:
        """A latency statistic (`metric`, `stat`) or a scalar (`metric` alone) across seeds."""
        if stat is None:
            return Interval95.of([float(s[metric]) for s in self.summaries])
        return Interval95.of([float(s[metric][stat]) for s in self.summaries])

    def to_json(self) -> dict[str, Any]:
        latency = {m: {s: self.interval(m, s).__dict__ for s in STATS} for m in METRICS}
        scalars = {m: self.interval(m).__dict__ for m in SCALARS}
        return strict_json.finite(
            {
                "design": self.plan.design.name,
                "options": self.options.model_dump(mode="json"),
                "replications": len(self.summaries),
                "seeds": [self.options.seed + r for r in range(len(self.summaries))],
                "confidence": 0.95,
                "latency": latency,
                "scalars": scalars,
                "pooled": {
                    m: {name: self.pooled(m, q) for name, q in POOLED.items()} for m in METRICS
                },
                "pooled_relative_error": ALPHA,
                "plan": plan_figures(self.plan),
                "run": {"wall_s": self.wall_s, "processes": self.processes},
            }
        )


def _one(plan: Plan, options: SimOptions) -> tuple[dict[str, Any], dict[str, LogHistogram]]:
    """One seed's summary and its latencies as histograms."""
    run = simulate(plan, options, budget=None)
    return run.summary, run.histograms()


def replicate(
    plan: Plan,
    options: SimOptions,
    replications: int,
    processes: int = 1,
    budget: Budget | None = DEFAULT_BUDGET,
    progress: Callable[[int], None] | None = None,
    executor: str = "local",
    address: str | None = None,
) -> Replications:
    """`replications` seeds of the run; `processes` > 1 runs them on a local process pool,
    `executor="ray"` as Ray tasks (`sim.tasks`). The whole set is priced before it starts,
    as one run is."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        from napkin.errors import NapkinError

        raise NapkinError(
            f"--replications must be 1 to {MAX_REPLICATIONS:,}, got {replications}",
            field="--replications",
        )
    one = cost_of(plan, options)
    total = one
    for _ in range(replications - 1):
        total = total.then(one)
    require_within(total, budget, "Run fewer --replications or a shorter --duration")
    started = time.perf_counter()
    seeded = [options.model_copy(update={"seed": options.seed + r}) for r in range(replications)]
    if executor == "ray":
        runs = run_tasks(_one, [(plan, o) for o in seeded], "ray", address)
    elif processes <= 1:
        runs = []
        for done, o in enumerate(seeded, start=1):
            runs.append(_one(plan, o))
            if progress:
                progress(done)
    else:
        runs = run_tasks(_one, [(plan, o) for o in seeded], "local", processes=processes)
    return Replications(
        plan,
        options,
        [summary for summary, _ in runs],
        time.perf_counter() - started,
        processes,
        [histograms for _, histograms in runs],
    )
