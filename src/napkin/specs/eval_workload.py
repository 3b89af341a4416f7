"""An evaluation harness for a model release: generations, judging, and statistics."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EvalWorkload(BaseModel):
    """- `ablation_multiplier`: passes per suite (ablations x seeds).
    - `judge_*`: pairwise LLM-as-judge, each pair judged in both orders.
    - `baseline_accuracy` / `min_detectable_drop`: the regression the suite must detect at
      `alpha` (two-sided) with `power`.
    - `gate_pass_fraction` / `gate_cost_fraction`: share of candidates that pass the cheap
      gates, and a gate's cost relative to the full suite.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    prompts: float = Field(gt=0)
    input_tokens_per_prompt: float = Field(gt=0)
    output_tokens_per_prompt: float = Field(gt=0)
    ablation_multiplier: float = Field(ge=1)
    budget_gpu_hours: float = Field(gt=0)
    turnaround_h: float = Field(gt=0)
    judge_pairs: float = Field(ge=0)
    judge_calls_per_pair: float = Field(default=2, ge=1)
    judge_tokens_per_call: float = Field(gt=0)
    tokens_per_s_per_gpu: float | None = Field(default=None, gt=0)
    baseline_accuracy: float = Field(gt=0, lt=1)
    min_detectable_drop: float = Field(gt=0, lt=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    power: float = Field(default=0.8, gt=0, lt=1)
    candidates: float = Field(default=1, ge=1)
    gate_pass_fraction: float = Field(default=1.0, gt=0, le=1)
    gate_cost_fraction: float = Field(default=0.0, ge=0, lt=1)
