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


class Entry:
    """A replica's place in the timeline. (A plain class: mypyc makes it a C struct, so
    moving it, comparing and updating it allocate nothing.)"""

    __slots__ = ("index", "time_s", "stamp", "pos")

    def __init__(self, index: int) -> None:
        self.index = index  # the replica
        self.time_s = inf  # its next event (s)
        self.stamp = 0  # when it took that time
        self.pos = index  # its position in the heap


class Timeline:
    def __init__(self, size: int) -> None:
        self.entries = [Entry(i) for i in range(size)]  # by replica
        self.heap = list(self.entries)  # heap order
        self.changes = 0

    def first_s(self) -> float:
        """When the earliest replica event is due (inf: none is)."""
        return self.heap[0].time_s if self.heap else inf

    def first(self) -> int:
        """The replica due first."""
        return self.heap[0].index

    def set(self, index: int, time_s: float) -> None:
        """Replica `index` is next due at time_s (inf: it has nothing to do)."""
        entry = self.entries[index]
        old = entry.time_s
        if time_s == old:
            return
        self.changes += 1
        entry.time_s = time_s
        entry.stamp = self.changes  # the latest: it goes after its equals
        if time_s < old:
            self._up(entry)
        else:
            self._down(entry)

    def _before(self, a: Entry, b: Entry) -> bool:
        return a.time_s < b.time_s or (a.time_s == b.time_s and a.stamp < b.stamp)

    def _up(self, entry: Entry) -> None:
        heap, pos = self.heap, entry.pos
        while pos > 0:
            parent = (pos - 1) >> 1
            above = heap[parent]
            if not self._before(entry, above):
                break
            heap[pos] = above
            above.pos = pos
            pos = parent
        heap[pos] = entry
        entry.pos = pos

    def _down(self, entry: Entry) -> None:
        heap, pos = self.heap, entry.pos
        size = len(heap)
        while True:
            child = 2 * pos + 1
            if child >= size:
                break
            if child + 1 < size and self._before(heap[child + 1], heap[child]):
                child += 1
            below = heap[child]
            if not self._before(below, entry):
                break
            heap[pos] = below
            below.pos = pos
            pos = child
        heap[pos] = entry
        entry.pos = pos
