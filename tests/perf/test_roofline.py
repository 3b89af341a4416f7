"""The roofline and tensor-parallel communication, checked by hand."""

from __future__ import annotations

import pytest

from napkin.figures import Source
from napkin.perf.communication import allreduce_time_s, step_communication_s
from napkin.perf.efficiency import resolve
from napkin.perf.ops import decode_batch, prefill_batch
from napkin.perf.roofline import step_time
from napkin.specs.deployment import Deployment
from napkin.specs.profile import Efficiency


def test_allreduce_by_hand(h100):
    eff = resolve(None, h100)
    # 8 µs + 2 x 7/8 x 1 MB / (450 GB/s x 0.8) = 8 µs + 4.861 µs
    assert allreduce_time_s(1e6, 8, h100, eff) == pytest.approx(8e-6 + 1.75e6 / 360e9)
    assert allreduce_time_s(1e6, 1, h100, eff) == 0.0


def test_step_communication_is_two_allreduces_per_layer(llama8b, h100):
    eff = resolve(None, h100)
    message = 16 * 4096 * 2  # 16 tokens x hidden x 2 B
    expected = 32 * 2 * allreduce_time_s(message, 4, h100, eff)
    assert step_communication_s(llama8b, 16, Deployment(tp=4), h100, eff) == pytest.approx(expected)


MICROBENCH = Efficiency(
    compute_fraction=0.70, bandwidth_fraction=0.89, step_overhead_s=2e-3, layer_overhead_s=5e-5
)


def test_batch_one_decode_is_memory_bound(llama8b, h100):
    eff = resolve(MICROBENCH, h100)
    step = step_time(llama8b, h100, Deployment(tp=1), eff, decode_batch(1, 1000))
    assert step.bound == "memory bandwidth" and step.compute_s == 0.0
    # bytes / (3.35 TB/s x 0.89) + 2 ms fixed + 32 layers x 50 µs = 1.6 ms
    assert step.overhead_s == pytest.approx(2e-3 + 32 * 5e-5)
    assert step.total_s == pytest.approx(step.bytes_per_gpu / (3.35e12 * 0.89) + 3.6e-3)
    assert step.memory_s == pytest.approx(15.14e9 / 2.9815e12, rel=0.01)  # ~5.08 ms


def test_long_prefill_is_compute_bound(llama8b, h100):
    eff = resolve(MICROBENCH, h100)
    step = step_time(llama8b, h100, Deployment(tp=1), eff, prefill_batch(4096))
    assert step.bound == "compute"
    # ~2 x 7.5e9 x 4096 FLOPs / (989.4 TFLOP/s x 0.70) ~ 89 ms (plus attention)
    assert 0.085 < step.compute_s < 0.105


def test_tensor_parallel_splits_work(llama70b, h100):
    eff = resolve(Efficiency(allreduce_latency_s=0.0, step_overhead_s=0.0), h100)
    one = step_time(llama70b, h100, Deployment(tp=2), eff, decode_batch(8, 500))
    two = step_time(llama70b, h100, Deployment(tp=4), eff, decode_batch(8, 500))
    assert two.bytes_per_gpu == pytest.approx(one.bytes_per_gpu / 2)
    assert two.memory_s + two.compute_s == pytest.approx((one.memory_s + one.compute_s) / 2)


def test_efficiency_resolution_order(h100):
    from napkin.specs.catalog import calibration_for, find_gpu

    eff = resolve(Efficiency(compute_fraction=0.5), h100)
    assert eff.compute_fraction == 0.5
    assert eff.origins["compute_fraction"].source is Source.assumption
    shipped = calibration_for("H100-SXM")  # design > profile > shipped calibration
    assert eff.bandwidth_fraction == shipped.bandwidth_fraction
    assert eff.origins["bandwidth_fraction"].source is Source.calibration
    assert eff.origins["link_fraction"].source is Source.default  # profiles don't fit links
    b200 = resolve(None, find_gpu("B200"))  # no calibration, no microbenchmark
    assert b200.origins["compute_fraction"].source is Source.default
    mi300x = resolve(None, find_gpu("MI300X"))  # microbenchmark only
    assert mi300x.origins["compute_fraction"].source is Source.catalog
