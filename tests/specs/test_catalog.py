"""The shipped catalogs: coverage, sources, and forgiving lookup."""

from __future__ import annotations

import pytest

from napkin.errors import NapkinError
from napkin.specs.catalog import find_gpu, find_model, gpus, models

REQUIRED_GPUS = ["H100-SXM", "H100-PCIe", "H200", "A100-80GB", "L40S", "B200", "MI300X"]
REQUIRED_MODELS = [
    "llama-3.1-8b",
    "llama-3.1-70b",
    "llama-3.1-405b",
    "mistral-7b",
    "mixtral-8x7b",
    "qwen2.5-7b",
    "qwen2.5-72b",
    "deepseek-v3",
    "llama-3.2-1b",
    "qwen2.5-coder-7b",
]


@pytest.mark.parametrize("name", REQUIRED_GPUS)
def test_required_gpus_present_with_sources(name):
    gpu = find_gpu(name)
    assert gpu.source and gpu.price_source
    assert gpu.bf16_dense_tflops > 0 and gpu.hbm_gib > 0


@pytest.mark.parametrize("name", REQUIRED_MODELS)
def test_required_models_present_with_sources(name):
    model = find_model(name)
    assert model.source and model.params_source


def test_every_entry_has_a_source():
    assert all(g.source and g.price_source for g in gpus())
    assert all(m.source for m in models())


def test_datasheet_figures_for_h100_sxm(h100):
    # NVIDIA H100 SXM: 989.4 dense BF16 TFLOP/s (1,979 with sparsity), 3.35 TB/s, 80 GB.
    assert (h100.bf16_dense_tflops, h100.fp8_dense_tflops) == (989.4, 1978.9)
    assert (h100.hbm_gib, h100.hbm_bandwidth_tb_per_s, h100.interconnect_gb_per_s) == (
        80,
        3.35,
        900,
    )


def test_a100_has_no_fp8_and_runs_fp8_weights_at_bf16_rate():
    from napkin.units import Precision

    a100 = find_gpu("a100-80gb")
    assert a100.fp8_dense_tflops is None
    assert a100.peak_flops_per_s(Precision.fp8) == a100.peak_flops_per_s(Precision.bf16)


@pytest.mark.parametrize("spelling", ["H100-SXM", "h100", "h100-sxm5"])
def test_lookup_forgives_case_and_aliases(spelling):
    assert find_gpu(spelling).name == "H100-SXM"


def test_unknown_names_list_the_closest():
    with pytest.raises(NapkinError, match="closest: .*H100-SXM"):
        find_gpu("h100-sxmm")
    with pytest.raises(NapkinError, match="closest: .*llama-3.1-70b"):
        find_model("llama3-70b")
