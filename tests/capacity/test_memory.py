"""Weights, KV cache and fit verdicts, worked by hand."""

from __future__ import annotations

import pytest

from napkin.capacity import memory
from napkin.specs.catalog import find_model
from napkin.units import GIB, Precision


def test_kv_bytes_per_token_gqa(llama70b):
    # 2 (K,V) x 80 layers x 8 KV heads x 128 dim x 2 bytes = 327,680 B
    assert memory.kv_bytes_per_token(llama70b, Precision.bf16) == 327_680
    assert memory.kv_bytes_per_token(llama70b, Precision.fp8) == 163_840


def test_kv_bytes_per_token_mla():
    # DeepSeek-V3: 61 layers x (512 latent + 64 rope) x 2 bytes = 70,272 B
    assert memory.kv_bytes_per_token(find_model("deepseek-v3"), Precision.bf16) == 70_272


def test_kv_replication():
    llama = find_model("llama-3.1-8b")  # 8 KV heads
    assert memory.kv_replication(llama, 4) == 1
    assert memory.kv_replication(llama, 16) == 2  # each GPU keeps a copy of one head
    assert memory.kv_replication(find_model("deepseek-v3"), 8) == 8  # latent on every GPU


def test_sliding_window_caps_kv_per_sequence(llama8b):
    windowed = llama8b.model_copy(update={"sliding_window": 1000, "sliding_window_layers": 16})
    per_layer = 2 * 8 * 128 * 2  # 4,096 B per token per layer
    # 16 full layers x 5000 tokens + 16 windowed layers x 1000 tokens
    expected = (16 * 5000 + 16 * 1000) * per_layer
    assert memory.kv_bytes_per_sequence(windowed, Precision.bf16, 5000, 1.0) == expected


def test_chatbot_replica_memory_by_hand(llama70b):
    weights = memory.weight_bytes(llama70b.total_params, 2)
    assert weights == 141_107_412_992  # 70,553,706,496 params x 2 B
    per_gpu = memory.model_weight_bytes_per_gpu(llama70b, 2, 8, 8)
    assert per_gpu == pytest.approx(weights / 8, rel=1e-12)  # no DP-attention: plain split
    usable = memory.usable_bytes_per_gpu(80 * GIB, 0.9, 2 * GIB)
    assert usable == 70 * GIB  # 72 GiB - 2 GiB
    kv_room = memory.kv_cache_bytes_per_replica(usable, per_gpu, 8)
    assert kv_room == 8 * (70 * GIB - 17_638_426_624)
    seq = memory.kv_bytes_per_sequence(llama70b, Precision.bf16, 500, 1.0)
    assert seq == 500 * 327_680
    assert memory.max_sequences_by_memory(kv_room, seq) == 2808  # 460.19e9 / 163.84e6


def test_70b_bf16_does_not_fit_one_80gb_gpu(llama70b):
    per_gpu = memory.weight_bytes(llama70b.total_params, 2)
    usable = memory.usable_bytes_per_gpu(80 * GIB, 0.9, 2 * GIB)
    verdict = memory.fit_verdict(per_gpu, usable, -1.0, 1.0, 1, "H100-SXM")
    assert not verdict.fits
    assert "131.4 GiB per GPU" in verdict.reason and "70.0 GiB" in verdict.reason


def test_weights_fit_but_no_room_for_a_sequence():
    verdict = memory.fit_verdict(60 * GIB, 70 * GIB, 1 * GIB, 2 * GIB, 1, "X")
    assert not verdict.fits and "cannot hold one longest sequence" in verdict.reason


@pytest.mark.parametrize(
    "precision, expected", [(Precision.bf16, 2), (Precision.fp8, 1), (Precision.int4, 1)]
)
def test_min_tp_to_fit_70b_on_h100(llama70b, precision, expected):
    # bf16: 131.4 GiB of weights > 70 GiB usable, so 2 GPUs; fp8: 65.7 GiB fits on one.
    tp = memory.min_tp_to_fit(
        llama70b, 80 * GIB, precision.bytes_per_value, Precision.bf16, 0.9, 2 * GIB, 500
    )
    assert tp == expected


def test_min_tp_none_when_nothing_fits(llama70b):
    assert memory.min_tp_to_fit(llama70b, 1 * GIB, 2, Precision.bf16, 0.9, 0, 500, max_tp=8) is None
