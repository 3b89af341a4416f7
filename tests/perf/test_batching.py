"""Choosing the batch limit: the largest that meets the time-per-token budget and fits memory
(`perf.operating_point.largest_batch`)."""

from __future__ import annotations

from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.operating_point import ReplicaSetup, Request, largest_batch, point_at
from napkin.specs.deployment import Deployment

CHAT = Request(prompt=200, output=300, context=500, prompt_p99=200, output_p99=300)


def _replica(model, gpu, **deployment):
    return ReplicaSetup(Engine(model, gpu, Deployment(**deployment), resolve(None, gpu)))


def test_batch_is_largest_meeting_budget(llama70b, h100):
    replica = _replica(llama70b, h100, tp=8)
    batch = largest_batch(replica, CHAT, 10_000, tpot_s=0.030)
    assert point_at(replica, batch, CHAT).tpot_s <= 0.030
    assert point_at(replica, batch + 1, CHAT).tpot_s > 0.030


def test_memory_limits_batch_when_budget_is_loose(llama70b, h100):
    assert largest_batch(_replica(llama70b, h100, tp=8), CHAT, 50, tpot_s=1.0) == 50


def test_unreachable_budget_is_zero(llama70b, h100):
    assert largest_batch(_replica(llama70b, h100, tp=8), CHAT, 10_000, tpot_s=1e-4) == 0


def test_step_time_grows_with_batch(llama8b, h100):
    replica = _replica(llama8b, h100, tp=1)
    times = [point_at(replica, b, CHAT).tpot_s for b in (1, 8, 64, 512)]
    assert times == sorted(times)
