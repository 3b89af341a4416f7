"""Wall time of `napkin plan chatbot`, interpreter start included.

Target (issue #2): under 1 second on the 2-core development machine. Prints the minimum and
median of N runs for the bare interpreter, `napkin --help`, `napkin plan chatbot` and
`napkin plan chatbot --json`, and the plan's share of the import time (`-X importtime`).

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date


def _napkin() -> list[str]:
    script = shutil.which("napkin", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "napkin"]


def _time(command: list[str], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    napkin = _napkin()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "napkin --help": [*napkin, "--help"],
        "napkin plan chatbot": [*napkin, "plan", "chatbot"],
        "napkin plan chatbot --json": [*napkin, "plan", "chatbot", "--json"],
    }
    print(
        f"# {date.today()} {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {runs} runs each"
    )
    results = {name: _time(command, runs) for name, command in cases.items()}
    for name, (best, median) in results.items():
        print(f"{name:28s} min {best * 1e3:7.0f} ms   median {median * 1e3:7.0f} ms")
    best, median = results["napkin plan chatbot"]
    verdict = "meets" if median < 1.0 else "MISSES"
    print(f"napkin plan chatbot median {median:.3f} s: {verdict} the 1 s target")


if __name__ == "__main__":
    main()
