"""The expert-skew drill: the busiest expert-parallel rank carries more than its share."""

from __future__ import annotations

from dataclasses import replace

from napkin.drills.arm import Arm, Context
from napkin.drills.params import Params
from napkin.perf.step_model import StepModel
from napkin.specs.deployment import EXPERT_IMBALANCE

# The busiest rank's routed tokens over the mean without a load balancer: (max − mean) /
# mean = 1.564 for DeepSeek-R1 at EP32 (NVIDIA, "Scaling Expert Parallelism in
# TensorRT-LLM (Part 1)", 2025, Table 1), a factor of 2.56.
UNBALANCED = 2.5


def expert_skew(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Every step of every replica runs at the busiest rank's load, `imbalance` × the mean
    routed tokens (default 2.5, no load balancer), for the whole run. Mitigation: an
    expert-parallel load balancer with redundant experts brings it to `balanced` × (default
    1.1, `specs.deployment.EXPERT_IMBALANCE`). A design without expert parallelism has no
    rank to skew: both arms are the baseline, and the drill says so."""
    engine = ctx.steps.engine
    deployment = engine.deployment
    if deployment.ep <= 1 or engine.model.moe is None:
        note = f"{engine.model.name} runs without expert parallelism (ep 1): nothing to skew"
        return Arm(ctx.requests, ctx.config, notes=[note])
    level = (
        params.get("balanced", EXPERT_IMBALANCE)
        if mitigated
        else params.get("imbalance", UNBALANCED)
    )
    skewed = deployment.model_copy(update={"expert_imbalance": float(level)})
    steps = StepModel(replace(engine, deployment=skewed))
    return Arm(ctx.requests, ctx.config, window=(0.0, ctx.duration_s), steps=steps)
