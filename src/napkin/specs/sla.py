"""Service-level targets a design must meet."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from napkin.specs.bounds import at_most

DAY_S = 86_400.0
BOUNDS = "seconds, above 0 and at most a day (no interactive target is longer)"
Seconds = Annotated[float | None, at_most(DAY_S, "s (a day)")]


class SLA(BaseModel):
    """Latency targets in seconds. Any may be omitted; at least one must be given.

    `tpot_s` is the time per output token after the first (TPOT = (E2E - TTFT) / (n - 1),
    vLLM's definition). When omitted, the plan derives a budget from the end-to-end and
    first-token targets.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    ttft_p50_s: Seconds = Field(default=None, gt=0, description=BOUNDS)
    ttft_p99_s: Seconds = Field(default=None, gt=0, description=BOUNDS)
    tpot_s: Seconds = Field(default=None, gt=0, description=BOUNDS)
    e2e_p99_s: Seconds = Field(default=None, gt=0, description=BOUNDS)

    @model_validator(mode="after")
    def _some_target(self) -> SLA:
        if not any((self.ttft_p50_s, self.ttft_p99_s, self.tpot_s, self.e2e_p99_s)):
            raise ValueError("give at least one of ttft_p50_s, ttft_p99_s, tpot_s, e2e_p99_s")
        if self.ttft_p50_s and self.ttft_p99_s and self.ttft_p50_s > self.ttft_p99_s:
            raise ValueError("ttft_p50_s must not exceed ttft_p99_s")
        first = self.ttft_p99_s or self.ttft_p50_s
        if self.e2e_p99_s and first and self.e2e_p99_s <= first:
            raise ValueError(
                f"e2e_p99_s ({self.e2e_p99_s:g} s) must exceed the TTFT limit ({first:g} s): "
                "the whole response cannot arrive before its first token"
            )
        return self
