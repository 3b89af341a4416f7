"""Admission that reserves a request's whole KV (TensorRT-LLM's GUARANTEED_NO_EVICT)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from napkin.sim.event_loop import Fleet
from napkin.sim.options import SimOptions, fleet_of, steps_of
from napkin.sim.requests import Outcome
from tests.sim.test_closed_loop import _requests


def _run(small_plan, reserve: bool, capacity: int):
    config = fleet_of(small_plan, SimOptions(replicas=1))
    replica = replace(config.replica, kv_capacity_tokens=capacity, reserve_output=reserve)
    config = replace(config, replica=replica, clients=64, sample_interval_s=0.05)
    requests = _requests(600, prompt=400, output=400)
    fleet = Fleet(config, steps_of(small_plan), requests)
    run = fleet.run()
    return requests, run, fleet


def test_reserving_never_preempts_and_frees_everything(small_plan):
    # 20k tokens hold ~25 requests of ~800: growth token by token must preempt; reserving
    # whole requests must not, and must hand every token back at the end.
    _, grown, _ = _run(small_plan, reserve=False, capacity=20_000)
    requests, reserved, fleet = _run(small_plan, reserve=True, capacity=20_000)
    assert grown.preemptions > 0
    assert reserved.preemptions == 0
    assert (reserved.records.outcome == Outcome.completed).all()
    assert fleet.replicas[0].kv.used == 0 and not fleet.replicas[0].reserved
    assert reserved.series.kv_fraction.max() <= 1.0  # what was reserved was there


def test_reserving_admits_fewer_at_once(small_plan):
    # The first wave: with reservations, only what fits whole starts; so the 64th client's
    # first token comes later than when KV is taken token by token.
    requests, grown, _ = _run(small_plan, reserve=False, capacity=20_000)
    requests2, reserved, _ = _run(small_plan, reserve=True, capacity=20_000)
    first_wave = slice(0, 64)
    ttft_grown = grown.records.first_token_s[first_wave] - requests.arrival_s[first_wave]
    ttft_reserved = reserved.records.first_token_s[first_wave] - requests2.arrival_s[first_wave]
    assert np.max(ttft_reserved) > np.max(ttft_grown)


def _policy_run(small_plan, mixes: bool):
    config = fleet_of(small_plan, SimOptions(replicas=1))
    replica = replace(config.replica, mixes_prefill_and_decode=mixes, token_budget=2048)
    config = replace(config, replica=replica, clients=32)
    requests = _requests(400, prompt=1500, output=200)
    run = Fleet(config, steps_of(small_plan), requests).run()
    ttft = run.records.first_token_s - requests.arrival_s
    decode = run.records.finish_s - run.records.first_token_s
    return run, float(ttft.mean()), float((decode / (requests.output_tokens - 1)).mean())


def test_prefill_first_trades_tpot_for_ttft(small_plan):
    # SGLang's default: a pending prompt gets whole steps and the decodes wait. Against
    # chunks riding in decode steps, first tokens come sooner and decoding is slower.
    mixed, mixed_ttft, mixed_tpot = _policy_run(small_plan, mixes=True)
    first, first_ttft, first_tpot = _policy_run(small_plan, mixes=False)
    assert (first.records.outcome == Outcome.completed).all()
    assert first_ttft < mixed_ttft
    assert first_tpot > mixed_tpot


def test_a_decode_waiting_a_prefill_step_makes_no_token(small_plan):
    # One decoding sequence, then a long prompt arrives: with prefill first, the decode's
    # token count must not move during the prompt's steps (the decode clock stands still).
    from napkin.sim.replica import Replica
    from napkin.sim.requests import Columns, Records

    config = fleet_of(small_plan, SimOptions(replicas=1)).replica
    config = replace(config, mixes_prefill_and_decode=False, token_budget=512)
    requests = _requests(2, prompt=10, output=10)
    requests.prompt_tokens[:] = [16, 4096]
    requests.output_tokens[:] = [500, 5]
    requests.arrival_s[:] = [0.0, 0.0]
    replica = Replica(0, config, steps_of(small_plan), Columns.of(requests), Records.empty(2))
    replica.add(0, 0.0)
    replica.on_event()  # the short prompt's prefill: request 0 now decodes
    step = replica.step
    replica.add(1, replica.now)
    while replica.prefilling:
        assert not replica.segment.decoding
        replica.on_event()
    assert replica.step == step  # 4096 / 512 = 8 prefill-only steps, no decode step


@pytest.mark.parametrize(
    ("engine", "reserve", "mixes"),
    [("vllm", False, True), ("sglang", False, False), ("tensorrt-llm", True, True)],
)
def test_the_design_engine_sets_the_simulated_policy(engine, reserve, mixes):
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    planned = plan(load_design("chatbot", [f"deployment.engine={engine}"]))
    replica = fleet_of(planned, SimOptions(replicas=1)).replica
    assert (replica.reserve_output, replica.mixes_prefill_and_decode) == (reserve, mixes)
