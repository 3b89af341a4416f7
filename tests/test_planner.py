"""Plan-level invariants: provenance on every figure, consistency between sections."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from napkin.figures import Source
from napkin.planner import plan
from napkin.specs.loader import builtin_designs, load_design


@pytest.fixture(scope="module")
def chatbot_plan(chatbot):
    return plan(chatbot)


@pytest.mark.parametrize("name", builtin_designs())
def test_every_figure_has_unit_and_provenance(name):
    result = plan(load_design(name))
    for key, figure in result.figures.items():
        assert figure.unit, key
        assert math.isfinite(float(figure.value)), key
        if figure.source is Source.formula:
            assert figure.formula and figure.formula.startswith(f"{key} = "), key
            assert all(name in result.figures for name in figure.inputs), key
        else:
            assert figure.detail, key


def test_formula_inputs_match_the_figures_they_name(chatbot_plan):
    figures = chatbot_plan.figures
    for figure in figures.values():
        for name, value in figure.inputs.items():
            if name in figures:
                assert figures[name].value == value, (figure.key, name)


def test_model_view_is_self_consistent(chatbot_plan):
    f = {k: v.value for k, v in chatbot_plan.figures.items()}
    batch_limit_step = f["step_time_at_batch_limit_s"]
    assert f["replica_output_tokens_per_s"] == pytest.approx(f["decode_batch"] / batch_limit_step)
    assert f["model_replicas_provisioned"] * f["replica_max_qps"] >= f["peak_qps"] * 1.25
    assert f["decode_batch"] <= f["max_sequences_by_memory"]
    assert f["step_time_s"] <= f["tpot_budget_s"]
    # Little: in-flight at peak spread over the planned replicas fits their slots.
    assert f["in_flight_at_peak"] / f["model_replicas_needed"] <= f["decode_batch"] * 1.01


def test_fp8_halves_weights_and_raises_throughput(chatbot):
    bf16 = plan(chatbot).figures
    fp8 = plan(load_design("chatbot", ["deployment.precision=fp8"])).figures
    assert fp8["weight_bytes"].value == bf16["weight_bytes"].value / 2
    assert fp8["model_tokens_per_s_per_gpu"].value > bf16["model_tokens_per_s_per_gpu"].value


def test_doubling_users_doubles_rule_of_thumb_fleet(chatbot):
    twice = plan(load_design("chatbot", ["workload.dau=20e6"])).figures
    assert twice["peak_qps"].value == pytest.approx(2 * 13_888.89, rel=1e-5)
    assert twice["gpus_needed"].value == 5556  # ceil(8,333,333 / 1500)


def test_does_not_fit_stops_before_fleet_and_names_the_fix(chatbot):
    result = plan(load_design("chatbot", ["deployment.tp=1"]))
    assert not result.fits
    assert "131.4 GiB per GPU" in result.fit_reason and "tp=2 would fit" in result.fit_reason
    assert "model_gpus_provisioned" not in result.figures and result.sla == []
    assert not result.recommendation.feasible and result.recommendation.gpus is None


def test_without_rule_of_thumb_the_recommendation_is_the_model(chatbot):
    design = chatbot.model_copy(update={"rule_of_thumb": None, "claims": ()})
    result = plan(design)
    assert "tokens_per_s_per_gpu" not in result.figures  # no reference-method figures
    assert result.recommendation.gpus == result.figures["model_gpus_provisioned"].value
    assert not any(c.name.startswith("rule of thumb") for c in result.claims)


def test_rule_of_thumb_is_a_claim_not_a_headline(chatbot_plan):
    rule = [c for c in chatbot_plan.claims if c.name.startswith("rule of thumb")]
    assert {c.figure for c in rule} == {"model_tokens_per_s_per_gpu", "model_gpus_provisioned"}
    gpus = next(c for c in rule if c.figure == "model_gpus_provisioned")
    assert gpus.stated == 3480  # the reference method: 435 TP8 replicas
    assert gpus.computed == chatbot_plan.recommendation.gpus


def test_catalog_price_when_design_gives_none(chatbot):
    result = plan(load_design("chatbot", ["hardware=H100-SXM"]))
    price = result.figures["price_per_gpu_hour_usd"]
    assert price.source is Source.catalog and price.cite


@settings(max_examples=60, deadline=None)
@given(
    dau=st.floats(1e3, 1e9),
    inp=st.integers(1, 30_000),
    out=st.integers(1, 8_000),
    tp=st.sampled_from([1, 2, 4, 8]),
    precision=st.sampled_from(["bf16", "fp8", "int4"]),
    model=st.sampled_from(["llama-3.1-8b", "mixtral-8x7b", "deepseek-v3", "qwen2.5-72b"]),
    gpu=st.sampled_from(["H100-SXM", "A100-80GB", "L40S", "MI300X"]),
)
def test_any_valid_design_plans_to_finite_figures(dau, inp, out, tp, precision, model, gpu):
    design = load_design(
        "chatbot",
        [
            f"workload.dau={dau}",
            f"workload.input_tokens_per_turn={inp}",
            f"workload.output_tokens_per_turn={out}",
            f"deployment.tp={tp}",
            f"deployment.precision={precision}",
            f"model={model}",
            f"hardware.gpu={gpu}",
        ],
    )
    result = plan(design)
    for figure in result.figures.values():
        assert math.isfinite(float(figure.value)), figure.key
    rec = result.recommendation
    if rec is not None and rec.feasible:
        assert result.figures["model_gpus_provisioned"].value >= 1 and rec.gpus >= 1
    elif rec is not None:  # infeasible: no fleet or cost as if it were a plan
        assert rec.infeasible and "model_monthly_cost_usd" not in result.figures
