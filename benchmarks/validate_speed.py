"""How long `napkin validate` takes on 1,000 measured rows, each benchmark simulated.

The rows are a user's sweep: 25 set-ups (model, GPU, TP, precision, lengths, engine) × 10
loads (closed loops of 1 to 256 clients, open loops of 1 to 16 requests/s) × 4 metrics
(TTFT, TPOT, E2E, throughput): 250 distinct benchmark runs, as each run's metrics share its
simulation. Values are placeholders (validation's speed does not depend on them). The
whole process is timed, interpreter start included, as a user runs it.

    python benchmarks/validate_speed.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

from napkin.calibration.measurement import Measurement, write_csv

SETUPS = [
    ("llama-3.1-8b", "H100-SXM", 1, "bf16"),
    ("llama-3.1-8b", "A100-80GB", 1, "bf16"),
    ("llama-3.1-70b", "H100-SXM", 4, "fp8"),
    ("llama-3.1-70b", "H200", 8, "bf16"),
    ("llama-3.1-70b", "A100-80GB", 8, "bf16"),
]
LENGTHS = [(128, 128), (1000, 200), (2000, 500), (200, 1000), (4000, 250)]
ENGINES = ["vllm", "sglang", "tensorrt-llm", "vllm", "sglang"]
LOADS = [{"concurrency": c} for c in (1, 8, 32, 64, 128, 256)] + [
    {"request_rate": r} for r in (1.0, 2.0, 4.0, 16.0)
]
METRICS = ["ttft_s", "tpot_s", "e2e_latency_s", "output_tokens_per_s_per_gpu"]


def rows() -> list[Measurement]:
    out = []
    setups = [(s, lengths, e) for s in SETUPS for lengths, e in zip(LENGTHS, ENGINES, strict=True)]
    for ((model, gpu, tp, precision), (isl, osl), engine), load, metric in product(
        setups, LOADS, METRICS
    ):
        out.append(
            Measurement(
                id=str(len(out)),
                gpu=gpu,
                model=model,
                tp=tp,
                precision=precision,
                input_tokens=isl,
                output_tokens=osl,
                metric=metric,
                value=1.0,
                engine=engine,
                **load,
            )
        )
    return out


def main() -> None:
    measured = rows()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sweep.csv"
        write_csv(measured, path)
        napkin = Path(sys.executable).with_name("napkin")
        for mode in ("--closed-form", "--simulate"):
            started = time.perf_counter()
            done = subprocess.run(
                [str(napkin), "validate", str(path), mode, "--json"],
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
            print(f"napkin validate {len(measured):,} rows {mode:14s} {wall:6.1f} s  {status}")


if __name__ == "__main__":
    main()
