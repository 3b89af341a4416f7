"""What the UI lets a user change, as plain data: which fields get a control, and how the
chosen values become `--set` overrides. Pure functions, so they are tested without Streamlit."""

from __future__ import annotations

from typing import Any

# The mapping that holds a design's traffic, one per kind of system.
WORKLOAD_SECTIONS = ("workload", "agent", "finetune", "completion", "eval")
# napkin's own performance model first (it answers to GPU, precision and batch); then the
# reference's rule-of-thumb fleet, which does not; then the kinds without a serving fleet.
HEADLINES = (
    "model_gpus_provisioned",
    "model_monthly_cost_usd",
    "gpus_provisioned",
    "gpus_for_turnaround",
    "monthly_cost_usd",
    "peak_qps",
)


def workload_section(raw: dict[str, Any]) -> str | None:
    """The name of the design's traffic mapping, if it has one."""
    return next((name for name in WORKLOAD_SECTIONS if isinstance(raw.get(name), dict)), None)


def numeric_fields(section: dict[str, Any] | None) -> dict[str, float]:
    """The plain numbers of a mapping (flags and nested lists get no slider)."""
    if not section:
        return {}
    return {
        key: value
        for key, value in section.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def overrides(section: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """`section.key=value` for each field whose value the user changed."""
    return [
        f"{section}.{key}={after[key]:g}"
        if isinstance(after[key], float)
        else f"{section}.{key}={after[key]}"
        for key in after
        if after[key] != before.get(key)
    ]


def headline_keys(figures: dict[str, Any]) -> list[str]:
    """The figures a verdict line shows first, among those this kind of plan has; one
    monthly cost only (the model's where there is one)."""
    keys = [key for key in HEADLINES if key in figures]
    if "model_monthly_cost_usd" in keys:
        keys.remove("monthly_cost_usd")
    return keys
