"""Code completion: short suggestions under a tight first-character budget."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from napkin.specs.workload import MAX_TOKENS


class Speculation(BaseModel):
    """Speculative decoding: a draft model proposes `draft_tokens`, the target verifies."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    draft_model: str
    draft_tokens: int = Field(gt=0, le=16)
    acceptance_rate: float = Field(gt=0, lt=1)


class CompletionWorkload(BaseModel):
    """- `prompt_tokens`: code context sent per request.
    - `cancellation_rate`: requests the user abandons by typing on.
    - `decoded_before_cancel`: mean fraction of a cancelled suggestion already decoded when
      the cancellation arrives (what immediate abort cannot save).
    - `stated_ms_per_token`: a design's own single-stream figure, if it states one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    peak_qps: float = Field(
        ge=1e-3, le=1e10, description="1e-3 to 1e10 (each of 1e10 developers once a second)"
    )
    peak_to_average: float = Field(default=2.0, ge=1, le=1e3, description="1 to 1e3")
    prompt_tokens: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8 tokens")
    suggestion_tokens: float = Field(
        gt=1, le=1e6, description="more than 1 (TPOT needs two tokens) and at most 1e6"
    )
    cancellation_rate: float = Field(ge=0, lt=1)
    decoded_before_cancel: float = Field(ge=0, le=1)
    debounce_s: float = Field(ge=0, le=3600, description="0 to an hour")
    speculation: Speculation | None = None
    batch_sizes: tuple[Annotated[int, Field(ge=1, le=1_000_000)], ...] = Field(
        default=(1, 8, 32, 128),
        min_length=1,
        description="batches to tabulate; each 1 (one sequence) to 1e6",
    )
