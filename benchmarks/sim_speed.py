"""Simulator speed: simulated requests per wall-second and peak memory.

(a) one replica of Llama-3-70B (napkin's llama-3.1-70b shape) at TP4 on H100, Poisson 4
    req/s, fixed 200 input / 300 output tokens, 20,000 requests;
(b) the chatbot design's full planned fleet at its planned peak for 10 simulated minutes.
Targets on the 2-core machine: (a) >= 20,000 simulated requests per wall-second;
(b) finishes with peak memory under 2 GB.

    python benchmarks/sim_speed.py [--case a|b|both]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import date

from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

CASE_A = [
    "model=llama-3.1-70b",
    "hardware=H100-SXM",
    "deployment.tp=4",
    "deployment.precision=bf16",
    "workload.input_tokens_per_turn=200",
    "workload.output_tokens_per_turn=300",
]


def case_a() -> None:
    result = plan(load_design("chatbot", CASE_A))
    options = SimOptions(qps=4.0, replicas=1, duration_s=20_000 / 4.0, seed=1)
    sim = simulate(result, options)
    _report("(a) 1 replica, Poisson 4 req/s, 20k requests", sim)


def case_b() -> None:
    result = plan(load_design("chatbot"))
    marks = iter(range(60, 601, 60))
    mark = [next(marks)]

    def progress(t: float) -> None:
        if t >= mark[0]:
            print(f"  ... {t:5.0f} s simulated", flush=True)
            mark[0] = next(marks, 10**9)

    sim = simulate(result, SimOptions(duration_s=600, seed=1), progress=progress, budget=None)
    _report(f"(b) chatbot planned fleet, {sim.summary['replicas']} replicas, 10 min at peak", sim)


def _report(title: str, sim) -> None:  # noqa: ANN001
    s = sim.summary
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{title}: {len(sim.requests):,} requests in {sim.wall_s:.2f} s wall = "
        f"{len(sim.requests) / sim.wall_s:,.0f} simulated requests per wall-second; "
        f"{s['events']:,} events; peak RSS {peak:,.0f} MiB"
    )
    print(
        f"   TTFT p50/p99 {s['ttft_s']['p50'] * 1e3:.1f}/{s['ttft_s']['p99'] * 1e3:.1f} ms, "
        f"TPOT p50/p99 {s['tpot_s']['p50'] * 1e3:.2f}/{s['tpot_s']['p99'] * 1e3:.2f} ms, "
        f"E2E p50 {s['e2e_s']['p50']:.2f} s, outcomes {s['outcomes']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["a", "b", "both"], default="both")
    case = parser.parse_args().case
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    started = time.perf_counter()
    if case in ("a", "both"):
        case_a()
    if case in ("b", "both"):
        case_b()
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
