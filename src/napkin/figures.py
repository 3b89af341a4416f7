"""A figure is a number with its unit and provenance; a sheet collects a plan's figures.

Provenance is one of: an assumption of the design (with the field it came from), a catalog
entry (with its public source), a formula (shown, with the values that went in), a fitted
calibration, a simulation, or a claim of a written design.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Source(str, Enum):
    assumption = "assumption"
    catalog = "catalog"
    formula = "formula"
    calibration = "calibration"
    simulation = "simulation"
    default = "napkin default"


@dataclass(frozen=True)
class Figure:
    """One printed number. `formula` is symbolic; `inputs` the figures it was computed from."""

    key: str
    value: float | int | bool
    unit: str
    source: Source
    section: str
    detail: str | None = None
    formula: str | None = None
    inputs: dict[str, float] = field(default_factory=dict)
    cite: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "unit": self.unit, "source": self.source.value}
        if self.formula:
            out["formula"] = self.formula
            out["inputs"] = self.inputs
        if self.detail:
            out["detail"] = self.detail
        if self.cite:
            out["cite"] = self.cite
        return out


def formula_of(fn: Callable[..., Any]) -> str:
    """The first paragraph of a capacity function's docstring: its formula, on one line."""
    paragraph = (fn.__doc__ or fn.__name__).strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _rename(formula: str, names: dict[str, str]) -> str:
    if not names:
        return formula
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], formula)


class Sheet:
    """The figures of one plan, in the order they were added."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        self.section = ""

    def __getitem__(self, key: str) -> Any:
        return self.figures[key].value

    def __contains__(self, key: str) -> bool:
        return key in self.figures

    def add(
        self,
        key: str,
        value: Any,
        unit: str,
        source: Source,
        detail: str | None = None,
        formula: str | None = None,
        inputs: dict[str, float] | None = None,
        cite: str | None = None,
    ) -> Any:
        """Record a figure under the current section and return its value.

        A formula's inputs default to the figures its right-hand side names.
        """
        if formula and inputs is None:
            inputs = self._named_in(formula.split(" = ", 1)[-1])
        self.figures[key] = Figure(
            key, value, unit, source, self.section, detail, formula, inputs or {}, cite
        )
        return value

    def _named_in(self, text: str) -> dict[str, float]:
        names = dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
        return {name: self.figures[name].value for name in names if name in self.figures}

    def alias(self, key: str, source_key: str) -> Any:
        """Record `key` as equal to an existing figure, e.g. a headline taken from the model."""
        return self.add(
            key,
            self[source_key],
            self.figures[source_key].unit,
            Source.formula,
            formula=f"{key} = {source_key}",
        )

    def assume(self, key: str, value: Any, unit: str, field: str) -> Any:
        """Record an assumption of the design, naming the design field it came from."""
        return self.add(key, value, unit, Source.assumption, detail=f"design field {field}")

    def derive(
        self,
        fn: Callable[..., Any],
        unit: str,
        *,
        key: str | None = None,
        bind: dict[str, str] | None = None,
        detail: str | None = None,
        **objects: Any,
    ) -> Any:
        """Compute `fn` from figures on the sheet and record the result with its formula.

        Each parameter of `fn` is read from the figure of the same name, or of the name
        `bind` maps it to; `objects` passes non-figure arguments (a Model, a GPU) directly.
        """
        bind = bind or {}
        code = fn.__code__
        params = code.co_varnames[: code.co_argcount]
        args = {p: objects[p] if p in objects else self[bind.get(p, p)] for p in params}
        figure_inputs = {bind.get(p, p): args[p] for p in params if p not in objects}
        key = key or fn.__name__
        formula = _rename(formula_of(fn), {fn.__name__: key, **bind})
        return self.add(key, fn(**args), unit, Source.formula, detail, formula, figure_inputs)
