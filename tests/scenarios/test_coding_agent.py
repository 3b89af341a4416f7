"""Coding-agent arithmetic against the reference's prompt 2, by hand."""

from __future__ import annotations

import pytest

from napkin.scenarios import coding_agent as agent
from napkin.specs.agent_workload import PrefixCaching


def test_task_tokens_by_hand():
    calls = agent.llm_calls_per_task(10, 4)
    assert calls == 40
    new = agent.new_tokens_per_task(calls, 500, 200)
    assert new == 28_000  # 40 x (500 + 200)
    assert agent.tokens_per_s_per_agent(new, 30) == pytest.approx(933.33, abs=0.01)
    assert agent.decode_tokens_per_s_per_agent(agent.output_tokens_per_task(calls, 200), 30) == (
        pytest.approx(266.67, abs=0.01)
    )  # 8,000 output tokens in 30 s


@pytest.mark.parametrize(
    "caching, expected",
    [
        # 40 x (2000 + 500) + 700 x 40 x 39 / 2 = 100,000 + 546,000
        (PrefixCaching.none, 646_000),
        (PrefixCaching.static, 646_000 - 40 * 2000),
        (PrefixCaching.full, 40 * 500),
    ],
)
def test_prefill_with_history(caching, expected):
    assert agent.prefill_tokens_per_task(40, 2000, 500, 200, caching) == expected


def test_prefill_of_one_call_is_prompt_plus_input():
    assert agent.prefill_tokens_per_task(1, 2000, 500, 200, PrefixCaching.none) == 2500


def test_context_grows_by_call():
    assert agent.context_at_call_end(2000, 500, 200, 1) == 2700
    assert agent.context_at_call_end(2000, 500, 200, 40) == 30_000
