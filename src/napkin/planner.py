"""`plan(design)`: the capacity sheet — demand, memory, performance, fleet, queueing, cost.

Each section adds figures to one `Sheet`, every figure with its unit and provenance. Two
views stand side by side: the design's own rule of thumb (tokens/s per GPU it states) and
napkin's model-derived figures (prefixed `model_`), so a reader sees where they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from napkin.claim_check import ClaimCheck, check_claims
from napkin.figures import Figure, Sheet
from napkin.sections.cost import add_cost
from napkin.sections.demand import add_demand
from napkin.sections.fleet import add_fleet, add_queueing
from napkin.sections.memory import add_memory
from napkin.sections.performance import add_performance
from napkin.specs.design import Design


@dataclass(frozen=True)
class SLACheck:
    """One SLA target against napkin's estimate (queueing delay excluded)."""

    target: str
    limit_s: float
    estimate_s: float
    meets: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "limit_s": self.limit_s,
            "estimate_s": self.estimate_s,
            "meets": self.meets,
        }


@dataclass(frozen=True)
class Plan:
    """The result of planning a design: figures, claim checks, SLA checks, verdicts."""

    design: Design
    figures: dict[str, Figure]
    claims: list[ClaimCheck]
    sla: list[SLACheck]
    fits: bool
    fit_reason: str
    batch_limit: str

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design.name,
            "model": self.design.model.name,
            "gpu": self.design.hardware.name,
            "fits": self.fits,
            "fit_reason": self.fit_reason,
            "batch_limit": self.batch_limit,
            "figures": {key: fig.to_json() for key, fig in self.figures.items()},
            "sla": [check.to_json() for check in self.sla],
            "claims": [check.to_json() for check in self.claims],
        }


SLA_ESTIMATES = {
    "ttft_p50_s": "ttft_estimate_s",
    "ttft_p99_s": "ttft_p99_estimate_s",
    "tpot_s": "step_time_s",
    "e2e_p99_s": "e2e_p99_estimate_s",
}


def _sla_checks(sheet: Sheet, design: Design) -> list[SLACheck]:
    """Each SLA target the design gives, against the sheet's estimate for it."""
    checks = []
    for target, estimate_key in SLA_ESTIMATES.items():
        limit = getattr(design.sla, target)
        if limit is not None:
            estimate = sheet[estimate_key]
            checks.append(SLACheck(target, limit, estimate, estimate <= limit))
    return checks


def plan(design: Design) -> Plan:
    """Plan a design: every capacity figure with its provenance, and the stated claims checked."""
    sheet = Sheet()
    add_demand(sheet, design)
    fit = add_memory(sheet, design)
    point = add_performance(sheet, design)
    if point.batch >= 1:
        add_fleet(sheet, design)
        add_queueing(sheet)
        add_cost(sheet, design)
    sla = _sla_checks(sheet, design) if point.batch >= 1 else []
    claims = check_claims(design.claims, sheet.figures)
    reason = fit.reason
    if not fit.fits and sheet["min_tp_to_fit"]:
        reason += f"; tp={sheet['min_tp_to_fit']} would fit"
    return Plan(design, dict(sheet.figures), claims, sla, fit.fits, reason, point.limit)
