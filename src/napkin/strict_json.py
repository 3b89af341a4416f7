"""Strict JSON (RFC 8259) out of every command and every `to_json()`: no NaN, no Infinity.

A figure that is NaN (no data: a percentile of no requests) or infinite (a window with no
end) is written as null, so every parser reads the output; `allow_nan=False` guards it.
"""

from __future__ import annotations

import json
import math


def finite(value: object) -> object:
    """A copy with every NaN or infinite float replaced by None (JSON null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def dumps(value: object, indent: int | None = 2) -> str:
    """`value` as strict JSON text."""
    return json.dumps(finite(value), indent=indent, allow_nan=False)
