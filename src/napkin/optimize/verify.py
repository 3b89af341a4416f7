"""Check a screened candidate in simulation: a slice of its fleet at the planned peak."""

from __future__ import annotations

from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate, targets_of
from napkin.specs.loader import load_design

SLICE = 8
SECONDS = 120.0


def simulate_candidate(
    design: str, overrides: tuple[str, ...], base: tuple[str, ...] = (), seed: int = 0
) -> tuple[bool, str]:
    """(meets the SLA in simulation, why or why not), queueing included."""
    planned = plan(load_design(design, (*base, *overrides)))
    replicas = int(planned.figures["model_replicas_provisioned"].value)
    share = min(SLICE, replicas)
    qps = planned.figures["peak_qps"].value * share / replicas
    s = simulate(
        planned, SimOptions(duration_s=SECONDS, qps=qps, replicas=share, seed=seed)
    ).summary
    targets = targets_of(planned)
    checks = [
        ("P99 TTFT", targets.ttft_s, s["ttft_s"]["p99"]),
        ("P99 E2E", targets.e2e_s, s["e2e_s"]["p99"]),
    ]
    for label, limit, value in checks:
        if limit is not None and value > limit:
            return False, f"{label} over SLA in simulation: {value:.3g} s > {limit:.3g} s"
    return True, f"meets the SLA in simulation ({share} replicas, {SECONDS:.0f} s at peak)"
