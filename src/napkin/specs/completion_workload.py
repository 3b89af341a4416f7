"""Code completion: short suggestions under a tight first-character budget."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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

    peak_qps: float = Field(gt=0)
    peak_to_average: float = Field(default=2.0, ge=1)
    prompt_tokens: float = Field(gt=0)
    suggestion_tokens: float = Field(gt=1)
    cancellation_rate: float = Field(ge=0, lt=1)
    decoded_before_cancel: float = Field(ge=0, le=1)
    debounce_s: float = Field(ge=0)
    speculation: Speculation | None = None
    batch_sizes: tuple[int, ...] = (1, 8, 32, 128)
