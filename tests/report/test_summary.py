"""The report's summary box and its named cheapest design, rendered from hand-made
recommendations and search results so the tests do not depend on the code that fills them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from napkin.calibration.uncertainty import Interval
from napkin.optimize.search import Optimum, Screened
from napkin.planner import Plan, plan
from napkin.recommendation import (
    Constraint,
    Recommendation,
    Relaxation,
    TargetCheck,
    Verdict,
)
from napkin.render.format import format_value
from napkin.report import charts
from napkin.report.contents import Contents
from napkin.report.html import render_html
from napkin.report.markdown import render_markdown
from napkin.specs.loader import load_design
from tests.samples import recommendation

COST = Interval(1.4e6, 1.2e6, 1.7e6, "e2e residuals")
PER_TOKEN = Interval(0.41, 0.35, 0.5, "e2e residuals")
FEASIBLE = recommendation(
    gpu="H200",
    precision="fp8",
    replicas=12,
    gpus=96,
    batch=64,
    monthly_cost_usd=COST,
    usd_per_million_output_tokens=PER_TOKEN,
    targets=(
        TargetCheck("ttft_p99_s", 3.0, 0.4, Verdict.met, 0.9, Verdict.met),
        TargetCheck("e2e_p99_s", 15.0, 12.0, Verdict.met, 14.0, Verdict.met),
        TargetCheck("tpot_s", None, 0.04, Verdict.not_set),
    ),
    binding="KV cache",
    constraints=(
        Constraint("KV cache", 64, 64, "sequences", 0.0),
        Constraint("time per token", 0.026, 0.04, "s", 0.35),
    ),
)
INFEASIBLE = replace(
    FEASIBLE,
    feasible=False,
    replicas=None,
    gpus=None,
    batch=None,
    monthly_cost_usd=None,
    usd_per_million_output_tokens=None,
    targets=(TargetCheck("ttft_p99_s", 0.01, 0.4, Verdict.missed),),
    binding="",
    constraints=(),
    infeasible="ttft_p99_s: 10 ms cannot be met; the best reachable is 57.5 ms",
    relaxation=Relaxation("relax ttft_p99_s to 60 ms", ("sla.ttft_p99_s=0.06",), 480, 3.1e6),
)
AS_WRITTEN = Screened((), True, "", 6.37e6, 12.0, "llama-3.1-70b", "bf16", 3480)
CHOSEN = Screened(
    ("hardware=H200", "deployment.precision=fp8", "deployment.tp=8"),
    True,
    "",
    1.8e6,
    9.0,
    "llama-3.1-70b",
    "fp8",
    96,
)
OTHER = Screened(("hardware=B200",), True, "", 2.5e6, 8.0, "llama-3.1-70b", "fp8", 64)


def _optimum(chosen: Screened | None = CHOSEN, written: Screened = AS_WRITTEN) -> Optimum:
    screened = [written, CHOSEN, OTHER]
    front = [CHOSEN, OTHER]
    return Optimum("chatbot", written, screened, front, [], chosen, "cost", 0.1)


@pytest.fixture(scope="module")
def chatbot() -> Plan:
    return plan(load_design("chatbot"))


def _contents(
    planned: Plan, rec: Recommendation | None, optimum: Optimum | None = None
) -> Contents:
    return Contents(replace(planned, recommendation=rec), optimum=optimum)


def _html_box(page: str) -> str:
    start = page.index("<div class=summary>")
    return page[start : page.index("</div>", start)]


def _md_box(text: str) -> str:
    start = text.index("## Recommendation")
    return text[start : text.index("\n## ", start + 1)]


def _money(usd: float) -> str:
    return format_value(usd, "USD/month")


def test_summary_box_leads_both_reports_with_the_recommendation(chatbot: Plan) -> None:
    contents = _contents(chatbot, FEASIBLE)
    page, text = render_html(contents), render_markdown(contents)
    assert page.index("<div class=summary>") < page.index("<h2>Whiteboard</h2>")
    assert text.index("## Recommendation") < text.index("## Whiteboard")
    for box in (_html_box(page), _md_box(text)):
        assert "12 replicas × TP 8 = 96 GPUs of H200, fp8, llama-3.1-70b" in box
        low, high = format_value(COST.low, "USD"), _money(COST.high)
        assert f"{_money(COST.value)} (P10–P90 {low}–{high})" in box
        assert box.count("e2e residuals") == 1  # the band's basis, said once
        assert format_value(PER_TOKEN.value, "USD/Mtok") in box
        assert format_value(PER_TOKEN.high, "USD/Mtok") in box
        assert "simulation" in box  # the source
        assert "KV cache" in box and "binding" in box
        assert "time per token" in box and "35%" in box  # the other constraint's slack
        # the rule of thumb's 3,480 GPUs and $5.01M are claims, never the box's answer
        rule = chatbot.figures
        assert f"{int(rule['gpus_provisioned'].value):,}" not in box
        assert _money(rule["monthly_cost_usd"].value) not in box


def test_per_target_verdicts_are_three_valued(chatbot: Plan) -> None:
    page = render_html(_contents(chatbot, FEASIBLE))
    box = _html_box(page)
    assert "<td>tpot_s</td>" in box
    row = box[box.index("<td>tpot_s</td>") :].split("</tr>")[0]
    assert "not set" in row and "meets" not in row and "met<" not in row
    ttft = box[box.index("<td>ttft_p99_s</td>") :].split("</tr>")[0]
    assert "<span class=good>met</span>" in ttft and format_value(0.9, "s") in ttft
    text = _md_box(render_markdown(_contents(chatbot, FEASIBLE)))
    assert "| tpot_s | – | " in text and text.count("| met |") == 3  # overall + two targets
    assert "| not set |" in text


def test_infeasible_shows_why_and_the_relaxation_but_no_fleet_or_cost(chatbot: Plan) -> None:
    contents = _contents(chatbot, INFEASIBLE)
    for box in (_html_box(render_html(contents)), _md_box(render_markdown(contents))):
        assert "cannot be met" in box
        assert "10 ms cannot be met" in box
        assert "relax ttft_p99_s to 60 ms" in box and "--set sla.ttft_p99_s=0.06" in box
        assert "replicas ×" not in box and "P10–P90" not in box
        assert "missed" in box


def test_json_carries_the_recommendation_at_the_top(chatbot: Plan) -> None:
    data = json.loads(json.dumps(_contents(chatbot, FEASIBLE).to_json()))
    assert data["recommendation"] == FEASIBLE.to_json()
    assert data["recommendation"]["verdict"] == "met"
    assert data["plan"]["recommendation"] == FEASIBLE.to_json()
    assert json.loads(json.dumps(_contents(chatbot, None).to_json()))["recommendation"] is None


@pytest.mark.parametrize("design", ["finetune-service", "eval-harness"])
def test_designs_without_targets_say_so_and_never_meet(design: str) -> None:
    contents = Contents(plan(load_design(design)))
    page, text = render_html(contents), render_markdown(contents)
    for box in (_html_box(page), _md_box(text)):
        assert "no SLA targets set" in box
    for rendered in (page, text):
        assert "meets" not in rendered and "| met |" not in rendered
        assert "class=good>met<" not in rendered


def test_without_a_recommendation_the_plans_checks_are_met_or_missed(chatbot: Plan) -> None:
    page = render_html(_contents(chatbot, None))
    box = _html_box(page)
    assert "no recommendation" in box
    for check in chatbot.sla:
        assert check.target in box
    assert "meets" not in box


def test_reports_name_the_cheapest_design(chatbot: Plan) -> None:
    contents = _contents(chatbot, FEASIBLE, _optimum())
    saving = _money(AS_WRITTEN.monthly_cost_usd - CHOSEN.monthly_cost_usd)
    for rendered in (render_html(contents), render_markdown(contents)):
        section = rendered[rendered.index("Cheapest design meeting the SLA") :]
        for shown in ("H200", "fp8", "llama-3.1-70b", "96", _money(1.8e6)):
            assert shown in section, shown
        assert f"saves {saving}" in section
    text = render_markdown(contents)
    assert "| H200 | fp8 | 8 | llama-3.1-70b | 96 |" in text
    assert json.loads(json.dumps(contents.to_json()))["cheapest"] == {
        "gpu": "H200",
        "precision": "fp8",
        "tp": 8,
        "model": "llama-3.1-70b",
        "gpus": 96,
        "monthly_cost_usd": 1.8e6,
        "saving_usd": pytest.approx(6.37e6 - 1.8e6),
        "prefill": "",
    }


def test_a_dearer_choice_reads_costs_more_never_a_negative_saving(chatbot: Plan) -> None:
    cheap_written = replace(AS_WRITTEN, monthly_cost_usd=1.0e6)
    contents = _contents(chatbot, FEASIBLE, _optimum(written=cheap_written))
    for rendered in (render_html(contents), render_markdown(contents)):
        section = rendered[rendered.index("Cheapest design meeting the SLA") :]
        assert f"costs {_money(0.8e6)} more" in section
        assert "-$" not in section and "saves" not in section.split("Cost levers")[0]


def test_no_candidate_meeting_the_sla_is_said_plainly(chatbot: Plan) -> None:
    contents = _contents(chatbot, FEASIBLE, _optimum(chosen=None))
    text = render_markdown(contents)
    assert "none meets the SLA" in text and "| GPU |" not in text


def test_pareto_chart_labels_the_chosen_point() -> None:
    svg = charts.pareto(_optimum())
    assert "chosen: H200 fp8 TP 8" in svg
    assert "chosen:" not in charts.pareto(_optimum(chosen=None))


def test_whiteboard_rule_of_thumb_figures_are_labelled_as_claims(chatbot: Plan) -> None:
    """The built-in chatbot board draws napkin's fleet; a user's board that names the rule
    of thumb's figures gets the caveat."""
    text = render_markdown(_contents(chatbot, FEASIBLE))
    board = text[text.index("## Whiteboard") : text.index("## Claims")]
    assert "model_gpus_provisioned" in board and "rule of thumb" not in board
    wb = chatbot.design.whiteboard
    fleet = next(c for c in wb.components if c.id == "fleet")
    ruled = fleet.model_copy(update={"figures": ("gpus_provisioned",)})
    components = tuple(ruled if c.id == "fleet" else c for c in wb.components)
    design = chatbot.design.model_copy(
        update={"whiteboard": wb.model_copy(update={"components": components})}
    )
    text = render_markdown(_contents(replace(chatbot, design=design), FEASIBLE))
    board = text[text.index("## Whiteboard") : text.index("## Claims")]
    assert "gpus_provisioned" in board and "rule of thumb" in board
    assert "claims table" in board


def test_new_markdown_tables_keep_their_columns(chatbot: Plan) -> None:
    text = render_markdown(_contents(chatbot, FEASIBLE, _optimum()))
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({row.count(" | ") for row in rows if "---" not in row}) == 1, rows[0]


def test_pareto_with_nothing_to_plot_draws_nothing() -> None:
    nothing = replace(AS_WRITTEN, feasible=False, monthly_cost_usd=float("inf"))
    optimum = Optimum("chatbot", nothing, [nothing], [], [], None, "cost", 0.1)
    assert charts.pareto(optimum) == ""


def test_an_sla_no_fleet_meets_still_reports(chatbot: Plan) -> None:
    """A design that cannot be met has no fleet figures: the report says so, no whiteboard,
    simulation or levers fail on the missing figures."""
    from napkin.report.contents import gather

    tight = ("sla.ttft_p50_s=0.001", "sla.ttft_p99_s=0.002")
    contents = gather("chatbot", tight, simulate_s=2.0, optimize=False)
    page, text = render_html(contents), render_markdown(contents)
    if contents.plan.recommendation is not None:
        assert not contents.plan.recommendation.feasible
        assert "cannot be met" in _html_box(page) and "cannot be met" in _md_box(text)
    assert "missed" in _md_box(text)
    sized = "in_flight_at_peak" in contents.plan.figures
    assert ("no whiteboard" in page) is not sized


def test_a_whiteboard_missing_figures_is_explained(chatbot: Plan) -> None:
    figures = {k: v for k, v in chatbot.figures.items() if k != "in_flight_at_peak"}
    contents = Contents(replace(chatbot, figures=figures))
    text, page = render_markdown(contents), render_html(contents)
    assert "No whiteboard: " in text and "in_flight_at_peak" in text.split("No whiteboard: ")[1]
    assert "no whiteboard: " in page and "in_flight_at_peak" in page.split("no whiteboard: ")[1]


def test_infeasible_design_has_no_whiteboard_and_says_why(chatbot: Plan) -> None:
    contents = _contents(chatbot, INFEASIBLE)
    text, page = render_markdown(contents), render_html(contents)
    assert "```mermaid" not in text and "No whiteboard: " in text
    assert "no whiteboard: " in page
