"""Demand formulas against the reference's prompt-1 arithmetic, worked by hand."""

from __future__ import annotations

import pytest

from napkin.capacity import demand


def test_chatbot_demand_by_hand():
    turns = demand.turns_per_day(10e6, 5, 8)
    assert turns == 400e6  # 10M x 5 x 8
    avg = demand.avg_qps(turns)
    assert avg == pytest.approx(4629.63, abs=0.01)  # 400M / 86,400
    peak = demand.peak_qps(avg, 3)
    assert peak == pytest.approx(13_888.89, abs=0.01)  # x 3
    assert demand.peak_output_tokens_per_s(peak, 300) == pytest.approx(4_166_666.7, abs=0.1)
    assert demand.peak_input_tokens_per_s(peak, 200) == pytest.approx(2_777_777.8, abs=0.1)
    assert demand.output_tokens_per_day(turns, 300) == 120e9
