"""Issue #13: every numeric design field is bounded; bad values give one clear NapkinError
and values at the bounds plan to finite figures (no overflow, underflow, NaN or Infinity)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import annotated_types
import pytest
from pydantic import BaseModel

from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.specs.design import KINDS
from napkin.specs.hf_config import model_from_hf_config
from napkin.specs.loader import builtin_designs, load_design

SECTIONS = {
    "chatbot": ("workload", "deployment", "sla", "hardware"),
    "coding-agent": ("agent", "deployment", "sla", "hardware"),
    "code-completion": ("completion", "deployment", "sla", "hardware"),
    "eval-harness": ("eval", "deployment", "hardware"),
    "finetune-service": ("finetune", "hardware"),
}


def _bounds(section: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """(lowest, highest) value the field's schema accepts; None where unbounded."""
    low = high = None
    for item in section.model_fields[name].metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt) * (1 + 1e-9) + 1e-9
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt) * (1 - 1e-9)
    return low, high


def _numeric_fields(kind: str) -> list[tuple[str, type[BaseModel], str, bool]]:
    """(section, its class, field, integer?) for every number a design of `kind` states."""
    design = KINDS[kind]
    found = []
    for section in SECTIONS[kind]:
        cls = design.model_fields[section].annotation
        for name, field in cls.model_fields.items():
            text = str(field.annotation)
            if ("float" in text or "int" in text) and "tuple" not in text:
                found.append((section, cls, name, "int" in text and "float" not in text))
    return found


def _finite(design: Any) -> None:
    json.dumps(plan(design).to_json(), allow_nan=False)


# Bounded by a validator (napkin.specs.bounds) while the schema keeps `gt=0` alone, which the
# UI's tests pin; and max_batch, which the plan clamps to what memory holds.
VALIDATOR_BOUNDED = {
    ("sla", "ttft_p50_s"): 86_400.0,
    ("sla", "ttft_p99_s"): 86_400.0,
    ("sla", "tpot_s"): 86_400.0,
    ("sla", "e2e_p99_s"): 86_400.0,
    ("hardware", "price_per_gpu_hour_usd"): 1e-4,
    ("deployment", "max_batch"): None,
}


# One built-in design of each kind (the first by name), whose fields are probed.
DESIGN_OF: dict[str, str] = {}
for _name in builtin_designs():
    DESIGN_OF.setdefault(load_design(_name).kind, _name)

CASES = [
    (kind, section, name, value)
    for kind in DESIGN_OF
    for section, cls, name, whole in _numeric_fields(kind)
    for value in (*_bounds(cls, name), VALIDATOR_BOUNDED.get((section, name)))
    if value is not None and not (whole and value > 2**53)
]


def test_every_numeric_field_has_both_bounds() -> None:
    for kind in DESIGN_OF:
        for section, cls, name, _ in _numeric_fields(kind):
            if (section, name) in VALIDATOR_BOUNDED:
                continue
            low, high = _bounds(cls, name)
            assert low is not None and high is not None, f"{kind}: {section}.{name}"


@pytest.mark.parametrize(("kind", "section", "name", "value"), CASES)
def test_values_at_the_bounds_plan_finite_or_refuse_clearly(
    kind: str, section: str, name: str, value: float
) -> None:
    """At each bound alone, the plan's figures are finite, or the design is refused with a
    NapkinError (e.g. an SLA no replica meets): never a traceback, NaN or Infinity."""
    number = int(value) if value.is_integer() else value
    try:
        design = load_design(DESIGN_OF[kind], [f"{section}.{name}={number!r}"])
    except NapkinError:
        return
    with contextlib.suppress(NapkinError):
        _finite(design)


@pytest.mark.parametrize(
    ("kind", "override", "field"),
    [
        ("chatbot", "workload.dau=1e308", "workload.dau"),
        ("chatbot", "workload.dau=1e-308", "workload.dau"),
        ("chatbot", "deployment.headroom=1e308", "deployment.headroom"),
        ("eval-harness", "eval.alpha=5e-324", "eval.alpha"),
        ("chatbot", "workload.output_tokens_per_turn=0.5", "workload.output_tokens_per_turn"),
        ("code-completion", "completion.batch_sizes=[1,-1,0]", "completion.batch_sizes[1]"),
        ("coding-agent", "agent.turns_per_task=0.01", "agent.turns_per_task"),
        (
            "chatbot",
            "workload.output_tokens_distribution={kind: empirical, values: [300], weights: [0]}",
            "workload.output_tokens_distribution",
        ),
        ("chatbot", "hardware.bf16_dense_tflops=1e308", "hardware.bf16_dense_tflops"),
        ("chatbot", "hardware.price_per_gpu_hour_usd=1e308", "hardware.price_per_gpu_hour_usd"),
        ("chatbot", "sla.e2e_p99_s=1e308", "sla.e2e_p99_s"),
        ("chatbot", "workload.input_tokens_per_turn=1e-308", "workload.input_tokens_per_turn"),
        ("chatbot", "hardware.hbm_bandwidth_tb_per_s=1e-308", "hardware.hbm_bandwidth_tb_per_s"),
        ("eval-harness", "hardware.interconnect_gb_per_s=5e-324", "hardware.interconnect_gb_per_s"),
        ("finetune-service", "hardware.hbm_gib=1e-308", "hardware.hbm_gib"),
        ("chatbot", "hardware.price_per_gpu_hour_usd=1e-308", "hardware.price_per_gpu_hour_usd"),
        (
            "finetune-service",
            "deployment.gpu_memory_utilization=1e-308",
            "deployment.gpu_memory_utilization",
        ),
    ],
)
def test_out_of_bounds_is_one_clear_error(kind: str, override: str, field: str) -> None:
    with pytest.raises(NapkinError) as caught:
        load_design(DESIGN_OF[kind], [override])
    assert field in str(caught.value)
    assert str(caught.value).startswith(f"{kind}: ")


def test_max_batch_above_memory_plans_what_fits_and_says_so() -> None:
    # trtllm-bench runs up to 4,096 sequences: memory binds first.
    overrides = ["deployment.max_batch=100000000", "deployment.engine=trtllm-bench"]
    sheet = plan(load_design("chatbot", overrides)).to_json()
    figure = sheet["figures"]["decode_batch"]
    assert figure["value"] < 100_000_000
    assert "above what memory holds" in figure["detail"]
    assert "100,000,000" in figure["detail"]


def test_max_batch_above_the_engine_limit_plans_the_limit_and_says_so() -> None:
    # vLLM runs at most 1,024 sequences (max_num_seqs on an 80 GB GPU): below memory here.
    sheet = plan(load_design("chatbot", ["deployment.max_batch=100000000"])).to_json()
    figure = sheet["figures"]["decode_batch"]
    assert figure["value"] == 1024
    assert "vLLM V1's batch limit" in figure["detail"] and "(max_seqs)" in figure["detail"]


HF = {
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "vocab_size": 32000,
    "intermediate_size": 11008,
    "model_type": "llama",
}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hidden_size", "4096"),
        ("num_attention_heads", 0),
        ("num_attention_heads", "32"),
        ("num_hidden_layers", "32"),
        ("num_key_value_heads", 0),
        ("intermediate_size", "11008"),
        ("head_dim", -128),
        ("num_local_experts", "8"),
        ("hidden_size", True),
    ],
)
def test_hf_config_strings_and_zeros_name_the_key(key: str, value: Any) -> None:
    with pytest.raises(NapkinError) as caught:
        model_from_hf_config({**HF, key: value}, "x", "config.json")
    assert caught.value.field == key and caught.value.file == "config.json"


def test_hf_config_mla_without_its_head_dims_names_the_key() -> None:
    with pytest.raises(NapkinError) as caught:
        model_from_hf_config({**HF, "kv_lora_rank": 512}, "x", "config.json")
    assert caught.value.field == "qk_rope_head_dim"


def test_unknown_length_kind_names_the_nested_kind_and_its_allowed_values() -> None:
    with pytest.raises(NapkinError) as caught:
        load_design("chatbot", ["workload.output_tokens_distribution={kind: bogus}"])
    message = str(caught.value)
    assert "workload.output_tokens_distribution.kind" in message
    assert "lognormal, exponential, empirical" in message
    assert "'bogus'" in message and "chatbot, coding-agent" not in message
