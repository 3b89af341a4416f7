"""The simulated requests and what became of them, as flat arrays (one row per request).

Arrays instead of objects keep a run of millions of requests in a few hundred MB and let
metrics be computed with NumPy. Every request ends in exactly one terminal state.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np


class Outcome(IntEnum):
    pending = 0
    completed = 1
    rejected = 2
    cancelled = 3
    failed = 4
    timed_out = 5
    unfinished = 6  # still queued or running when the drain limit ended the run


# Plain ints for the hot loop: an IntEnum member lookup costs more than the comparison.
PENDING, COMPLETED, REJECTED, CANCELLED, FAILED, TIMED_OUT, UNFINISHED = (int(o) for o in Outcome)


@dataclass
class Requests:
    """The workload: arrival order, sizes, tenant, session and client cancellation time."""

    arrival_s: np.ndarray
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    tenant: np.ndarray
    session: np.ndarray
    prefix_tokens: np.ndarray
    cancel_at_s: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival_s)

    @classmethod
    def none(cls) -> Requests:
        """No requests (a streaming run's fleet starts empty and takes blocks)."""
        empty = np.zeros(0)
        ints = np.zeros(0, np.int64)
        return cls(empty, ints, ints, ints.astype(np.int32), ints, ints, empty)

    def take(self, index: np.ndarray) -> Requests:
        """The requests at `index` (a mask or positions), every column alike."""
        return Requests(*(getattr(self, f.name)[index] for f in fields(self)))

    def merged(self, other: Requests) -> Requests:
        """Both request sets as one, in arrival order (stable for equal times)."""
        both = Requests(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )
        return both.take(np.argsort(both.arrival_s, kind="stable"))


@dataclass
class Records:
    """What happened to each request (times in seconds; NaN where it never happened)."""

    outcome: np.ndarray
    replica: np.ndarray
    first_token_s: np.ndarray
    finish_s: np.ndarray
    generated: np.ndarray
    preemptions: np.ndarray
    prefix_hit_tokens: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Records:
        return cls(
            np.zeros(n, np.int8),
            np.full(n, -1, np.int32),
            np.full(n, np.nan),
            np.full(n, np.nan),
            np.zeros(n, np.int32),
            np.zeros(n, np.int32),
            np.zeros(n, np.int32),
        )

    def __post_init__(self) -> None:
        self.ended = 0  # requests given a terminal state so far (a closed loop's clock)

    def end(self, rid: int, outcome: int, time_s: float) -> None:
        """Give a request its terminal state (once)."""
        if self.outcome[rid] != PENDING:
            raise RuntimeError(f"request {rid} ended twice")
        self.outcome[rid] = outcome
        self.finish_s[rid] = time_s
        self.ended += 1


@dataclass(frozen=True)
class Columns:
    """The requests' fields as compact `array.array`s, built once and shared by every
    replica: 8 bytes a value like NumPy, but indexed at Python-list speed in the hot loop."""

    arrival: array
    prompt: array
    output: array
    session: array
    prefix: array
    tenant: array

    @classmethod
    def of(cls, requests: Requests) -> Columns:
        def pack(code: str, values: np.ndarray) -> array:
            return array(code, values.astype("f8" if code == "d" else "i8").tobytes())

        return cls(
            pack("d", requests.arrival_s),
            pack("q", requests.prompt_tokens),
            pack("q", requests.output_tokens),
            pack("q", requests.session),
            pack("q", requests.prefix_tokens),
            pack("q", requests.tenant),
        )

    def requests(self) -> Requests:
        """The rows as Requests (a retry's attempts included), none cancelled by its client."""
        c = {f.name: np.array(getattr(self, f.name)) for f in fields(self)}
        n = len(self.arrival)
        return Requests(
            c["arrival"],
            c["prompt"],
            c["output"],
            c["tenant"],
            c["session"],
            c["prefix"],
            np.full(n, np.inf),
        )
