"""servers_for_wait: a search, not a count one server at a time (issue #13, item 1)."""

from __future__ import annotations

import time
from math import ceil, exp

import pytest

from napkin.capacity import queueing


def _erlang_c_plain(servers: int, load: float) -> float:
    """The plain O(c) Erlang B recursion from B(0) = 1, as napkin had it before."""
    if load >= servers:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    rho = load / servers
    return blocking / (1 - rho * (1 - blocking))


def _servers_one_at_a_time(rate: float, service: float, wait_s: float, quantile: float) -> int:
    """The old search: add one server until P(W > wait_s) ≤ 1 − quantile."""
    servers = max(1, ceil(rate / service))
    while True:
        load = rate / service
        p = (
            1.0
            if load >= servers
            else _erlang_c_plain(servers, load) * exp(-(servers * service - rate) * wait_s)
        )
        if p <= 1 - quantile:
            return servers
        servers += 1


@pytest.mark.parametrize(
    ("rate", "service", "wait_s", "quantile"),
    [
        (1.0, 1.0, 0.0, 0.99),
        (0.5, 1.0, 0.1, 0.9),
        (10.0, 1.0, 0.0, 0.95),
        (10.0, 1.0, 0.5, 0.99),
        (100.0, 0.5, 0.2, 0.99),
        (1000.0, 1.0, 0.01, 0.999),
        (5000.0, 2.0, 0.0, 0.9),
        (3.7, 0.01, 60.0, 0.95),
    ],
)
def test_same_answer_as_counting_one_server_at_a_time(
    rate: float, service: float, wait_s: float, quantile: float
) -> None:
    expected = _servers_one_at_a_time(rate, service, wait_s, quantile)
    assert queueing.servers_for_wait(rate, service, wait_s, quantile) == expected


def test_hand_case_mm1_needs_one_server_when_wait_is_rare() -> None:
    # M/M/1 at ρ = 0.1: P(wait) = ρ = 0.1 ≤ 1 − 0.85 already.
    assert queueing.servers_for_wait(0.1, 1.0, 0.0, 0.85) == 1


def test_hand_case_two_servers() -> None:
    # A = 1: one server is unstable; with two, C(2, 1) = 1/3 > 0.1, three give C = 1/11.
    assert queueing.servers_for_wait(1.0, 1.0, 0.0, 0.9) == 3


def test_erlang_c_matches_plain_recursion_at_large_load() -> None:
    for servers, load in ((2000, 1900.0), (20_000, 19_800.0), (150, 120.0)):
        assert queueing.erlang_c(servers, load) == pytest.approx(
            _erlang_c_plain(servers, load), rel=1e-12
        )


@pytest.mark.parametrize("load", [1e6, 1e7])
def test_millions_of_servers_answer_in_under_a_second(load: float) -> None:
    start = time.perf_counter()
    servers = queueing.servers_for_wait(load, 1.0, 0.0, 0.99)
    assert time.perf_counter() - start < 1.0
    assert load < servers < load + 5 * load**0.5
    # Minimal: one fewer server misses the target.
    assert queueing.wait_exceeds_probability(servers - 1, load, 1.0, 0.0) > 0.01
    assert queueing.wait_exceeds_probability(servers, load, 1.0, 0.0) <= 0.01


@pytest.mark.parametrize("above", [1, 10_000, 40_000])
def test_beyond_the_recursion_the_closed_form_agrees(above: int) -> None:
    # Just past the step limit both ways are available: at A = 10⁸ they agree to 1e-9
    # (measured 1e-10) from c = A + 1 (z ≈ 0, B ≈ 8e-5) to c = A + 4√A (z = 4). Without
    # the Edgeworth term they differ by 1.3e-5; through lgamma, by 2.5e-7.
    load = 1e8
    servers = int(load + above)
    start = queueing._recursion_start(load)
    blocking = 1.0 - start / load
    for k in range(start + 1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    closed = queueing._erlang_b_closed_form(servers, load)
    assert closed == pytest.approx(blocking, rel=1e-9)


def test_absurd_load_still_answers_quickly() -> None:
    start = time.perf_counter()
    servers = queueing.servers_for_wait(1e12, 1.0, 0.0, 0.99)
    assert time.perf_counter() - start < 1.0
    assert 1e12 < servers < 1e12 + 5e6
