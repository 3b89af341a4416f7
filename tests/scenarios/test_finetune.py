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


def test_the_job_queue_uses_the_bases_spread():
    """Job times differ by base: c_s² = Σ share × hours² / mean² − 1 (0 for one base). The
    slots follow G/G/c with peakedness (1 + c_s²) / 2: Erlang C's own count at c_s² = 1, and
    no more slots for a less variable mix."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    f = {k: v.value for k, v in plan(load_design("finetune-service")).figures.items()}
    shares = {"7b": 0.7, "13b": 0.2, "70b": 0.1}
    mean = sum(w * f[f"job_hours_{k}"] for k, w in shares.items())
    second = sum(w * f[f"job_hours_{k}"] ** 2 for k, w in shares.items())
    assert f["mean_job_hours"] == pytest.approx(mean, rel=1e-12)
    assert f["job_hours_cv2"] == pytest.approx(second / mean**2 - 1, rel=1e-12)
    rate, service = f["jobs_per_hour"] / 3600, 1 / (mean * 3600)
    erlang = queueing.servers_for_wait(rate, service, 300, 0.99)
    assert queueing.servers_for_wait(rate, service, 300, 0.99, 1.0) == erlang
    assert f["job_slots_for_start_sla"] <= erlang  # c_s² 0.59 < 1: less variable
    assert f["job_slots_for_start_sla"] == queueing.servers_for_wait(
        rate, service, 300, 0.99, (1 + f["job_hours_cv2"]) / 2
    )
