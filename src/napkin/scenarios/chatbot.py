"""Chatbot serving (reference prompt 1): daily users -> turns -> requests at peak."""

from __future__ import annotations

from napkin.capacity import demand
from napkin.figures import Sheet, Source
from napkin.sections.pipeline import PlanOutcome, serve
from napkin.specs.design import ChatbotDesign

WORKLOAD_UNITS = {
    "dau": "users",
    "sessions_per_user_per_day": "1/day",
    "turns_per_session": "turns",
    "input_tokens_per_turn": "tokens",
    "output_tokens_per_turn": "tokens",
    "peak_to_average": "×",
    "prefix_cache_hit_rate": "fraction",
    "reasoning_tokens_per_turn": "tokens",
}


def requests_per_day(turns_per_day: float) -> float:
    """requests_per_day = turns_per_day   (each turn is one request to the model)"""
    return turns_per_day


def prefill_tokens_per_request(input_tokens_per_turn: float, prefix_cache_hit_rate: float) -> float:
    """prefill_tokens_per_request = input_tokens_per_turn × (1 − prefix_cache_hit_rate)
    (the rest is read from the prefix cache, not prefilled)"""
    return input_tokens_per_turn * (1 - prefix_cache_hit_rate)


def reasoning_tokens_per_day(reasoning_tokens_per_turn: float, requests_per_day: float) -> float:
    """reasoning_tokens_per_day = reasoning_tokens_per_turn × requests_per_day   (part of
    output_tokens_per_day)"""
    return reasoning_tokens_per_turn * requests_per_day


def output_tokens_per_request(output_tokens_per_turn: float) -> float:
    """output_tokens_per_request = output_tokens_per_turn"""
    return output_tokens_per_turn


def context_tokens(input_tokens_per_turn: float, output_tokens_per_request: float) -> float:
    """context_tokens = input_tokens_per_turn + output_tokens_per_request   (cached or not,
    every input token is in the KV cache)"""
    return input_tokens_per_turn + output_tokens_per_request


def context_tokens_p99(
    prefill_tokens_p99: float, prefix_cache_hit_rate: float, output_tokens_p99: float
) -> float:
    """context_tokens_p99 = prefill_tokens_p99 / (1 − prefix_cache_hit_rate) +
    output_tokens_p99"""
    return prefill_tokens_p99 / (1 - prefix_cache_hit_rate) + output_tokens_p99


def add_demand(sheet: Sheet, design: ChatbotDesign) -> None:
    sheet.section = "demand"
    w = design.workload
    for field, unit in WORKLOAD_UNITS.items():
        sheet.assume(field, getattr(w, field), unit, f"workload.{field}")
    sheet.derive(demand.turns_per_day, "turns/day")
    sheet.derive(demand.avg_qps, "req/s")
    sheet.derive(demand.peak_qps, "req/s")
    sheet.derive(demand.peak_input_tokens_per_s, "tokens/s")
    sheet.derive(demand.peak_output_tokens_per_s, "tokens/s")
    sheet.derive(demand.output_tokens_per_day, "tokens/day")
    sheet.derive(requests_per_day, "req/day")
    sheet.derive(prefill_tokens_per_request, "tokens")
    sheet.derive(output_tokens_per_request, "tokens")
    uncached = 1 - w.prefix_cache_hit_rate
    for key, value, field, share in (
        ("prefill_tokens_p99", w.input_tokens_quantile(0.99), "input_tokens_distribution", 1),
        ("output_tokens_p99", w.output_tokens_quantile(0.99), "output_tokens_distribution", 0),
    ):
        cached = " × (1 − prefix_cache_hit_rate)" if share else ""
        sheet.add(
            key,
            value * (uncached if share else 1),
            "tokens",
            Source.formula,
            formula=f"{key} = 99th percentile of workload.{field} (the mean when none is "
            f"given){cached}",
        )
    sheet.derive(context_tokens, "tokens")
    sheet.derive(context_tokens_p99, "tokens")
    sheet.derive(reasoning_tokens_per_day, "tokens/day")


def plan_chatbot(sheet: Sheet, design: ChatbotDesign) -> PlanOutcome:
    """Demand from daily users, then the shared serving pipeline."""
    add_demand(sheet, design)
    return serve(sheet, design)
