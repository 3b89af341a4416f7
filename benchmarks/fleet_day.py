"""A whole day of the chatbot fleet, autoscaled under its diurnal curve (issue #19).

The planned fleet (576 replicas of Llama-3-70B, TP8 on H100) is cut into `--parts` equal
slices, each at its share of the peak (random routing splits a Poisson stream exactly).
One slice's day is simulated:

1. in this process, on one core (the compiled core unless NAPKIN_SIM_CORE=python);
2. on a local Ray instance as 2 shards of the slice, one a CPU (`--executor ray`).

From the one-core run's throughput (simulated requests per wall-second) it projects the
whole fleet's day on a 32-core Ray cluster: all parts' requests / (32 × that throughput),
the cluster's cores each simulating parts one after another. Peak memory is the process's.

    python benchmarks/fleet_day.py [--parts 32] [--duration 86400] [--no-ray]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import date
from math import ceil

from napkin.native import CORE_KIND
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.sim.shards import simulate_sharded
from napkin.specs.loader import load_design

CLUSTER_CORES = 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=32)
    parser.add_argument("--duration", type=float, default=86_400.0)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    planned = plan(load_design("chatbot"))
    f = planned.figures
    fleet = int(f["model_replicas_provisioned"].value)
    replicas = ceil(fleet / args.parts)
    qps = float(f["peak_qps"].value) * replicas / fleet
    options = SimOptions(
        replicas=replicas,
        qps=qps,
        duration_s=args.duration,
        arrival="diurnal",
        autoscale=True,
        router="random",
        seed=1,
    )
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {CORE_KIND} core"
    )
    print(f"slice: {replicas} of {fleet} replicas, peak {qps:,.1f} req/s, {args.duration:,.0f} s")
    started = time.perf_counter()
    sim = simulate(planned, options, budget=None)
    wall = time.perf_counter() - started
    s, scaled = sim.summary, sim.summary["autoscale"]
    rate = s["requests"] / wall
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hours = [h for h in scaled["hourly"] if h["requests"]]
    worst = min(hours, key=lambda h: h["sla_attainment"])
    factor = fleet / replicas
    print(
        f"one core: {s['requests']:,} requests in {wall:,.1f} s = {rate:,.0f} req/s; "
        f"peak RSS {peak_mib:,.0f} MiB; streamed: {'streamed' in s}"
    )
    print(
        f"slice: {scaled['gpu_hours']:,.0f} GPU-h paid vs {scaled['always_on_gpu_hours']:,.0f} "
        f"always on ({scaled['saved_fraction']:.0%} saved), ${scaled['cost_usd']:,.0f}; whole "
        f"fleet x{factor:.1f}: {scaled['gpu_hours'] * factor:,.0f} GPU-h, "
        f"${scaled['cost_usd'] * factor:,.0f} a day"
    )
    print(
        f"worst hour {worst['hour']}: {worst['sla_attainment']:.2%} met the SLA, TTFT p99 "
        f"{worst['ttft_p99_s'] * 1e3:,.0f} ms; goodput {s['goodput_fraction']:.2%}"
    )
    whole = s["requests"] * args.parts
    print(
        f"projected whole fleet ({whole:,} requests) on a {CLUSTER_CORES}-core Ray cluster: "
        f"{whole / (CLUSTER_CORES * rate):,.0f} s; on this one core: {whole / rate / 3600:,.1f} h"
    )
    if args.no_ray:
        return
    started = time.perf_counter()
    sharded = simulate_sharded(planned, options, 2, "ray", budget=None)
    ray_wall = time.perf_counter() - started
    merged = sharded.summary()
    print(
        f"local Ray, 2 shards: {merged['requests']:,} requests in {ray_wall:,.1f} s "
        f"(one core / Ray: {wall / ray_wall:.2f}x); GPU-h {merged['autoscale']['gpu_hours']:,.0f}"
    )


if __name__ == "__main__":
    main()
