"""What a replica holds, with names: prompts being prefilled, sequences decoding, and the
segment of identical steps under way (`sim.replica` advances them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from napkin.perf.step_model import Vector


class Decoding(NamedTuple):
    """A decoding sequence as of the step it (re)started decoding; its context and tokens
    generated grow by `rate` a step from there."""

    start_step: int
    start_context: float
    start_generated: float
    order: int  # admission order: preemption takes the most recent


@dataclass(slots=True, eq=False)
class Prefilling:
    """A prompt being prefilled in chunks (compared by identity, as the scheduler's lists
    are)."""

    rid: int
    remaining: float  # tokens still to prefill
    done: float  # tokens already in the KV cache (prefix-cache hits included)


@dataclass
class Segment:
    start_s: float
    steps: int
    first: Vector
    growth: Vector
    prefill: list[tuple[Prefilling, int]]  # (prompt being prefilled, tokens per step)
    duration_s: float
    decoding: bool = True  # False: a prefill-only step, the decoding sequences wait

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s
