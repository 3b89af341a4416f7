"""FP4 weights (NVFP4, MXFP4) and formats a GPU cannot compute in, by hand."""

from __future__ import annotations

import pytest

from napkin.capacity import memory
from napkin.planner import plan
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment
from napkin.specs.loader import load_design
from napkin.units import Precision


def test_fp4_storage_counts_its_scales():
    # NVFP4: 4 bits + one 8-bit scale per 16 values = 4.5 bits; MXFP4: + 8 per 32 = 4.25.
    assert Precision.nvfp4.bytes_per_value == 4.5 / 8 == 0.5625
    assert Precision.mxfp4.bytes_per_value == 4.25 / 8 == 0.53125
    # DeepSeek-R1 in NVFP4: 671,026,279,424 params × 0.5625 B = 377,452,282,176 B.
    params = find_model("deepseek-r1").total_params
    assert memory.weight_bytes(params, Precision.nvfp4.bytes_per_value) == 377_452_282_176


def test_fp4_runs_natively_only_where_the_gpu_has_it():
    b200, h100, mi355x = find_gpu("B200"), find_gpu("H100-SXM"), find_gpu("MI355X")
    assert b200.peak_flops_per_s(Precision.nvfp4) == 9000e12  # 18 PFLOPS sparse / 2
    assert b200.native(Precision.nvfp4) and b200.native(Precision.mxfp4)
    # AMD's CDNA4 computes MXFP4, not NVIDIA's NVFP4.
    assert mi355x.native(Precision.mxfp4) and not mi355x.native(Precision.nvfp4)
    # Hopper has no FP4 tensor cores: FP4 weights are dequantised to bf16 math.
    assert not h100.native(Precision.nvfp4)
    assert h100.peak_flops_per_s(Precision.nvfp4) == h100.peak_flops_per_s(Precision.bf16)


def test_the_plan_says_when_weights_run_weight_only():
    a100 = plan(load_design("chatbot", ["hardware=A100-80GB", "deployment.precision=fp8"]))
    note = "Weight-only: fp8 weights, bf16 math (no fp8 tensor cores on A100-80GB)."
    assert note in a100.recommendation.notes
    assert "weight-only" in a100.figures["peak_flops_per_gpu"].detail
    b200 = plan(load_design("chatbot", ["hardware=B200", "deployment.precision=nvfp4"]))
    assert b200.recommendation.notes == ()
    assert b200.figures["peak_flops_per_gpu"].detail == "B200 dense, native nvfp4"


@pytest.mark.parametrize("weights", ["fp8", "nvfp4", "mxfp4"])
def test_low_precision_weights_pair_with_an_fp8_kv_cache(weights):
    assert Deployment(precision=weights).kv_format is Precision.fp8
    assert Deployment(precision="bf16").kv_format is Precision.bf16
