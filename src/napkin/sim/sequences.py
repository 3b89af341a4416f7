"""What a replica holds, with names: prompts being prefilled, sequences decoding, and the
segment of identical steps under way (`sim.replica` advances them)."""

from __future__ import annotations

from dataclasses import dataclass

from napkin.perf.step_model import Vector


class Decoding:
    """A decoding sequence as of the step it (re)started decoding; its context and tokens
    generated grow by `rate` a step from there. (A plain class: mypyc makes it a C struct.)"""

    __slots__ = ("start_step", "start_context", "start_generated", "order")

    def __init__(
        self, start_step: int, start_context: float, start_generated: float, order: int
    ) -> None:
        self.start_step = start_step
        self.start_context = start_context
        self.start_generated = start_generated
        self.order = order  # admission order: preemption takes the most recent


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
