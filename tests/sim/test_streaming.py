"""Streaming runs (issue #19): rows reused page by page, what ended counted into a tally.

The anchor: on the same requests, a streaming run with tiny pages (so rows are reused
hundreds of times) makes the same simulation as a run that keeps every record. Counts and
sums agree, and each latency histogram has the very bucket counts of one built from the
kept records; so every percentile differs from the exact one by at most the histogram's
1% (`sim.histogram`), and by nothing else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib import import_module
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from napkin.planner import plan
from napkin.sim import holdings
from napkin.sim.event_loop import Fleet
from napkin.sim.histogram import ALPHA, LogHistogram
from napkin.sim.metrics import latencies, totals
from napkin.sim.options import SimOptions, fleet_of, steps_of, traffic_of
from napkin.sim.requests import Requests
from napkin.sim.run import RECORDS_UP_TO, cost_of, goodput_limits_of, simulate
from napkin.sim.slots import Stream
from napkin.sim.tally import Tally
from napkin.sim.traffic import blocks, generate
from napkin.specs.loader import load_design

EIGHT_B = ["model=llama-3.1-8b", "deployment.tp=1"]
LONG = [*EIGHT_B, "workload.input_tokens_per_turn=4000", "workload.output_tokens_per_turn=2000"]
CASES: dict[str, tuple[str, list[str], dict[str, Any]]] = {
    "plain": ("chatbot", EIGHT_B, {"replicas": 2, "qps": 40, "duration_s": 60}),
    "preempted": ("chatbot", LONG, {"replicas": 1, "qps": 20, "duration_s": 30, "max_seqs": 1024}),
    "overloaded": (
        "chatbot",
        EIGHT_B,
        {"replicas": 1, "qps": 400, "duration_s": 20, "central_queue": True}
        | {"queue_timeout_s": 0.5},
    ),
    "cancelled": ("code-completion", [], {"replicas": 1, "qps": 30, "duration_s": 20}),
    # deep queues, most requests cancelled while they wait: late cancels of reused rows
    "crowded": (
        "code-completion",
        [],
        {"replicas": 4, "qps": 100, "duration_s": 30, "max_seqs": 4},
    ),
    "session": (
        "chatbot",
        EIGHT_B,
        {"replicas": 3, "qps": 30, "duration_s": 40, "router": "session"}
        | {"prefix_cache_fraction": 0.3, "shared_prefix_tokens": 500},
    ),
}
PAGE = 64  # rows a page: thousands of requests reuse a few pages


def _pair(
    name: str, modules: Callable[[str], ModuleType] = import_module, **config: Any
) -> tuple[Any, Any, Requests, Fleet]:
    """(kept run, streamed run, the requests, the streaming fleet) on the same requests;
    `modules` loads the simulator (the `pure_core` fixture's, for a patched one)."""
    design, sets, opts = CASES[name]
    p = plan(load_design(design, sets))
    options = SimOptions(seed=7, **opts)
    fleet_class = modules("napkin.sim.event_loop").Fleet
    stream_class = modules("napkin.sim.slots").Stream
    fleet_config = dataclasses.replace(fleet_of(p, options), **config)
    requests = generate(traffic_of(p, options), options.duration_s, options.seed)
    kept = fleet_class(fleet_config, steps_of(p), requests).run()
    stream = stream_class(iter([requests]), Tally(goodput_limits_of(p)), tenants=4, page_rows=PAGE)
    fleet = fleet_class(fleet_config, steps_of(p), Requests.none(), stream=stream)
    return kept, fleet.run(), requests, fleet


@pytest.mark.parametrize("name", list(CASES))
def test_a_stream_with_tiny_pages_is_the_same_simulation(name):
    kept, streamed, requests, fleet = _pair(name)
    assert fleet.slots is not None
    if name in ("preempted", "overloaded"):  # a backlog: its requests hold their rows
        assert fleet.slots.pages * PAGE <= len(requests) + PAGE
    else:  # in flight: a few pages, each reused many times
        assert fleet.slots.pages * PAGE < len(requests) / 4
    exact = totals(requests, kept.records, streamed.tally.targets)
    counted = streamed.tally.totals()
    assert counted.outcomes == exact.outcomes and counted.requests == len(requests)
    assert (counted.completed, counted.good, counted.ended) == (
        exact.completed,
        exact.good,
        exact.ended,
    )
    assert counted.prefix_hit_tokens == exact.prefix_hit_tokens
    assert counted.output_tokens == exact.output_tokens
    assert counted.time_in_system_s == pytest.approx(exact.time_in_system_s, rel=1e-12)
    assert streamed.events == kept.events and streamed.preemptions == kept.preemptions
    for metric, values in zip(
        ("ttft_s", "tpot_s", "e2e_s"), latencies(requests, kept.records), strict=True
    ):
        assert streamed.tally.histograms[metric].counts == LogHistogram().add(values).counts
        for q, p in (("p50", 50), ("p99", 99)):
            if len(values):
                exact_q = float(np.percentile(values, p))
                got = counted.latency[metric][q]
                assert abs(got / exact_q - 1) <= ALPHA + 0.005  # 1%, and interpolation
        assert counted.latency[metric]["max"] == pytest.approx(float(np.max(values, initial=0)))


def _same(name: str, modules: Callable[[str], ModuleType] = import_module, **config: Any) -> bool:
    kept, streamed, requests, _ = _pair(name, modules, **config)
    exact = totals(requests, kept.records, streamed.tally.targets)
    return streamed.tally.totals().outcomes == exact.outcomes and streamed.events == kept.events


def test_a_cancel_the_replica_never_hears_keeps_its_row_in_use(monkeypatch, pure_core):
    """propagate_cancel=False: the client's request ends while the replica works on: its
    row must not be reused meanwhile (`held`), else the replica finishes a stranger."""
    CASES["unheard"] = ("code-completion", [], {"replicas": 4, "qps": 200, "duration_s": 30})
    CASES["unheard"][2]["max_seqs"] = 8
    try:
        assert _same("unheard", propagate_cancel=False)
        pure = pure_core("napkin.sim.holdings")  # compiled calls would not see the patch
        monkeypatch.setattr(pure, "held", lambda fleet: set())  # mutation: nothing held
        assert not _same("unheard", pure_core, propagate_cancel=False)
    finally:
        del CASES["unheard"]


def test_mutation_a_reused_row_keeps_its_last_owner(monkeypatch, pure_core):
    """A late cancel (its request long done) must not cancel the row's next request: the
    check goes red when a reused page keeps its rows' old owners."""
    assert _same("crowded")
    Slots = pure_core("napkin.sim.slots").Slots  # the compiled class cannot be patched
    reset = Slots._reset

    def keep_owner(self: Any, lo: int, hi: int) -> None:
        owners = self.owner[lo:hi]
        reset(self, lo, hi)
        self.owner[lo:hi] = owners

    monkeypatch.setattr(Slots, "_reset", keep_owner)
    assert not _same("crowded", pure_core)


def test_forget_drops_queue_entries_and_recompute_notes_of_the_rows():
    """A request cancelled while it waits stays in its queue until admission reaches it;
    once its row is reused that entry would name a stranger: `forget` drops it."""
    kept, streamed, requests, fleet = _pair("plain")
    replica = fleet.replicas[0]
    replica.waiting.extend([3, 70, 64, 130])
    replica.recompute.update({65: 10.0, 5: 1.0})
    fleet.central.extend([64, 1])
    holdings.forget(fleet, 64, 128)
    assert list(replica.waiting)[-2:] == [3, 130] and 70 not in replica.waiting
    assert 65 not in replica.recompute and 5 in replica.recompute
    assert list(fleet.central) == [1]


def test_one_block_is_generate_and_later_blocks_go_on():
    p = plan(load_design("chatbot", EIGHT_B))
    traffic = traffic_of(p, SimOptions(qps=50))
    whole = generate(traffic, 100.0, 3)
    (single,) = list(blocks(traffic, 100.0, 3, block_requests=10**9))
    for field in dataclasses.fields(Requests):
        assert np.array_equal(getattr(single, field.name), getattr(whole, field.name))
    # 2,000 s in blocks of ~500 requests (10 s): a Poisson 50 req/s stream throughout,
    # arrivals in order across blocks, session ids of each block after the previous ones'
    parts = list(blocks(traffic, 2000.0, 3, block_requests=500))
    assert len(parts) == 200
    arrival = np.concatenate([b.arrival_s for b in parts])
    assert (np.diff(arrival) >= 0).all() and arrival[-1] < 2000.0
    assert len(arrival) == pytest.approx(50 * 2000, rel=0.02)  # ±2% is > 6 σ
    assert parts[1].session.min() >= parts[0].session.max()


def test_runs_stream_above_the_limit_and_when_told():
    p = plan(load_design("chatbot", EIGHT_B))
    small = SimOptions(replicas=2, qps=40, duration_s=20)
    assert "streamed" not in simulate(p, small).summary
    told = simulate(p, small.model_copy(update={"records": False})).summary
    assert told["streamed"]["percentile_error"] == ALPHA and len(told["streamed"]["hourly"]) == 1
    assert told["conserved"] and len(simulate(p, small).requests) > 0
    big = SimOptions(qps=RECORDS_UP_TO / 600 * 1.01, duration_s=600)
    # 2,020,000 requests > 2,000,000: streamed, so its memory estimate holds 2^20 of them
    assert (
        cost_of(p, big).memory_bytes
        < cost_of(p, big.model_copy(update={"records": True})).memory_bytes
    )


def test_many_blocks_stream_as_their_concatenation_is_kept():
    """Blocks of ~300 requests: the stream reads block after block, the arrival indices go
    on across them (round-robin routing reads them), and the run is the kept run of the
    blocks joined."""
    design, sets, opts = CASES["crowded"]
    p = plan(load_design(design, sets))
    options = SimOptions(seed=7, **opts)
    traffic = traffic_of(p, options)
    parts = list(blocks(traffic, options.duration_s, options.seed, block_requests=300))
    assert len(parts) == 10
    joined = Requests(
        *(np.concatenate([getattr(b, f.name) for b in parts]) for f in dataclasses.fields(Requests))
    )
    config = fleet_of(p, options)
    kept = Fleet(config, steps_of(p), joined).run()
    stream = Stream(iter(parts), Tally(goodput_limits_of(p)), tenants=4, page_rows=PAGE)
    streamed = Fleet(config, steps_of(p), Requests.none(), stream=stream).run()
    exact = totals(joined, kept.records, stream.tally.targets)
    assert streamed.tally.totals().outcomes == exact.outcomes
    assert streamed.events == kept.events and streamed.end_s == kept.end_s
