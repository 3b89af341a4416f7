"""Rows of the request columns and records, reused page by page (issue #19): a streaming run
holds the requests in flight, not every request it has seen.

Traffic comes in blocks (`sim.traffic.blocks`). A request takes a row when it arrives; rows
come in pages of `page_rows`, filled in order. Before a page is opened, each full page is
checked: when every request on it has ended and none is still held (prefilling, decoding
or in a KV transfer, as a cancel the replica never hears leaves it), the page's rows are
counted into the run's tally (`sim.tally`), the stale queue entries that still name them
are dropped (a request cancelled while waiting stays in its queue until admission reaches
it; a preempted one leaves its recompute note), and the page is reused. Otherwise the
columns grow by a page. So memory follows qps × time in the system, in pages, whatever the
run's length. The replica never learns which request a row holds: `owner` maps a row to its
request's arrival index, which routing (round-robin, random) and cancellations use.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from napkin.sim.requests import PENDING, Columns, Records, Requests
from napkin.sim.tally import Tally

PAGE_ROWS = 1 << 16


@dataclass
class Stream:
    """A streaming run's traffic (blocks in arrival order), where it counts what ended, and
    how many tenants the gateway meters."""

    blocks: Iterator[Requests]
    tally: Tally
    tenants: int
    page_rows: int = PAGE_ROWS
    last: Requests | None = None  # the last block read

    def next_block(self) -> Requests:
        """The next non-empty block; no requests when the stream is done."""
        for block in self.blocks:
            if len(block):
                self.last = block
                return block
        return Requests.none()


class Slots:
    def __init__(
        self,
        columns: Columns,
        records: Records,
        tally: Tally,
        page_rows: int,
        held: Callable[[], set[int]],
        forget: Callable[[int, int], None],
    ) -> None:
        """`held()`: the rows the fleet still works on; `forget(lo, hi)`: drop queue
        entries that name rows lo..hi-1 (all ended)."""
        self.columns, self.records, self.tally = columns, records, tally
        self.page_rows = page_rows
        self.held, self.forget = held, forget
        self.owner = array("q")  # row -> arrival index of the request it holds
        self.block = columns  # the block being read, packed (`read`)
        self.full: list[int] = []  # first rows of full pages in use, oldest first
        self.free: list[int] = []
        self.current = self.row = self.end = 0
        self.pages = 0

    def read(self, block: Requests) -> Columns:
        """The block the next rows come from, packed once (rows copy at list speed)."""
        self.block = Columns.of(block)
        return self.block

    def take(self, j: int, index: int) -> int:
        """A row for the request at row j of the block read (arrival index `index`)."""
        if self.row == self.end:
            self._open()
        row = self.row
        self.row += 1
        c, b = self.columns, self.block
        c.arrival[row] = b.arrival[j]
        c.prompt[row] = b.prompt[j]
        c.output[row] = b.output[j]
        c.session[row] = b.session[j]
        c.prefix[row] = b.prefix[j]
        c.tenant[row] = b.tenant[j]
        self.owner[row] = index
        return row

    def _open(self) -> None:
        if self.pages:
            self.full.append(self.current)
        self._reclaim()
        if self.free:
            self.current = self.free.pop()
            self._reset(self.current, self.current + self.page_rows)
        else:
            self.current = self.pages * self.page_rows
            self._grow()
        self.row, self.end = self.current, self.current + self.page_rows

    def _reclaim(self) -> None:
        """Count and free every full page whose requests have all ended and left the fleet."""
        size, outcome = self.page_rows, self.records.outcome
        done = [s for s in self.full if not (outcome[s : s + size] == PENDING).any()]
        if not done:
            return
        held = self.held()
        for start in done:
            if any(start <= rid < start + size for rid in held):
                continue
            self._count(start, start + size)
            self.forget(start, start + size)
            self.full.remove(start)
            self.free.append(start)

    def close(self) -> None:
        """Count every row still in use (the run has ended: each has its outcome)."""
        for start in self.full:
            self._count(start, start + self.page_rows)
        if self.pages:
            self._count(self.current, self.row)
        self.full, self.row = [], self.end

    def _count(self, lo: int, hi: int) -> None:
        c, r = self.columns, self.records

        def column(values: array, dtype: str) -> np.ndarray:
            return np.frombuffer(values[lo:hi], dtype)  # a copy: the array may still grow

        self.tally.add(
            column(c.arrival, "f8"),
            column(c.prompt, "i8"),
            column(c.output, "i8"),
            r.outcome[lo:hi],
            r.first_token_s[lo:hi],
            r.finish_s[lo:hi],
            r.prefix_hit_tokens[lo:hi],
        )

    def _reset(self, lo: int, hi: int) -> None:
        """Rows as new: no owner (a late cancel of their last request must find none)."""
        self.owner[lo:hi] = array("q", [-1]) * (hi - lo)
        fresh = Records.empty(hi - lo)
        for f in fields(Records):
            getattr(self.records, f.name)[lo:hi] = getattr(fresh, f.name)

    def _grow(self) -> None:
        """One more page of rows in every column and record (the arrays grow in place:
        replicas hold the same objects)."""
        size = self.page_rows
        for f in fields(Columns):
            values = getattr(self.columns, f.name)
            values.extend(array(values.typecode, bytes(values.itemsize * size)))
        self.owner.extend(array("q", [-1]) * size)
        fresh = Records.empty(size)
        for f in fields(Records):
            name = f.name
            grown = np.concatenate([getattr(self.records, name), getattr(fresh, name)])
            setattr(self.records, name, grown)
        self.pages += 1
