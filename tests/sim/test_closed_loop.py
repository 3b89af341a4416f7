"""A closed loop of N clients (FleetConfig.clients): what a benchmark at a fixed concurrency
does. Each client sends its next request the instant its last one ends."""

from __future__ import annotations

from dataclasses import replace
from math import inf

import numpy as np
import pytest

from napkin.sim.event_loop import Fleet
from napkin.sim.options import SimOptions, fleet_of, steps_of
from napkin.sim.requests import Outcome, Requests


def _requests(count: int, prompt: float = 500, output: float = 100) -> Requests:
    rng = np.random.default_rng(3)
    zeros = np.zeros(count, np.int64)
    return Requests(
        rng.uniform(0, 1_000, count),  # ignored by a closed loop: overwritten
        rng.integers(prompt // 2, prompt * 2, count).astype(float),
        rng.integers(output // 2, output * 2, count).astype(float),
        zeros,
        np.arange(count),
        zeros,
        np.full(count, inf),
    )


def _run(small_plan, clients: int, count: int = 400):
    config = replace(fleet_of(small_plan, SimOptions(replicas=1)), clients=clients)
    requests = _requests(count)
    run = Fleet(config, steps_of(small_plan), requests).run()
    return requests, run


@pytest.mark.parametrize("clients", [1, 7, 64])
def test_each_request_goes_out_when_one_ends(small_plan, clients):
    requests, run = _run(small_plan, clients)
    assert (run.records.outcome == Outcome.completed).all()
    arrival, finish = requests.arrival_s, run.records.finish_s
    assert (arrival[:clients] == 0).all()
    # Request k ≥ N is sent at the (k − N + 1)-th finish: the sorted sends after the first N
    # are exactly the first (count − N) finishes in time order.
    np.testing.assert_array_equal(np.sort(arrival[clients:]), np.sort(finish)[:-clients])


@pytest.mark.parametrize("clients", [1, 7, 64])
def test_never_more_than_n_in_flight(small_plan, clients):
    requests, run = _run(small_plan, clients)
    events = sorted(
        [(t, 1) for t in requests.arrival_s] + [(t, -1) for t in run.records.finish_s],
        key=lambda e: (e[0], e[1]),  # at one instant the finish frees the client first
    )
    in_flight = np.cumsum([step for _, step in events])
    assert in_flight.max() == clients


def test_littles_law_holds_in_the_loop(small_plan):
    # N = X × W: clients = throughput × mean time in system, up to the ramp and the drain.
    clients = 16
    requests, run = _run(small_plan, clients, count=2_000)
    e2e = run.records.finish_s - requests.arrival_s
    throughput = len(e2e) / run.records.finish_s.max()
    assert throughput * e2e.mean() == pytest.approx(clients, rel=0.02)


def test_more_clients_wait_longer_for_their_first_token(small_plan):
    # The queueing a closed form leaves out: TTFT grows with the clients in the loop.
    ttft = {}
    for clients in (1, 64):
        requests, run = _run(small_plan, clients)
        ttft[clients] = float(np.mean(run.records.first_token_s - requests.arrival_s))
    assert ttft[64] > 3 * ttft[1]


def test_open_loop_keeps_the_generated_arrivals(small_plan):
    # Mutation guard for the flag: clients = 0 leaves arrival times as generated.
    config = fleet_of(small_plan, SimOptions(replicas=1))
    requests = _requests(50)
    before = np.sort(requests.arrival_s.copy())
    requests = requests.take(np.argsort(requests.arrival_s))
    Fleet(config, steps_of(small_plan), requests).run()
    np.testing.assert_array_equal(requests.arrival_s, before)
