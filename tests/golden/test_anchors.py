"""Hand-computed anchors for the figures that matter (issue #14): golden files are never the
only witness. Each test writes its arithmetic out; the numbers come from the catalog
(Llama-3.1-70B, H100-SXM) and the chatbot design (prompt 1 of the reference)."""

from __future__ import annotations

import pytest

from napkin.perf.efficiency import resolve
from napkin.perf.ops import decode_batch
from napkin.perf.roofline import step_time
from napkin.planner import plan
from napkin.specs.loader import load_design


@pytest.fixture(scope="module")
def chatbot():
    return plan(load_design("chatbot"))


def test_memory_figures(chatbot):
    f = chatbot.figures
    # KV per token: 2 (K, V) × 80 layers × 8 KV heads × 128 head dim × 2 B (bf16) = 327,680 B
    assert f["kv_bytes_per_token"].value == 2 * 80 * 8 * 128 * 2 == 327_680
    # weights: 70,553,706,496 parameters (from the shape) × 2 B = 141,107,412,992 B
    assert f["weight_bytes"].value == 70_553_706_496 * 2


def test_fleet_and_cost(chatbot):
    f, rec = chatbot.figures, chatbot.recommendation
    # GPUs = replicas × TP 8; cost = GPUs × $2/GPU-h × 24 h × 30 days
    assert f["model_gpus_provisioned"].value == rec.replicas * 8
    assert f["model_monthly_cost_usd"].value == pytest.approx(rec.replicas * 8 * 2.0 * 24 * 30)
    # Little's law: the fleet's slots hold the requests in flight at peak × headroom:
    # 13,889 req/s × 1.25 × 14.2 s a request ≈ 246,800 ≤ 568 replicas × 458 slots = 260,144
    in_flight = f["peak_qps"].value * 1.25 * f["request_time_s"].value
    assert rec.replicas * f["decode_batch"].value >= in_flight
    assert f["in_flight_at_peak"].value == pytest.approx(
        f["peak_qps"].value * f["request_time_s"].value
    )


def test_decode_step_is_bytes_over_bandwidth_plus_collectives_plus_overhead(chatbot):
    # One decode step of 32 sequences at 1,000 tokens of context, TP 8 on H100 (bf16), with
    # the H100 profile's knobs (bandwidth fraction 0.8828, 83.13 µs a layer, link 0.8):
    #   memory  = (141.1e9 weight B + 32 × 1,000 × 327,680 KV B)
    #             / (3.35e12 B/s × 0.8828 × 8 GPUs)                        = 6.407 ms
    #   collectives: 2 all-reduces × 80 layers, each 8 µs + ring bytes
    #             1.75 × (32 × 8,192 × 2 B) / (450e9 B/s × 0.8)             = 10.55 µs
    #             × 160                                                    = 1.688 ms
    #   overhead: 80 layers × 83.13 µs                                     = 6.650 ms
    #   total                                                              ≈ 14.75 ms
    d = chatbot.design
    eff = resolve(d.efficiency, d.hardware, d.profile)
    assert (eff.bandwidth_fraction, eff.layer_overhead_s) == (0.8828, 8.313e-05)
    assert eff.step_overhead_s == 0.0
    step = step_time(d.model, d.hardware, d.deployment, eff, decode_batch(32, 1000))
    memory = (141_107_412_992 + 32 * 1000 * 327_680) / (3.35e12 * 0.8828 * 8)
    collectives = 160 * (8e-6 + 1.75 * 32 * 8192 * 2 / (450e9 * 0.8))
    overhead = 80 * 8.313e-05
    assert step.memory_s == pytest.approx(memory, rel=0.02)
    assert step.communication_s == pytest.approx(collectives, rel=0.01)
    assert step.overhead_s == pytest.approx(overhead, rel=1e-9)
    assert step.total_s == pytest.approx(memory + collectives + overhead, rel=0.01)
