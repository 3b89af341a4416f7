"""Golden test: `napkin plan chatbot --json` reproduces the reference's prompt-1 arithmetic
and flags the stated figures that do not follow from its inputs.

The exact values below are the reference's inputs carried through by hand:
  10M x 5 x 8 = 400M turns/day; / 86,400 = 4,629.6/s; x 3 = 13,888.9 peak QPS;
  x 300 = 4,166,667 output tokens/s; / 1,500 = 2,777.8 -> 2,778 GPUs;
  x 1.25 / 8 = 434.06 -> 435 TP=8 replicas = 3,480 GPUs; x $2 x 720 h = $5,011,200/month.
The full output is pinned by test_designs.py with the other four designs.
"""

from __future__ import annotations

import json

import pytest

from napkin.planner import plan


@pytest.fixture(scope="module")
def output(chatbot):
    return json.loads(json.dumps(plan(chatbot).to_json()))


@pytest.mark.parametrize(
    "key, value",
    [
        ("turns_per_day", 400_000_000),
        ("avg_qps", 400e6 / 86_400),
        ("peak_qps", 400e6 / 86_400 * 3),
        ("peak_output_tokens_per_s", 400e6 / 86_400 * 3 * 300),
        ("gpus_needed", 2778),
        ("replicas_provisioned", 435),
        ("gpus_provisioned", 3480),
        ("monthly_cost_usd", 3480 * 2.0 * 24 * 30),
    ],
)
def test_reference_arithmetic(output, key, value):
    figure = output["figures"][key]
    assert figure["value"] == pytest.approx(value, rel=1e-12)
    assert figure["unit"] and figure["source"] == "formula" and figure["formula"]


def test_required_keys_present(output):
    for key in (
        "turns_per_day",
        "avg_qps",
        "peak_qps",
        "peak_output_tokens_per_s",
        "gpus_needed",
        "gpus_provisioned",
        "monthly_cost_usd",
    ):
        assert {"value", "unit", "source", "formula"} <= set(output["figures"][key])


def test_monthly_cost_claim_is_flagged_with_the_computed_value(output):
    cost = next(c for c in output["claims"] if c["name"] == "monthly_cost_usd")
    assert not cost["agrees"]
    assert cost["stated"] == 15e6 and cost["computed"] == pytest.approx(5_011_200)
