"""A replica's decoding sequences by the step they finish at, earliest first: a binary heap
of `Decoding`s in a list, ordered by (finish step, admission order).

The order is that of a `heapq` of (finish step, order, ...) tuples, the keys being unique.
Compiled (mypyc), a sequence is a C struct: a comparison reads two machine integers and a
move copies a pointer, where `heapq` compares tuples of boxed integers.
"""

from __future__ import annotations

from napkin.sim.sequences import Decoding


def _before(a: Decoding, b: Decoding) -> bool:
    return a.finish_step < b.finish_step or (a.finish_step == b.finish_step and a.order < b.order)


def push(heap: list[Decoding], seq: Decoding) -> None:
    heap.append(seq)
    pos = len(heap) - 1
    while pos > 0:
        parent = (pos - 1) >> 1
        above = heap[parent]
        if not _before(seq, above):
            break
        heap[pos] = above
        pos = parent
    heap[pos] = seq


def pop(heap: list[Decoding]) -> Decoding:
    """Remove and return the sequence that finishes first (the heap must not be empty)."""
    last = heap.pop()
    if not heap:
        return last
    top = heap[0]
    size, pos = len(heap), 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _before(heap[child + 1], heap[child]):
            child += 1
        below = heap[child]
        if not _before(below, last):
            break
        heap[pos] = below
        pos = child
    heap[pos] = last
    return top
