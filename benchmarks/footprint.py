"""How well a run's cost is estimated before it starts (`napkin.sim.footprint`).

Each case runs in a fresh process (peak RSS is per process) and prints the requests, the
estimated and measured wall time and peak memory, and measured / estimated. The estimate
is meant to err high: a ratio at or below 1 means napkin warned no later than it should.

    python benchmarks/footprint.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import date

# (design, replicas, qps, simulated seconds): few and many replicas, short and long prompts
CASES = [
    ("chatbot", 56, 1389.0, 240.0),
    ("chatbot", 2000, 1389.0, 60.0),
    ("chatbot", 5000, 100.0, 120.0),
    ("coding-agent", 300, 140.0, 240.0),
    ("coding-agent", 20000, 100.0, 240.0),
    ("code-completion", 237, 2000.0, 60.0),
    ("chatbot", 200, 5000.0, 400.0),
]

ONE = """
import json, resource, sys, time
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.loader import load_design
design, replicas = sys.argv[1], int(sys.argv[2])
qps, seconds = float(sys.argv[3]), float(sys.argv[4])
planned = plan(load_design(design))
started = time.perf_counter()
sim = simulate(planned, SimOptions(replicas=replicas, qps=qps, duration_s=seconds), budget=None)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"requests": len(sim.requests), "wall_s": time.perf_counter() - started,
    "peak_bytes": peak, "estimated_wall_s": sim.estimate.wall_s,
    "estimated_bytes": sim.estimate.memory_bytes}))
"""


def main() -> None:
    print(
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print("| case | requests | wall (est.) | measured/est. | peak RSS (est.) | measured/est. |")
    print("|---|---|---|---|---|---|")
    for design, replicas, qps, seconds in CASES:
        args = [sys.executable, "-c", ONE, design, str(replicas), str(qps), str(seconds)]
        out = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
        print(
            f"| {design}, {replicas:,} replicas, {qps:g} req/s, {seconds:g} s "
            f"| {out['requests']:,} "
            f"| {out['wall_s']:.2f} s ({out['estimated_wall_s']:.2f} s) "
            f"| {out['wall_s'] / out['estimated_wall_s']:.2f} "
            f"| {out['peak_bytes'] / 2**20:,.0f} MiB ({out['estimated_bytes'] / 2**20:,.0f} MiB) "
            f"| {out['peak_bytes'] / out['estimated_bytes']:.2f} |"
        )


if __name__ == "__main__":
    main()
