"""Invariants of every run: conservation, determinism, capacity, Little's law."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest

from napkin.sim.options import SimOptions
from napkin.sim.requests import Outcome
from napkin.sim.run import simulate


def test_same_seed_same_result_bit_for_bit(small_plan):
    options = SimOptions(duration_s=30, qps=20, replicas=2, seed=7)
    a, b = simulate(small_plan, options), simulate(small_plan, options)
    for name in ("outcome", "first_token_s", "finish_s", "replica"):
        assert np.array_equal(
            getattr(a.run.records, name), getattr(b.run.records, name), equal_nan=True
        )
    c = simulate(small_plan, options.model_copy(update={"seed": 8}))
    assert not np.array_equal(a.requests.arrival_s[:10], c.requests.arrival_s[:10])


def test_every_request_ends_exactly_once():
    """Overload with long-tailed prompts, a context limit, a queue timeout, a tenant rate
    limit and client cancellations: every request still ends in exactly one state."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    mixed = plan(
        load_design("code-completion", ["completion.prompt_tokens=800", "model=llama-3.1-8b"])
    )
    options = SimOptions(
        duration_s=20,
        qps=3000,
        replicas=1,
        seed=3,
        max_context_tokens=1200,
        queue_timeout_s=0.5,
        tenant_qps=2500,
        tenant_burst=50,
        tenant_shares=(0.9, 0.1),
    )
    sim = simulate(mixed, options)
    s = sim.summary
    assert s["conserved"] and (sim.run.records.outcome != Outcome.pending).all()
    assert sum(s["outcomes"].values()) == len(sim.requests)
    for state in ("completed", "rejected", "cancelled", "timed_out"):
        assert s["outcomes"][state] > 0, state


def test_kv_never_exceeds_capacity_and_preempted_sequences_finish(small_plan, pure_core):
    # A cache that holds only ~10 sequences forces preemptions.
    options = SimOptions(duration_s=20, qps=30, replicas=1, seed=1, max_seqs=64)
    Fleet = pure_core("napkin.sim.event_loop").Fleet  # its replica's handler is wrapped below
    sim_options = pure_core("napkin.sim.options")
    ReplicaConfig = pure_core("napkin.sim.scheduling").ReplicaConfig
    generate = pure_core("napkin.sim.traffic").generate

    config = sim_options.fleet_of(small_plan, options)
    replica_config = ReplicaConfig(max_seqs=64, token_budget=8192, kv_capacity_tokens=6000)
    tight = dataclasses.replace(config, replica=replica_config)
    traffic_of, steps_of = sim_options.traffic_of, sim_options.steps_of
    requests = generate(traffic_of(small_plan, options), options.duration_s, options.seed)
    fleet = Fleet(tight, steps_of(small_plan), requests)
    peak = 0.0
    replica = fleet.replicas[0]
    original = replica.on_event

    def watched() -> None:
        nonlocal peak
        original()
        peak = max(peak, replica.kv.used + replica.kv.margin(replica.held))

    replica.on_event = watched
    run = fleet.run()
    assert run.preemptions > 0
    assert peak <= 6000
    assert (run.records.outcome == Outcome.completed).all()  # none lost on preemption
    assert (run.records.generated == requests.output_tokens).all()


def test_littles_law_within_two_percent(small_plan):
    options = SimOptions(duration_s=600, qps=15, replicas=1, seed=11, sample_interval_s=0.25)
    law = simulate(small_plan, options).summary["littles_law"]
    assert law["mean_in_system"] == pytest.approx(law["rate_times_time"], rel=0.02)


def test_a_run_pauses_the_garbage_collector_and_restores_it(small_plan):
    """The loop makes millions of short-lived tuples and no cycles, so it runs with the
    cyclic collector off (`Fleet.run`), and leaves it as it found it, on or off."""
    from napkin.sim.event_loop import Fleet
    from napkin.sim.options import fleet_of, steps_of, traffic_of
    from napkin.sim.traffic import generate

    options = SimOptions(duration_s=5, qps=4, replicas=1, seed=1)
    seen: list[bool] = []
    for enabled in (True, False):
        gc.enable() if enabled else gc.disable()
        requests = generate(traffic_of(small_plan, options), options.duration_s, options.seed)
        fleet = Fleet(fleet_of(small_plan, options), steps_of(small_plan), requests)
        fleet.at(1.0, lambda now: seen.append(gc.isenabled()))
        fleet.run()
        assert gc.isenabled() is enabled
    gc.enable()
    assert seen == [False, False]
