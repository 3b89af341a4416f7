"""Each replica's next event, earliest first: an indexed binary min-heap.

One entry a replica, moved in place when its time changes (Sedgewick & Wayne's indexed
priority queue, Algorithms 4th ed. §2.4), so the fleet never pushes a tuple an event nor
skips stale entries, and the comparisons are of floats, not of tuples.

Order: by time, then by stamp, the count of changes when the replica took that time. A
replica whose time does not change keeps its place; of two replicas due at one instant,
the one due there first goes first (as a heap of (time, counter) entries would have it).
"""

from __future__ import annotations

from math import inf


class Timeline:
    def __init__(self, size: int) -> None:
        self.time_s: list[float] = [inf] * size  # replica -> its next event (s)
        self.stamp: list[int] = [0] * size  # replica -> when it took that time
        self.heap: list[int] = list(range(size))  # replicas in heap order
        self.where: list[int] = list(range(size))  # replica -> its position in `heap`
        self.changes = 0

    def first_s(self) -> float:
        """When the earliest replica event is due (inf: none is)."""
        return self.time_s[self.heap[0]] if self.heap else inf

    def first(self) -> int:
        """The replica due first."""
        return self.heap[0]

    def set(self, index: int, time_s: float) -> None:
        """Replica `index` is next due at time_s (inf: it has nothing to do)."""
        old = self.time_s[index]
        if time_s == old:
            return
        self.changes += 1
        self.time_s[index] = time_s
        self.stamp[index] = self.changes  # the latest: it goes after its equals
        if time_s < old:
            self._up(self.where[index])
        else:
            self._down(self.where[index])

    def _before(self, a: int, b: int) -> bool:
        ta, tb = self.time_s[a], self.time_s[b]
        return ta < tb or (ta == tb and self.stamp[a] < self.stamp[b])

    def _up(self, pos: int) -> None:
        heap, where = self.heap, self.where
        item = heap[pos]
        while pos > 0:
            parent = (pos - 1) >> 1
            above = heap[parent]
            if not self._before(item, above):
                break
            heap[pos] = above
            where[above] = pos
            pos = parent
        heap[pos] = item
        where[item] = pos

    def _down(self, pos: int) -> None:
        heap, where = self.heap, self.where
        size = len(heap)
        item = heap[pos]
        while True:
            child = 2 * pos + 1
            if child >= size:
                break
            if child + 1 < size and self._before(heap[child + 1], heap[child]):
                child += 1
            below = heap[child]
            if not self._before(below, item):
                break
            heap[pos] = below
            where[below] = pos
            pos = child
        heap[pos] = item
        where[item] = pos
