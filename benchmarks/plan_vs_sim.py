"""Plan vs simulation: the closed form's replica count against the simulated minimum.

For the five built-in designs' serving kinds and a grid of chatbot-shaped workloads
(input:output ratios 0.1-20, prompts 100-32k tokens, TP 1-8, three GPUs), plan each in
closed form, then search the fewest replicas that meet every SLA target in simulation
(`napkin.sim.sla_check.smallest_fleet`: 3 seeds, 5% margin, warm-up excluded). Prints one
row per case and the distribution of planned / simulated.

    python benchmarks/plan_vs_sim.py [--quick] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import date

from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim.sla_check import smallest_fleet
from napkin.specs.loader import load_design

# (label, design, overrides): prompts 100..32k, output 50..2000, ratio in/out 0.1..20.
GRID = [
    ("chat 200/300 H100 tp8", "chatbot", ()),
    (
        "prompt 100/1000 (0.1) H100 tp1 8B",
        "chatbot",
        (
            "model=llama-3.1-8b",
            "deployment.tp=1",
            "workload.input_tokens_per_turn=100",
            "workload.output_tokens_per_turn=1000",
            "workload.dau=1e6",
            "sla.e2e_p99_s=60",
        ),
    ),
    (
        "prompt 1k/500 (2) A100 tp2 8B",
        "chatbot",
        (
            "model=llama-3.1-8b",
            "deployment.tp=2",
            "hardware=A100-80GB",
            "workload.input_tokens_per_turn=1000",
            "workload.output_tokens_per_turn=500",
            "workload.dau=1e6",
        ),
    ),
    (
        "prompt 4k/250 (16) A100 tp4 32B",
        "chatbot",
        (
            "model=qwen2.5-32b",
            "deployment.tp=4",
            "hardware=A100-80GB",
            "workload.input_tokens_per_turn=4000",
            "workload.output_tokens_per_turn=250",
            "workload.dau=2e5",
            "sla.ttft_p99_s=1",
            "sla.e2e_p99_s=10",
        ),
    ),
    (
        "prompt 8k/400 (20) H200 tp8 70B",
        "chatbot",
        (
            "hardware=H200",
            "workload.input_tokens_per_turn=8000",
            "workload.output_tokens_per_turn=400",
            "workload.dau=1e6",
            "sla.e2e_p99_s=30",
            "sla.ttft_p99_s=5",
        ),
    ),
    (
        "prompt 32k/2000 (16) H100 tp8 70B fp8",
        "chatbot",
        (
            "deployment.precision=fp8",
            "workload.input_tokens_per_turn=32000",
            "workload.output_tokens_per_turn=2000",
            "workload.dau=1e5",
            "sla.e2e_p99_s=120",
            "sla.ttft_p99_s=10",
            "sla.ttft_p50_s=5",
        ),
    ),
    (
        "prompt 2k/200 (10) L40S tp4 8B",
        "chatbot",
        (
            "model=llama-3.1-8b",
            "deployment.tp=4",
            "hardware=L40S",
            "workload.input_tokens_per_turn=2000",
            "workload.output_tokens_per_turn=200",
            "workload.dau=1e6",
        ),
    ),
    ("chat 200/300 e2e 6 s", "chatbot", ("sla.e2e_p99_s=6",)),
    ("code-completion", "code-completion", ()),
    ("coding-agent (built-in)", "coding-agent", ()),
    ("moe-chat (built-in: DeepSeek-R1, DP-attention 8, EP8, SGLang)", "moe-chat", ()),
    (
        "prompt 300/3000 (0.1) A100 tp8 70B",
        "chatbot",
        (
            "hardware=A100-80GB",
            "workload.input_tokens_per_turn=300",
            "workload.output_tokens_per_turn=3000",
            "workload.dau=2e5",
            "sla.e2e_p99_s=150",
        ),
    ),
    (
        "prompt 16k/800 (20) H200 tp4 Qwen2.5-72B fp8",
        "chatbot",
        (
            "hardware=H200",
            "model=qwen2.5-72b",
            "deployment.tp=4",
            "deployment.precision=fp8",
            "workload.input_tokens_per_turn=16000",
            "workload.output_tokens_per_turn=800",
            "workload.dau=2e5",
            "sla.e2e_p99_s=60",
            "sla.ttft_p99_s=8",
        ),
    ),
    (
        "prompt 500/100 (5) L40S tp2 8B fp8",
        "chatbot",
        (
            "hardware=L40S",
            "model=llama-3.1-8b",
            "deployment.tp=2",
            "deployment.precision=fp8",
            "workload.input_tokens_per_turn=500",
            "workload.output_tokens_per_turn=100",
            "workload.dau=1e6",
            "sla.e2e_p99_s=5",
            "sla.ttft_p99_s=1",
        ),
    ),
    (
        "chat lognormal outputs, H100 tp8",
        "chatbot",
        ("workload.output_tokens_distribution={kind: lognormal, sigma: 0.6}", "sla.e2e_p99_s=40"),
    ),
    ("RAG 4k/250 A100 tp4 E2E 8 s", "tests/fixtures/designs/rag.yaml", ("deployment.tp=4",)),
]
QUICK = {"chat 200/300 H100 tp8", "prompt 4k/250 (16) A100 tp4 32B", "chat 200/300 e2e 6 s"}


def run(label: str, design: str, overrides: tuple[str, ...]) -> dict[str, object]:
    started = time.perf_counter()
    try:
        planned = plan(load_design(design, overrides), relax=False)
    except NapkinError as error:
        return {"case": label, "error": str(error)}
    rec = planned.recommendation
    if rec is None or not rec.feasible:
        return {"case": label, "infeasible": rec.infeasible if rec else "no recommendation"}
    found = smallest_fleet(planned)
    return {
        "case": label,
        "planned": rec.replicas,
        "simulated_min": found.replicas if found.meets else None,
        "ratio": rec.replicas / found.replicas if found.meets else None,
        "wall_s": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="three cases only")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows = []
    for label, design, overrides in GRID:
        if args.quick and label not in QUICK:
            continue
        row = run(label, design, overrides)
        rows.append(row)
        print(json.dumps(row), flush=True)
    ratios = [r["ratio"] for r in rows if isinstance(r.get("ratio"), float)]
    summary = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "cases": len(rows),
        "within_20pct": sum(0.8 <= r <= 1.2 for r in ratios),
        "ratio_min": min(ratios, default=None),
        "ratio_median": statistics.median(ratios) if ratios else None,
        "ratio_max": max(ratios, default=None),
    }
    print(json.dumps(summary))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"rows": rows, "summary": summary}, fh, indent=2, allow_nan=False)


if __name__ == "__main__":
    main()
