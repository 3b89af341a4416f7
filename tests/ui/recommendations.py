"""The app's sample recommendations: the shared samples with round numbers."""

from __future__ import annotations

from napkin.calibration.uncertainty import Interval
from napkin.recommendation import Recommendation, TargetCheck, Verdict
from tests.samples import infeasible as _infeasible
from tests.samples import recommendation as _recommendation


def recommendation(**changes) -> Recommendation:
    """A feasible chatbot recommendation with round numbers."""
    return _recommendation(
        replicas=500,
        gpus=4000,
        batch=64,
        monthly_cost_usd=Interval(5.76e6, 5.2e6, 6.4e6, "e2e residuals"),
        usd_per_million_output_tokens=Interval(1.6, 1.4, 1.8, "tpot residuals"),
        targets=(
            TargetCheck("ttft_p99_s", 3.0, 0.5, Verdict.met),
            TargetCheck("e2e_p99_s", 15.0, 9.0, Verdict.met),
        ),
    ).with_(**changes)


def infeasible() -> Recommendation:
    return _infeasible(tp=1, source="simulation", binding="time-per-token budget")
