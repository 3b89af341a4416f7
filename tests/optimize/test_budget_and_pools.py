"""The optimizer's issue-#16 dimensions: aggregated against disaggregated candidates,
pipeline stages, and the fixed-budget objectives (most traffic, lowest P99)."""

from __future__ import annotations

import pytest

from napkin.errors import NapkinError
from napkin.optimize.budget import Spend, most_traffic, scaled, traffic_of
from napkin.optimize.executor import LocalExecutor
from napkin.optimize.objective import Objective
from napkin.optimize.search import optimize, screen_one
from napkin.optimize.space import Space, candidates
from napkin.planner import plan
from napkin.specs.loader import load_design

SMALL = ("model=llama-3.1-8b", "deployment.tp=1")
SPACE = Space(gpus=("H100-SXM", "H200"), precisions=("fp8",), tps=(1, 2), batch_caps=(None,))


def test_disaggregated_candidates_pair_every_decode_pool_with_every_prefill_pool():
    both = Space(**{**SPACE.model_dump(), "modes": ("aggregated", "disaggregated")})
    pool = candidates(both, "chatbot")
    decode = 2 * 1 * 2  # GPUs × precisions × TP degrees
    assert len(pool) == decode + decode * 2 * 2  # each with a prefill pool on 2 GPUs × 2 TPs
    split = [c for c in pool if "disaggregation.prefill.hardware=H200" in c]
    assert len(split) == decode * 2
    for overrides in split:  # every one loads, and plans two pools
        design = load_design("chatbot", (*SMALL, *overrides))
        assert design.disaggregation is not None
        assert design.disaggregation.prefill.hardware.name == "H200"


def test_an_aggregated_candidate_of_a_split_design_drops_the_pools():
    pool = candidates(Space(**{**SPACE.model_dump(), "modes": ("aggregated",)}), "chatbot", True)
    assert all(c[-1] == "disaggregation=null" for c in pool)
    design = load_design("moe-chat", pool[0][:1] + ("disaggregation=null",))
    assert design.disaggregation is None


def test_pipeline_stages_are_an_axis():
    staged = Space(**{**SPACE.model_dump(), "pps": (1, 2)})
    pool = candidates(staged, "chatbot")
    assert len(pool) == 2 * len(candidates(SPACE, "chatbot"))
    assert sum("deployment.pp=2" in c for c in pool) == len(pool) // 2


@pytest.mark.parametrize(
    ("gpus", "usd", "field"),
    [(None, None, "--objective"), (0, None, "--budget-gpus"), (None, -5.0, "--budget-usd")],
)
def test_a_bad_budget_is_named(gpus, usd, field):
    with pytest.raises(NapkinError) as error:
        Spend(gpus, usd)
    assert error.value.field == field


def test_the_objective_and_the_budget_go_together():
    with pytest.raises(NapkinError, match="budget-gpus or --budget-usd"):
        optimize("chatbot", SPACE, "chatbot", SMALL, LocalExecutor(1), 0, Objective.traffic)
    with pytest.raises(NapkinError, match="not by cost"):
        optimize("chatbot", SPACE, "chatbot", SMALL, LocalExecutor(1), 0, spend=Spend(gpus=10))


def test_most_traffic_is_the_edge_of_the_budget():
    """With the as-written fleet's own GPU count as the budget, the design carries its own
    traffic (k ≥ 1) and not 3% more: the plan at k fits, at 1.03 k it does not."""
    written = plan(load_design("chatbot", SMALL))
    gpus = int(written.figures["model_gpus_provisioned"].value)
    spend = Spend(gpus=gpus)
    found = most_traffic("chatbot", (), SMALL, spend)
    assert found.feasible and found.carried is not None
    assert 1.0 <= found.carried < 1.05
    assert found.gpus <= gpus
    traffic = traffic_of("chatbot", SMALL, ())
    over = screen_one("chatbot", scaled(traffic, found.carried * 1.03), SMALL)
    assert not (over.feasible and spend.allows(over.gpus, over.monthly_cost_usd))


def test_traffic_and_latency_rank_within_the_budget():
    spend = Spend(usd_per_month=2e5)
    run = optimize(
        "chatbot", SPACE, "chatbot", SMALL, LocalExecutor(1), 0, Objective.traffic, spend=spend
    )
    carried = [s.carried for s in run.screened if s.feasible]
    assert run.chosen is not None and run.chosen.carried == max(carried)
    assert run.chosen.monthly_cost_usd <= 2e5
    roomy = Spend(usd_per_month=1e6)  # the 8B chatbot's fleets cost $0.3M to $0.6M a month
    fast = optimize(
        "chatbot", SPACE, "chatbot", SMALL, LocalExecutor(1), 0, Objective.latency, spend=roomy
    )
    within = [s for s in fast.screened if s.feasible and s.monthly_cost_usd <= 1e6]
    assert 0 < len(within) < len([s for s in fast.screened if s.feasible]) + 1
    assert fast.chosen is not None and fast.chosen.p99_s == min(s.p99_s for s in within)
