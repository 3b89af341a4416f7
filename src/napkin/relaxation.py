"""The cheapest single change that makes an infeasible serving design feasible.

Searched over the optimizer's axes one at a time (`optimize.space`): tensor parallelism,
weight precision and GPU, each with the design's other fields unchanged, plus loosening the
SLA target that no fleet meets (× 1.25, 1.5, 2, 3, 5). Each variant is planned in closed
form; the cheapest feasible one by monthly cost wins. Part of the plan stage: `plan()`
attaches it to an infeasible recommendation (the optimizer searches many changes at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from napkin.errors import NapkinError
from napkin.recommendation import Relaxation
from napkin.specs.axes import DEFAULT_GPUS, DEFAULT_PRECISIONS, DEFAULT_TPS
from napkin.specs.loader import resolve_design

if TYPE_CHECKING:
    from napkin.planner import Plan

LOOSER = (1.25, 1.5, 2.0, 3.0, 5.0)


def variants(plan: Plan) -> list[tuple[str, tuple[str, ...]]]:
    """(what changes, as `--set` overrides) for every single change tried."""
    d = plan.design
    out = [(f"tp={tp}", (f"deployment.tp={tp}",)) for tp in DEFAULT_TPS if tp != d.deployment.tp]
    out += [
        (f"precision {p}", (f"deployment.precision={p}",))
        for p in DEFAULT_PRECISIONS
        if p != d.deployment.precision.value
    ]
    out += [(f"GPU {g}", (f"hardware={g}",)) for g in DEFAULT_GPUS if g != d.hardware.name]
    for check in plan.sla:
        if not check.meets:
            for factor in LOOSER:
                limit = check.limit_s * factor
                text = f"sla.{check.target} {check.limit_s:.3g} s → {limit:.3g} s"
                out.append((text, (f"sla.{check.target}={limit:.6g}",)))
    return out


def cheapest_relaxation(plan: Plan, plan_design: Callable[..., Plan]) -> Relaxation | None:
    """The cheapest feasible variant, or None when no single change is enough. Each variant
    is planned with `plan_design` (the planner, passed in: it calls this)."""
    data = plan.design.model_dump(mode="json", exclude_none=True)
    best: Relaxation | None = None
    for change, overrides in variants(plan):
        try:
            variant = plan_design(resolve_design(data, overrides=overrides), relax=False)
        except NapkinError:
            continue
        rec = variant.recommendation
        if rec is None or not rec.feasible or rec.monthly_cost_usd is None or rec.gpus is None:
            continue
        cost = rec.monthly_cost_usd.value
        if best is None or cost < best.monthly_cost_usd:
            best = Relaxation(change, overrides, rec.gpus, cost)
    return best
