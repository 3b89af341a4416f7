"""The simulation's verdict on a plan, and the smallest fleet that earns it.

A check runs a slice of `SLICE_REPLICAS` replicas behind one round-robin router at the
fleet's per-replica load (peak × headroom / replicas), for `seeds` seeds. A target is *met*
when every seed's statistic is at most limit × (1 − margin):

- statistics are over requests that arrive after the warm-up (twice the plan's E2E P99,
  at least 5 s), so the empty start does not flatter the tail;
- the run lasts long enough for a stable P99: the measured window holds at least
  `MIN_REQUESTS` requests a replica (and 10 × the plan's E2E P99), and is doubled once
  when the seeds' 95% t-interval of a target's statistic (a batch-means estimate with one
  batch per seed) straddles limit × (1 − margin), i.e. the seeds cannot settle it;
- TTFT p50, TTFT p99 and E2E p99 are checked as named; `tpot_s` against the mean TPOT
  (the plan sizes the mean step), with TPOT = (E2E − TTFT) / (output − 1) as vLLM reports.

`smallest_fleet` searches replica counts around the plan's: the simulation decides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil, inf
from statistics import mean, stdev

import numpy as np

from napkin.calibration.uncertainty import Interval
from napkin.capacity.cost import break_even_requests_per_month
from napkin.figures import Figure, Source
from napkin.perf.sizing import SLA_MARGIN, SLICE_REPLICAS
from napkin.planner import Plan
from napkin.recommendation import TargetCheck, Verdict, pools_label
from napkin.sim.options import SimOptions
from napkin.sim.replications import t_975
from napkin.sim.requests import CANCELLED, COMPLETED
from napkin.sim.run import simulate
from napkin.units import DAYS_PER_MONTH

MARGIN = SLA_MARGIN  # the plan sizes to the same bar
SEEDS = 3
MIN_REQUESTS = 1500  # per replica in the measured window: ~15 samples beyond the P99
TARGETS = ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s")


@dataclass(frozen=True)
class SliceRun:
    """One seed's statistics over the measured window, in seconds."""

    ttft_p50_s: float
    ttft_p99_s: float
    tpot_s: float
    e2e_p99_s: float
    completed_fraction: float


@dataclass(frozen=True)
class Check:
    """The verdict at `replicas` replicas: per target, the worst seed and its verdict."""

    replicas: int
    targets: tuple[TargetCheck, ...]
    runs: tuple[SliceRun, ...]
    duration_s: float
    warmup_s: float

    @property
    def meets(self) -> bool:
        set_ = [t for t in self.targets if t.simulated is not Verdict.not_set]
        completed = all(r.completed_fraction >= 0.999 for r in self.runs)
        return bool(set_) and completed and all(t.simulated is Verdict.met for t in set_)


def slice_of(plan: Plan, replicas: int, duration_s: float, seed: int = 0) -> SimOptions:
    """`SLICE_REPLICAS` of a `replicas`-replica fleet (or all, if fewer) at their share of
    peak × headroom, so each replica carries the full fleet's per-replica load."""
    share = min(SLICE_REPLICAS, replicas)
    load = plan.figures["peak_qps"].value * plan.design.deployment.headroom
    if plan.design.disaggregation is not None:
        prefill, decode = pool_counts(plan, replicas)
        part = min(SLICE_REPLICAS, decode)
        return SimOptions(
            duration_s=duration_s,
            qps=load * part / decode,
            replicas=max(1, ceil(prefill * part / decode - 1e-9)),
            decode_replicas=part,
            seed=seed,
        )
    return SimOptions(duration_s=duration_s, qps=load * share / replicas, replicas=share, seed=seed)


def pool_counts(plan: Plan, replicas: int) -> tuple[int, int]:
    """A disaggregated fleet of `replicas` replicas in the plan's proportion of prefill to
    decode: (prefill, decode), decode = round(planned decode × replicas / planned total)."""
    f = plan.figures
    total = float(f["model_replicas_provisioned"].value)
    decode = max(1, round(float(f["decode_replicas"].value) * replicas / total))
    return max(1, replicas - decode), decode


def _stats(plan: Plan, replicas: int, duration_s: float, warmup_s: float, seed: int) -> SliceRun:
    sim = simulate(plan, slice_of(plan, replicas, duration_s, seed))
    req, rec = sim.requests, sim.run.records
    window = (req.arrival_s >= warmup_s) & (rec.outcome != CANCELLED)  # clients gave up
    done = window & (rec.outcome == COMPLETED)
    ttft = rec.first_token_s[done] - req.arrival_s[done]
    e2e = rec.finish_s[done] - req.arrival_s[done]
    out = req.output_tokens[done]
    multi = out > 1
    tpot = (e2e[multi] - ttft[multi]) / (out[multi] - 1)
    if not len(ttft):
        return SliceRun(np.inf, np.inf, np.inf, np.inf, 0.0)
    return SliceRun(
        ttft_p50_s=float(np.percentile(ttft, 50)),
        ttft_p99_s=float(np.percentile(ttft, 99)),
        tpot_s=float(tpot.mean()) if len(tpot) else 0.0,
        e2e_p99_s=float(np.percentile(e2e, 99)),
        completed_fraction=float(done.sum() / max(window.sum(), 1)),
    )


def _limits(plan: Plan) -> dict[str, float | None]:
    sla = getattr(plan.design, "sla", None)
    return {t: getattr(sla, t, None) if sla is not None else None for t in TARGETS}


def _unstable(runs: list[SliceRun], limits: dict[str, float | None], margin: float) -> bool:
    """A target whose verdict the seeds cannot settle: its 95% t-interval across seeds
    straddles limit × (1 − margin)."""
    for target, limit in limits.items():
        values = [getattr(r, target) for r in runs]
        if limit is None or len(values) < 2 or not all(np.isfinite(values)):
            continue
        half = t_975(len(values) - 1) * stdev(values) / len(values) ** 0.5  # as replications
        if abs(mean(values) - limit * (1 - margin)) < half:
            return True
    return False


def check(
    plan: Plan, replicas: int, seeds: int = SEEDS, margin: float = MARGIN, first_seed: int = 0
) -> Check:
    """The simulation's verdict on `replicas` replicas of the plan (see module docstring)."""
    f = plan.figures
    e2e = float(f["e2e_p99_estimate_s"].value)
    warmup = max(5.0, 2 * e2e)
    per_replica = f["peak_qps"].value * plan.design.deployment.headroom / replicas
    window = max(30.0, MIN_REQUESTS / per_replica, 10 * e2e)
    limits = _limits(plan)
    for _ in range(2):
        runs = [
            _stats(plan, replicas, warmup + window, warmup, first_seed + s) for s in range(seeds)
        ]
        if not _unstable(runs, limits, margin):
            break
        window *= 2
    by_plan = {t.target: t for t in plan.recommendation.targets} if plan.recommendation else {}
    targets = []
    for target, limit in limits.items():
        base = by_plan.get(target) or TargetCheck(target, limit, None, Verdict.not_set)
        if limit is None:
            targets.append(base)
            continue
        worst = max(getattr(r, target) for r in runs)
        verdict = Verdict.met if worst <= limit * (1 - margin) else Verdict.missed
        targets.append(replace(base, simulated_s=float(worst), simulated=verdict))
    return Check(replicas, tuple(targets), tuple(runs), warmup + window, warmup)


def smallest_fleet(plan: Plan, seeds: int = SEEDS, margin: float = MARGIN) -> Check:
    """The fewest replicas whose check passes, searched from the plan's count: down in 10%
    steps while it passes (up in 25% steps while it fails), then bisection to 2%."""
    start = int(plan.figures["model_replicas_provisioned"].value)
    at = check(plan, start, seeds, margin)
    good, bad = (at, None) if at.meets else (None, at)
    step = 0.9 if at.meets else 1.25
    n = start
    for _ in range(12):
        if good is not None and bad is not None:
            break
        n = max(1, round(n * step)) if step > 1 else max(1, min(n - 1, round(n * step)))
        trial = check(plan, n, seeds, margin)
        if trial.meets:
            good = trial
        else:
            bad = trial
        if n == 1 and trial.meets:
            break
    if good is None:
        return at  # no fleet found within the search: report the plan's own verdict
    while bad is not None and good.replicas - bad.replicas > max(1, 0.02 * good.replicas):
        middle = (good.replicas + bad.replicas) // 2
        trial = check(plan, middle, seeds, margin)
        good, bad = (trial, bad) if trial.meets else (good, trial)
    return good


def verified(plan: Plan, seeds: int = SEEDS, margin: float = MARGIN) -> Plan:
    """The plan with its recommendation decided by simulation: the smallest fleet that meets
    every target (cost scaled to that count), or the plan's count with the simulation's
    `missed` verdicts when no fleet in the search meets them."""
    rec = plan.recommendation
    if rec is None or not rec.feasible or rec.replicas is None or rec.monthly_cost_usd is None:
        return plan
    found = smallest_fleet(plan, seeds, margin)
    scale = found.replicas / rec.replicas
    cost, unit = rec.monthly_cost_usd, rec.usd_per_million_output_tokens

    def scaled(x: Interval | None) -> Interval | None:
        if x is None:
            return None
        return Interval(x.value * scale, x.low * scale, x.high * scale, x.basis)

    note = (
        f"simulation: {found.replicas} replicas meet every target ({seeds} seeds, "
        f"{margin:.0%} margin, {found.duration_s:.0f} s runs of {SLICE_REPLICAS} replicas, "
        f"first {found.warmup_s:.0f} s excluded); the closed form planned {rec.replicas}"
        if found.meets
        else f"simulation: no fleet in the search met every target; shown at the plan's "
        f"{rec.replicas} replicas"
    )
    new = rec.with_(
        source="simulation",
        replicas=found.replicas,
        gpus=round((rec.gpus or 0) * scale),
        pools=pools_label(plan.design, *pool_counts(plan, found.replicas)) if rec.pools else "",
        gpus_interval=scaled(rec.gpus_interval),
        monthly_cost_usd=scaled(cost),
        usd_per_million_output_tokens=scaled(unit),
        token_prices=rec.token_prices.scaled(scale) if rec.token_prices else None,
        targets=found.targets,
        notes=(*rec.notes, note),
    )
    return replace(plan, recommendation=new, figures=_rescaled(plan, found.replicas, note))


SCALED = (
    "model_replicas_provisioned",
    "model_gpus_provisioned",
    "model_gpu_hours_per_month",
    "model_monthly_cost_usd",
    "model_usd_per_million_output_tokens",
    "model_usd_per_request",
    "model_input_usd_per_million_tokens",
    "model_cached_input_usd_per_million_tokens",
    "model_output_usd_per_million_tokens",
    "self_hosted_over_api",
)
INVERSE = ("model_fleet_utilisation",)  # ∝ 1 / replicas: the same work on more GPUs


def _rescaled(plan: Plan, replicas: int, note: str) -> dict[str, Figure]:
    """The fleet and cost figures at the simulated count (each ∝ replicas), so the sheet,
    whiteboard and JSON say what the recommendation says; their provenance is the run."""
    figures = dict(plan.figures)
    scale = replicas / plan.figures["model_replicas_provisioned"].value
    for key in (*SCALED, *INVERSE):
        if key in figures:
            old = figures[key]
            value = old.value * (scale if key in SCALED else 1 / scale)
            value = round(value) if isinstance(old.value, int) else value
            figures[key] = replace(
                old,
                value=value,
                source=Source.simulation,
                detail=f"{note}; closed form: {old.value:,.6g}",
                formula=None,
                inputs={},
            )
    if "api_usd_per_request" in figures:  # Q changed: the break-even moves
        _rebreak(figures, replicas, note)
    return figures


def _rebreak(figures: dict[str, Figure], replicas: int, note: str) -> None:
    """The break-even against the cheapest API at the simulated count (a replica then
    serves requests_per_day × 30 / replicas a month at the same monthly cost)."""
    f = {key: figure.value for key, figure in figures.items()}
    even = break_even_requests_per_month(
        f["api_usd_per_request"],
        f["requests_per_day"] * DAYS_PER_MONTH / replicas,
        f["model_monthly_cost_usd"] / replicas,
    )
    never = figures["api_cheaper_at_every_volume"]
    figures[never.key] = replace(never, value=even == inf, source=Source.simulation, detail=note)
    old = figures.pop("api_break_even_requests_per_month", None)
    if even < inf:
        figures["api_break_even_requests_per_month"] = Figure(
            "api_break_even_requests_per_month",
            even,
            "req/month",
            Source.simulation,
            never.section,
            f"{note}; closed form: {old.value:,.6g}" if old else note,
        )
