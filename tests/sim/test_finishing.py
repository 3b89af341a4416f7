"""A replica's decoding sequences by finish step (`sim.finishing`): the order of a heapq of
(finish step, admission order) tuples, which it replaced, checked op by op."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from types import ModuleType

import pytest

from napkin.sim import finishing
from napkin.sim.sequences import Decoding


def _seq(order: int, finish_step: int, kind: type = Decoding) -> Decoding:
    return kind(order, 0, 0.0, 0.0, order, finish_step)


def _replay(push: Callable, pop: Callable, seed: int, kind: type = Decoding) -> None:
    """Random pushes (finish steps from a narrow range: many ties) and pops, against heapq."""
    rng = random.Random(seed)
    heap: list[Decoding] = []
    reference: list[tuple[int, int]] = []
    order = 0
    for _ in range(3_000):
        if reference and rng.random() < 0.45:
            seq = pop(heap)
            assert (seq.finish_step, seq.order) == heapq.heappop(reference)
        else:
            order += 1
            step = rng.randrange(40)
            push(heap, _seq(order, step, kind))
            heapq.heappush(reference, (step, order))
        assert len(heap) == len(reference)
        if heap:
            assert (heap[0].finish_step, heap[0].order) == reference[0]


@pytest.mark.parametrize("seed", range(6))
def test_pops_in_the_order_of_a_heap_of_tuples(seed: int) -> None:
    _replay(finishing.push, finishing.pop, seed)


def test_ties_go_to_the_sequence_admitted_first() -> None:
    """Hand-worked: orders 1, 2, 3 finish at steps 9, 5, 5; order 2 goes first (step 5,
    admitted before 3), then 3, then 1."""
    heap: list[Decoding] = []
    for order, step in [(1, 9), (2, 5), (3, 5)]:
        finishing.push(heap, _seq(order, step))
    assert [finishing.pop(heap).order for _ in range(3)] == [2, 3, 1]
    assert heap == []


def test_the_check_fails_a_heap_that_ignores_admission_order(
    pure_core: Callable[[str], ModuleType],
) -> None:
    """Mutation: ordering by finish step alone breaks ties by heap position, and the replay
    against heapq goes red; the unbroken source passes it."""
    module = pure_core("napkin.sim.finishing")
    kind = pure_core("napkin.sim.sequences").Decoding
    _replay(module.push, module.pop, 0, kind)
    module._before = lambda a, b: a.finish_step < b.finish_step
    with pytest.raises(AssertionError):
        for seed in range(6):
            _replay(module.push, module.pop, seed, kind)
