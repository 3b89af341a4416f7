"""`plan(design)`: the capacity sheet of a design, whatever its kind.

Each kind's scenario adds its figures to one `Sheet`, every figure with its unit and
provenance; then the design's stated claims are checked against the figures, and its SLA
targets against napkin's estimates. For serving designs two views stand side by side: the
design's own rule of thumb and napkin's model-derived figures (prefixed `model_`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from napkin.claim_check import ClaimCheck, check_claims
from napkin.figures import Figure, Sheet
from napkin.recommendation import Recommendation
from napkin.scenarios.chatbot import plan_chatbot
from napkin.scenarios.coding_agent import plan_coding_agent
from napkin.scenarios.completion import plan_completion
from napkin.scenarios.eval_harness import plan_eval_harness
from napkin.scenarios.finetune import plan_finetune
from napkin.sections.serving import Outcome
from napkin.specs.design import (
    ChatbotDesign,
    CodingAgentDesign,
    CompletionDesign,
    Design,
    EvalDesign,
    FinetuneDesign,
)
from napkin.specs.failure_mode import FailureMode

SCENARIOS: dict[type, Callable[[Sheet, Any], Outcome]] = {
    ChatbotDesign: plan_chatbot,
    CodingAgentDesign: plan_coding_agent,
    FinetuneDesign: plan_finetune,
    CompletionDesign: plan_completion,
    EvalDesign: plan_eval_harness,
}
# Which figure estimates each SLA target (all before queueing delay).
SLA_ESTIMATES = {
    "ttft_p50_s": "ttft_estimate_s",
    "ttft_p99_s": "ttft_p99_estimate_s",
    "tpot_s": "step_time_s",
    "e2e_p99_s": "e2e_p99_estimate_s",
}


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
    """The result of planning a design: figures, claim and SLA checks, verdicts, register."""

    design: Design
    figures: dict[str, Figure]
    claims: list[ClaimCheck]
    sla: list[SLACheck]
    fits: bool
    fit_reason: str
    notes: tuple[str, ...]
    recommendation: Recommendation | None = None

    @property
    def failure_modes(self) -> tuple[FailureMode, ...]:
        return self.design.failure_modes

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design.name,
            "kind": self.design.kind,
            "model": self.design.model.name,
            "gpu": self.design.hardware.name,
            "recommendation": self.recommendation.to_json() if self.recommendation else None,
            "fits": self.fits,
            "fit_reason": self.fit_reason,
            "notes": list(self.notes),
            "figures": {key: fig.to_json() for key, fig in self.figures.items()},
            "sla": [check.to_json() for check in self.sla],
            "claims": [check.to_json() for check in self.claims],
            "failure_modes": [mode.model_dump() for mode in self.failure_modes],
        }


def _sla_checks(sheet: Sheet, design: Design) -> list[SLACheck]:
    """Each SLA target the design gives, against the sheet's estimate for it."""
    sla = getattr(design, "sla", None)
    checks = []
    for target, estimate_key in SLA_ESTIMATES.items():
        limit = getattr(sla, target, None)
        if limit is not None and estimate_key in sheet:
            estimate = sheet[estimate_key]
            checks.append(SLACheck(target, limit, estimate, estimate <= limit))
    return checks


def plan(design: Design) -> Plan:
    """Plan a design: every figure with its provenance, claims and SLA targets checked."""
    sheet = Sheet()
    outcome = SCENARIOS[type(design)](sheet, design)
    claims = check_claims(design.claims, sheet.figures)
    sla = _sla_checks(sheet, design) if outcome.fits else []
    return Plan(
        design,
        dict(sheet.figures),
        claims,
        sla,
        outcome.fits,
        outcome.fit_reason,
        outcome.notes,
    )
