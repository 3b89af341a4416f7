"""Engine presets (specs/engine.py, catalog/engines.yaml): found by the names benchmarks use,
every default sourced, and a design's engine checked when it loads."""

from __future__ import annotations

import pytest

from napkin.errors import NapkinError
from napkin.specs.engine import EnginePreset, engines, find_engine
from napkin.specs.loader import load_design


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("vllm", "vllm"),
        ("vLLM (main at build time)", "vllm"),
        ("SGLang", "sglang"),
        ("TensorRT-LLM (trtllm-bench)", "trtllm-bench"),
        ("NVIDIA NIM (TensorRT-LLM backend)", "tensorrt-llm"),
        ("trtllm-serve", "tensorrt-llm"),
    ],
)
def test_benchmark_spellings_find_their_engine(text: str, name: str) -> None:
    assert find_engine(text).name == name


def test_an_unknown_engine_lists_the_known_ones() -> None:
    with pytest.raises(NapkinError, match="unknown engine 'lmdeploy'; engines: vllm, sglang"):
        find_engine("lmdeploy")


def test_every_shipped_default_has_a_source_with_a_version() -> None:
    for engine in engines():
        assert engine.version and engine.date
        for field, source in engine.sources.items():
            assert len(source) > 20, (engine.name, field)


def test_a_preset_without_a_source_is_refused() -> None:
    # Mutation guard for the check in EnginePreset: drop one field's source.
    data = engines()[0].model_dump()
    del data["sources"]["max_seqs"]
    with pytest.raises(ValueError, match="no source for max_seqs"):
        EnginePreset.model_validate(data)


def test_the_engines_differ_where_the_sources_say() -> None:
    vllm, sglang, trt = (find_engine(n) for n in ("vllm", "sglang", "tensorrt-llm"))
    assert vllm.mixes_prefill_and_decode and not sglang.mixes_prefill_and_decode
    assert trt.reserves_whole_request and not vllm.reserves_whole_request
    assert vllm.max_seqs == 1024  # max_num_seqs on a GPU with >= 70 GiB, vLLM 0.11


def test_a_design_names_its_engine_and_a_wrong_one_is_one_clear_error() -> None:
    assert load_design("chatbot").deployment.engine == "vllm"
    assert load_design("chatbot", ["deployment.engine=SGLang"]).deployment.engine == "sglang"
    with pytest.raises(NapkinError, match="deployment.engine.*unknown engine 'vlm'"):
        load_design("chatbot", ["deployment.engine=vlm"])


def test_the_engine_sets_the_memory_fraction_unless_the_design_does() -> None:
    from napkin.planner import plan

    def memory(*overrides: str) -> tuple[float, str, float]:
        f = plan(load_design("chatbot", list(overrides))).figures
        share = f["gpu_memory_utilization"]
        return share.value, share.source.value, f["reserved_bytes_per_gpu"].value / 2**30

    # SGLang sizes its pool at mem_fraction_static 0.835 of an 80 GB card (a catalog fact).
    assert memory("deployment.engine=sglang") == (0.835, "catalog", 2.0)
    # TensorRT-LLM's fraction is of what the weights leave: modelled with a 1 GiB reserve.
    assert memory("deployment.engine=tensorrt-llm") == (0.9, "catalog", 1.0)
    # The design's own value wins, and is the design's assumption.
    explicit = memory("deployment.engine=sglang", "deployment.gpu_memory_utilization=0.8")
    assert explicit == (0.8, "assumption", 2.0)
    assert memory() == (0.9, "catalog", 2.0)  # vLLM's default, as the catalog sources it


def test_catalog_engines_lists_each_engine_and_its_sources_in_json() -> None:
    import json

    from typer.testing import CliRunner

    from napkin.cli import app

    shown = CliRunner().invoke(app, ["catalog", "engines"], env={"COLUMNS": "160"})
    assert (
        shown.exit_code == 0 and "prefill first" in shown.output and "whole request" in shown.output
    )
    data = json.loads(CliRunner().invoke(app, ["catalog", "engines", "--json"]).output)
    assert [e["name"] for e in data] == [e.name for e in engines()]
    assert all(e["sources"]["max_seqs"] for e in data)
