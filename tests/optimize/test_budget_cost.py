"""Budget mode never returns a design over budget (issue #18), from the CLI's `--budget`
and `--gpus-available` names too."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.optimize.budget import Spend, most_traffic
from napkin.optimize.objective import Objective
from napkin.optimize.search import optimize
from napkin.optimize.space import Space

runner = CliRunner()
SMALL = Space(gpus=("H100-SXM", "H200"), precisions=("fp8",), tps=(2, 8), batch_caps=(256,))


@pytest.mark.parametrize("usd", [8e5, 2.5e6, 9e6])
@pytest.mark.parametrize("objective", [Objective.traffic, Objective.latency])
def test_never_over_budget(usd: float, objective: Objective) -> None:
    result = optimize(
        "chatbot", SMALL, "chatbot", verify=0, objective=objective, spend=Spend(None, usd)
    )
    for s in result.screened:
        if s.feasible and (objective is Objective.traffic or s is result.chosen):
            assert s.monthly_cost_usd <= usd, s
    if result.chosen is not None:
        assert result.chosen.monthly_cost_usd <= usd


def test_the_bracket_finds_the_edge_from_the_guess() -> None:
    """The first probe is the proportional guess; the edge found is within 1% of where the
    budget binds: the next 1.03× of traffic does not fit."""
    from napkin.optimize.budget import scaled, traffic_of
    from napkin.optimize.search import screen_one

    spend = Spend(None, 3e6)
    overrides = ("hardware=H100-SXM", "deployment.precision=fp8", "deployment.tp=2")
    best = most_traffic("chatbot", overrides, (), spend)
    assert best.feasible and best.monthly_cost_usd <= 3e6
    over = screen_one(
        "chatbot",
        (*overrides, *scaled(traffic_of("chatbot", (), overrides), best.carried * 1.03)),
        (),
    )
    assert not (over.feasible and over.monthly_cost_usd <= 3e6)


def test_budget_names_on_the_command_line() -> None:
    args = ["optimize", "chatbot", "--gpus", "H100-SXM", "--precisions", "fp8", "--tps", "8"]
    args += ["--verify", "0", "--json"]
    by_money = json.loads(runner.invoke(app, [*args, "--budget", "2000000"]).output)
    assert by_money["objective"] == "traffic" and by_money["budget"] == "$2,000,000 a month"
    by_gpus = json.loads(runner.invoke(app, [*args, "--gpus-available", "64"]).output)
    assert by_gpus["budget"] == "64 GPUs" and by_gpus["chosen"]["gpus"] <= 64
    mix = json.loads(runner.invoke(app, args).output)["pricing_mix"]
    assert mix["model_mixed_monthly_cost_usd"] <= mix["model_autoscaled_monthly_cost_usd"]
