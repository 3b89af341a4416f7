"""The one recommendation (issue #12): error bars on every model-derived headline, its JSON
shape, and strict JSON."""

from __future__ import annotations

import json

import pytest

from napkin.planner import plan
from napkin.specs.loader import load_design


@pytest.fixture(scope="module")
def chatbot():
    return plan(load_design("chatbot")).recommendation


def test_every_model_headline_has_a_p10_p90_band(chatbot):
    for band in (
        chatbot.gpus_interval,
        chatbot.monthly_cost_usd,
        chatbot.usd_per_million_output_tokens,
        chatbot.tokens_per_s_per_gpu,
    ):
        assert band.low < band.high and "P10–P90" in band.basis
    for target in chatbot.targets:
        if target.limit_s is not None:
            assert target.plan_interval.low < target.plan_interval.high
    # GPUs scale as 1 / throughput: the GPU band is the throughput band inverted.
    t, g = chatbot.tokens_per_s_per_gpu, chatbot.gpus_interval
    assert g.low == pytest.approx(g.value * t.value / t.high)
    assert g.high == pytest.approx(g.value * t.value / t.low)


def test_a_gpu_without_a_profile_says_so():
    rec = plan(load_design("chatbot", ["hardware=B200"])).recommendation
    assert "uncalibrated" in rec.gpus_interval.basis and "B200" in rec.gpus_interval.basis


def test_json_has_value_low_high_basis_and_is_strict(chatbot):
    out = chatbot.to_json()
    for key in ("gpus_interval", "monthly_cost_usd", "tokens_per_s_per_gpu"):
        assert set(out[key]) == {"value", "low", "high", "basis"}
    json.dumps(out, allow_nan=False)
    assert out["verdict"] == "met" and out["source"] == "closed form"
    assert {c["name"] for c in out["constraints"]} >= {
        "KV-cache memory",
        "arrival rate (slot utilisation)",
    }
