"""`napkin ui`: the control mapping (pure) and the Streamlit page, driven headless by
Streamlit's own AppTest harness (no browser, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

import napkin.ui
from napkin.planner import plan
from napkin.specs.loader import load_design, raw_design
from napkin.ui.controls import headline_keys, numeric_fields, overrides, workload_section

PAGE = Path(napkin.ui.__file__).parent / "app.py"


@pytest.mark.parametrize(
    ("design", "section"),
    [
        ("chatbot", "workload"),
        ("coding-agent", "agent"),
        ("finetune-service", "finetune"),
        ("code-completion", "completion"),
        ("eval-harness", "eval"),
    ],
)
def test_every_design_has_a_traffic_section_with_numbers(design: str, section: str) -> None:
    raw = raw_design(design)
    assert workload_section(raw) == section
    assert numeric_fields(raw[section])
    assert headline_keys(plan(load_design(design)).figures)


def test_only_changed_fields_become_overrides_that_the_loader_accepts() -> None:
    before = numeric_fields(raw_design("chatbot")["workload"])
    after = {**before, "dau": 20_000_000, "peak_to_average": 2.5}
    changes = overrides("workload", before, after)
    assert changes == ["workload.dau=20000000", "workload.peak_to_average=2.5"]
    doubled = plan(load_design("chatbot", changes)).figures["peak_qps"].value
    base = plan(load_design("chatbot")).figures["peak_qps"].value
    assert doubled == pytest.approx(base * 2 * 2.5 / 3)


def test_numeric_fields_skip_flags_and_nested_values() -> None:
    assert numeric_fields({"a": 1, "b": True, "c": [1], "d": 2.5, "e": "x"}) == {"a": 1, "d": 2.5}
    assert numeric_fields(None) == {}


streamlit_testing = pytest.importorskip("streamlit.testing.v1")


def _page(design: str = "chatbot"):  # noqa: ANN202
    import os

    os.environ["NAPKIN_UI_DESIGN"] = design
    app = streamlit_testing.AppTest.from_file(str(PAGE), default_timeout=60)
    return app.run()


def _metric(app, label: str) -> str:  # noqa: ANN001
    return next(m.value for m in app.metric if m.label == label)


def test_page_shows_the_plan_verdict_and_whiteboard() -> None:
    app = _page()
    assert not app.exception and not app.error
    planned = plan(load_design("chatbot"))
    assert _metric(app, "gpus_provisioned") == "3,480 GPUs"
    assert _metric(app, "SLA") == "met"
    assert len(app.dataframe) >= 2  # sheet and claims
    assert any("<svg" in m.value for m in app.markdown)
    assert len(planned.figures) == len(app.dataframe[0].value)


def test_editing_traffic_replans() -> None:
    app = _page()
    app.number_input(key="workload.dau").set_value(20_000_000).run()
    assert not app.exception
    assert _metric(app, "gpus_provisioned") != "3,480 GPUs"
    expected = plan(load_design("chatbot", ["workload.dau=20000000"]))
    figure = expected.figures["gpus_provisioned"]
    from napkin.render.format import format_value

    assert _metric(app, "gpus_provisioned") == format_value(figure.value, figure.unit)


def _select(app, label: str, value: object) -> None:  # noqa: ANN001
    next(s for s in app.selectbox if s.label.startswith(label)).set_value(value).run()


def test_a_design_that_does_not_fit_is_shown_as_an_error_not_a_traceback() -> None:
    app = _page()
    _select(app, "tensor parallel", 1)  # 70B in bf16 (~141 GB) on one 80 GB H100
    assert not app.exception
    assert _metric(app, "SLA") == "missed"
    assert any("does not fit" in e.value or "GiB" in e.value for e in app.error)
    _select(app, "precision", "int4")  # ~35 GB of weights: fits again
    assert not app.exception and not app.error


def test_simulation_button_runs_the_simulator() -> None:
    app = _page("code-completion")
    app.tabs[3].number_input[0].set_value(5.0)
    app.tabs[3].button[0].click().run()
    assert not app.exception
    assert app.json, "simulation summary is shown"


def test_tightening_the_sla_slider_flips_the_verdict() -> None:
    app = _page()
    slider = next(s for s in app.slider if s.label == "e2e_p99_s")
    slider.set_value(1.5).run()  # 300 output tokens cannot stream in 1.5 s at 13 ms/token
    assert not app.exception
    assert _metric(app, "SLA") == "missed"


def test_changing_the_gpu_moves_the_models_gpu_count() -> None:
    app = _page()
    before = _metric(app, "model_gpus_provisioned")
    _select(app, "GPU", "H200")
    assert not app.exception
    expected = plan(load_design("chatbot", ["hardware.gpu=H200"])).figures
    from napkin.render.format import format_value

    figure = expected["model_gpus_provisioned"]
    assert _metric(app, "model_gpus_provisioned") == format_value(figure.value, figure.unit)
    assert _metric(app, "model_gpus_provisioned") != before


def test_headline_keeps_one_monthly_cost() -> None:
    keys = headline_keys(plan(load_design("chatbot")).figures)
    assert "model_monthly_cost_usd" in keys and "monthly_cost_usd" not in keys
    assert headline_keys(plan(load_design("finetune-service")).figures) == [
        "gpus_provisioned",
        "monthly_cost_usd",
    ]


def test_drills_button_runs_the_registers_drills() -> None:
    app = _page("code-completion")
    app.tabs[4].button[0].click().run()
    assert not app.exception
    rows = app.tabs[4].dataframe[0].value
    from napkin.report.contents import serving_drills

    expected = serving_drills(plan(load_design("code-completion")))
    assert list(rows["failure"]) == [mode for mode, _ in expected]
