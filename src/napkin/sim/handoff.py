"""The decode pool of a disaggregated fleet and the KV hand-off to it.

A prefill replica runs a request's prompt and, instead of decoding, hands it off: its KV
is freed there and sent over the link, arriving `transfer_s(prompt)` later at a decode
replica (picked by the fleet's router among the decode pool), which admits it with its
prompt already cached and emits its tokens: the first when it is admitted (TTFT), the rest
one a step. A request is in exactly one stage at a time, prefill, transfer or decode.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.perf.step_model import StepModel
from napkin.sim.scheduling import ReplicaConfig


@dataclass(frozen=True)
class DecodePool:
    """`replicas` decode replicas, each run by `replica` at `steps`; the KV link costs
    `transfer_latency_s` + prompt tokens × `transfer_s_per_token`."""

    replicas: int
    replica: ReplicaConfig
    steps: StepModel
    transfer_latency_s: float
    transfer_s_per_token: float
    stall: tuple[float, float] | None = None  # (from, until) s: the link carries nothing
    resend_after_s: float | None = None  # a transfer stuck this long goes by the fallback
    resend_slowdown: float = 4.0  # the fallback path's time over the link's

    def transfer_s(self, prompt_tokens: float) -> float:
        """t = latency + prompt_tokens × bytes_per_token / rate"""
        return self.transfer_latency_s + prompt_tokens * self.transfer_s_per_token

    def arrival_s(self, start_s: float, prompt_tokens: float) -> float:
        """When a transfer begun at start_s lands. One the stall overlaps starts again when
        the link is back; with `resend_after_s`, it is sent over the fallback path (at
        `resend_slowdown` × the time) once stuck that long, if that lands sooner."""
        took = self.transfer_s(prompt_tokens)
        if self.stall is None:
            return start_s + took
        low, high = self.stall
        if start_s >= high or start_s + took <= low:
            return start_s + took
        landed = high + took
        if self.resend_after_s is not None:
            stuck = max(start_s, low)
            landed = min(landed, stuck + self.resend_after_s + took * self.resend_slowdown)
        return landed
