"""`plan(design)`: the capacity sheet of a design, whatever its kind.

Each kind's scenario adds its figures to one `Sheet`, every figure with its unit and
provenance; then the design's stated claims are checked against the figures, and its SLA
targets against napkin's estimates. For serving designs two views stand side by side: the
design's own rule of thumb and napkin's model-derived figures (prefixed `model_`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from napkin.claim_check import ClaimCheck, check_claims
from napkin.figures import Figure, Sheet
from napkin.recommendation import Recommendation, Verdict, recommend
from napkin.relaxation import cheapest_relaxation
from napkin.scenarios.chatbot import plan_chatbot
from napkin.scenarios.coding_agent import plan_coding_agent
from napkin.scenarios.completion import plan_completion
from napkin.scenarios.eval_harness import plan_eval_harness
from napkin.scenarios.finetune import plan_finetune
from napkin.sections.pipeline import PlanOutcome
from napkin.specs.claims import Claim
from napkin.specs.design import (
    SERVING_KINDS,
    ChatbotDesign,
    CodingAgentDesign,
    CompletionDesign,
    Design,
    EvalDesign,
    FinetuneDesign,
)
from napkin.specs.failure_mode import FailureMode

SCENARIOS: dict[type, Callable[[Sheet, Any], PlanOutcome]] = {
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
    """One SLA target the design sets, against the plan's estimate (queueing included).
    `meets` is None when the deployment cannot be planned for it (infeasible)."""

    target: str
    limit_s: float
    estimate_s: float
    meets: bool

    @property
    def verdict(self) -> Verdict:
        return Verdict.met if self.meets else Verdict.missed

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "limit_s": self.limit_s,
            "estimate_s": self.estimate_s,
            "meets": self.meets,
            "verdict": self.verdict.value,
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


def _sla_checks(sheet: Sheet, design: Design, outcome: PlanOutcome) -> list[SLACheck]:
    """Each SLA target the design sets, against the sheet's estimate for it; when no fleet
    meets them, against the best value the deployment reaches (batch 1, no queueing)."""
    sla = getattr(design, "sla", None)
    if sla is None or not outcome.fits:
        return []
    best = outcome.search.single if outcome.search else None
    reach = {
        "ttft_p50_s": best.ttft_p50_s if best else None,
        "ttft_p99_s": best.ttft_p99_s if best else None,
        "tpot_s": best.tpot_s if best else None,
        "e2e_p99_s": best.e2e_p99_s if best else None,
    }
    checks = []
    for target, estimate_key in SLA_ESTIMATES.items():
        limit = getattr(sla, target, None)
        if limit is None:
            continue
        estimate = sheet[estimate_key] if estimate_key in sheet else reach[target]
        if estimate is not None:
            checks.append(SLACheck(target, limit, estimate, estimate <= limit * (1 + 1e-9)))
    return checks


def _rule_claims(design: Design, figures: dict[str, Figure]) -> list[Claim]:
    """The design's rule of thumb, checked against the model like any stated figure."""
    rule = getattr(design, "rule_of_thumb", None)
    if rule is None or "model_tokens_per_s_per_gpu" not in figures:
        return []
    claims = [
        Claim(
            name="rule of thumb: output tokens/s per GPU",
            figure="model_tokens_per_s_per_gpu",
            stated=rule.output_tokens_per_s_per_gpu,
            tolerance=0.2,
            note=f"The design's rule of thumb ({rule.source}); napkin's figure is at the "
            "batch limit its SLA and memory allow.",
        )
    ]
    if "gpus_provisioned" in figures and "model_gpus_provisioned" in figures:
        claims.append(
            Claim(
                name="rule of thumb: GPUs provisioned",
                figure="model_gpus_provisioned",
                stated=float(figures["gpus_provisioned"].value),
                tolerance=0.2,
                note="The reference method's fleet (peak output tokens/s ÷ rule of thumb × "
                "headroom), against napkin's recommended fleet.",
            )
        )
    return claims


def plan(design: Design, relax: bool = True) -> Plan:
    """Plan a design: every figure with its provenance, claims and SLA targets checked, and
    one recommendation for serving designs. `relax`: when no fleet meets the SLA, search
    the cheapest single change that does (off inside that search)."""
    sheet = Sheet()
    outcome = SCENARIOS[type(design)](sheet, design)
    figures = dict(sheet.figures)
    claims = check_claims((*design.claims, *_rule_claims(design, figures)), figures)
    sla = _sla_checks(sheet, design, outcome)
    notes = outcome.notes
    if outcome.infeasible:
        notes = (*notes, f"SLA cannot be met on this deployment: {outcome.infeasible}")
    result = Plan(design, figures, claims, sla, outcome.fits, outcome.fit_reason, notes)
    if outcome.search is None or design.kind not in SERVING_KINDS:
        return result
    rec = recommend(result, outcome)
    if relax and not rec.feasible:
        rec = rec.with_(relaxation=cheapest_relaxation(result, plan))
    return replace(result, recommendation=rec)
