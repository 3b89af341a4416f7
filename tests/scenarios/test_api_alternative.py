"""Self-hosting against the listed APIs (issue #18): the plan's cheapest API, and
`napkin compare-api`."""

from __future__ import annotations

import json
from math import inf

import pytest
from typer.testing import CliRunner

from napkin.capacity import cost
from napkin.cli import app
from napkin.planner import plan
from napkin.sections.api_alternative import Volume, api_options
from napkin.specs.loader import load_design

runner = CliRunner()


def test_the_plan_prices_the_design_at_the_cheapest_api():
    f = {k: v.value for k, v in plan(load_design("chatbot")).figures.items()}
    options = api_options("llama-3.1-70b", f)
    best = options[0]
    assert [o.usd_per_request for o in options] == sorted(o.usd_per_request for o in options)
    # 200 input + 300 output tokens at DeepInfra's $0.10 / $0.28: $0.000104 a request
    assert best.price.provider == "DeepInfra"
    assert f["api_usd_per_request"] == pytest.approx((200 * 0.10 + 300 * 0.28) / 1e6)
    assert f["api_monthly_cost_usd"] == pytest.approx(f["api_usd_per_request"] * 400e6 * 30)
    volume = Volume.of(f)
    assert volume.replica_usd_per_month * f["model_replicas_provisioned"] == pytest.approx(
        f["model_monthly_cost_usd"]
    )
    even = cost.break_even_requests_per_month(
        best.usd_per_request, volume.requests_per_replica_month, volume.replica_usd_per_month
    )
    assert even == inf and f["api_cheaper_at_every_volume"] is True  # at $2/GPU-h, 25% busy
    assert "api_break_even_requests_per_month" not in f
    cheap = {
        k: v.value
        for k, v in plan(
            load_design("chatbot", ["hardware.price_per_gpu_hour_usd=0.2"])
        ).figures.items()
    }
    assert cheap["api_cheaper_at_every_volume"] is False
    assert cheap["api_break_even_requests_per_month"] == cost.break_even_requests_per_month(
        cheap["api_usd_per_request"],
        cheap["requests_per_day"] * 30 / cheap["model_replicas_provisioned"],
        cheap["model_monthly_cost_usd"] / cheap["model_replicas_provisioned"],
    )


def test_compare_api_lists_every_api_and_what_moves_the_answer():
    result = runner.invoke(app, ["compare-api", "chatbot", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cheapest"] == data["apis"][0]["provider"]
    labels = [s["label"] for s in data["sensitivity"]]
    assert any(label.startswith("reserved_3y") for label in labels)
    assert any(label == "utilisation 100%" for label in labels)
    full = next(s for s in data["sensitivity"] if s["label"] == "utilisation 100%")
    assert full["requests_per_replica_month"] == pytest.approx(
        data["requests_per_month"] / data["replicas"] / data["fleet_utilisation"], rel=1e-9
    )
    text = runner.invoke(app, ["compare-api", "chatbot"], env={"COLUMNS": "120"})
    assert text.exit_code == 0 and "fleet cheaper above" in text.output


def test_compare_api_needs_a_listed_model():
    result = runner.invoke(app, ["compare-api", "code-completion"])
    assert result.exit_code == 2 and "nothing to compare" in result.output


def test_a_cheaper_gpu_moves_the_break_even_down():
    dear = runner.invoke(app, ["compare-api", "chatbot", "--price", "4", "--json"])
    cheap = runner.invoke(app, ["compare-api", "chatbot", "--price", "0.5", "--json"])
    azure = [
        next(a for a in json.loads(r.output)["apis"] if a["provider"] == "Azure AI Foundry")
        for r in (dear, cheap)
    ]
    assert azure[1]["break_even_requests_per_month"] < azure[0]["break_even_requests_per_month"]
