"""An evaluation harness for a model release: generations, judging, and statistics."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from napkin.specs.workload import MAX_TOKENS

TAIL = 1e-9
"""Probabilities stay in [1e-9, 1 - 1e-9]: beyond, normal quantiles run out of precision."""


class Harness(str, Enum):
    """How the suite's prompts reach the model.

    - `batched`: offline generation, every prompt queued at once and the batch as large as
      memory allows (vLLM's `LLM.generate`, lm-evaluation-harness's `vllm` backend).
    - `serial`: `workers` clients against an endpoint, each sending its next prompt when its
      answer is back (lm-evaluation-harness's API models, `num_concurrent` 1 by default).
    """

    batched = "batched"
    serial = "serial"


class EvalWorkload(BaseModel):
    """- `harness` / `workers`: see `Harness`; `workers` only for the serial harness.
    - `ablation_multiplier`: passes per suite (ablations x seeds).
    - `judge_*`: pairwise LLM-as-judge, each pair judged in both orders; with
      `judge_usd_per_m_tokens` (an API's blended price) the judging is costed.
    - `baseline_accuracy` / `min_detectable_drop`: the regression the suite must detect at
      `alpha` (two-sided) with `power`.
    - `gate_pass_fraction` / `gate_cost_fraction`: share of candidates that pass the cheap
      gates, and a gate's cost relative to the full suite.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    prompts: float = Field(ge=1, le=1e12, description="1 to 1e12 prompts per suite")
    input_tokens_per_prompt: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8")
    output_tokens_per_prompt: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8")
    ablation_multiplier: float = Field(ge=1, le=1e6, description="1 to 1e6 passes")
    budget_gpu_hours: float = Field(ge=1e-3, le=1e10, description="1e-3 to 1e10 GPU-hours")
    turnaround_h: float = Field(ge=1e-3, le=1e6, description="1e-3 h to 1e6 h (~a century)")
    judge_pairs: float = Field(ge=0, le=1e12, description="0 to 1e12 pairs")
    judge_calls_per_pair: float = Field(default=2, ge=1, le=1e3, description="1 to 1e3")
    judge_tokens_per_call: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8")
    judge_usd_per_m_tokens: float | None = Field(
        default=None, ge=0, le=1e6, description="0 to 1e6 USD per million tokens"
    )
    harness: Harness = Harness.batched
    workers: int | None = Field(
        default=None, ge=1, le=1_000_000, description="1 to 1,000,000 concurrent clients"
    )
    tokens_per_s_per_gpu: float | None = Field(
        default=None, ge=1e-3, le=1e9, description="1e-3 to 1e9 tokens/s per GPU"
    )
    baseline_accuracy: float = Field(ge=TAIL, le=1 - TAIL, description="in [1e-9, 1 - 1e-9]")
    min_detectable_drop: float = Field(ge=TAIL, le=1 - TAIL, description="in [1e-9, 1 - 1e-9]")
    alpha: float = Field(
        default=0.05,
        ge=TAIL,
        le=1 - TAIL,
        description="in [1e-9, 1 - 1e-9]: smaller underflows the normal quantile",
    )
    power: float = Field(default=0.8, ge=TAIL, le=1 - TAIL, description="in [1e-9, 1 - 1e-9]")
    candidates: float = Field(default=1, ge=1, le=1e9, description="1 to 1e9")
    gate_pass_fraction: float = Field(default=1.0, ge=TAIL, le=1, description="1e-9 to 1")
    gate_cost_fraction: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _drop_within_baseline(self) -> EvalWorkload:
        if self.min_detectable_drop >= self.baseline_accuracy:
            raise ValueError(
                f"min_detectable_drop ({self.min_detectable_drop:g}) must be below "
                f"baseline_accuracy ({self.baseline_accuracy:g}): accuracy cannot drop below 0"
            )
        if self.workers is not None and self.harness is not Harness.serial:
            raise ValueError("workers applies to harness: serial (clients of an endpoint)")
        return self

    @property
    def clients(self) -> int:
        """The serial harness's concurrent clients: `workers`, 1 when not given."""
        return self.workers or 1
