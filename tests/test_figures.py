"""A sheet records each figure's formula with the values that went in."""

from __future__ import annotations

from napkin.capacity import cost, demand
from napkin.figures import Sheet, Source, formula_of


def test_derive_reads_inputs_and_records_formula():
    sheet = Sheet()
    sheet.section = "demand"
    sheet.add("turns_per_day", 400e6, "turns/day", Source.assumption)
    value = sheet.derive(demand.avg_qps, "req/s")
    figure = sheet.figures["avg_qps"]
    assert value == 400e6 / 86_400
    assert figure.formula == "avg_qps = turns_per_day / 86,400 s"
    assert figure.inputs == {"turns_per_day": 400e6}
    assert (figure.source, figure.section) == (Source.formula, "demand")


def test_bind_renames_inputs_in_the_formula():
    sheet = Sheet()
    sheet.add("model_gpus_provisioned", 10, "GPUs", Source.formula)
    sheet.derive(
        cost.gpu_hours_per_month,
        "GPU-h",
        key="model_gpu_hours_per_month",
        bind={"gpus": "model_gpus_provisioned"},
    )
    figure = sheet.figures["model_gpu_hours_per_month"]
    assert figure.value == 7200
    assert figure.formula == "model_gpu_hours_per_month = model_gpus_provisioned × 24 h × 30 d"
    assert figure.inputs == {"model_gpus_provisioned": 10}


def test_formula_of_is_the_first_docstring_line():
    assert formula_of(demand.peak_qps) == "peak_qps = avg_qps × peak_to_average"


def test_json_shape():
    sheet = Sheet()
    sheet.add("x", 1.0, "s", Source.catalog, detail="short", cite="https://example.org")
    assert sheet.figures["x"].to_json() == {
        "value": 1.0,
        "unit": "s",
        "source": "catalog",
        "detail": "short",
        "cite": "https://example.org",
    }
