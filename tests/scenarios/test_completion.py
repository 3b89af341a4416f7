"""Code-completion formulas against the reference's prompt 4, by hand."""

from __future__ import annotations

import pytest

from napkin.perf.speculation import expected_tokens_per_step
from napkin.scenarios import completion


def test_expected_tokens_per_step():
    # (1 - 0.7^5) / (1 - 0.7) = (1 - 0.16807) / 0.3 = 2.7731
    assert expected_tokens_per_step(0.7, 4) == pytest.approx(2.7731, abs=1e-4)
    assert expected_tokens_per_step(0.5, 1) == pytest.approx(1.5)


def test_debounce_eats_the_budget():
    assert completion.server_ttft_budget_s(0.2, 0.15) == pytest.approx(0.05)


def test_reference_decode_arithmetic():
    assert completion.decode_time_for_suggestion_s(30, 0.030) == pytest.approx(0.9)


def test_cancellation_waste():
    assert completion.wasted_decode_fraction_without_abort(0.7) == 0.7
    assert completion.wasted_decode_fraction_with_abort(0.7, 0.3) == pytest.approx(0.21)
