"""Regressions from issue #13: central-queue recursion, diurnal and gamma arrivals,
conservation that can fail, and the event loop's tie order."""

from __future__ import annotations

from math import inf
from typing import Any

import numpy as np
import pytest
from scipy.stats import chisquare

from napkin.capacity import diurnal
from napkin.sim import traffic as workload
from napkin.sim.options import SimOptions, fleet_of, steps_of, traffic_of
from napkin.sim.requests import Requests
from napkin.sim.run import simulate
from napkin.sim.traffic import Arrivals, Traffic, daily_curve, generate


def _traffic(**arrivals: Any) -> Traffic:
    return Traffic(arrivals=Arrivals(**arrivals), prompt_tokens=200, output_tokens=300)


# --- 1. the central queue dispatches in a loop -------------------------------------------


def test_central_queue_with_timeout_does_not_recurse(chatbot_plan):
    options = SimOptions(replicas=2, qps=200, duration_s=10, central_queue=True, queue_timeout_s=1)
    s = simulate(chatbot_plan, options).summary
    assert s["conserved"]
    assert s["outcomes"]["completed"] > 0 and s["outcomes"]["timed_out"] > 0


# --- 2. diurnal arrivals follow an hourly profile -----------------------------------------


def _chi_square_p(counts: np.ndarray, profile: np.ndarray) -> float:
    """Pearson's χ² p-value of hourly counts against a profile; hours expecting fewer than 5
    arrivals are pooled into one bin (the usual validity rule)."""
    expected = counts.sum() * profile / profile.sum()
    small = expected < 5
    observed = np.append(counts[~small], counts[small].sum())
    expected = np.append(expected[~small], expected[small].sum())
    if expected[-1] == 0:
        assert observed[-1] == 0  # hours the profile rules out get no arrivals
        observed, expected = observed[:-1], expected[:-1]
    return float(chisquare(observed, expected).pvalue)


@pytest.mark.parametrize("hourly", [None, daily_curve(1.5), daily_curve(3.0)])
def test_diurnal_hourly_counts_follow_the_profile(hourly):
    r = generate(_traffic(kind="diurnal", qps=2, hourly=hourly), 86_400, seed=5)
    counts = np.bincount((r.arrival_s // 3600).astype(int), minlength=24)
    c = np.array(hourly if hourly is not None else daily_curve())
    # each value is the rate at its hour's middle, linear in between: hour h's first half
    # averages ¼ c[h-1] + ¾ c[h], its second ¾ c[h] + ¼ c[h+1]; so its mean is
    # (c[h-1] + 6 c[h] + c[h+1]) / 8 (periodic over the day)
    profile = (np.roll(c, 1) + 6 * c + np.roll(c, -1)) / 8
    assert _chi_square_p(counts, profile) > 0.001
    assert _chi_square_p(counts, np.ones(24)) < 1e-12  # and not flat


def test_the_diurnal_rate_has_no_step_at_an_hour_s_edge():
    """Hourly values 0, 1, 0, ... as the rates at each hour's middle: linear in between."""
    c = tuple(float(h % 2) for h in range(24))
    t = np.array([1800.0, 3600.0, 5400.0, 3600.0 - 1e-6, 3600.0 + 1e-6, 2700.0])
    assert np.allclose(diurnal.rate_at(c, t), [0.0, 0.5, 1.0, 0.5, 0.5, 0.25])
    # periodic: the middle of hour 23 (value 1) to the middle of hour 0 (value 0)
    assert diurnal.rate_at(c, np.array([86_400.0]))[0] == pytest.approx(0.5)


def test_daily_curve_has_the_requested_peak_to_average():
    for ratio in (1.2, 2.0, 4.0):
        curve = np.array(daily_curve(ratio))
        assert curve.max() == 1.0 and curve.min() >= 0
        assert curve.max() / curve.mean() == pytest.approx(ratio, rel=1e-6)
    default = np.array(daily_curve())
    assert default.max() / default.mean() == pytest.approx(diurnal.DEFAULT_PEAK_TO_AVERAGE)
    assert int(default.argmax()) == diurnal.PEAK_HOUR


def test_diurnal_differs_from_poisson_for_the_same_seed(chatbot_plan):
    poisson = generate(_traffic(qps=2), 86_400, seed=5)
    diurnal = generate(_traffic(kind="diurnal", qps=2), 86_400, seed=5)
    assert len(diurnal) < 0.7 * len(poisson)
    options = SimOptions(duration_s=3600, seed=5)
    a = generate(traffic_of(chatbot_plan, options), 3600, 5)
    b = generate(
        traffic_of(chatbot_plan, options.model_copy(update={"arrival": "diurnal"})), 3600, 5
    )
    assert len(a) != len(b)


# --- 3. gamma arrivals draw only gamma gaps ----------------------------------------------


class _Spy:
    """A generator that records which distributions were drawn from."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.calls: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.calls.add(name)
        return getattr(self.rng, name)


def test_gamma_never_tops_up_with_exponential_gaps():
    a = Arrivals(kind="gamma", qps=20, cv=4.0)
    short = 0
    for seed in range(60):
        spy = _Spy(seed)
        times = workload._times(a, spy, 20.0)  # type: ignore[arg-type]
        assert "exponential" not in spy.calls
        assert len(times) == 0 or times[-1] < 20.0
        first = np.cumsum(
            np.random.default_rng(seed).gamma(1 / 16, 16 / 20, int(20 * 20 * 1.2) + 16)
        )
        short += first[-1] < 20.0
    assert short > 0  # some seeds did need more gaps than the first draw


def test_gamma_gaps_have_the_requested_mean_and_cv():
    gaps = np.diff(generate(_traffic(kind="gamma", qps=50, cv=4.0), 20_000, seed=6).arrival_s)
    assert gaps.mean() == pytest.approx(1 / 50, rel=0.03)
    assert gaps.std() / gaps.mean() == pytest.approx(4.0, rel=0.05)


# --- 4. conservation can fail -------------------------------------------------------------


def test_a_simulator_that_drops_requests_is_not_conserved(small_plan, monkeypatch, pure_core):
    options = SimOptions(duration_s=30, qps=10, replicas=2, seed=3)
    simulate = pure_core("napkin.sim.run").simulate  # the compiled Replica cannot be patched
    Replica = pure_core("napkin.sim.replica").Replica
    assert simulate(small_plan, options).summary["conserved"]
    add = Replica.add

    def leaky(self: Any, rid: int, time_s: float) -> None:
        if rid % 10 == 3:  # 10% vanish: routed, never queued, no outcome
            self.advance(time_s)
            return
        add(self, rid, time_s)

    monkeypatch.setattr(Replica, "add", leaky)
    s = simulate(small_plan, options).summary
    assert not s["conserved"]
    assert s["outcomes"]["failed"] == 0 and s["outcomes"]["unfinished"] == 0


def test_requests_left_at_the_drain_limit_are_unfinished(small_plan):
    options = SimOptions(duration_s=20, qps=40, replicas=1, seed=3, drain_limit_s=1)
    s = simulate(small_plan, options).summary
    assert s["outcomes"]["unfinished"] > 0 and s["outcomes"]["failed"] == 0
    assert s["conserved"]


# --- 5. the event loop's tie order ---------------------------------------------------------


def _requests(arrival: list[float], cancel: list[float]) -> Requests:
    n = len(arrival)
    return Requests(
        np.array(arrival),
        np.array([200, 900][:n] + [200] * (n - 2), np.int64),
        np.full(n, 50, np.int64),
        np.zeros(n, np.int32),
        np.arange(n, dtype=np.int64),
        np.zeros(n, np.int64),
        np.array(cancel),
    )


def test_ties_go_cancel_then_timer_then_replica_then_arrival(small_plan, pure_core):
    """Request 0 on replica 0 ends a segment at T; at the same T request 1 (on replica 1) is
    cancelled, a timer fires and request 2 arrives. (The pure-Python core: the test wraps
    the handlers, which the compiled classes do not allow.)"""
    Fleet = pure_core("napkin.sim.event_loop").Fleet
    config = fleet_of(small_plan, SimOptions(replicas=2))
    steps = steps_of(small_plan)
    fleet = Fleet(config, steps, _requests([0.0, 0.0, 0.0], [inf, inf, inf]))
    fleet.replicas[0].add(0, 0.0)
    t = fleet.replicas[0].next_event_s  # the first segment end of request 0
    assert 0 < t < inf

    fleet = Fleet(config, steps, _requests([0.0, 0.0, t], [inf, t, inf]))
    seen: list[tuple[str, float]] = []
    arrive, cancel, replica = fleet._arrive, fleet._cancel, fleet.replicas[0]
    replica_event = replica.on_event

    def on_arrive(rid: int, now: float, order: int) -> None:
        seen.append(("arrival", now))
        arrive(rid, now, order)

    def on_cancel(rid: int, now: float) -> None:
        seen.append(("cancel", now))
        cancel(rid, now)

    def on_replica() -> None:
        seen.append(("replica", replica.next_event_s))
        replica_event()

    fleet._arrive, fleet._cancel, replica.on_event = on_arrive, on_cancel, on_replica
    fleet.at(t, lambda now: seen.append(("timer", now)))
    fleet.run()
    assert [kind for kind, when in seen if when == t] == ["cancel", "timer", "replica", "arrival"]
