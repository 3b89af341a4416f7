"""Arrival processes and lengths: the rates, spreads and shapes they promise."""

from __future__ import annotations

import numpy as np
import pytest

from napkin.sim.traffic import Arrivals, Traffic, generate
from napkin.specs.workload import LogNormalLength


def _traffic(**arrivals) -> Traffic:
    return Traffic(arrivals=Arrivals(**arrivals), prompt_tokens=200, output_tokens=300)


def test_poisson_rate_and_exponential_gaps():
    r = generate(_traffic(qps=50), 2000, seed=1)
    gaps = np.diff(r.arrival_s)
    assert len(r) / 2000 == pytest.approx(50, rel=0.02)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.03)  # CV of exponential


def test_gamma_burstiness():
    gaps = np.diff(generate(_traffic(kind="gamma", qps=50, cv=3.0), 2000, seed=1).arrival_s)
    assert gaps.std() / gaps.mean() == pytest.approx(3.0, rel=0.1)
    assert 1 / gaps.mean() == pytest.approx(50, rel=0.05)


def test_diurnal_thinning_follows_the_curve():
    hourly = tuple([0.25] * 12 + [1.0] * 12)
    r = generate(_traffic(kind="diurnal", qps=4, hourly=hourly), 86_400, seed=2)
    hour = (r.arrival_s // 3600).astype(int)
    night, day = (hour < 12).sum(), (hour >= 12).sum()
    assert day / night == pytest.approx(4.0, rel=0.1)


def test_lognormal_lengths_keep_the_mean():
    t = Traffic(
        arrivals=Arrivals(qps=100),
        prompt_tokens=500,
        output_tokens=300,
        prompt_distribution=LogNormalLength(sigma=0.8),
    )
    r = generate(t, 500, seed=3)
    assert r.prompt_tokens.mean() == pytest.approx(500, rel=0.03)
    assert (r.output_tokens == 300).all()


def test_seeded():
    a, b = generate(_traffic(qps=10), 100, seed=4), generate(_traffic(qps=10), 100, seed=4)
    assert np.array_equal(a.arrival_s, b.arrival_s)
