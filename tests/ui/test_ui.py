"""`napkin ui`'s page, driven headless by Streamlit's own AppTest harness (no browser, no
network): typed numbers, inline errors with stale results, the GPU's price, word labels, the
one-recommendation headline, the cheapest design and a report of exactly the current edits."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

import napkin.planner
import napkin.ui
from napkin.planner import plan
from napkin.specs.catalog import find_gpu
from napkin.specs.loader import load_design
from napkin.ui.headline import GPUS, MONTHLY, STALE, VERDICT, headline
from tests.ui.recommendations import infeasible, recommendation

streamlit_testing = pytest.importorskip("streamlit.testing.v1")
PAGE = Path(napkin.ui.__file__).parent / "app.py"
SHEET, BOARD, CLAIMS, COST, SIM, DRILLS, CHEAPEST, SHARE = range(8)
DAU = "chatbot/workload.dau"
PRICE = "chatbot/hardware.price_per_gpu_hour_usd"


def _page(design: str = "chatbot"):  # noqa: ANN202
    os.environ["NAPKIN_UI_DESIGN"] = design
    app = streamlit_testing.AppTest.from_file(str(PAGE), default_timeout=120)
    return app.run()


def _metrics(app) -> dict[str, str]:  # noqa: ANN001
    """The headline's metrics (not those inside a tab)."""
    in_tabs = {m.label for tab in app.tabs for m in tab.metric}
    return {m.label: m.value for m in app.main.metric if m.label not in in_tabs}


def _expected(design: str, changes: list[str]) -> dict[str, str]:
    """The headline the page should show for these overrides, from the planner itself."""
    return {m.label: m.value for m in headline(plan(load_design(design, changes))).metrics}


def _type(app, key: str, text: str) -> None:  # noqa: ANN001
    app.text_input(key=key).set_value(text).run()
    assert not app.exception, app.exception


def _select(app, label: str, value: object) -> None:  # noqa: ANN001
    next(s for s in app.selectbox if s.label.startswith(label)).set_value(value).run()
    assert not app.exception, app.exception


def test_page_shows_one_headline_the_sheet_and_the_whiteboard() -> None:
    app = _page()
    assert not app.exception and not app.error
    assert _metrics(app) == _expected("chatbot", [])
    planned = plan(load_design("chatbot"))
    rule = f"{planned.figures['gpus_provisioned'].value:,.0f} GPUs"
    assert rule not in _metrics(app).values()  # the rule of thumb is no rival headline
    claims = app.tabs[CLAIMS].dataframe[0].value
    assert list(claims["claim"]).count("rule of thumb: GPUs provisioned") == 1
    assert len(planned.figures) == len(app.tabs[SHEET].dataframe[0].value)
    assert any("<svg" in m.value for m in app.markdown)


def test_typing_2e7_users_replans() -> None:
    app = _page()
    before = _metrics(app)[GPUS]
    _type(app, DAU, "2e7")
    assert not app.error and not app.warning
    assert _metrics(app) == _expected("chatbot", ["workload.dau=20000000"])
    assert _metrics(app)[GPUS] != before


def test_decimals_are_taken_where_the_schema_allows_them() -> None:
    app = _page()
    _type(app, "chatbot/workload.peak_to_average", "2.5")
    assert _metrics(app) == _expected("chatbot", ["workload.peak_to_average=2.5"])
    _type(app, "chatbot/deployment.max_batch", "12.5")  # a whole number in the schema
    assert "must be a whole number" in app.sidebar.error[0].value


def test_a_value_below_the_minimum_errs_inline_and_keeps_stale_results() -> None:
    app = _page()
    _type(app, DAU, "2e7")
    valid = _metrics(app)
    _type(app, DAU, "0")  # Workload.dau: gt=0
    inline = [e.value for e in app.sidebar.error]
    assert inline == ["Daily active users: must be greater than 0 (got 0)"]
    assert STALE in [w.value for w in app.main.warning]
    assert _metrics(app) == valid  # the last valid results stay on screen
    assert not app.tabs[SHARE].button  # no report of inputs that are not valid
    _type(app, DAU, "3e7")
    assert not app.sidebar.error and STALE not in [w.value for w in app.main.warning]
    assert _metrics(app) == _expected("chatbot", ["workload.dau=30000000"])


def test_a_combination_the_loader_rejects_also_keeps_stale_results() -> None:
    app = _page()
    valid = _metrics(app)
    _type(app, "chatbot/sla.ttft_p50_s", "5")  # above the P99 target of 3 s
    assert any("ttft_p50_s must not exceed ttft_p99_s" in e.value for e in app.main.error)
    assert STALE in [w.value for w in app.main.warning]
    assert _metrics(app) == valid


def test_changing_the_gpu_sets_its_catalog_price_and_plans_with_it() -> None:
    app = _page()
    assert app.text_input(key=PRICE).value == "2"  # the design's own assumption
    _select(app, "GPU", "H200")
    price = find_gpu("H200").price_per_gpu_hour_usd
    assert float(app.text_input(key=PRICE).value) == price
    changes = ["hardware.gpu=H200", f"hardware.price_per_gpu_hour_usd={price}"]
    assert _metrics(app) == _expected("chatbot", changes)
    _select(app, "GPU", "A100-80GB")
    assert float(app.text_input(key=PRICE).value) == find_gpu("A100-80GB").price_per_gpu_hour_usd


def test_an_edited_price_is_applied_as_an_override() -> None:
    app = _page()
    _type(app, PRICE, "3.5")
    assert _metrics(app) == _expected("chatbot", ["hardware.price_per_gpu_hour_usd=3.5"])
    _type(app, PRICE, "0")
    assert "must be greater than 0" in app.sidebar.error[0].value


@pytest.mark.parametrize("design", ["chatbot", "finetune-service", "eval-harness"])
def test_labels_are_words_with_units_not_figure_keys(design: str) -> None:
    app = _page(design)
    labels = [w.label for w in (*app.text_input, *app.selectbox, *app.metric)]
    assert labels and all("_" not in label for label in labels), labels
    sheet = app.tabs[SHEET].dataframe[0].value
    assert all("_" not in words for words in sheet["quantity"])


@pytest.mark.parametrize("design", ["finetune-service", "eval-harness"])
def test_designs_without_sla_targets_never_say_met(design: str) -> None:
    app = _page(design)
    assert not app.exception
    metrics = _metrics(app)
    assert metrics and VERDICT not in metrics and "met" not in metrics.values()
    assert "SLA" not in " ".join(metrics)


def _with(monkeypatch, rec) -> None:  # noqa: ANN001
    """Every plan the page makes carries `rec` (the planner's own may not be there yet)."""
    real = napkin.planner.plan
    monkeypatch.setattr(napkin.planner, "plan", lambda d: replace(real(d), recommendation=rec))


def test_the_recommendation_is_the_headline(monkeypatch) -> None:
    _with(monkeypatch, recommendation(source="closed form"))
    app = _page()
    metrics = _metrics(app)
    assert metrics[GPUS] == "4,000 GPUs" and metrics["Replicas × tensor parallel"] == "500 × 8"
    assert metrics[VERDICT] == "met" and metrics["Figures from"] == "closed form"
    captions = " | ".join(c.value for c in app.main.caption)
    assert "P10–P90" in captions and "Binding constraint: time-per-token budget" in captions


def test_an_infeasible_recommendation_shows_cannot_be_met_and_the_fix(monkeypatch) -> None:
    _with(monkeypatch, infeasible())
    app = _page()
    assert not app.exception
    errors = [e.value for e in app.main.error]
    assert "cannot be met: weights need 131.4 GiB per GPU at tp=1" in errors
    assert any("tensor parallel 2" in i.value and "5,000 GPUs" in i.value for i in app.info)
    assert GPUS not in _metrics(app) and MONTHLY not in _metrics(app)


def test_a_design_that_does_not_fit_is_shown_as_an_error_not_a_traceback() -> None:
    app = _page()
    _select(app, "Tensor parallel", 1)  # 70B in bf16 (~141 GB) on one 80 GB H100
    assert GPUS not in _metrics(app) and VERDICT not in _metrics(app)
    assert any(e.value.startswith("cannot be met") for e in app.main.error)
    _select(app, "Precision", "int4")  # ~35 GB of weights: fits again
    assert not app.main.error and GPUS in _metrics(app)


def test_tightening_an_sla_target_flips_the_verdict() -> None:
    app = _page()
    # Valid (above the 3 s TTFT limit) but 300 tokens cannot stream in 3.5 s on TP8 H100.
    _type(app, "chatbot/sla.e2e_p99_s", "3.5")
    cannot = any(e.value.startswith("cannot be met") for e in app.main.error)
    assert _metrics(app).get(VERDICT) == "missed" or (cannot and VERDICT not in _metrics(app))
    assert _metrics(app) == _expected("chatbot", ["sla.e2e_p99_s=3.5"])


def test_switching_designs_keeps_each_designs_own_fields() -> None:
    app = _page()
    _type(app, DAU, "2e7")
    _select(app, "Design", "code-completion")
    assert _metrics(app) == _expected("code-completion", [])
    assert app.text_input(key="code-completion/sla.ttft_p99_s").value == "0.2"
    _select(app, "Design", "chatbot")
    assert app.text_input(key=DAU).value == "10000000"  # the design as written again
    assert _metrics(app) == _expected("chatbot", [])


def test_simulation_button_runs_the_simulator() -> None:
    app = _page("code-completion")
    app.tabs[SIM].number_input[0].set_value(5.0)
    app.tabs[SIM].button[0].click().run()
    assert not app.exception
    assert app.json, "simulation summary is shown"


def test_drills_button_runs_the_registers_drills() -> None:
    app = _page("code-completion")
    app.tabs[DRILLS].button[0].click().run()
    assert not app.exception
    rows = app.tabs[DRILLS].dataframe[0].value
    from napkin.report.contents import serving_drills

    expected = serving_drills(plan(load_design("code-completion")))
    assert list(rows["failure"]) == [mode for mode, _ in expected]


def test_the_cheapest_design_is_named_with_its_saving() -> None:
    app = _page()
    app.tabs[CHEAPEST].button[0].click().run()
    assert not app.exception
    line = app.tabs[CHEAPEST].success[0].value
    assert line.startswith("Cheapest design found:")
    assert " × " in line  # GPUs × GPU type
    assert "TP " in line and "/month" in line and ("saves" in line or "more" in line)


def test_the_report_is_of_the_current_edits_and_never_stale() -> None:
    app = _page()
    _type(app, DAU, "2e7")
    _select(app, "GPU", "H200")
    app.tabs[SHARE].button[0].click().run()
    assert not app.exception
    key, html = app.session_state["report"]
    price = find_gpu("H200").price_per_gpu_hour_usd
    changes = (
        "workload.dau=20000000",
        "hardware.gpu=H200",
        f"hardware.price_per_gpu_hour_usd={price}",
    )
    assert key == ("chatbot", changes)
    assert "20,000,000" in html and "H200" in html
    labels = [b.label for b in app.tabs[SHARE].download_button]
    assert "download report (HTML)" in labels
    _type(app, DAU, "3e7")  # a later edit: the old report is no longer offered
    labels = [b.label for b in app.tabs[SHARE].download_button]
    assert "download report (HTML)" not in labels
    assert any("build it again" in i.value for i in app.tabs[SHARE].info)


def test_choosing_an_engine_replans_with_its_defaults() -> None:
    # SGLang's memory fraction (0.835) reaches the sheet, its engine named as the source;
    # the headline is the plan's for that engine.
    app = _page()
    _select(app, "Serving engine", "sglang")
    assert _metrics(app) == _expected("chatbot", ["deployment.engine=sglang"])
    rows = app.tabs[SHEET].dataframe[0].value
    memory = rows[rows["key"] == "gpu_memory_utilization"].iloc[0]
    assert memory["source"] == "catalog" and "SGLang" in memory["formula"]


def test_the_cost_tab_prices_each_token_class_and_the_apis() -> None:
    app = _page()
    cost = app.tabs[COST]
    f = plan(load_design("chatbot")).figures
    shown = {m.label: m.value for m in cost.metric}
    assert shown["Fleet utilisation over the day"] == f"{f['model_fleet_utilisation'].value:.0%}"
    assert shown["Output, a million tokens"] == (
        f"${f['model_output_usd_per_million_tokens'].value:.3g}"
    )
    assert cost.dataframe[0].value["API"].iloc[0] == "DeepInfra"  # the cheapest listed


def test_a_pricing_plan_sets_the_price() -> None:
    from napkin.specs.prices import Pricing, typical_price

    app = _page()
    _select(app, "Pricing", "reserved_3y")
    assert float(app.text_input(key=PRICE).value) == pytest.approx(
        typical_price("H100-SXM", Pricing.reserved_3y).usd_per_gpu_hour, rel=1e-3
    )
