"""What a simulation will cost before it starts: wall time and peak memory.

    wall_s       = requests × SECONDS_PER_REQUEST + replicas × SECONDS_PER_REPLICA
                   + samples × (SECONDS_PER_SAMPLE + replicas × SECONDS_PER_REPLICA_SAMPLE)
                   (+ trace rows × SECONDS_PER_TRACE_ROW)
    memory_bytes = BASE_BYTES + requests × BYTES_PER_REQUEST + replicas × BYTES_PER_REPLICA
                   + samples × BYTES_PER_SAMPLE

where samples = simulated seconds / the sampling interval (the queue and KV series: a
trace whose last request is 10^7 s after its first takes 10 s and 350 MB for that alone;
each sample reads every replica, so 20,000 replicas for 240 s add 4.8M replica-samples).

The per-unit costs were measured with `benchmarks/footprint.py` and are recorded under
"Sizing the run" in `benchmarks/RESULTS.md` (2-core development VM, 2026-11-30): 25–45 µs a
simulated request on the pure-Python core and 5–9 µs on the compiled one (`napkin.native`),
160–300 bytes a request (peak RSS above the interpreter's ~48 MiB) on either, ~1.7 KB and
~20 µs a replica, 0.2 and 0.013 µs a replica read by a series sample. Each constant is set
at or above the top of its range, so measured / estimated stays at or below 1 (0.5–1.0
over the benchmark's cases): napkin warns early, never late. A machine twice as fast takes
half the time; the memory does not change.

Runs one after another (a drill's three arms, a report's drills) add their wall time; their
peak memory is the largest single run's, as each run's arrays are freed before the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from napkin.errors import NapkinError
from napkin.native import COMPILED

SECONDS_PER_REQUEST = 10e-6 if COMPILED else 50e-6  # the core that runs (napkin.native)
SECONDS_PER_REPLICA_SAMPLE = 0.03e-6 if COMPILED else 0.3e-6  # one replica read by a sample
SECONDS_PER_REPLICA = 25e-6  # setting up and draining one replica
SECONDS_PER_SAMPLE = 1.2e-6  # measured ~1.0 µs and ~35 B a sample (10^7 samples: 10 s)
BYTES_PER_SAMPLE = 40
SECONDS_PER_TRACE_ROW = 30e-6  # reading and validating one trace row, before simulating it
BYTES_PER_REQUEST = 320
BYTES_PER_REPLICA = 2_000
BASE_BYTES = 64 * 2**20  # the interpreter, numpy and napkin itself
# Requests a streamed run holds at once, as if kept whole: a block of traffic (2^18 at the
# peak rate, `sim.traffic.BLOCK_REQUESTS`) and the pages of rows in flight, with room.
STREAMED_REQUESTS = 1 << 20


@dataclass(frozen=True)
class Budget:
    """What a run may cost before napkin asks first (`--yes` skips the question)."""

    wall_s: float = 120.0
    memory_bytes: float = 4e9


DEFAULT_BUDGET = Budget()


@dataclass(frozen=True)
class Footprint:
    """The estimated cost of one or more runs made one after another."""

    requests: float
    replicas: int
    wall_s: float
    memory_bytes: float

    def then(self, other: Footprint) -> Footprint:
        """This run followed by `other`: times add, the peak is the larger one's."""
        return Footprint(
            self.requests + other.requests,
            max(self.replicas, other.replicas),
            self.wall_s + other.wall_s,
            max(self.memory_bytes, other.memory_bytes),
        )

    def times(self, runs: int) -> Footprint:
        """`runs` runs of this size one after another."""
        return Footprint(self.requests * runs, self.replicas, self.wall_s * runs, self.memory_bytes)


def footprint(
    requests: float,
    replicas: int,
    trace_rows: int = 0,
    samples: float = 0.0,
    streamed: bool = False,
) -> Footprint:
    """One run of `requests` requests on `replicas` replicas, `samples` series samples
    (module docstring). A streamed run (`sim.slots`) holds at most STREAMED_REQUESTS."""
    held = min(requests, STREAMED_REQUESTS) if streamed else requests
    wall = (
        requests * SECONDS_PER_REQUEST
        + replicas * SECONDS_PER_REPLICA
        + samples * (SECONDS_PER_SAMPLE + replicas * SECONDS_PER_REPLICA_SAMPLE)
        + trace_rows * SECONDS_PER_TRACE_ROW
    )
    memory = (
        BASE_BYTES
        + held * BYTES_PER_REQUEST
        + replicas * BYTES_PER_REPLICA
        + samples * BYTES_PER_SAMPLE
    )
    return Footprint(requests, replicas, wall, memory)


def trace_rows(path: str | Path) -> int:
    """Lines in a trace file, counted in 1 MiB blocks (no parsing): ~1 s a gigabyte."""
    try:
        with open(path, "rb") as stream:
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(2**20), b""))
    except OSError:
        return 0  # reading it later says what is wrong, with the file's name


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def describe(cost: Footprint) -> str:
    """'~80,000,000 requests on 284,455 replicas: about 73 min and 24.6 GB'."""
    return (
        f"~{cost.requests:,.0f} simulated requests on {cost.replicas:,} replicas: about "
        f"{_duration(cost.wall_s)} and {cost.memory_bytes / 1e9:,.1f} GB "
        "(at the per-request costs in benchmarks/RESULTS.md)"
    )


def over(cost: Footprint, budget: Budget | None) -> bool:
    """Whether `cost` exceeds `budget` in time or in memory (None: no limit)."""
    if budget is None:
        return False
    return cost.wall_s > budget.wall_s or cost.memory_bytes > budget.memory_bytes


def shrink(cost: Footprint, budget: Budget) -> float:
    """The factor (< 1) a run over budget must shrink by to fit, with 10% to spare."""
    return 0.9 * min(budget.wall_s / cost.wall_s, budget.memory_bytes / cost.memory_bytes)


def require_within(cost: Footprint, budget: Budget | None, smaller: str) -> None:
    """Refuse a run over `budget` (None: no limit), saying what it would cost and how to run
    a smaller one (`smaller`) or this one anyway (`--yes`, or `budget=None` in Python)."""
    if budget is None or not over(cost, budget):
        return
    limit = f"{_duration(budget.wall_s)} or {budget.memory_bytes / 1e9:,.0f} GB"
    raise NapkinError(
        f"this run is larger than you probably meant: {describe(cost)}, over the "
        f"budget of {limit}. {smaller}; or pass --yes to run it anyway",
        field="run size",
    )
