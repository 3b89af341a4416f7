"""Fine-tuning arithmetic against the reference's prompt 3, by hand, and Erlang C."""

from __future__ import annotations

import pytest

from napkin.capacity import queueing
from napkin.scenarios import finetune
from napkin.specs.catalog import find_model


def test_tokens_and_gpu_hours_by_hand():
    tokens = finetune.tokens_per_job(100_000, 2048, 3)
    assert tokens == 614_400_000
    params = find_model("llama-2-7b").total_params
    # 4 FLOPs x params x tokens / (1,978.9 TFLOP/s x 0.34) / 3,600 s
    expected = 4 * params * tokens / (1978.9e12 * 0.34) / 3600
    assert finetune.gpu_hours_per_job(4, params, tokens, 1978.9e12, 0.34) == pytest.approx(expected)
    assert 6.5 < expected < 7.0  # the reference says ~2


def test_lora_params_llama2_7b_rank16_all_linear():
    # per layer: q, k, v, o each 4096 + 4096; gate, up 4096 + 11008; down 11008 + 4096
    # -> 4 x 8,192 + 3 x 15,104 = 78,080; x rank 16 x 32 layers = 39,976,960
    model = find_model("llama-2-7b")
    targets = ("q", "k", "v", "o", "gate", "up", "down")
    assert finetune.lora_params(model, 16, targets) == 39_976_960
    assert finetune.lora_params(model, 8, ("q", "v")) == 8 * 2 * 8192 * 32


def test_erlang_c_known_values():
    assert queueing.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    # c = 2, A = 1: B = 0.2, C = 0.2 / (1 - 0.5 x 0.8) = 1/3
    assert queueing.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert queueing.erlang_c(3, 3.0) == 1.0  # unstable


def test_mm1_wait():
    # M/M/1, lambda 0.5, mu 1: W_q = rho / (mu - lambda) = 1; P(W > t) = rho e^{-(mu-lambda) t}
    assert queueing.mean_wait_s(1, 0.5, 1.0) == pytest.approx(1.0)
    assert queueing.wait_exceeds_probability(1, 0.5, 1.0, 2.0) == pytest.approx(
        0.5 * 2.718281828**-1.0
    )


def test_servers_for_wait_is_minimal():
    c = queueing.servers_for_wait(10.0, 1.0, 0.5, 0.99)
    assert queueing.wait_exceeds_probability(c, 10.0, 1.0, 0.5) <= 0.01
    assert queueing.wait_exceeds_probability(c - 1, 10.0, 1.0, 0.5) > 0.01
