"""The fine-tuning service's drills: a job queue with c training slots, simulated.

Jobs arrive as a Poisson process at the plan's rate, each on a base drawn by its share and
lasting that base's predicted job time; `slots` is the plan's sizing for the start-time
SLA (G/G/c over the same spread of job times). The scheduler is
FIFO, or weighted fair (the waiting job whose tenant holds the fewest slots goes first).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from napkin.drills.outcome import ServingArm
from napkin.drills.params import Param, Params, check_params
from napkin.drills.runner import DrillResult
from napkin.errors import NapkinError
from napkin.planner import Plan

JOB_HOURS = 24.0  # a simulated day of job arrivals per arm


@dataclass
class Jobs:
    arrival_h: np.ndarray
    hours: np.ndarray
    tenant: np.ndarray
    diverges: np.ndarray  # NaN loss at some point of the run


def _queue(
    jobs: Jobs,
    slots: int,
    fair: bool,
    validate: bool,
    preempt_at_h: float,
    preempted: int,
    checkpoint_h: float,
) -> dict[str, Any]:
    """Run the queue; return start waits (h), GPU-slot-hours used and wasted."""
    n = len(jobs.arrival_h)
    start = np.full(n, np.nan)
    running: list[tuple[float, int]] = []  # (finish time, job)
    holding: dict[int, int] = {}  # tenant -> slots held
    waiting: list[int] = []
    used = wasted = 0.0
    remaining = jobs.hours.copy()
    if validate:  # a diverging job is caught in its first 2% of steps
        remaining[jobs.diverges] = jobs.hours[jobs.diverges] * 0.02
    began: dict[int, float] = {}
    clock, a = 0.0, 0
    preemption_done = False

    def start_jobs(now: float) -> None:
        while waiting and len(running) < slots:
            if fair:
                pick = min(waiting, key=lambda j: (holding.get(int(jobs.tenant[j]), 0), j))
                waiting.remove(pick)
            else:
                pick = waiting.pop(0)
            if np.isnan(start[pick]):
                start[pick] = now - jobs.arrival_h[pick]
            began[pick] = now
            holding[int(jobs.tenant[pick])] = holding.get(int(jobs.tenant[pick]), 0) + 1
            heapq.heappush(running, (now + remaining[pick], pick))

    while a < n or running:
        t_arrival = jobs.arrival_h[a] if a < n else np.inf
        t_finish = running[0][0] if running else np.inf
        t_preempt = preempt_at_h if not preemption_done else np.inf
        clock = min(t_arrival, t_finish, t_preempt)
        if t_preempt <= clock:
            preemption_done = True
            victims = sorted(running, key=lambda item: item[1])[:preempted]
            for item in victims:
                running.remove(item)
                job = item[1]
                done = clock - began[job]
                kept = (done // checkpoint_h) * checkpoint_h if checkpoint_h > 0 else 0.0
                used += done
                wasted += done - kept
                remaining[job] -= kept
                holding[int(jobs.tenant[job])] -= 1
                waiting.insert(0, job)
            heapq.heapify(running)
        elif t_finish <= clock:
            _, job = heapq.heappop(running)
            used += clock - began[job]
            if jobs.diverges[job]:
                wasted += clock - began[job]
            holding[int(jobs.tenant[job])] -= 1
        else:
            waiting.append(a)
            a += 1
        start_jobs(clock)
    return {"start_wait_h": start, "slot_hours": used, "wasted_slot_hours": wasted}


@dataclass(frozen=True)
class JobArm:
    """One arm of a job-queue drill: jobs that arrived in the simulated day, whether each
    started, start-wait P99 (s) of all jobs and of the other tenants' (tenant ≠ 0), their
    fraction started within the SLA, and GPU-slot-hours used and wasted."""

    jobs: int
    conserved: bool
    start_wait_p99_s: float
    others_start_wait_p99_s: float
    others_within_sla: float
    slot_hours: float
    wasted_slot_hours: float

    def to_json(self) -> dict[str, Any]:
        return {"kind": "jobs", **asdict(self)}


def _summarise(jobs: Jobs, out: dict[str, Any], sla_h: float) -> JobArm:
    wait = out["start_wait_h"]
    others = jobs.tenant != 0
    return JobArm(
        jobs=int(len(wait)),
        conserved=bool(np.isfinite(wait).all()),
        start_wait_p99_s=float(np.percentile(wait, 99) * 3600),
        others_start_wait_p99_s=float(np.percentile(wait[others], 99) * 3600),
        others_within_sla=float((wait[others] <= sla_h).mean()),
        slot_hours=out["slot_hours"],
        wasted_slot_hours=out["wasted_slot_hours"],
    )


def _jobs(plan: Plan, hours: float, seed: int) -> Jobs:
    f = {k: v.value for k, v in plan.figures.items()}
    rng = np.random.default_rng(seed)
    count = rng.poisson(f["jobs_per_hour"] * hours)
    bases = plan.design.finetune.bases  # type: ignore[union-attr]
    durations = np.array([f[f"job_hours_{b.label}"] for b in bases])
    shares = np.array([b.share for b in bases])
    return Jobs(
        np.sort(rng.uniform(0, hours, count)),
        rng.choice(durations, size=count, p=shares / shares.sum()),
        rng.integers(1, 200, count),
        np.zeros(count, bool),
    )


def run_job_drill(plan: Plan, name: str, params: Params, hours: float, seed: int) -> DrillResult:
    if name not in JOB_DRILLS:
        raise NapkinError(
            f"no drill {name!r} for a fine-tuning service; drills: {', '.join(JOB_DRILLS)}",
            field="--failure",
        )
    started = time.perf_counter()
    f = {k: v.value for k, v in plan.figures.items()}
    slots, sla_h = int(f["job_slots_for_start_sla"]), f["start_sla_s"] / 3600
    check_params(name, params, JOB_PARAMS[name], {"slots": slots})
    base = _jobs(plan, hours, seed)
    baseline = _summarise(base, _queue(base, slots, False, False, np.inf, 0, 0), sla_h)
    arms: dict[str, ServingArm | JobArm] = {"baseline": baseline}
    for arm, mitigated in (("failure", False), ("mitigated", True)):
        jobs, kwargs = JOB_DRILLS[name](plan, base, params, mitigated, seed, slots)
        arms[arm] = _summarise(jobs, _queue(jobs, **kwargs), sla_h)
    return DrillResult(name, params, slots, arms, time.perf_counter() - started)


def queue_flood(
    plan: Plan, base: Jobs, params: Params, mitigated: bool, seed: int, slots: int
) -> tuple[Jobs, dict[str, Any]]:
    """Tenant 0 submits `tenant_jobs` jobs at once at `at_h` (default: twice the slots).
    Mitigation: weighted fair queueing across tenants instead of FIFO."""
    count = int(params.get("tenant_jobs", 2 * slots))  # twice the slots: FIFO blocks all
    at = float(params.get("at_h", 2.0))
    rng = np.random.default_rng(seed + 1)
    arrival = np.concatenate([base.arrival_h, np.full(count, at)])
    order = np.argsort(arrival, kind="stable")
    jobs = Jobs(
        arrival[order],
        np.concatenate([base.hours, rng.exponential(base.hours.mean(), count)])[order],
        np.concatenate([base.tenant, np.zeros(count, int)])[order],
        np.zeros(len(arrival), bool),
    )
    return jobs, dict(
        slots=slots,
        fair=mitigated,
        validate=False,
        preempt_at_h=np.inf,
        preempted=0,
        checkpoint_h=0.0,
    )


def diverging_job(
    plan: Plan, base: Jobs, params: Params, mitigated: bool, seed: int, slots: int
) -> tuple[Jobs, dict[str, Any]]:
    """A `bad_data_fraction` of jobs diverge (NaN loss). Without validation they run to the
    end; with it they stop in their first 2% of steps."""
    rng = np.random.default_rng(seed + 2)
    bad = rng.random(len(base.hours)) < float(params.get("bad_data_fraction", 0.05))
    jobs = Jobs(base.arrival_h, base.hours, base.tenant, bad)
    return jobs, dict(
        slots=slots,
        fair=False,
        validate=mitigated,
        preempt_at_h=np.inf,
        preempted=0,
        checkpoint_h=0.0,
    )


def spot_preemption(
    plan: Plan, base: Jobs, params: Params, mitigated: bool, seed: int, slots: int
) -> tuple[Jobs, dict[str, Any]]:
    """`count` slots are reclaimed at `at_h`; their jobs restart. Mitigation: checkpoints
    every `checkpoint_h` hours (LoRA checkpoints are tiny), so little work is lost."""
    count = int(params.get("count", max(1, slots // 10)))
    at = float(params.get("at_h", 4.0))
    return base, dict(
        slots=slots,
        fair=False,
        validate=False,
        preempt_at_h=at,
        preempted=count,
        checkpoint_h=float(params.get("checkpoint_h", 0.1)) if mitigated else 0,
    )


JOB_DRILLS: dict[str, Callable[..., tuple[Jobs, dict[str, Any]]]] = {
    "hot-tenant": queue_flood,
    "diverging-job": diverging_job,
    "replica-crash": spot_preemption,
}
JOB_TARGETS: dict[str, tuple[str, Callable[[JobArm], float], str]] = {
    "hot-tenant": (
        "other tenants' start wait p99 (s)",
        lambda a: a.others_start_wait_p99_s,
        "lower",
    ),
    "diverging-job": ("wasted GPU-slot-hours", lambda a: a.wasted_slot_hours, "lower"),
    "replica-crash": ("wasted GPU-slot-hours", lambda a: a.wasted_slot_hours, "lower"),
}

# Declared parameters per job drill: (type, low, high, help); "slots" is the fleet's slots.
JOB_PARAMS: dict[str, dict[str, Param]] = {
    "hot-tenant": {
        "tenant_jobs": (int, 1, 100_000, "jobs the tenant submits at once"),
        "at_h": (float, 0.0, JOB_HOURS, "hour the flood arrives"),
    },
    "diverging-job": {
        "bad_data_fraction": (float, 0.0, 1.0, "fraction of jobs that diverge"),
    },
    "replica-crash": {
        "count": (int, 1, "slots", "slots reclaimed"),
        "at_h": (float, 0.0, JOB_HOURS, "hour the slots are reclaimed"),
        "checkpoint_h": (float, 0.001, JOB_HOURS, "hours between checkpoints (mitigation)"),
    },
}
