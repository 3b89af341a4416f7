"""Run a drill's three arms on a slice of the planned fleet and compare them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from math import isfinite
from typing import TYPE_CHECKING, Any

from napkin import strict_json
from napkin.drills.arm import Arm, Context
from napkin.drills.outcome import ServingArm, UserView, recovery_s, timeline, window_stats
from napkin.drills.params import PARAMS, Params, check_params, describe_params
from napkin.drills.serving import DRILLS
from napkin.errors import NapkinError
from napkin.perf.sizing import SLICE_REPLICAS
from napkin.planner import Plan
from napkin.sim.event_loop import Fleet
from napkin.sim.footprint import (
    DEFAULT_BUDGET,
    Budget,
    Footprint,
    footprint,
    over,
    require_within,
    shrink,
)
from napkin.sim.metrics import GoodputLimits
from napkin.sim.options import SimOptions, fleet_of, pools_slice, steps_of, traffic_of
from napkin.sim.requests import Outcome
from napkin.sim.run import goodput_limits_of
from napkin.sim.traffic import generate

if TYPE_CHECKING:
    from napkin.drills.jobs import JobArm

ARMS = ("baseline", "failure", "mitigated")


@dataclass
class DrillResult:
    name: str
    params: Params
    replicas: int
    arms: dict[str, ServingArm | JobArm]
    wall_s: float

    def to_json(self) -> dict[str, Any]:
        """Strict JSON: an open window's infinite end, or a NaN (no data), is None."""
        out = {
            "drill": self.name,
            "params": self.params,
            "replicas": self.replicas,
            "arms": {name: arm.to_json() for name, arm in self.arms.items()},
            "wall_s": self.wall_s,
        }
        return strict_json.finite(out)  # type: ignore[return-value]


def _goodput(view: UserView, targets: GoodputLimits) -> float:
    ok = view.outcome == Outcome.completed
    if targets.ttft_s is not None:
        ok &= view.ttft_s <= targets.ttft_s
    if targets.e2e_s is not None:
        ok &= view.e2e_s <= targets.e2e_s
    return float(ok.mean()) if len(ok) else float("nan")


def _measure(
    arm: Arm, steps: Any, targets: GoodputLimits, baseline_p99: float | None
) -> ServingArm:
    fleet = Fleet(arm.config, steps, arm.requests, arm.spare_attempts)
    arm.install(fleet)
    run = fleet.run()
    view = UserView.of(arm.requests, run)
    start, end = arm.window
    t = view.arrival_s
    stats = {"all": window_stats(view, t >= 0)}
    if isfinite(start):
        stats.update(
            before=window_stats(view, t < start),
            during=window_stats(view, (t >= start) & (t < end)),
            after=window_stats(view, t >= end),
        )
    tenants = "tenant" in arm.requests.__dataclass_fields__ and (view.tenant > 0).any()
    return ServingArm(
        windows=stats,
        goodput_fraction=_goodput(view, targets),
        attempts_per_request=float(view.attempts.mean()) if len(view.attempts) else 1.0,
        gpu_busy_s=float(run.busy_s.sum()),
        conserved=bool((run.records.outcome != Outcome.pending).all()),
        window_s=(start, end),
        notes=arm.notes,
        timeline=timeline(view, run),
        other_tenants=window_stats(view, view.tenant > 0) if tenants else None,
        recovery_s=(
            recovery_s(view, end, baseline_p99)
            if baseline_p99 is not None and isfinite(end)
            else None
        ),
    )


def drill_slice(plan: Plan, options: SimOptions) -> SimOptions:
    """The slice: up to SLICE_REPLICAS replicas at the planned per-replica peak load."""
    if "model_replicas_provisioned" not in plan.figures:
        raise NapkinError(
            f"{plan.design.name} has no planned fleet to drill: "
            + (plan.fit_reason if not plan.fits else "no fleet meets its SLA"),
            field="napkin drill",
        )
    if plan.design.disaggregation is not None:
        decode = options.decode_replicas or SLICE_REPLICAS
        sliced = pools_slice(plan, decode, plan.figures["peak_qps"].value, options)
        return sliced.model_copy(update={"qps": options.qps or sliced.qps})
    planned = int(plan.figures["model_replicas_provisioned"].value)
    replicas = min(options.replicas or SLICE_REPLICAS, planned)
    qps = options.qps or plan.figures["peak_qps"].value * replicas / planned
    return options.model_copy(update={"replicas": replicas, "qps": qps})


def drill_cost(plan: Plan, options: SimOptions, drills: int = 1) -> Footprint:
    """`drills` drills of three arms each, every arm a run of the slice (`sim.footprint`)."""
    sliced = drill_slice(plan, options)
    samples = sliced.duration_s / sliced.sample_interval_s
    one = footprint(
        float(sliced.qps or 0) * sliced.duration_s, int(sliced.replicas or 1), 0, samples
    )
    return one.times(len(ARMS) * drills)


def require_drill_size(plan: Plan, options: SimOptions, drills: int, budget: Budget) -> None:
    """Refuse drills over `budget` before the first arm runs, with a smaller run to ask for."""
    cost = drill_cost(plan, options, drills)
    if not over(cost, budget):
        return
    scale = shrink(cost, budget)
    seconds = max(options.duration_s * scale, 1)
    replicas = int(cost.replicas * scale)
    fewer = f"--replicas {replicas:,} or " if replicas >= 1 else ""
    require_within(cost, budget, f"Drill with {fewer}--duration {seconds:,.0f} or less")


def drill_context(plan: Plan, options: SimOptions) -> Context:
    """The slice's seeded workload and fleet, shared by the three arms."""
    sliced = drill_slice(plan, options)
    requests = generate(traffic_of(plan, sliced), sliced.duration_s, sliced.seed)
    config = fleet_of(plan, sliced)
    return Context(requests, config, sliced.duration_s, sliced.seed, steps_of(plan))


def run_drill(
    plan: Plan,
    name: str,
    params: Params,
    options: SimOptions,
    budget: Budget | None = DEFAULT_BUDGET,
) -> DrillResult:
    """Baseline, failure and failure with mitigation, on the same seeded workload (refused
    before it starts when estimated over `budget`; None runs it anyway)."""
    if name not in DRILLS:
        raise NapkinError(f"no drill {name!r}; drills: {', '.join(DRILLS)}", field="--failure")
    if budget is not None:
        require_drill_size(plan, options, 1, budget)
    started = time.perf_counter()
    ctx = drill_context(plan, options)
    limits = {"replicas": ctx.config.replicas, "duration_s": ctx.duration_s}
    check_params(name, params, PARAMS[name], limits)
    steps, targets = steps_of(plan), goodput_limits_of(plan)
    failure = DRILLS[name](ctx, params, False)
    mitigated = DRILLS[name](ctx, params, True)
    baseline = Arm(ctx.requests, ctx.config, window=failure.window)
    measured = _measure(baseline, steps, targets, None)
    p99 = measured.windows["all"].ttft_p99_s
    arms: dict[str, ServingArm | JobArm] = {
        "baseline": measured,
        "failure": _measure(failure, failure.steps or steps, targets, p99),
        "mitigated": _measure(mitigated, mitigated.steps or steps, targets, p99),
    }
    return DrillResult(name, params, ctx.config.replicas, arms, time.perf_counter() - started)


def register_drills(plan: Plan) -> list[tuple[str, str, Params]]:
    """(failure mode, drill, params) for every entry of the design's register. A simulated
    drill's params must be ones it reads: a key it ignores would change nothing, silently."""
    from napkin.drills.jobs import JOB_PARAMS

    known = JOB_PARAMS if plan.design.kind == "finetune-service" else PARAMS
    out = []
    for number, mode in enumerate(plan.design.failure_modes):
        declared = known.get(mode.drill.name)
        unread = sorted(set(mode.drill.params) - set(declared or mode.drill.params))
        if unread:
            raise NapkinError(
                f"drill {mode.drill.name!r} reads no {', '.join(unread)}; its parameters: "
                f"{describe_params(declared or {})}",
                field=f"failure_modes.{number}.drill.params",
            )
        out.append((mode.name, mode.drill.name, dict(mode.drill.params)))
    return out


# What each drill's mitigation is for: (label, value of an arm, "lower" or "higher" is better)
TARGETS: dict[str, tuple[str, Callable[[ServingArm], float], str]] = {
    "replica-crash": ("goodput", lambda a: a.goodput_fraction, "higher"),
    "stalled-replica": ("E2E p99 during the stall (s)", lambda a: a.during().e2e_p99_s, "lower"),
    "long-prompt-oom": ("goodput", lambda a: a.goodput_fraction, "higher"),
    "hot-tenant": (
        "other tenants' TTFT p99 (s)",
        lambda a: a.other_tenants.ttft_p99_s if a.other_tenants else float("nan"),
        "lower",
    ),
    "retry-storm": ("attempts per user request", lambda a: a.attempts_per_request, "lower"),
    "overload": ("goodput", lambda a: a.goodput_fraction, "higher"),
    "region-failover": (
        "TTFT p99 after failover (s)",
        lambda a: a.windows["after"].ttft_p99_s,
        "lower",
    ),
    "cold-start": ("TTFT p99 during the ramp (s)", lambda a: a.during().ttft_p99_s, "lower"),
    "cancellation": ("GPU-seconds of decode", lambda a: a.gpu_busy_s, "lower"),
    "runaway-loop": ("goodput", lambda a: a.goodput_fraction, "higher"),
    "expert-skew": ("E2E p99 (s)", lambda a: a.windows["all"].e2e_p99_s, "lower"),
    "kv-transfer-stall": ("TTFT p99 in the stall (s)", lambda a: a.during().ttft_p99_s, "lower"),
}


def target_of(result: DrillResult) -> tuple[str, float, float, bool]:
    """(metric, failure value, mitigated value, whether the mitigation improved it)."""
    from napkin.drills.jobs import JOB_TARGETS, JobArm

    failure, mitigation = result.arms["failure"], result.arms["mitigated"]
    if isinstance(failure, JobArm) and isinstance(mitigation, JobArm):
        label, job_value, better = JOB_TARGETS[result.name]
        failed, mitigated = job_value(failure), job_value(mitigation)
    elif isinstance(failure, ServingArm) and isinstance(mitigation, ServingArm):
        label, value, better = TARGETS[result.name]
        failed, mitigated = value(failure), value(mitigation)
    else:
        raise TypeError("a drill's arms are all serving arms or all job arms")
    improved = mitigated < failed if better == "lower" else mitigated > failed
    return label, failed, mitigated, improved
