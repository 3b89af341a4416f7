"""Bounds checked after a field's schema constraints.

Most bounds live in the schema (`Field(ge=..., le=...)`), where the UI reads them. These
validators hold the few whose schema is kept as it was (`gt=0` alone, which the UI and its
tests rely on), while still refusing values that would overflow or underflow a plan.
"""

from __future__ import annotations

from pydantic import AfterValidator


def at_least(floor: float, what: str) -> AfterValidator:
    """Refuse a value below `floor` (e.g. fewer than one daily user plans a fleet for
    nothing, and far below it the figures underflow)."""

    def check(value: float) -> float:
        if value < floor:
            raise ValueError(f"must be at least {floor:g} {what}")
        return value

    return AfterValidator(check)


def at_most(ceiling: float, what: str) -> AfterValidator:
    """Refuse a value above `ceiling` (past it, products of figures overflow to infinity);
    None (an omitted optional field) passes."""

    def check(value: float | None) -> float | None:
        if value is not None and value > ceiling:
            raise ValueError(f"must be at most {ceiling:g} {what}")
        return value

    return AfterValidator(check)
