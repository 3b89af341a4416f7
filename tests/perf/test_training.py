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


def test_the_gemm_curve_by_hand():
    """H100: 0.8 × 16,384 / (16,384 + 2,048) × 8,192 / (8,192 + 1,536)
    = 0.8 × 0.888889 × 0.842105 = 0.598830."""
    from napkin.perf.training import GEMM_CURVES, gemm_fraction

    curve = GEMM_CURVES["H100-SXM"]
    assert curve.fraction(16_384, 8_192) == pytest.approx(0.598830, abs=1e-6)
    job = _job(micro_batch=4, seq_len=4096, curve=curve)  # 16,384 tokens, hidden 4,096
    assert gemm_fraction(job) == pytest.approx(0.8 * 16384 / 18432 * 4096 / 5632, rel=1e-12)
    assert gemm_fraction(_job()) == EFF.compute_fraction  # no curve: the profile's


def test_a_ring_across_nodes_uses_every_nic_of_a_node():
    """H100: 50 GB/s a GPU across nodes, 8 a node, so 400 GB/s against NVLink's 450 (900
    both ways, halved), both at the link fraction: the node's NICs together bind."""
    from napkin.perf.communication import link, ring_link

    rate, _ = ring_link(H100, EFF, 64)
    assert rate == pytest.approx(8 * 50e9 * EFF.link_fraction)
    assert rate == pytest.approx(8 * link(H100, EFF, 64)[0])
    assert ring_link(H100, EFF, 8) == link(H100, EFF, 8)  # within a node: NVLink


def test_context_parallel_splits_each_sequence():
    """cp = 2 halves each GPU's GEMM rows and attention queries; the weights' gradients are
    reduced over dp × cp ranks; with NVLink the ring's K/V transfers hide behind attention."""
    one = training_step(_job(dp=4, seq_len=32_768, global_batch=8))
    two = training_step(_job(dp=4, cp=2, seq_len=32_768, global_batch=8))
    assert two.compute_s == pytest.approx(one.compute_s / 2, rel=1e-9)
    assert two.tokens == one.tokens
    assert _job(cp=2).gpus == 16
    from napkin.perf.training import _data_parallel_s

    assert _data_parallel_s(_job(dp=1, cp=2), 1e9) > 0  # gradients reduced over 2 cp ranks
    assert _data_parallel_s(_job(dp=1, cp=1), 1e9) == 0
    slow = H100.model_copy(update={"interconnect_gb_per_s": 1.0})  # 0.5 GB/s: the ring shows
    ring = dict(dp=1, cp=2, global_batch=1, seq_len=32_768, frozen_base=True)  # no gradients
    assert training_step(_job(**ring)).communication_s == 0  # hidden behind attention
    assert training_step(_job(gpu=slow, **ring)).communication_s > 0


def test_published_rows_within_15_percent():
    """The shipped curves against llm-foundry's 131 bf16 rows they were fitted on: at least
    90% within 15% (leave-one-out, `tools/fit_training.py`: 95% A100, 99% H100), and the
    13B FSDP rows on 16-64 H100s, which a per-GPU NIC rate put 55% too slow, within 15%."""
    import csv
    import sys
    from pathlib import Path

    from napkin.perf.training import GEMM_CURVES

    root = Path(__file__).parents[2]
    sys.path.insert(0, str(root / "tools"))
    import fit_training

    with (root / "benchmarks" / "training_rows.csv").open() as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["source_repo"] == "mosaicml/llm-foundry" and r["precision"] == "bf16"
        ]
    errors = {}
    for row in rows:
        curve = GEMM_CURVES[fit_training.GPU_NAMES[row["gpu"]]]
        errors[id(row)] = fit_training.predict(row, curve) / float(row["mfu"]) - 1
    assert len(rows) == 131
    assert sum(abs(e) <= 0.15 for e in errors.values()) / len(rows) >= 0.9
    fsdp_13b = [r for r in rows if r["model"] == "MPT-13B" and r["num_gpus"] in ("16", "32", "64")]
    assert len(fsdp_13b) == 3
    assert all(abs(errors[id(r)]) <= 0.15 for r in fsdp_13b)
