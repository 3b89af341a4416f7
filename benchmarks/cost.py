"""What it costs (issue #18): `plan` speed with the token-cost, API and pricing-mix
sections, and budget-mode optimize screening.

(a) `napkin plan chatbot --json`, whole process, 5 runs, median. Target: under 1 s.
(b) `optimize chatbot --budget 6000000` (the most traffic $6M a month buys) over 8 GPUs ×
    3 precisions × 4 TP degrees × 3 batch caps × 2 engines, screened on a 2-process pool,
    nothing verified. Target: at least 500 candidates in under 60 s.

    python benchmarks/cost.py [--case a|b|all]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from napkin.optimize.budget import Spend
from napkin.optimize.executor import LocalExecutor
from napkin.optimize.objective import Objective
from napkin.optimize.search import optimize
from napkin.optimize.space import Space

NAPKIN = str(Path(sys.executable).parent / "napkin")


def plan_speed(runs: int = 5) -> None:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([NAPKIN, "plan", "chatbot", "--json"], check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    print(f"(a) napkin plan chatbot --json: median {statistics.median(walls):.2f} s of {runs}")


def budget_screen() -> None:
    space = Space(
        gpus=("H100-SXM", "H200", "A100-80GB", "B200", "L40S", "MI300X", "H100-PCIe", "B300"),
        precisions=("bf16", "fp8", "int4"),
        tps=(1, 2, 4, 8),
        batch_caps=(64, 128, 256),
        engines=("vllm", "sglang"),
    )
    started = time.perf_counter()
    result = optimize(
        "chatbot",
        space,
        "chatbot",
        executor=LocalExecutor(),
        verify=0,
        objective=Objective.traffic,
        spend=Spend(None, 6e6),
    )
    wall = time.perf_counter() - started
    best = result.chosen
    print(
        f"(b) budget mode: {len(result.screened):,} candidates in {wall:.1f} s; "
        f"best: {', '.join(best.overrides) if best else 'none'} carries "
        f"{best.carried if best else 0:.2f}× the design's traffic within $6M a month"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", default="all", choices=["a", "b", "all"])
    case = parser.parse_args().case
    print(
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    )
    if case in ("a", "all"):
        plan_speed()
    if case in ("b", "all"):
        budget_screen()


if __name__ == "__main__":
    main()
