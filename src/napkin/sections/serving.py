"""The serving pipeline shared by chatbot, coding agent and code completion: memory,
performance, fleet, queueing and cost, after a scenario has put its request on the sheet.

A scenario must first add: `peak_qps`, `requests_per_day`, `peak_output_tokens_per_s`,
`output_tokens_per_day`, `prefill_tokens_per_request`, `output_tokens_per_request`,
`context_tokens` and the P99s `prefill_tokens_p99`, `output_tokens_p99`, `context_tokens_p99`.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.figures import Sheet
from napkin.sections.cost import add_cost
from napkin.sections.fleet import add_fleet, add_queueing
from napkin.sections.memory import add_memory
from napkin.sections.performance import add_performance
from napkin.specs.design import ServingDesign


@dataclass(frozen=True)
class Outcome:
    """A scenario's verdicts beside its figures."""

    fits: bool
    fit_reason: str
    notes: tuple[str, ...] = ()


def serve(sheet: Sheet, design: ServingDesign) -> Outcome:
    """Run the serving sections; stop after performance when no batch fits."""
    fit = add_memory(sheet, design)
    point = add_performance(sheet, design)
    notes = (f"decode batch limited by {point.limit}",)
    if point.batch >= 1:
        add_fleet(sheet, design)
        add_queueing(sheet)
        add_cost(sheet, design)
    reason = fit.reason
    if not fit.fits and sheet["min_tp_to_fit"]:
        reason += f"; tp={sheet['min_tp_to_fit']} would fit"
    return Outcome(fit.fits, reason, notes)
