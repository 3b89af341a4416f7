"""Check a screened candidate in simulation with the robust SLA check (`sim.sla_check`):
every target the design sets, 3 seeds, a 5% margin, warm-up excluded."""

from __future__ import annotations

from napkin.planner import plan
from napkin.sim.sla_check import SEEDS, check
from napkin.specs.loader import load_design

NAMES = {
    "ttft_p50_s": "TTFT p50",
    "ttft_p99_s": "TTFT p99",
    "tpot_s": "TPOT",
    "e2e_p99_s": "E2E p99",
}


def simulate_candidate(
    design: str, overrides: tuple[str, ...], base: tuple[str, ...] = (), seed: int = 0
) -> tuple[bool, str]:
    """(meets the SLA in simulation, why or why not), queueing included."""
    planned = plan(load_design(design, (*base, *overrides)), relax=False)
    rec = planned.recommendation
    if rec is None or not rec.feasible or rec.replicas is None:
        return False, "no planned fleet to simulate"
    result = check(planned, rec.replicas, first_seed=seed)
    missed = [t for t in result.targets if t.simulated.value == "missed"]
    if missed:
        worst = missed[0]
        return False, (
            f"{NAMES[worst.target]} over SLA in simulation: worst of {SEEDS} seeds "
            f"{worst.simulated_s:.3g} s > {worst.limit_s:.3g} s − 5% margin"
        )
    if not result.meets:
        return False, "requests left unfinished in simulation"
    return True, (
        f"meets every SLA target in simulation ({SEEDS} seeds, 5% margin, "
        f"{result.duration_s:.0f} s runs, first {result.warmup_s:.0f} s excluded)"
    )
