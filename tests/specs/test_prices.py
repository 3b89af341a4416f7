"""The dated price lists (issue #18): every row sourced and dated, the median a plan
takes, the design's and the command line's ways to choose a price."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.errors import NapkinError
from napkin.specs.loader import load_design
from napkin.specs.prices import Pricing, api_prices, gpu_prices, prices_of, typical_price

runner = CliRunner()


def test_every_price_has_a_date_and_a_whole_source():
    for row in (*gpu_prices(), *api_prices()):
        assert row.date[:4].isdigit(), row
        assert row.source_repo_or_url and row.source_path, row
        if row.source_repo_or_url.startswith("github:"):
            assert len(row.source_commit) == 40, row
    assert len(gpu_prices()) >= 100 and len(api_prices()) >= 100
    plans = {p.pricing for p in gpu_prices() if p.gpu == "H100-SXM"}
    assert plans == set(Pricing)


def test_the_typical_price_is_the_median():
    rows = prices_of("H100-SXM", Pricing.spot)
    prices = sorted(p.usd_per_gpu_hour for p in rows)
    assert (
        typical_price("H100-SXM", Pricing.spot).usd_per_gpu_hour == prices[(len(prices) - 1) // 2]
    )
    gcp = typical_price("H100-SXM", Pricing.reserved_3y, "gcp")
    assert gcp.provider == "GCP"


def test_a_plan_the_list_lacks_is_named():
    with pytest.raises(NapkinError, match="no reserved_1y price for A100-80GB") as error:
        typical_price("A100-80GB", Pricing.reserved_1y)
    assert "spot (" in str(error.value)


def test_a_design_takes_a_plan_price():
    d = load_design(
        "chatbot", ["hardware.pricing=reserved_3y", "hardware.price_per_gpu_hour_usd=null"]
    )
    assert (
        d.hardware.price_per_gpu_hour_usd
        == typical_price("H100-SXM", Pricing.reserved_3y).usd_per_gpu_hour
    )
    assert d.hardware.pricing is Pricing.reserved_3y
    assert d.hardware.price_date == "2026-07-30"
    own = load_design("chatbot", ["hardware.pricing=reserved_3y"])
    assert own.hardware.price_per_gpu_hour_usd == 2.0  # the design's own price stays


def test_price_on_the_command_line():
    def price(*args: str) -> float:
        result = runner.invoke(app, ["plan", "chatbot", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["figures"]["price_per_gpu_hour_usd"]["value"]

    assert price("--price", "1.5") == 1.5
    assert (
        price("--price", "spot@CoreWeave")
        == typical_price("H100-SXM", Pricing.spot, "CoreWeave").usd_per_gpu_hour
    )
    bad = runner.invoke(app, ["plan", "chatbot", "--price", "weekly"])
    assert bad.exit_code == 2 and "--price" in bad.output and "reserved_1y" in bad.output
    free = runner.invoke(app, ["plan", "chatbot", "--price", "0"])
    assert free.exit_code == 2 and "above 0" in free.output


def test_catalog_prices_lists_both():
    text = runner.invoke(app, ["catalog", "prices"], env={"COLUMNS": "120"})
    assert text.exit_code == 0 and "reserved_3y" in text.output and "DeepInfra" in text.output
    rows = json.loads(runner.invoke(app, ["catalog", "prices", "--json"]).output)
    assert len(rows) == len(gpu_prices()) + len(api_prices())
