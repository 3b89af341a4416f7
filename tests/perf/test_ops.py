"""FLOPs and bytes of a forward step, checked against hand counts."""

from __future__ import annotations

import pytest

from napkin.perf.ops import Batch, decode_batch, forward_ops, mixed_batch, prefill_batch
from napkin.specs.catalog import find_model
from napkin.units import Precision

BF16 = Precision.bf16


def _total(ops, attr):
    return sum(getattr(op, attr) for op in ops)


def test_decode_flops_by_hand(llama8b):
    # Per generated token: 2 x (params that multiply: all but the input embedding and norms)
    # = 2 x (8,030,261,248 - 525,336,576 - 266,240) = 15,009,316,864, plus attention
    # 4 x context(1000) x 32 heads x 128 dim x 32 layers = 524,288,000.
    ops = forward_ops(llama8b, decode_batch(1, 1000), BF16, BF16)
    assert _total(ops, "flops") == 15_009_316_864 + 524_288_000


def test_decode_bytes_are_weights_plus_kv(llama8b):
    ops = forward_ops(llama8b, decode_batch(1, 1000), BF16, BF16)
    weights = 15_009_316_864  # 7,504,658,432 multiplying params x 2 B
    kv = (1000 + 1) * 32 * 4096  # read 1000 tokens and write 1, 4,096 B per token-layer
    # Activations in and out of each GEMM at 2 B: per layer qkv (4096 + 6144), out
    # (4096 + 4096), FFN (4096 + 3 x 14336) -> 131,072 B; x 32 layers, plus the LM head
    # (4096 + 128256) x 2 = 264,704 B.
    activations = 32 * 131_072 + 264_704
    assert _total(ops, "bytes") == weights + kv + activations


def test_batching_shares_weight_reads(llama8b):
    one = _total(forward_ops(llama8b, decode_batch(1, 500), BF16, BF16), "bytes")
    many = _total(forward_ops(llama8b, decode_batch(64, 500), BF16, BF16), "bytes")
    flops_one = _total(forward_ops(llama8b, decode_batch(1, 500), BF16, BF16), "flops")
    flops_many = _total(forward_ops(llama8b, decode_batch(64, 500), BF16, BF16), "flops")
    assert flops_many == pytest.approx(64 * flops_one)
    assert many < 2 * one  # weights dominate and are read once per step


def test_prefill_attends_causally():
    batch = prefill_batch(4)
    assert batch.attended == 4 * 5 / 2  # tokens see 1, 2, 3, 4 positions
    assert batch.sequences == 1


def test_window_caps_attention():
    full = mixed_batch(2, 5000, 0, 0, None)
    windowed = mixed_batch(2, 5000, 0, 0, 1000)
    assert (full.attended, windowed.attended_windowed) == (10_000, 2_000)
    # A 3-token window over a 5-token prompt: positions see 1, 2, 3, 3, 3 -> mean 2.4
    assert prefill_batch(5, 3).attended_windowed == pytest.approx(12.0)


def test_moe_reads_only_touched_experts():
    mixtral = find_model("mixtral-8x7b")
    per_expert_layer = 3 * 4096 * 14336 * 2  # bytes of one expert in one layer, bf16

    def expert_bytes(tokens: int) -> float:
        op = next(
            o
            for o in forward_ops(mixtral, Batch(tokens, tokens, 0, 0, 0, 0), BF16, BF16)
            if o.name == "ffn_moe"
        )
        return op.bytes / mixtral.num_layers

    # One token touches 2 of 8 experts: 8 x (1 - (6/8)^1) = 2.
    assert expert_bytes(1) == pytest.approx(2 * per_expert_layer, rel=1e-3)
    # Many tokens touch all 8; add activations in and out: 1000 x 2 experts x 4096 x 2 x 2 B.
    assert expert_bytes(1000) == pytest.approx(8 * per_expert_layer + 32_768_000, rel=1e-9)


def test_mla_attention_flops():
    ds = find_model("deepseek-v3")
    ops = forward_ops(ds, decode_batch(1, 1000), BF16, BF16)
    attention = next(o for o in ops if o.name == "attention")
    # 2 x 1000 x 128 heads x (2 x 512 + 64) x 61 layers
    assert attention.flops == 2 * 1000 * 128 * (2 * 512 + 64) * 61
