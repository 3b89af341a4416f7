"""What the UI lets a user change, as plain data: which fields get a control, the bounds the
design schema puts on each, how typed text becomes a number (or an error), and how the
chosen values become `--set` overrides. Pure functions, so they are tested without Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from napkin.specs.design import KINDS
from napkin.specs.loader import model_in

# The mapping that holds a design's traffic, one per kind of system.
WORKLOAD_SECTIONS = ("workload", "agent", "finetune", "completion", "eval")


def workload_section(raw: dict[str, Any]) -> str | None:
    """The name of the design's traffic mapping, if it has one."""
    return next((name for name in WORKLOAD_SECTIONS if isinstance(raw.get(name), dict)), None)


def numeric_fields(section: dict[str, Any] | None) -> dict[str, float]:
    """The plain numbers of a mapping (flags and nested lists get no control)."""
    if not section:
        return {}
    return {
        key: value
        for key, value in section.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _text(value: Any) -> str:
    """A number as an override writes it: whole numbers without a point, floats exactly."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return "null" if value is None else str(value)


def overrides(section: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """`section.key=value` for each field whose value the user changed."""
    return [
        f"{section}.{key}={_text(after[key])}" for key in after if after[key] != before.get(key)
    ]


@dataclass(frozen=True)
class Bounds:
    """What the design schema allows for one number: limits, whole numbers, blank (None)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    integer: bool = False
    optional: bool = False

    def describe(self) -> str:
        """'a whole number greater than 0', 'a number from 0 to 1', …"""
        parts = [
            f"{word} {_text(limit)}"
            for word, limit in (
                ("greater than", self.gt),
                ("at least", self.ge),
                ("less than", self.lt),
                ("at most", self.le),
            )
            if limit is not None
        ]
        kind = "a whole number" if self.integer else "a number"
        text = " ".join([kind, ", ".join(parts)]).strip()
        return text + (" (blank: none)" if self.optional else "")

    def violation(self, value: float) -> str | None:
        """Why `value` is out of bounds, or None when the schema allows it."""
        if self.integer and not float(value).is_integer():
            return "must be a whole number"
        checks = (
            (self.gt, lambda limit: value > limit, "greater than"),
            (self.ge, lambda limit: value >= limit, "at least"),
            (self.lt, lambda limit: value < limit, "less than"),
            (self.le, lambda limit: value <= limit, "at most"),
        )
        for limit, ok, word in checks:
            if limit is not None and not ok(limit):
                return f"must be {word} {_text(limit)}"
        return None


def _bounds_of(schema: dict[str, Any]) -> Bounds:
    """Bounds from one property of a JSON schema (a `X | None` field is an anyOf)."""
    options = schema.get("anyOf", [schema])
    optional = any(option.get("type") == "null" for option in options)
    number = next((o for o in options if o.get("type") in ("number", "integer")), {})
    return Bounds(
        gt=number.get("exclusiveMinimum"),
        ge=number.get("minimum"),
        lt=number.get("exclusiveMaximum"),
        le=number.get("maximum"),
        integer=number.get("type") == "integer",
        optional=optional,
    )


@cache
def section_bounds(kind: str, section: str) -> dict[str, Bounds]:
    """Each field's bounds in a design section (`workload`, `sla`, `hardware`, …), read from
    the JSON schema of the pydantic model that validates it; {} for an unknown section."""
    design = KINDS.get(kind)
    field = design.model_fields.get(section) if design else None
    model = model_in(field.annotation) if field else None
    if model is None:
        return {}
    properties = model.model_json_schema().get("properties", {})
    return {name: _bounds_of(schema) for name, schema in properties.items()}


def parse_number(text: str, bounds: Bounds) -> tuple[float | int | None, str | None]:
    """Typed text to a number the schema allows, or an error to show next to the field.

    Accepts `2e7`, `20_000_000`, `20,000,000` and decimals; a whole number comes back an int.
    Blank is None where the field is optional."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        return (None, None) if bounds.optional else (None, "required: " + bounds.describe())
    try:
        value = float(cleaned)
    except ValueError:
        return None, f"not a number: {text.strip()!r}; expected {bounds.describe()}"
    if not math.isfinite(value):
        return None, f"not a finite number: {text.strip()!r}"
    problem = bounds.violation(value)
    if problem is not None:
        return None, f"{problem} (got {text.strip()})"
    return (int(value) if value.is_integer() and abs(value) < 2**53 else value), None


def shown(value: Any) -> str:
    """The text a number field starts with: '10000000', '0.15', '' for none."""
    return "" if value is None else _text(value)


def hardware_overrides(
    design_gpu: str, design_price: float, gpu: str, price: float | None
) -> list[str]:
    """The GPU and its hourly price as overrides. A changed GPU always carries the price shown
    next to it (the catalog's, unless edited), since the design's own price was for its GPU."""
    changes = [f"hardware.gpu={gpu}"] if gpu != design_gpu else []
    if price is not None and (changes or price != design_price):
        changes.append(f"hardware.price_per_gpu_hour_usd={_text(price)}")
    return changes
