"""The serving pipeline shared by chatbot, coding agent and code completion: memory,
performance, fleet, queueing and cost, after a scenario has put its request on the sheet.

A scenario must first add: `peak_qps`, `requests_per_day`, `peak_output_tokens_per_s`,
`output_tokens_per_day`, `prefill_tokens_per_request`, `output_tokens_per_request`,
`context_tokens` and the P99s `prefill_tokens_p99`, `output_tokens_p99`, `context_tokens_p99`.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.figures import Sheet
from napkin.perf.sizing import SLA_MARGIN, Search
from napkin.sections.api_alternative import add_api_alternative
from napkin.sections.memory_budget import add_memory
from napkin.sections.performance import add_performance
from napkin.sections.pricing import add_cost
from napkin.sections.pricing_mix import add_pricing_mix
from napkin.sections.provisioning import add_fleet, add_queueing, add_reference_method
from napkin.sections.token_cost import add_token_cost
from napkin.specs.design import ServingDesign


@dataclass(frozen=True)
class PlanOutcome:
    """A scenario's verdicts beside its figures. `search` is the serving sizing (None for
    kinds that do not serve); `infeasible` names the SLA target no fleet can meet."""

    fits: bool
    fit_reason: str
    notes: tuple[str, ...] = ()
    search: Search | None = None
    infeasible: str = ""


def serve(sheet: Sheet, design: ServingDesign) -> PlanOutcome:
    """Run the serving sections; stop before the fleet when no batch fits or no fleet meets
    the SLA (an infeasible deployment gets no fleet and no cost). A disaggregated design
    sizes its two pools instead (`sections.two_pools`)."""
    if design.disaggregation is not None:
        from napkin.sections.two_pools import serve_disaggregated

        return serve_disaggregated(sheet, design)
    fit = add_memory(sheet, design)
    search = add_performance(sheet, design)
    add_reference_method(sheet, design)
    reason = fit.reason
    if not fit.fits and sheet["min_tp_to_fit"]:
        reason += f"; tp={sheet['min_tp_to_fit']} would fit"
    if not fit.fits:
        return PlanOutcome(False, reason, search=search)
    if search.sizing is None:
        return PlanOutcome(True, reason, search=search, infeasible=unmet(search, design))
    add_fleet(sheet, design, search.sizing)
    add_queueing(sheet)
    add_cost(sheet, design)
    from napkin.sections.two_pools import engine_of  # two_pools imports this module

    add_token_cost(sheet, engine_of(design))
    add_api_alternative(sheet, design.model.name)
    add_pricing_mix(sheet, design.hardware)
    return PlanOutcome(
        True, reason, (f"decode batch: {sheet.figures['decode_batch'].detail}",), search
    )


def unmet(search: Search, design: ServingDesign) -> str:
    """Which target no fleet of this deployment meets, and the best value it can reach
    (batch 1, no queueing)."""
    best = search.single
    if best is None:
        return "no batch fits: prompts overflow the engine's token budget"
    sla = design.sla
    reach = (
        ("TTFT p50", sla.ttft_p50_s, best.ttft_p50_s),
        ("TTFT p99", sla.ttft_p99_s, best.ttft_p99_s),
        ("time per output token", sla.tpot_s, best.tpot_s),
        ("E2E p99", sla.e2e_p99_s, best.e2e_p99_s),
    )
    missed = [
        f"{name} {limit:.3g} s (best reachable {value:.3g} s at batch 1"
        + (")" if value > limit else f", inside the {SLA_MARGIN:.0%} margin)")
        for name, limit, value in reach
        if limit is not None and value > limit * (1 - SLA_MARGIN)
    ]
    return "; ".join(missed) or "no fleet meets every target at once"
