"""The training step (issue #17): its pipeline bubble, passes and MFU, by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from napkin.perf.efficiency import resolve
from napkin.perf.training import Training, model_flops_per_token, training_step
from napkin.specs.catalog import find_gpu, find_model

H100 = find_gpu("H100-SXM")
EFF = resolve(None, H100, None, "vllm")


def _job(**changes: object) -> Training:
    base = Training(find_model("llama-3.1-8b"), H100, EFF, dp=8, global_batch=64, seq_len=4096)
    return replace(base, **changes)


def test_model_flops_per_token_by_hand():
    """Llama-3.1-8B: 8,030,261,248 parameters less its 128,256 × 4,096 = 525,336,576 input
    embedding, 32 layers of 4,096, 4,096 tokens: 6 × 7,504,924,672 + 12 × 32 × 4,096 ×
    4,096 = 45,029,548,032 + 6,442,450,944 = 51,471,998,976 FLOPs a token."""
    assert model_flops_per_token(find_model("llama-3.1-8b"), 4096) == 51_471_998_976


def test_the_pipeline_bubble_is_pp_minus_one_micro_batches():
    """1F1B over pp stages and n micro-batches takes n + pp − 1 micro-batch times, so the
    bubble is (pp − 1) / (n + pp − 1) of the pipeline's time."""
    step = training_step(_job(pp=4, dp=2, global_batch=16))  # n = 16 / 2 = 8
    pipeline = step.total_s - step.optimizer_s - max(0.0, step.communication_s)
    assert step.bubble_s / (step.bubble_s + step.compute_s + step.memory_s) == pytest.approx(
        3 / 11, rel=0.05
    )
    assert step.bubble_s < pipeline


def test_mfu_is_the_model_flops_over_the_time_at_peak():
    step = training_step(_job())
    expected = step.model_flops / (step.total_s * H100.peak_flops_per_s("bf16") * 8)
    assert step.mfu == pytest.approx(expected, rel=1e-12)
    assert 0 < step.mfu < 1


def test_checkpointing_and_a_frozen_base_change_the_passes():
    """Recomputation adds a forward pass (GEMMs 4 passes instead of 3, attention 4.5 instead
    of 3.5), a frozen base drops the weight gradients (GEMMs 2 instead of 3)."""
    plain = training_step(_job())
    recompute = training_step(_job(checkpointing=True))
    frozen = training_step(_job(frozen_base=True))
    assert 4.5 / 3.5 < recompute.compute_s / plain.compute_s < 4 / 3
    assert 2 / 3 < frozen.compute_s / plain.compute_s < 1
    assert recompute.mfu < plain.mfu  # recomputation is not model FLOPs
