"""The fleet's timeline of replica events (`sim.timeline`): earliest first, ties by who took
the time first, checked against a brute-force scan; and the fleet's use of it."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from math import inf
from pathlib import Path
from types import ModuleType

import pytest

from napkin.sim.timeline import Timeline


def _scan(times: list[float], stamps: list[int]) -> int:
    """The replica a heap of (time, stamp) entries would pop: the minimum, brute force."""
    return min(range(len(times)), key=lambda i: (times[i], stamps[i]))


def _replay(timeline_of: Callable[[int], Timeline], seed: int, size: int, ops: int) -> None:
    rng = random.Random(seed)
    timeline = timeline_of(size)
    times, stamps, changes = [inf] * size, [0] * size, 0
    for _ in range(ops):
        index = rng.randrange(size)
        time_s = rng.choice([inf, float(rng.randrange(8)), rng.random() * 8])  # many ties
        timeline.set(index, time_s)
        if time_s != times[index]:
            changes += 1
            times[index], stamps[index] = time_s, changes
        best = _scan(times, stamps)
        assert timeline.first_s() == times[best]
        if times[best] < inf:
            assert timeline.first() == best


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_timeline_pops_what_a_scan_finds(size: int) -> None:
    for seed in range(5):
        _replay(Timeline, seed, size, 2_000)


def test_ties_go_to_the_replica_due_there_first() -> None:
    """Hand-worked: 0 at 5 s, 1 at 3 s, 2 at 3 s; 1 took 3 s first, so it goes first. 1 set
    to 3 s again keeps its place; 1 moved to 4 s then back to 3 s goes after 2."""
    timeline = Timeline(3)
    for index, time_s in [(0, 5.0), (1, 3.0), (2, 3.0)]:
        timeline.set(index, time_s)
    assert (timeline.first(), timeline.first_s()) == (1, 3.0)
    timeline.set(1, 3.0)
    assert timeline.first() == 1
    timeline.set(1, 4.0)
    timeline.set(1, 3.0)
    assert timeline.first() == 2
    timeline.set(2, inf)
    timeline.set(1, inf)
    assert (timeline.first(), timeline.first_s()) == (0, 5.0)
    timeline.set(0, inf)
    assert timeline.first_s() == inf


def test_the_scan_check_fails_a_timeline_that_ignores_ties(
    pure_core: Callable[[str], ModuleType],
) -> None:
    """Mutation: a heap that orders by time alone, or never sifts down, is caught."""
    module = pure_core("napkin.sim.timeline")

    class TimeOnly(module.Timeline):  # type: ignore[name-defined,misc]
        def _before(self, a: object, b: object) -> bool:
            return bool(a.time_s < b.time_s)  # type: ignore[attr-defined]

    class NoSiftDown(module.Timeline):  # type: ignore[name-defined,misc]
        def _down(self, entry: object) -> None:
            return None

    for broken in (TimeOnly, NoSiftDown):
        with pytest.raises(AssertionError):
            for seed in range(5):
                _replay(broken, seed, 7, 2_000)
    for seed in range(5):
        _replay(module.Timeline, seed, 7, 2_000)  # the source itself passes


GUARD = "while t_replica < inf and t_replica != self.replicas[timeline.first()].next_event_s:"


def _told_lies(small_plan: object, loop: ModuleType, pure_core: Callable[[str], ModuleType]):
    """A 3-replica run's records, with a timer every 0.37 s that tells the timeline each
    replica is due 1 ms from now (a change the replica never made), and without."""
    options_of = pure_core("napkin.sim.options")
    generate = pure_core("napkin.sim.traffic").generate
    options = options_of.SimOptions(duration_s=30, qps=12, replicas=3, seed=4)
    config = options_of.fleet_of(small_plan, options)
    traffic = options_of.traffic_of(small_plan, options)
    runs = []
    for lie in (False, True):
        requests = generate(traffic, options.duration_s, options.seed)
        fleet = loop.Fleet(config, options_of.steps_of(small_plan), requests)

        def tell(now: float, fleet: object = fleet) -> None:
            for index in range(3):
                fleet.timeline.set(index, now + 1e-3)  # type: ignore[attr-defined]
            if now < 30:
                fleet.at(now + 0.37, tell)  # type: ignore[attr-defined]

        if lie:
            fleet.at(0.37, tell)
        runs.append(fleet.run().records)
    return runs


def test_a_change_the_fleet_was_not_told_of_is_picked_up(small_plan, pure_core) -> None:
    """The loop runs a replica at its real next event, whatever the timeline last heard: a
    run told lies gives the same records as one that was not. Mutation: without the
    check, the loop runs a replica that has nothing due."""
    loop = pure_core("napkin.sim.event_loop")
    honest, lied_to = _told_lies(small_plan, loop, pure_core)
    assert (honest.outcome == 1).all()
    for name in ("outcome", "first_token_s", "finish_s", "replica"):
        assert (getattr(honest, name) == getattr(lied_to, name)).all(), name

    source = Path(loop.__file__).read_text()
    assert source.count(GUARD) == 1
    mutant = ModuleType("napkin.sim.event_loop")
    mutant.__file__ = loop.__file__
    code = compile(source.replace(GUARD, "while False:"), loop.__file__, "exec")
    sys.modules["napkin.sim.event_loop"] = mutant
    try:
        exec(code, mutant.__dict__)  # noqa: S102 - the module's own source, one line broken
        with pytest.raises(AssertionError):  # on_event of a replica with no segment under way
            _told_lies(small_plan, mutant, pure_core)
    finally:
        sys.modules["napkin.sim.event_loop"] = loop
