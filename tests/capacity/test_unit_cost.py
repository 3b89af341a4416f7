"""Cost a token at the utilisation a fleet gets, and the break-even against an API
(issue #18): hand anchors with the arithmetic, then properties."""

from __future__ import annotations

from math import inf

import pytest
from hypothesis import given
from hypothesis import strategies as st

from napkin.capacity import cost


def test_llama_3_8b_on_one_a100_by_hand():
    """2,000 tokens/s a GPU is 1 / 2,000 GPU-s a token: $2/h / (2,000 × 3,600) × 10⁶ =
    $0.2778 a million at 100% utilisation, 5× that, $1.389, at 20%."""
    assert cost.usd_per_million_tokens(2.0, 1 / 2000, 1.0) == pytest.approx(0.27778, rel=1e-4)
    assert cost.usd_per_million_tokens(2.0, 1 / 2000, 0.2) == pytest.approx(1.38889, rel=1e-4)


def test_utilisation_by_hand():
    # 4,320,000 busy GPU-s a day on 100 GPUs: 4,320,000 / 8,640,000 = 50%
    assert cost.fleet_utilisation(4_320_000, 100) == 0.5


def test_api_request_by_hand():
    # 1,000 new + 3,000 cached + 500 out at $0.50 / $0.05 / $1.50 a million:
    # (500 + 150 + 750) / 10⁶ = $0.0014
    assert cost.api_usd_per_request(1000, 3000, 500, 0.5, 0.05, 1.5) == pytest.approx(0.0014)


def test_break_even_by_hand():
    """A replica costs c = $10,000 a month and serves Q = 1,000,000 requests; the API
    charges a = $0.015 a request, so a full replica's requests cost $15,000 there. Just past
    1M requests the fleet needs a second replica ($20,000) while the API charges $15,000:
    c / (a·Q − c) = 2 steps, break-even 2 × $10,000 / $0.015 = 1,333,333 requests."""
    even = cost.break_even_requests_per_month(0.015, 1e6, 1e4)
    assert even == pytest.approx(2 * 10_000 / 0.015, rel=1e-12)
    for volume in (0.5e6, 1.2e6, 1.33e6):  # below it the API is cheaper at these volumes
        assert cost.self_hosted_usd_per_month(volume, 1e6, 1e4) > 0.015 * volume
    for volume in range(1_334_000, 20_000_000, 7_919):  # above: the fleet, always
        assert cost.self_hosted_usd_per_month(volume, 1e6, 1e4) <= 0.015 * volume
    assert cost.self_hosted_usd_per_month(1_000_001, 1e6, 1e4) == 20_000
    assert cost.break_even_requests_per_month(0.01, 1e6, 1e4) == inf  # the API is never dearer


positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=1e-3, max_value=1.0)


@given(positive, positive, fraction, fraction)
def test_a_token_never_gets_cheaper_as_utilisation_falls(price, seconds, u1, u2):
    low, high = sorted((u1, u2))
    assert cost.usd_per_million_tokens(price, seconds, low) >= cost.usd_per_million_tokens(
        price, seconds, high
    )


@given(
    st.floats(min_value=1e-4, max_value=10.0),
    st.floats(min_value=1.01, max_value=10.0),
    st.floats(min_value=1e3, max_value=1e8),
    st.floats(min_value=10.0, max_value=1e6),
)
def test_break_even_moves_the_right_way(api, dearer, served, replica):
    """A dearer API breaks even sooner (or at the same volume); a dearer GPU later."""
    base = cost.break_even_requests_per_month(api, served, replica)
    assert cost.break_even_requests_per_month(api * dearer, served, replica) <= base
    assert cost.break_even_requests_per_month(api, served, replica * dearer) >= base


@given(
    st.floats(min_value=1e-4, max_value=10.0),
    st.floats(min_value=1e3, max_value=1e8),
    st.floats(min_value=10.0, max_value=1e6),
)
def test_past_the_break_even_the_fleet_stays_cheaper(api, served, replica):
    even = cost.break_even_requests_per_month(api, served, replica)
    if even == inf:
        return
    for k in range(1, 40):
        volume = even * (1 + k / 10)
        fleet = cost.self_hosted_usd_per_month(volume, served, replica)
        assert fleet <= api * volume * (1 + 1e-9)
