"""Cost arithmetic, including the reference's monthly figure recomputed."""

from __future__ import annotations

import pytest

from napkin.capacity import cost


def test_reference_monthly_cost_recomputed():
    # 3,500 GPUs x $2/h x 24 h x 30 d = $5,040,000 (the reference states ~$15M)
    hours = cost.gpu_hours_per_month(3500)
    assert hours == 2_520_000
    assert cost.monthly_cost_usd(hours, 2.0) == 5_040_000


def test_unit_costs():
    monthly = 5_040_000.0
    # 120e9 output tokens/day x 30 d = 3.6e12 tokens; $5.04M / 3.6e6 Mtok = $1.40/Mtok
    assert cost.usd_per_million_output_tokens(monthly, 120e9) == pytest.approx(1.4)
    assert cost.usd_per_request(monthly, 400e6) == pytest.approx(0.00042)
    # $2/h / (1500 tok/s x 3600 s) x 1e6 = $0.370/Mtok
    assert cost.usd_per_million_output_tokens_at_full_load(2.0, 1500) == pytest.approx(
        0.37037, rel=1e-4
    )
