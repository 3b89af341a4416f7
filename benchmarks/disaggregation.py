"""Prefill/decode disaggregation (issue #16): optimizer screening speed over the
disaggregated space, and the two-pool simulator's speed.

(a) `optimize` of the chatbot design over aggregated and disaggregated candidates: 6 GPUs ×
    3 precisions × 4 TP degrees × 2 batch caps for the decode (or only) pool, and for each
    disaggregated one a prefill pool on each of the 6 GPUs × TP 2, 4, 8: screened by the
    planner on a 2-process pool, the cheapest 3 verified in simulation. Target: at least
    2,000 candidates screened in under 60 s.
(b) one prefill and one decode replica of Llama-3.1-70B at TP4 on H100, Poisson 4 req/s,
    200 input / 300 output tokens, 20,000 requests. Target: >= 20,000 simulated requests
    per wall-second.
(c) plan against simulation on two disaggregated designs, `moe-chat` and the chatbot with
    4,000-token prompts split over TP4 H100 prefill and TP4 H200 decode replicas: a slice
    of 8 decode replicas and their share of the prefill pool at peak × headroom, 300 s.

    python benchmarks/disaggregation.py [--case a|b|c|all]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import date

from napkin.optimize.executor import LocalExecutor
from napkin.optimize.search import optimize
from napkin.optimize.space import Space
from napkin.optimize.verify import simulate_candidate
from napkin.planner import plan
from napkin.sim.options import SimOptions, pools_slice
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

SPLIT_70B = [
    "model=llama-3.1-70b",
    "hardware=H100-SXM",
    "deployment.tp=4",
    "workload.input_tokens_per_turn=200",
    "workload.output_tokens_per_turn=300",
    "disaggregation.prefill.deployment.tp=4",
    "disaggregation.decode.deployment.tp=4",
]


def case_a() -> None:
    space = Space(
        precisions=("bf16", "fp8", "int4"),
        batch_caps=(None, 256),
        modes=("aggregated", "disaggregated"),
        prefill_tps=(2, 4, 8),
    )
    started = time.perf_counter()
    screened: list[float] = []

    def verify(overrides: tuple[str, ...]) -> tuple[bool, str]:
        screened.append(time.perf_counter() - started)  # the screening ends here
        return simulate_candidate("chatbot", overrides)

    result = optimize("chatbot", space, "chatbot", (), LocalExecutor(), 3, verify_fn=verify)
    wall = time.perf_counter() - started
    split = [s for s in result.screened if any("disaggregation.prefill" in o for o in s.overrides)]
    feasible = sum(s.feasible for s in result.screened)
    screen_s = screened[0] if screened else wall
    print(
        f"(a) {len(result.screened)} candidates ({len(split)} disaggregated), {feasible} "
        f"feasible, screened in {screen_s:.1f} s ({len(result.screened) / screen_s:,.0f} "
        f"candidates/s); with the cheapest verified in simulation {wall:.1f} s"
    )
    for candidate, passed, why in result.verified:
        print(f"    verified {', '.join(candidate.overrides)}: {passed} ({why})")
    chosen = result.chosen
    if chosen is not None:
        mode = "disaggregated" if chosen in split else "aggregated"
        print(
            f"    chosen ({mode}): {', '.join(chosen.overrides)}: {chosen.gpus:,} GPUs, "
            f"${chosen.monthly_cost_usd / 1e6:.2f}M a month"
        )
    best = {
        mode: min(
            (s for s in result.screened if s.feasible and (s in split) == (mode == "split")),
            key=lambda s: s.monthly_cost_usd,
            default=None,
        )
        for mode in ("aggregated", "split")
    }
    for mode, s in best.items():
        if s is not None:
            print(f"    cheapest {mode}: {s.gpus:,} GPUs, ${s.monthly_cost_usd / 1e6:.2f}M")


def case_b() -> None:
    result = plan(load_design("chatbot", SPLIT_70B))
    options = SimOptions(qps=4.0, replicas=1, decode_replicas=1, duration_s=5_000, seed=1)
    sim = simulate(result, options)
    s = sim.summary
    print(
        f"(b) 1 prefill + 1 decode replica, {len(sim.requests):,} requests: "
        f"{sim.wall_s:.2f} s wall, {len(sim.requests) / sim.wall_s:,.0f} simulated "
        f"requests/s, conserved {s['conserved']}, TTFT p50 {s['ttft_s']['p50'] * 1e3:.1f} ms, "
        f"TPOT mean {s['tpot_s']['mean'] * 1e3:.2f} ms"
    )


PROMPT_HEAVY = [
    "workload.input_tokens_per_turn=4000",
    "workload.output_tokens_per_turn=500",
    "sla.tpot_s=0.05",
    "disaggregation.prefill.deployment.tp=4",
    "disaggregation.decode.hardware=H200",
    "disaggregation.decode.deployment.tp=4",
]
TARGETS = (
    ("TTFT p50", "ttft_estimate_s", "ttft_s", "p50"),
    ("TTFT p99", "ttft_p99_estimate_s", "ttft_s", "p99"),
    ("TPOT mean", "step_time_s", "tpot_s", "mean"),
    ("E2E p99", "e2e_p99_estimate_s", "e2e_s", "p99"),
)


def case_c() -> None:
    for name, sets in (("moe-chat", []), ("chatbot", PROMPT_HEAVY)):
        planned = plan(load_design(name, sets))
        f = planned.figures
        load = f["peak_qps"].value * planned.design.deployment.headroom
        options = pools_slice(planned, 8, load, SimOptions(duration_s=300, seed=1))
        sim = simulate(planned, options, budget=None)
        s = sim.summary
        ratios = ", ".join(
            f"{label} {s[kind][stat] / f[key].value:.2f}" for label, key, kind, stat in TARGETS
        )
        print(
            f"(c) {name} {' '.join(sets)}: {planned.recommendation.pools}; slice "
            f"{options.replicas} prefill + {options.decode_replicas} decode, sim/plan {ratios}; "
            f"{len(sim.requests) / sim.wall_s:,.0f} simulated requests/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=("a", "b", "c", "all"), default="all")
    case = parser.parse_args().case
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    if case in ("a", "all"):
        case_a()
    if case in ("b", "all"):
        case_b()
    if case in ("c", "all"):
        case_c()


if __name__ == "__main__":
    main()
