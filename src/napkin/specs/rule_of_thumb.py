"""The per-GPU figures a written design assumes instead of deriving them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RuleOfThumb(BaseModel):
    """A design's given output tokens/s per GPU (e.g. 'continuous batching gives ~1,500').

    When present, the headline fleet and cost figures use it, and napkin's model-derived
    figures stand beside them; `source` says where the design got the number.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    output_tokens_per_s_per_gpu: float = Field(gt=0)
    source: str = "assumption of the design"
