"""What a replica holds, with names: prompts being prefilled, sequences decoding, and the
segment of identical steps under way (`sim.replica` advances them)."""

from __future__ import annotations

from napkin.perf.step_model import Vector


class Decoding:
    """A decoding sequence as of the step it (re)started decoding; its context and tokens
    generated grow by `rate` a step from there. (A plain class: mypyc makes it a C struct.)"""

    __slots__ = (
        "rid",
        "start_step",
        "start_context",
        "start_generated",
        "order",
        "finish_step",
        "live",
    )

    def __init__(
        self,
        rid: int,
        start_step: int,
        start_context: float,
        start_generated: float,
        order: int,
        finish_step: int,
    ) -> None:
        self.rid = rid
        self.start_step = start_step
        self.start_context = start_context
        self.start_generated = start_generated
        self.order = order  # admission order: preemption takes the most recent
        self.finish_step = finish_step  # the step its last token comes out of
        self.live = True  # False once it finishes, is preempted or cancelled


class Prefilling:
    """A prompt being prefilled in chunks (compared by identity, as the scheduler's lists
    are)."""

    __slots__ = ("rid", "remaining", "done")

    def __init__(self, rid: int, remaining: float, done: float) -> None:
        self.rid = rid
        self.remaining = remaining  # tokens still to prefill
        self.done = done  # tokens already in the KV cache (prefix-cache hits included)


class Segment:
    """Steps of one composition from start_s: `first` is step 0's batch, `growth` what each
    later step adds; `decoding` False is a prefill-only step (the decoding sequences wait).
    (Plain classes, not dataclasses: a compiled dataclass's __init__ is interpreted.)"""

    __slots__ = ("start_s", "steps", "first", "growth", "prefill", "duration_s", "decoding")

    def __init__(
        self,
        start_s: float,
        steps: int,
        first: Vector,
        growth: Vector,
        prefill: list[tuple[Prefilling, int]],  # (prompt being prefilled, tokens per step)
        duration_s: float,
        decoding: bool = True,
    ) -> None:
        self.start_s = start_s
        self.steps = steps
        self.first = first
        self.growth = growth
        self.prefill = prefill
        self.duration_s = duration_s
        self.decoding = decoding

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s
