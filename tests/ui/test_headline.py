"""The page's headline as plain data: one recommendation (built by hand here, so these tests
do not wait on the planner), the fallback for plans without one, the optimizer's cheapest
design in a sentence, and the rule of thumb as a claim. No Streamlit."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from napkin.optimize.search import Screened
from napkin.planner import plan
from napkin.recommendation import TargetCheck, Verdict
from napkin.specs.loader import load_design
from napkin.ui.headline import (
    GPUS,
    MONTHLY,
    PER_MTOK,
    RULE_OF_THUMB,
    VERDICT,
    cheapest,
    fallback,
    headline,
    money,
    plan_verdict,
    recommended,
    rule_of_thumb_claim,
    shown_claims,
)
from tests.ui.recommendations import infeasible, recommendation


def _metrics(shown) -> dict[str, str]:
    return {m.label: m.value for m in shown.metrics}


def test_a_recommendation_names_fleet_shape_cost_verdict_source_and_binding() -> None:
    shown = recommended(recommendation())
    metrics = _metrics(shown)
    assert metrics[GPUS] == "4,000 GPUs"
    assert metrics["Replicas × tensor parallel"] == "500 × 8"
    assert metrics["GPU type"] == "H100-SXM" and metrics["Precision"] == "bf16"
    assert metrics[MONTHLY] == money(5.76e6)
    assert metrics[PER_MTOK] == money(1.6)
    assert metrics[VERDICT] == "met"
    assert metrics["Figures from"] == "simulation"
    notes = " | ".join(shown.notes)
    assert f"Cost per month, P10–P90: {money(5.2e6)} – {money(6.4e6)}" in notes
    assert f"Cost per million output tokens, P10–P90: {money(1.4)} – {money(1.8)}" in notes
    assert "Binding constraint: time-per-token budget" in notes
    assert "4,000 H100-SXM GPUs (500 replicas × TP 8), bf16" in shown.title
    assert not shown.problem and not shown.fix


def test_targets_not_set_are_not_met() -> None:
    rec = recommendation(targets=(TargetCheck("ttft_p99_s", None, 0.5, Verdict.not_set),))
    assert _metrics(recommended(rec))[VERDICT] == "not set"
    rec = recommendation(source="closed form", targets=())
    assert _metrics(recommended(rec))[VERDICT] == "not set"
    assert _metrics(recommended(rec))["Figures from"] == "closed form"


def test_a_missed_target_is_missed() -> None:
    missed = (TargetCheck("e2e_p99_s", 15.0, 18.0, Verdict.missed),)
    assert _metrics(recommended(recommendation(targets=missed)))[VERDICT] == "missed"


def test_an_infeasible_recommendation_says_why_and_the_cheapest_fix_but_no_fleet() -> None:
    shown = recommended(infeasible())
    assert shown.problem == "cannot be met: weights need 131.4 GiB per GPU at tp=1"
    assert "tensor parallel 2" in shown.fix and "5,000 GPUs" in shown.fix
    assert f"{money(7.2e6)} per month" in shown.fix
    metrics = _metrics(shown)
    for fleet_or_cost in (GPUS, "Replicas × tensor parallel", MONTHLY, PER_MTOK):
        assert fleet_or_cost not in metrics
    assert VERDICT not in metrics  # "cannot be met" says it


def test_an_infeasible_recommendation_without_a_fix_says_so() -> None:
    shown = recommended(infeasible().with_(relaxation=None))
    assert shown.fix == "No change napkin tried makes it feasible."


def test_the_plans_recommendation_is_the_headline() -> None:
    planned = replace(plan(load_design("chatbot")), recommendation=recommendation())
    assert _metrics(headline(planned))[GPUS] == "4,000 GPUs"


def test_without_a_recommendation_a_serving_plan_shows_napkins_model_not_the_rule() -> None:
    planned = replace(plan(load_design("chatbot")), recommendation=None)
    metrics = _metrics(fallback(planned))
    model = planned.figures["model_gpus_provisioned"].value
    assert metrics[GPUS] == f"{model:,.0f} GPUs"
    rule = planned.figures["gpus_provisioned"].value
    assert f"{rule:,.0f}" not in " ".join(metrics.values())  # no rival headline
    assert metrics[VERDICT] == plan_verdict(planned).value == "met"
    assert all("_" not in label for label in metrics)


def test_a_serving_plan_that_does_not_fit_shows_no_fleet() -> None:
    planned = replace(plan(load_design("chatbot", ["deployment.tp=1"])), recommendation=None)
    shown = fallback(planned)
    assert shown.problem.startswith("cannot be met: does not fit")
    assert GPUS not in _metrics(shown) and MONTHLY not in _metrics(shown)
    assert plan_verdict(planned) is Verdict.missed


@pytest.mark.parametrize("design", ["finetune-service", "eval-harness"])
def test_designs_without_targets_show_their_figures_and_no_sla_verdict(design: str) -> None:
    planned = plan(load_design(design))
    shown = headline(planned)
    metrics = _metrics(shown)
    assert metrics and VERDICT not in metrics
    assert "met" not in metrics.values()
    assert all("_" not in label for label in metrics)
    assert plan_verdict(replace(planned, sla=[])) is Verdict.not_set


def _optimum(saving: float) -> SimpleNamespace:
    chosen = Screened(
        ("hardware=B200", "deployment.precision=fp8", "deployment.tp=1"),
        True,
        "",
        2_167_560.0,
        12.0,
        "llama-3.1-70b",
        "fp8",
        450,
    )
    return SimpleNamespace(chosen=chosen, saving_usd=saving)


def test_the_cheapest_design_is_named_with_its_saving() -> None:
    line = cheapest(_optimum(4_203_000.0))
    parts = ("450 × B200", "fp8", "TP 1", "llama-3.1-70b", f"{money(2_167_560.0)}/month")
    for part in (*parts, f"saves {money(4_203_000.0)}/month"):
        assert part in line, part
    assert f"costs {money(1e6)}/month more" in cheapest(_optimum(-1e6))
    assert "costs the same" in cheapest(_optimum(0.0))
    assert "no design" in cheapest(SimpleNamespace(chosen=None, saving_usd=0.0))


def test_the_rule_of_thumb_is_a_claim_shown_once() -> None:
    planned = plan(load_design("chatbot"))
    without = replace(planned, claims=[c for c in planned.claims if c.name != RULE_OF_THUMB])
    check = rule_of_thumb_claim(without)
    assert check is not None and check.name == RULE_OF_THUMB
    assert check.stated == planned.figures["gpus_provisioned"].value
    assert check.computed == planned.figures["model_gpus_provisioned"].value
    for either in (planned, without):  # the planner's own check, or the page's
        assert [c.name for c in shown_claims(either)].count(RULE_OF_THUMB) == 1
    assert rule_of_thumb_claim(plan(load_design("code-completion"))) is None
