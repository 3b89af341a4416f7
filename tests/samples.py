"""Recommendations built by hand, so rendering tests (terminal, reports, app) do not depend
on the planner's numbers. Each test file states only the fields it asserts on."""

from __future__ import annotations

from typing import Any

from napkin.recommendation import Recommendation, Relaxation, TargetCheck, Verdict


def recommendation(**changes: Any) -> Recommendation:
    """A feasible 70B chatbot on H100s at TP8; `changes` override any field."""
    rec = Recommendation(
        design="chatbot",
        kind="chatbot",
        model="llama-3.1-70b",
        gpu="H100-SXM",
        precision="bf16",
        tp=8,
        feasible=True,
        source="simulation",
        binding="time-per-token budget",
    )
    return rec.with_(**changes)


def infeasible(**changes: Any) -> Recommendation:
    """The same deployment with an SLA it cannot meet, and the fix found for it."""
    return recommendation(
        feasible=False,
        source="closed form",
        binding="",
        targets=(TargetCheck("ttft_p99_s", 3.0, None, Verdict.missed),),
        infeasible="weights need 131.4 GiB per GPU at tp=1",
        relaxation=Relaxation("tensor parallel 2", ("deployment.tp=2",), 5000, 7.2e6),
    ).with_(**changes)


# An eval suite as `--set` overrides of the built-in eval-harness, serial harness:
GSM8K = [  # gsm8k's test split, 8-shot chain of thought, an 8B model on one A100
    "model=llama-3.1-8b",
    "hardware.gpu=A100-80GB",
    "deployment.tp=1",
    "deployment.precision=bf16",
    "eval.tokens_per_s_per_gpu=null",
    "eval.prompts=1319",
    "eval.input_tokens_per_prompt=900",
    "eval.output_tokens_per_prompt=256",
    "eval.ablation_multiplier=1",
    "eval.harness=serial",
]
