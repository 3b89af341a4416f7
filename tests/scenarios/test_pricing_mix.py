"""Reserved capacity for the day's base load, on demand for the rest (issue #18)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from napkin.planner import plan
from napkin.sections import pricing_mix as mix
from napkin.specs.loader import load_design


def test_by_hand():
    """Needs over a day: 12 hours of 10 replicas, 12 of 4. Reserved at 0.5 of on-demand
    ($1 a replica-hour): a reserved replica pays if busy over 12 hours, so b = 4 (busy all
    24 h; the 5th is busy exactly 12, not more). 30 × (24 × 4 × 0.5 + 12 × 6) = $3,600."""
    need = [10] * 12 + [4] * 12
    assert mix.best_reserved(need, 0.5) == 4
    assert mix.mixed_cost_usd(need, 4, 0.5, 1.0) == 30 * (24 * 4 * 0.5 + 12 * 6)
    assert mix.mixed_cost_usd(need, 0, 0.5, 1.0) == 30 * (12 * 10 + 12 * 4)  # autoscaled
    assert mix.best_reserved(need, 0.4) == 10  # 0.4 × 24 = 9.6 < 12 busy hours


@given(
    st.lists(st.integers(min_value=1, max_value=60), min_size=24, max_size=24),
    st.floats(min_value=0.05, max_value=1.0),
)
def test_the_quantile_is_the_cheapest_count(need, fraction):
    best = mix.best_reserved(need, fraction)
    cheapest = min(mix.mixed_cost_usd(need, b, fraction, 1.0) for b in range(max(need) + 1))
    assert mix.mixed_cost_usd(need, best, fraction, 1.0) == pytest.approx(cheapest, rel=1e-12)


def test_the_chatbot_mix():
    f = {k: v.value for k, v in plan(load_design("chatbot")).figures.items()}
    need = mix.hourly_need(int(f["model_replicas_provisioned"]), 3.0)
    assert max(need) == f["model_replicas_provisioned"] and min(need) >= 1
    assert f["model_mixed_monthly_cost_usd"] <= f["model_autoscaled_monthly_cost_usd"]
    assert f["model_autoscaled_monthly_cost_usd"] < f["model_monthly_cost_usd"]
    assert f["mixed_saving_usd_per_month"] == pytest.approx(
        f["model_monthly_cost_usd"] - f["model_mixed_monthly_cost_usd"]
    )
    # GCP's 1-year committed a3-highgpu-8g and a3-megagpu-8g over their on-demand prices
    assert f["reserved_price_fraction"] == pytest.approx(0.708, abs=0.005)


def test_a_flat_day_reserves_everything():
    need = mix.hourly_need(7, 1.0)
    assert need == [7] * 24
    assert mix.best_reserved(need, 0.7) == 7


def test_the_design_can_state_its_discount():
    f = plan(load_design("chatbot", ["hardware.reserved_price_fraction=0.4"])).figures
    assert f["reserved_price_fraction"].value == 0.4
    assert f["reserved_price_fraction"].source.value == "assumption"
