"""Measured against predicted, row by row, and the error statistics per metric."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from napkin.calibration.measurement import Measurement, Metric
from napkin.calibration.predict import predict
from napkin.perf.efficiency import resolve
from napkin.specs.catalog import calibration_for, find_gpu
from napkin.specs.profile import Profile

# Rows off by more than this factor need a written reason (the row's `note`).
FACTOR_LIMIT = 2.0


@dataclass(frozen=True)
class Row:
    measurement: Measurement
    predicted: float
    profile: str

    @property
    def error(self) -> float:
        """Signed relative error: predicted / measured − 1."""
        return self.predicted / self.measurement.value - 1

    @property
    def factor(self) -> float:
        """How many times off, in either direction (≥ 1)."""
        ratio = self.predicted / self.measurement.value
        return max(ratio, 1 / ratio)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.measurement.model_dump(mode="json"),
            "predicted": self.predicted,
            "error": self.error,
            "profile": self.profile,
        }


@dataclass(frozen=True)
class Stats:
    metric: Metric
    rows: int
    median_ape: float
    p90_ape: float

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric.value,
            "rows": self.rows,
            "median_ape": self.median_ape,
            "p90_ape": self.p90_ape,
        }


def _profile_for(m: Measurement, profile: Profile | None) -> Profile | None:
    if profile is not None:
        return profile if profile.gpu == m.gpu else None
    return calibration_for(m.gpu, m.software)


def compare(measurements: list[Measurement], profile: Profile | None = None) -> list[Row]:
    """Predict every row with the profile for its GPU and software (or the one given)."""
    rows = []
    for m in measurements:
        chosen = _profile_for(m, profile)
        eff = resolve(None, find_gpu(m.gpu), chosen)
        rows.append(Row(m, predict(m, eff), chosen.name if chosen else "uncalibrated"))
    return rows


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 1]."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def statistics(rows: list[Row]) -> list[Stats]:
    """Median and 90th-percentile absolute percentage error for each metric present."""
    out = []
    for metric in Metric:
        errors = [abs(r.error) for r in rows if r.measurement.metric is metric]
        if errors:
            out.append(Stats(metric, len(errors), median(errors), percentile(errors, 0.9)))
    return out


def unexplained(rows: list[Row]) -> list[Row]:
    """Rows off by more than FACTOR_LIMIT with no written reason in their note."""
    return [r for r in rows if r.factor > FACTOR_LIMIT and not r.measurement.explanation]
