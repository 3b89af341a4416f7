"""`napkin optimize` speed: at least 500 candidates, simulation of the top ones included,
in under 60 s on the 2-core machine.

    python benchmarks/optimize_speed.py
"""

from __future__ import annotations

import os
import platform
import time
from datetime import date

from napkin.optimize.executor import LocalExecutor
from napkin.optimize.search import optimize
from napkin.optimize.space import Space
from napkin.optimize.verify import simulate_candidate


def main() -> None:
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    space = Space(models=("llama-3.1-70b", "qwen2.5-72b"), price_overrides={"H100-SXM": 2.0})
    started = time.perf_counter()
    result = optimize(
        "chatbot",
        space,
        "chatbot",
        executor=LocalExecutor(),
        verify=3,
        verify_fn=lambda o: simulate_candidate("chatbot", o),
    )
    wall = time.perf_counter() - started
    feasible = sum(s.feasible for s in result.screened)
    print(
        f"{len(result.screened)} candidates ({feasible} feasible) screened and the cheapest "
        f"{len(result.verified)} simulated in {wall:.1f} s "
        f"({len(result.screened) / wall:,.0f} candidates/s)"
    )
    chosen = result.chosen
    if chosen is not None:
        print(
            f"chosen: {', '.join(chosen.overrides)} at ${chosen.monthly_cost_usd / 1e6:.2f}M "
            f"a month vs ${result.as_written.monthly_cost_usd / 1e6:.2f}M as written"
        )


if __name__ == "__main__":
    main()
