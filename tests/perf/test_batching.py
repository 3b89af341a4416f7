"""Choosing the batch: the largest that meets the time-per-token budget and fits memory."""

from __future__ import annotations

from napkin.perf.batching import Engine, choose_batch
from napkin.perf.efficiency import resolve
from napkin.specs.deployment import Deployment


def _engine(model, gpu, **deployment):
    return Engine(model, gpu, Deployment(**deployment), resolve(None, gpu))


def test_batch_is_largest_meeting_budget(llama70b, h100):
    engine = _engine(llama70b, h100, tp=8)
    point = choose_batch(engine, 200, 300, 500, memory_limit=10_000, tpot_budget_s=0.030)
    assert point.limit == "time-per-token SLA"
    assert point.step.total_s <= 0.030
    assert engine.mixed_step(point.batch + 1, 200, 300, 500).total_s > 0.030


def test_memory_limits_batch_when_budget_is_loose(llama70b, h100):
    point = choose_batch(
        _engine(llama70b, h100, tp=8), 200, 300, 500, memory_limit=50, tpot_budget_s=1.0
    )
    assert (point.batch, point.limit) == (50, "KV-cache memory")


def test_fixed_batch_is_respected(llama70b, h100):
    point = choose_batch(_engine(llama70b, h100, tp=8, max_batch=32), 200, 300, 500, 10_000, 0.001)
    assert (point.batch, point.limit) == (32, "deployment.max_batch")


def test_unreachable_budget_is_reported(llama70b, h100):
    point = choose_batch(_engine(llama70b, h100, tp=8), 200, 300, 500, 10_000, 1e-4)
    assert point.batch == 1 and "missed even at batch 1" in point.limit


def test_step_time_grows_with_batch(llama8b, h100):
    engine = _engine(llama8b, h100, tp=1)
    times = [engine.mixed_step(b, 200, 300, 500).total_s for b in (1, 8, 64, 512)]
    assert times == sorted(times)
