"""The mergeable latency histogram (issue #19): every quantile within 1% of the exact
order statistic, merges exact, memory set by the range, not the count."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from napkin.sim.histogram import LogHistogram


def _exact(values: np.ndarray, q: float) -> float:
    """The lower order statistic at rank ⌈q n⌉ (what the histogram answers)."""
    ordered = np.sort(values)
    return float(ordered[max(1, int(np.ceil(q * len(values) - 1e-9))) - 1])


def test_a_bucket_by_hand():
    """α = 1%: γ = 1.01 / 0.99 = 1.020202; 1.0 falls in bucket ⌈0⌉ = 0, answered
    2 × γ⁰ / (γ + 1) = 0.990000, within 1% of 1.0."""
    h = LogHistogram().add(np.array([1.0]))
    assert h.counts == {0: 1}
    assert h.quantile(0.5) == pytest.approx(0.99, rel=1e-12)


@settings(max_examples=60)
@given(
    st.lists(st.floats(min_value=1e-6, max_value=1e5), min_size=1, max_size=400),
    st.sampled_from([0.01, 0.5, 0.9, 0.99, 0.999, 1.0]),
)
def test_every_quantile_within_one_percent(values, q):
    data = np.array(values)
    h = LogHistogram().add(data)
    assert h.quantile(q) == pytest.approx(_exact(data, q), rel=0.01)


def test_merging_is_pooling():
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(0, 1, 5000), rng.lognormal(1, 0.5, 7000)
    merged = LogHistogram().add(a).merged(LogHistogram().add(b))
    pooled = LogHistogram().add(np.concatenate([a, b]))
    assert merged.counts == pooled.counts and merged.total == 12_000
    for q in (0.5, 0.99, 0.999):
        assert merged.quantile(q) == pytest.approx(_exact(np.concatenate([a, b]), q), rel=0.01)


def test_memory_follows_the_range_not_the_count():
    rng = np.random.default_rng(0)
    small = LogHistogram().add(rng.uniform(0.01, 10, 1_000))
    large = LogHistogram().add(rng.uniform(0.01, 10, 1_000_000))
    # ln(1000) / ln(γ) = 345.4: at most 347 buckets (the ends partly filled), however many
    assert len(small.counts) <= len(large.counts) <= 347


def test_zeros_and_nans():
    h = LogHistogram().add(np.array([0.0, 0.0, np.nan, 2.0]))
    assert h.total == 3 and h.quantile(0.5) == 0.0
    assert LogHistogram().quantile(0.5) != LogHistogram().quantile(0.5)  # NaN when empty
    with pytest.raises(ValueError):
        LogHistogram(0.01).merged(LogHistogram(0.02))
