"""Recommendations built by hand, so the UI's tests do not wait on the planner's."""

from __future__ import annotations

from napkin.recommendation import Interval, Recommendation, Relaxation, TargetCheck, Verdict


def recommendation(**changes) -> Recommendation:
    """A feasible chatbot recommendation with round numbers."""
    rec = Recommendation(
        design="chatbot",
        kind="chatbot",
        model="llama-3.1-70b",
        gpu="H100-SXM",
        precision="bf16",
        tp=8,
        feasible=True,
        source="simulation",
        replicas=500,
        gpus=4000,
        batch=64,
        monthly_cost_usd=Interval(5.76e6, 5.2e6, 6.4e6, "e2e residuals"),
        usd_per_million_output_tokens=Interval(1.6, 1.4, 1.8, "tpot residuals"),
        targets=(
            TargetCheck("ttft_p99_s", 3.0, 0.5, Verdict.met),
            TargetCheck("e2e_p99_s", 15.0, 9.0, Verdict.met),
        ),
        binding="time-per-token budget",
    )
    return rec.with_(**changes)


def infeasible() -> Recommendation:
    return recommendation(
        feasible=False,
        tp=1,
        replicas=None,
        gpus=None,
        monthly_cost_usd=None,
        usd_per_million_output_tokens=None,
        targets=(TargetCheck("ttft_p99_s", 3.0, None, Verdict.missed),),
        infeasible="weights need 131.4 GiB per GPU at tp=1",
        relaxation=Relaxation("tensor parallel 2", ("deployment.tp=2",), 5000, 7.2e6),
    )
