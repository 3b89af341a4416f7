"""Simulator speed, compiled core against pure Python: per event, per request, and memory.

(a) one replica of Llama-3-70B (napkin's llama-3.1-70b shape) at TP4 on H100, Poisson 4
    req/s, fixed 200 input / 300 output tokens, 20,000 requests;
(b) the chatbot design's full planned fleet at its planned peak (`--b-duration` simulated
    seconds, 600 by default: 8.3M requests, so the run streams, `sim.slots`).

Each case runs in a fresh process per core (NAPKIN_SIM_CORE=python forces the fallback),
one after the other on the same inputs, so the ratio is process against process. Targets
(issue #19): (a) >= 100,000 simulated requests per wall-second on the compiled core;
(b) >= 3x the pure-Python core on the full fleet, in <= 500 MB.

    python benchmarks/sim_speed.py [--case a|b|both] [--core both|compiled|python]
        [--b-duration 600] [--repeat N]

The machine is shared and noisy: compare ratios of alternating rounds, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from statistics import median

CASE_A = [
    "model=llama-3.1-70b",
    "hardware=H100-SXM",
    "deployment.tp=4",
    "deployment.precision=bf16",
    "workload.input_tokens_per_turn=200",
    "workload.output_tokens_per_turn=300",
]

ONE = """
import json, resource
from napkin.native import CORE_KIND
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

case, sets, duration = {case!r}, {sets!r}, {duration!r}
result = plan(load_design("chatbot", sets))
if case == "a":
    options = SimOptions(qps=4.0, replicas=1, duration_s=20_000 / 4.0, seed=1)
else:
    options = SimOptions(duration_s=duration, seed=1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
sim = simulate(result, options, budget=None)
s = sim.summary
print(json.dumps({{
    "core": CORE_KIND, "replicas": s["replicas"], "requests": s["requests"],
    "streamed": "streamed" in s,
    "events": s["events"], "wall_s": sim.wall_s, "rss_before": before,
    "peak_rss": sim.peak_memory_bytes, "ttft_p99_s": s["ttft_s"]["p99"],
    "tpot_p99_s": s["tpot_s"]["p99"], "e2e_p50_s": s["e2e_s"]["p50"],
}}))
"""


def run(case: str, core: str, duration: float) -> dict:
    sets = CASE_A if case == "a" else []
    env = {**os.environ}
    if core == "python":
        env["NAPKIN_SIM_CORE"] = "python"
    else:
        env.pop("NAPKIN_SIM_CORE", None)
    code = ONE.format(case=case, sets=sets, duration=duration)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def row(case: str, r: dict) -> str:
    """wall/events, wall/requests and (peak RSS - RSS before the run) / requests."""
    per_event_us = r["wall_s"] / max(r["events"], 1) * 1e6
    per_request_us = r["wall_s"] / max(r["requests"], 1) * 1e6
    grown = max(r["peak_rss"] - r["rss_before"], 0) / max(r["requests"], 1)
    return (
        f"| ({case}) {r['replicas']} replica(s){' streamed' if r['streamed'] else ''} | "
        f"{r['core'].split(' (')[0]} | {r['requests']:,} | "
        f"{r['events']:,} | {r['wall_s']:.2f} s | {r['requests'] / r['wall_s']:,.0f} | "
        f"{per_event_us:.1f} µs | {per_request_us:.1f} µs | "
        f"{r['peak_rss'] / 2**20:,.0f} MiB | {grown:,.0f} B |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["a", "b", "both"], default="both")
    parser.add_argument("--core", choices=["both", "compiled", "python"], default="both")
    parser.add_argument("--b-duration", type=float, default=600.0)
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds per case")
    args = parser.parse_args()
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        "| case | core | requests | events | wall | requests per wall-s | per event | "
        "per request | peak RSS | RSS growth per request |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    cores = ["compiled", "python"] if args.core == "both" else [args.core]
    for case in ["a", "b"] if args.case == "both" else [args.case]:
        rounds = [[run(case, core, args.b_duration) for core in cores] for _ in range(args.repeat)]
        for results in rounds:
            for r in results:
                print(row(case, r), flush=True)
        if len(cores) == 2:
            ratios = sorted(slow["wall_s"] / fast["wall_s"] for fast, slow in rounds)
            same = all(
                fast[k] == slow[k]
                for fast, slow in rounds
                for k in ("ttft_p99_s", "tpot_p99_s", "e2e_p50_s")
            )
            print(
                f"\n({case}) pure / compiled wall, {len(ratios)} alternating round(s): median "
                f"{median(ratios):.2f}x (range {ratios[0]:.2f}-{ratios[-1]:.2f}); "
                f"identical percentiles: {same}\n",
                flush=True,
            )


if __name__ == "__main__":
    main()
