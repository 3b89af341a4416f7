"""The terminal tells it first and stays legible: the recommendation opens `napkin plan`, and
every command's tables fit 80 columns (a pipe's width) with nothing cut with "…"."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import pytest
from rich.cells import cell_len
from rich.console import Console, RenderableType
from tests import samples
from tests.samples import recommendation
from typer.testing import CliRunner

from napkin.calibration.uncertainty import Interval
from napkin.cli import PUBLISHED, app
from napkin.planner import Plan, plan
from napkin.recommendation import (
    Constraint,
    Recommendation,
    Relaxation,
    TargetCheck,
    Verdict,
)
from napkin.render.recommendation_box import recommendation_panel, target_label
from napkin.render.terminal import render_plan
from napkin.specs.loader import builtin_designs, load_design

WIDTH = 80


def _text(renderable: RenderableType, width: int = WIDTH) -> str:
    console = Console(width=width, file=StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def _plan_text(result: Plan, width: int = WIDTH, **flags: bool) -> str:
    console = Console(width=width, file=StringIO(), color_system=None)
    render_plan(result, console, **flags)
    return console.file.getvalue()


def assert_legible(text: str, width: int = WIDTH) -> None:
    """No line wider than the terminal, and nothing cut with an ellipsis."""
    assert text.strip()
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, too_wide[:3]
    assert "…" not in text, [line for line in text.splitlines() if "…" in line][:3]


def feasible() -> Recommendation:
    return recommendation(
        replicas=553,
        gpus=4424,
        batch=378,
        monthly_cost_usd=Interval(6.37e6, 5.9e6, 7.4e6, "tokens/s residuals"),
        usd_per_million_output_tokens=Interval(0.53, 0.49, 0.62, "tokens/s residuals"),
        tokens_per_s_per_gpu=Interval(1177, 1010, 1290, "tokens/s residuals"),
        targets=(
            TargetCheck("ttft_p99_s", 3.0, 0.0575, Verdict.met, 0.41, Verdict.met),
            TargetCheck("e2e_p99_s", 15.0, 12.1, Verdict.met, 9.8, Verdict.met),
            TargetCheck("tpot_s", 0.0401, 0.0401, Verdict.met),
            TargetCheck("ttft_p50_s", None, None, Verdict.not_set),
        ),
        constraints=(
            Constraint("time-per-token budget", 0.0401, 0.0401, "s", 0.0),
            Constraint("KV memory", 280, 430, "GiB", 0.35),
            Constraint("engine batch cap", 378, 1900, "sequences", 0.8),
        ),
    )


def infeasible() -> Recommendation:
    return samples.infeasible(
        tp=8,
        targets=(TargetCheck("tpot_s", 0.005, 0.0102, Verdict.missed),),
        infeasible="TPOT 5 ms is below the 10.2 ms one decode step takes even at batch 1",
        relaxation=Relaxation("fp8 weights on H200", ("deployment.precision=fp8",), 2912, 9.6e6),
    )


def test_target_labels():
    assert target_label("ttft_p99_s") == "TTFT p99"
    assert target_label("tpot_s") == "TPOT"
    assert target_label("e2e_p99_s") == "E2E p99"


def test_feasible_panel_gives_fleet_cost_sla_and_binding():
    text = _text(recommendation_panel(feasible()))
    assert_legible(text)
    flat = " ".join(text.replace("│", " ").split())
    assert "Recommended: 553 × TP8 replicas of llama-3.1-70b bf16 on H100-SXM = 4,424 GPUs" in flat
    assert "Cost: $6.37M/month (P10–P90 $5.9M–$7.4M)" in flat
    assert "$0.53/M output tokens (P10–P90 $0.49–$0.62)" in flat
    assert "1,177 output tokens/s per GPU (P10–P90 1,010–1,290), batch 378" in flat
    assert "SLA: met (simulation)" in flat
    assert "TTFT p99 410 ms ≤ 3.0 s ✓" in flat and "E2E p99 9.8 s ≤ 15 s ✓" in flat
    assert "TPOT 40.1 ms ≤ 40.1 ms (plan) ✓" in flat and "TTFT p50 not set" in flat
    assert "Binding: time-per-token budget; slack: KV memory 35%, engine batch cap 80%" in flat
    assert "CANNOT" not in flat


def test_missed_target_is_marked():
    rec = feasible().with_(
        targets=(TargetCheck("e2e_p99_s", 15.0, 18.0, Verdict.missed),), source="closed form"
    )
    flat = " ".join(_text(recommendation_panel(rec)).replace("│", " ").split())
    assert "SLA: missed (closed form) — E2E p99 18 s > 15 s ✗" in flat


def test_infeasible_panel_gives_the_reason_and_the_cheapest_fix_only():
    text = _text(recommendation_panel(infeasible()))
    assert_legible(text)
    flat = " ".join(text.replace("│", " ").split())
    assert "CANNOT BE MET: TPOT 5 ms is below" in flat
    assert "Cheapest fix: fp8 weights on H200 → 2,912 GPUs, $9.6M/month" in flat
    assert "TPOT 10.2 ms > 5.0 ms ✗" in flat
    assert "Recommended:" not in flat and "Cost:" not in flat


@pytest.fixture(scope="module")
def chatbot() -> Plan:
    return plan(load_design("chatbot"))


def test_plan_opens_with_the_recommendation_then_verdict_and_claims(chatbot):
    text = _plan_text(replace(chatbot, recommendation=feasible()))
    assert_legible(text)
    assert text.index("Recommended:") < text.index("memory: fits") < text.index("claims")
    assert "✗ flagged" in text and "napkin plan chatbot --sheet" in text
    assert "demand" not in text and "failure modes" not in text and "two views" not in text


@pytest.mark.parametrize("flags", [{"sheet": True}, {"explain": True}])
def test_sheet_and_explain_add_the_full_sheet(chatbot, flags):
    text = _plan_text(replace(chatbot, recommendation=feasible()), **flags)
    assert_legible(text)
    assert text.index("Recommended:") < text.index("demand") < text.index("failure modes")
    assert "--sheet" not in text


def test_plan_without_recommendation_shows_the_sheet(chatbot):
    text = _plan_text(replace(chatbot, recommendation=None))
    assert "demand" in text and "failure modes" in text and "--sheet" not in text


@pytest.mark.parametrize("name", builtin_designs())
@pytest.mark.parametrize("width", [WIDTH, 60])
def test_every_plan_is_legible(name, width):
    result = plan(load_design(name))
    assert_legible(_plan_text(result, width, sheet=True), width)
    assert_legible(_plan_text(result, width, explain=True), width)


def test_wide_plan_keeps_columns_side_by_side(chatbot):
    text = _plan_text(chatbot, 160, sheet=True)
    assert_legible(text, 160)
    assert "provenance" in text and "blast radius" in text


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("args", [("plan", "chatbot"), ("catalog", "models"), ("catalog", "gpus")])
def test_commands_are_legible_at_80_columns(args):
    assert_legible(_cli(*args))


def test_catalogs_keep_every_name_whole():
    from napkin.specs import catalog

    models, gpus = _cli("catalog", "models"), _cli("catalog", "gpus")
    assert all(m.name in models for m in catalog.models())
    assert all(g.name in gpus for g in catalog.gpus())
    assert "Infinity Fabric" in gpus and "MLA (latent" in models


def test_simulation_is_legible():
    from napkin.render.simulation import render_simulation
    from napkin.sim.options import SimOptions
    from napkin.sim.run import simulate

    result = simulate(plan(load_design("chatbot")), SimOptions(duration_s=5, replicas=2, qps=20))
    text = _text(render_simulation(result))
    assert_legible(text)
    assert "e+" not in text


def test_validation_is_legible():
    from napkin.calibration.ingest import read_measurements
    from napkin.render.validation import render_validation
    from napkin.validate.scores import compare, statistics

    rows = compare(read_measurements(PUBLISHED, None))
    text = _text(render_validation(rows, statistics(rows)))
    assert_legible(text)
    assert all(r.measurement.id in text for r in rows)


def test_drills_are_legible():
    from napkin.drills.runner import run_drill
    from napkin.render.drill import detail, summary
    from napkin.sim.options import SimOptions

    planned = plan(load_design("chatbot"))
    result = run_drill(planned, "replica-crash", {}, SimOptions(duration_s=60, replicas=4))
    skipped = [("region-loss-without-a-model", "meteor", "not simulated: no model of this")]
    for renderable in (detail(result), summary([("replica-crash", result)], skipped)):
        text = _text(renderable)
        assert_legible(text)
        assert "e+" not in text
