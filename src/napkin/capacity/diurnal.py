"""The day's shape: 24 hourly rates relative to the peak, from a workload's peak / average.

A modelling assumption, not a measured trace: the simulator's diurnal arrivals and the
plan's autoscaled and mixed-pricing costs share it.
"""

from __future__ import annotations

import numpy as np

PEAK_HOUR = 14  # local time of the daily peak in `daily_curve`
DEFAULT_PEAK_TO_AVERAGE = 2.0  # napkin's own default (specs/completion_workload.py)


def daily_curve(peak_to_average: float | None = None) -> tuple[float, ...]:
    """24 hourly relative rates (peak 1.0 at PEAK_HOUR) whose peak / mean is
    `peak_to_average` — the design's figure, or DEFAULT_PEAK_TO_AVERAGE when none is stated
    (None or 1). Up to 2 it is a cosine, 1 + (r − 1)·cos; above 2, ((1 + cos) / 2)^k with k
    found by bisection, which narrows the peak. A modelling assumption, not a measured trace."""
    r = peak_to_average if peak_to_average and peak_to_average > 1 else DEFAULT_PEAK_TO_AVERAGE
    cos = np.cos(2 * np.pi * (np.arange(24) - PEAK_HOUR) / 24)
    if r <= 2:
        curve = 1 + (r - 1) * cos
    else:
        low, high = 1.0, 1000.0
        for _ in range(100):
            k = (low + high) / 2
            curve = ((1 + cos) / 2) ** k
            low, high = (k, high) if 1 / curve.mean() < r else (low, k)
    return tuple(float(x) for x in curve / curve.max())


def rate_at(hourly: tuple[float, ...], times_s: np.ndarray) -> np.ndarray:
    """The relative rate (peak 1) at each time: each hour's value is the rate at the middle
    of the hour, linear in between and periodic over the day, so the rate never steps at
    an hour's edge (an autoscaler would see a jump no real day has). Hour h's mean rate is
    then (c[h − 1] + 6 c[h] + c[h + 1]) / 8, and a whole day's mean is the curve's."""
    c = np.asarray(hourly, float) / max(hourly)
    x = np.asarray(times_s, float) / 3600 - 0.5
    below = np.floor(x)
    frac = x - below
    i = below.astype(np.int64) % len(c)
    return c[i] * (1 - frac) + c[(i + 1) % len(c)] * frac
