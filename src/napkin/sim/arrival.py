"""The arrival processes napkin simulates, one spelling everywhere (workload, options, CLI).
A module of its own so the CLI can offer the choices without importing numpy."""

from __future__ import annotations

from enum import Enum


class ArrivalKind(str, Enum):
    """- poisson: exponential gaps.
    - gamma: Gamma gaps with a chosen coefficient of variation (cv > 1 is burstier).
    - diurnal: Poisson whose rate follows the design's 24-hour curve."""

    poisson = "poisson"
    gamma = "gamma"
    diurnal = "diurnal"
