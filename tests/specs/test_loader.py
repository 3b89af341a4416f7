"""Design files and overrides: valid input loads, bad input gets one clear NapkinError."""

from __future__ import annotations

import contextlib
import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from napkin.errors import NapkinError
from napkin.specs.loader import BUILTIN_DIR, load_design, resolve_design
from napkin.units import Precision

RAW = yaml.safe_load((BUILTIN_DIR / "chatbot.yaml").read_text())


def test_builtin_chatbot_loads(chatbot):
    assert chatbot.workload.dau == 10e6
    assert chatbot.model.name == "llama-3.1-70b" and chatbot.hardware.name == "H100-SXM"
    assert chatbot.hardware.price_per_gpu_hour_usd == 2.0
    assert chatbot.hardware.price_source == "assumption of the design"


def test_overrides_parse_yaml_values_and_reach_into_catalog_entries():
    design = load_design(
        "chatbot",
        [
            "workload.dau=20e6",
            "deployment.precision=fp8",
            "hardware.hbm_gib=96",
            "model.num_layers=40",
        ],
    )
    assert design.workload.dau == 20e6
    assert design.deployment.precision is Precision.fp8
    assert design.hardware.hbm_gib == 96 and design.hardware.name == "H100-SXM"
    assert design.model.num_layers == 40


def test_override_replaces_catalog_reference():
    assert load_design("chatbot", ["model=llama-3.1-8b"]).model.name == "llama-3.1-8b"
    assert load_design("chatbot", ["hardware=H200"]).hardware.name == "H200"


def test_user_file_with_hf_config(tmp_path):
    raw = copy.deepcopy(RAW)
    fixture = BUILTIN_DIR.parent.parent.parent / "tests/fixtures/hf_configs/llama-3.1-8b.json"
    raw["model"] = {"hf_config": str(fixture), "name": "my-llama"}
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(raw))
    design = load_design(path)
    assert design.model.name == "my-llama" and design.model.num_layers == 32


@pytest.mark.parametrize(
    "override, field, phrase",
    [
        ("workload.dau=-5", "workload.dau", "greater than 0"),
        ("workload.dau=0", "workload.dau", "greater than 0"),
        ("workload.dau=lots", "workload.dau", "valid number"),
        ("workload.typo=1", "workload.typo", "allowed: dau, sessions_per_user_per_day"),
        ("deployment.precision=fp9", "deployment.precision", "'int4', 'nvfp4' or 'mxfp4'"),
        ("deployment.gpu_memory_utilization=1.5", "deployment.gpu_memory_utilization", "1"),
        ("sla.ttft_p50_s=9", "sla", "must not exceed ttft_p99_s"),
        ("model=llama-70b", "model", "llama-3.1-70b"),
        ("hardware.gpu=h1000", "hardware.gpu", "closest:"),
    ],
)
def test_bad_values_name_file_field_and_allowed(override, field, phrase):
    with pytest.raises(NapkinError) as caught:
        load_design("chatbot", [override])
    message = str(caught.value)
    assert message.startswith("chatbot: ") and field in message and phrase in message


def test_override_without_equals():
    with pytest.raises(NapkinError, match="path=value"):
        load_design("chatbot", ["workload.dau"])


def test_missing_file_lists_builtins(tmp_path):
    with pytest.raises(NapkinError, match="built-in: chatbot"):
        load_design(tmp_path / "nope.yaml")


def test_unreadable_yaml_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("workload: [1, 2\nsla: {}\n")
    with pytest.raises(NapkinError, match=r"bad.yaml: invalid YAML at line \d+"):
        load_design(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(NapkinError, match="must be a YAML mapping"):
        load_design(path)


def test_missing_fields_all_listed():
    raw = {k: v for k, v in RAW.items() if k not in ("sla", "model")}
    with pytest.raises(NapkinError) as caught:
        resolve_design(raw, file="x.yaml")
    assert "sla: required field is missing" in str(caught.value)
    assert "model: required field is missing" in str(caught.value)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


PATHS = list(_paths(RAW))


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PATHS), junk=JUNK)
def test_fuzz_any_field_replaced_by_junk_loads_or_says_why(path, junk):
    raw = copy.deepcopy(RAW)
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = junk
    try:
        resolve_design(raw, file="fuzz.yaml")
    except NapkinError as error:
        assert str(error).startswith("fuzz.yaml")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_fuzz_arbitrary_file_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "d.yaml"
    path.write_text(text)
    with pytest.raises(NapkinError):
        load_design(path)


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1, max_size=20), value=st.text(max_size=20))
def test_fuzz_overrides(key, value):
    with contextlib.suppress(NapkinError):
        load_design("chatbot", [f"{key}={value}"])
