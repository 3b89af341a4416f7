"""Demand section: the workload's assumptions and requests and tokens per second."""

from __future__ import annotations

from napkin.capacity import demand
from napkin.figures import Sheet
from napkin.specs.design import Design

WORKLOAD_UNITS = {
    "dau": "users",
    "sessions_per_user_per_day": "1/day",
    "turns_per_session": "turns",
    "input_tokens_per_turn": "tokens",
    "output_tokens_per_turn": "tokens",
    "peak_to_average": "×",
}


def add_demand(sheet: Sheet, design: Design) -> None:
    sheet.section = "demand"
    for field, unit in WORKLOAD_UNITS.items():
        sheet.assume(field, getattr(design.workload, field), unit, f"workload.{field}")
    sheet.derive(demand.turns_per_day, "turns/day")
    sheet.derive(demand.avg_qps, "req/s")
    sheet.derive(demand.peak_qps, "req/s")
    sheet.derive(demand.peak_input_tokens_per_s, "tokens/s")
    sheet.derive(demand.peak_output_tokens_per_s, "tokens/s")
    sheet.derive(demand.output_tokens_per_day, "tokens/day")
