"""`napkin ui`'s pure mapping: which fields get a control, the schema's bounds on each, how
typed text becomes a number or an error, how edits become overrides, and the words on the
page. No Streamlit."""

from __future__ import annotations

import pytest

from napkin.planner import plan
from napkin.specs.agent_workload import AgentWorkload
from napkin.specs.completion_workload import CompletionWorkload
from napkin.specs.deployment import Deployment
from napkin.specs.design import KINDS
from napkin.specs.eval_workload import EvalWorkload
from napkin.specs.finetune_workload import FinetuneWorkload
from napkin.specs.hardware import GPU
from napkin.specs.loader import builtin_designs, load_design, raw_design
from napkin.specs.sla import SLA
from napkin.specs.workload import Workload
from napkin.ui.controls import (
    Bounds,
    hardware_overrides,
    numeric_fields,
    overrides,
    parse_number,
    section_bounds,
    shown,
    workload_section,
)
from napkin.ui.labels import field_label, words

SECTIONS = [
    ("chatbot", "workload", Workload),
    ("coding-agent", "agent", AgentWorkload),
    ("finetune-service", "finetune", FinetuneWorkload),
    ("code-completion", "completion", CompletionWorkload),
    ("eval-harness", "eval", EvalWorkload),
]


@pytest.mark.parametrize(("design", "section", "_model"), SECTIONS)
def test_every_design_has_a_traffic_section_with_numbers(design, section, _model) -> None:
    raw = raw_design(design)
    assert workload_section(raw) == section
    assert numeric_fields(raw[section])


def test_only_changed_fields_become_overrides_that_the_loader_accepts() -> None:
    before = numeric_fields(raw_design("chatbot")["workload"])
    after = {**before, "dau": 20_000_000, "peak_to_average": 2.5}
    changes = overrides("workload", before, after)
    assert changes == ["workload.dau=20000000", "workload.peak_to_average=2.5"]
    doubled = plan(load_design("chatbot", changes)).figures["peak_qps"].value
    base = plan(load_design("chatbot")).figures["peak_qps"].value
    assert doubled == pytest.approx(base * 2 * 2.5 / 3)


def test_overrides_write_floats_exactly_and_blank_as_null() -> None:
    changes = overrides("x", {"a": 1, "b": 2, "c": 3}, {"a": 1234567.25, "b": 2e7, "c": None})
    assert changes == ["x.a=1234567.25", "x.b=20000000", "x.c=null"]


def test_numeric_fields_skip_flags_and_nested_values() -> None:
    assert numeric_fields({"a": 1, "b": True, "c": [1], "d": 2.5, "e": "x"}) == {"a": 1, "d": 2.5}
    assert numeric_fields(None) == {}


def _limits(model, name: str) -> dict[str, float]:
    """The limits pydantic itself holds for a field (Gt, Ge, Lt, Le metadata)."""
    found = {}
    for item in model.model_fields[name].metadata:
        for attr in ("gt", "ge", "lt", "le"):
            if getattr(item, attr, None) is not None:
                found[attr] = getattr(item, attr)
    return found


@pytest.mark.parametrize(("design", "section", "model"), SECTIONS)
def test_bounds_are_the_schemas_own(design, section, model) -> None:
    bounds = section_bounds(load_design(design).kind, section)
    for name in numeric_fields(raw_design(design)[section]):
        got = {k: getattr(bounds[name], k) for k in ("gt", "ge", "lt", "le")}
        assert {k: v for k, v in got.items() if v is not None} == _limits(model, name), name
        annotation = str(model.model_fields[name].annotation)
        assert bounds[name].integer == annotation.startswith(("int", "<class 'int'>")), name


def test_an_unknown_kind_or_section_has_no_bounds() -> None:
    assert section_bounds("no-such-kind", "workload") == {}
    assert section_bounds("chatbot", "no_such_section") == {}
    assert set(section_bounds("chatbot", "workload")) == set(
        KINDS["chatbot"].model_fields["workload"].annotation.model_fields
    )


def test_bounds_of_sla_deployment_and_price() -> None:
    sla = section_bounds("chatbot", "sla")
    assert sla["e2e_p99_s"] == Bounds(gt=0, optional=True)
    assert _limits(SLA, "e2e_p99_s") == {"gt": 0}
    batch = section_bounds("chatbot", "deployment")["max_batch"]
    assert batch == Bounds(gt=0, integer=True, optional=True)
    assert _limits(Deployment, "tp") == {"ge": 1, "le": 1024}
    assert section_bounds("chatbot", "deployment")["tp"] == Bounds(ge=1, le=1024, integer=True)
    price = section_bounds("chatbot", "hardware")["price_per_gpu_hour_usd"]
    assert price == Bounds(gt=_limits(GPU, "price_per_gpu_hour_usd")["gt"])
    fraction = section_bounds("finetune-service", "finetune")["spot_eligible_fraction"]
    assert fraction == Bounds(ge=0, le=1)
    assert fraction.describe() == "a number at least 0, at most 1"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2e7", 20_000_000),
        ("20,000,000", 20_000_000),
        ("20_000_000", 20_000_000),
        (" 1.5e-3 ", 0.0015),
        ("2.5", 2.5),
        ("3.0", 3),
    ],
)
def test_parse_number_accepts_exponents_separators_and_decimals(text, number) -> None:
    value, error = parse_number(text, Bounds(gt=0))
    assert error is None and value == number
    assert type(value) is type(number)


@pytest.mark.parametrize(
    ("text", "bounds", "message"),
    [
        ("0", Bounds(gt=0), "must be greater than 0 (got 0)"),
        ("-3", Bounds(ge=0), "must be at least 0"),
        ("1.5", Bounds(ge=0, le=1), "must be at most 1"),
        ("1", Bounds(lt=1), "must be less than 1"),
        ("2.5", Bounds(gt=0, integer=True), "must be a whole number"),
        ("lots", Bounds(gt=0), "not a number: 'lots'; expected a number greater than 0"),
        ("inf", Bounds(), "not a finite number"),
        ("", Bounds(gt=0), "required: a number greater than 0"),
    ],
)
def test_parse_number_rejects_what_the_schema_forbids(text, bounds, message) -> None:
    value, error = parse_number(text, bounds)
    assert value is None and error is not None and message in error


def test_blank_is_none_where_the_field_is_optional() -> None:
    assert parse_number("  ", Bounds(gt=0, optional=True)) == (None, None)
    assert shown(None) == "" and shown(10_000_000) == "10000000" and shown(0.15) == "0.15"
    assert shown(2e7) == "20000000"


def test_a_new_gpu_carries_the_price_shown_next_to_it() -> None:
    assert hardware_overrides("H100-SXM", 2.0, "H100-SXM", 2.0) == []
    assert hardware_overrides("H100-SXM", 2.0, "H100-SXM", 2.5) == [
        "hardware.price_per_gpu_hour_usd=2.5"
    ]
    changes = hardware_overrides("H100-SXM", 2.0, "H200", 4.59)
    assert changes == ["hardware.gpu=H200", "hardware.price_per_gpu_hour_usd=4.59"]
    design = load_design("chatbot", changes)
    assert design.hardware.name == "H200" and design.hardware.price_per_gpu_hour_usd == 4.59


@pytest.mark.parametrize("design", builtin_designs())
def test_every_label_is_words_not_a_key(design: str) -> None:
    raw = raw_design(design)
    section = workload_section(raw)
    for name in numeric_fields(raw[section]) if section else ():
        assert "_" not in field_label(name), name
    for target in ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s", "max_batch"):
        assert "_" not in field_label(target)
    for key in plan(load_design(design)).figures:
        assert "_" not in words(key), key


def test_words_read_units_and_acronyms() -> None:
    assert words("model_gpus_provisioned") == "Model GPUs provisioned"
    assert words("e2e_p99_estimate_s") == "End-to-end P99 estimate (s)"
    assert words("monthly_cost_usd") == "Monthly cost (USD)"
    assert words("peak_output_tokens_per_s") == "Peak output tokens per second"
    assert words("rule of thumb: GPUs provisioned") == "rule of thumb: GPUs provisioned"
    assert field_label("dau") == "Daily active users"
    assert field_label("price_per_gpu_hour_usd") == "Price per GPU-hour (USD)"
