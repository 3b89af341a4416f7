"""Screen every candidate with the capacity engine, keep the Pareto front of monthly cost
against P99 latency, verify the cheapest few in simulation, and choose."""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from math import isfinite
from typing import TYPE_CHECKING, Any

from napkin.errors import NapkinError
from napkin.optimize.executor import Executor, LocalExecutor
from napkin.optimize.objective import Objective
from napkin.optimize.quality import quality
from napkin.optimize.space import MODES, Space, candidates
from napkin.specs.design import SERVING_KINDS
from napkin.units import Precision

if TYPE_CHECKING:
    from napkin.optimize.budget import Spend

WHAT_KIND_IS = {
    "finetune-service": "a fine-tuning job queue",
    "eval-harness": "an offline evaluation batch",
}


def require_serving(kind: str, name: str) -> None:
    """Refuse a design the search cannot vary: it prices serving fleets against an SLA."""
    if kind in SERVING_KINDS:
        return
    what = WHAT_KIND_IS.get(kind, f"a {kind} design")
    raise NapkinError(
        f"optimize searches serving designs: {', '.join(SERVING_KINDS)}; {name} is {what} "
        f"(kind {kind}) with no serving SLA to meet: plan it with `napkin plan {name}`",
        field="napkin optimize",
    )


def _closest(value: str, allowed: Iterable[str], what: str, field: str) -> NapkinError:
    """An error naming the bad value and the closest allowed one(s)."""
    options = list(allowed)
    close = difflib.get_close_matches(value.lower(), options, n=3, cutoff=0.3)
    hint = f"closest: {', '.join(close)}" if close else f"allowed: {', '.join(options)}"
    return NapkinError(f"unknown {what} {value!r}; {hint}", field=field)


def checked_space(space: Space) -> Space:
    """The space with every GPU and model name in its catalog spelling; a usage error
    (naming the bad value and the closest valid one) for an unknown GPU, precision or
    model, a TP degree below 1, or a price that is not a positive number."""
    from napkin.specs.catalog import find_gpu, find_model

    gpus = tuple(find_gpu(name, "--gpus").name for name in space.gpus)
    prefill = tuple(find_gpu(name, "--prefill-gpus").name for name in space.prefill_gpus)
    for mode in space.modes:
        if mode not in MODES:
            raise _closest(mode, MODES, "mode", "--modes")
    for pp in space.pps:
        if pp < 1:
            raise NapkinError(f"pipeline stages must be 1 or more, got {pp}", field="--pps")
    for tp in space.prefill_tps:
        if tp < 1:
            raise NapkinError(f"TP degree must be 1 or more, got {tp}", field="--prefill-tps")
    allowed = [p.value for p in Precision]
    for precision in space.precisions:
        if precision not in allowed:
            raise _closest(precision, allowed, "precision", "--precisions")
    models = tuple(find_model(name, "--models").name for name in space.models)
    for tp in space.tps:
        if tp < 1:
            raise NapkinError(f"TP degree must be 1 or more, got {tp}", field="--tps")
    prices: dict[str, float] = {}
    for name, usd in space.price_overrides.items():
        gpu = find_gpu(name, "--price").name
        if not isfinite(usd) or usd <= 0:
            raise NapkinError(
                f"price for {name} must be a positive number of USD per GPU-hour, got {usd:g}",
                field="--price",
            )
        prices[gpu] = usd
    update = {"gpus": gpus, "prefill_gpus": prefill, "models": models, "price_overrides": prices}
    return space.model_copy(update=update)


@dataclass(frozen=True)
class Screened:
    """One candidate after the capacity engine: feasible, or why not."""

    overrides: tuple[str, ...]
    feasible: bool
    reason: str
    monthly_cost_usd: float
    p99_s: float
    model: str
    precision: str
    gpus: int
    quality: float | None = None
    carried: float | None = None  # fixed-budget search: the traffic multiple carried

    @property
    def cpqu(self) -> float:
        """Cost per quality unit: dollars a month per point of quality."""
        return self.monthly_cost_usd / self.quality if self.quality else float("inf")


def screen_one(design: str, overrides: tuple[str, ...], base: tuple[str, ...] = ()) -> Screened:
    """Plan one candidate (runs in a worker: everything is passed by value)."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    try:
        result = plan(load_design(design, (*base, *overrides)), relax=False)
    except NapkinError as error:
        return Screened(
            overrides, False, f"invalid: {error.message}", float("inf"), float("inf"), "", "", 0
        )
    d, f = result.design, result.figures
    common = dict(model=d.model.name, precision=d.deployment.precision.value)
    rec = result.recommendation
    if not result.fits:
        return Screened(
            overrides,
            False,
            f"memory does not fit: {result.fit_reason}",
            float("inf"),
            float("inf"),
            gpus=0,
            **common,
        )
    if rec is None or not rec.feasible or rec.monthly_cost_usd is None:
        why = rec.infeasible if rec is not None else "no serving fleet"
        return Screened(
            overrides,
            False,
            f"SLA cannot be met: {why}",
            float("inf"),
            float("inf"),
            gpus=0,
            **common,
        )
    p99 = float(f["e2e_p99_estimate_s"].value) if "e2e_p99_estimate_s" in f else float("inf")
    return Screened(
        overrides, True, "", rec.monthly_cost_usd.value, p99, gpus=rec.gpus or 0, **common
    )


def pareto(points: Iterable[Screened]) -> list[Screened]:
    """Feasible candidates no other beats on both monthly cost and P99 (cheapest first)."""
    front: list[Screened] = []
    best_p99 = float("inf")
    for point in sorted(points, key=lambda p: (p.monthly_cost_usd, p.p99_s)):
        if point.feasible and point.p99_s < best_p99:
            front.append(point)
            best_p99 = point.p99_s
    return front


@dataclass
class Optimum:
    design: str
    as_written: Screened
    screened: list[Screened]
    front: list[Screened]
    verified: list[tuple[Screened, bool, str]]
    chosen: Screened | None
    objective: str
    wall_s: float
    rejections: dict[str, int] = field(default_factory=dict)
    budget: str = ""  # the fixed budget the objective ranks within ("1,000 GPUs")
    pricing_mix: dict[str, float] | None = None  # the chosen design's reserved + on-demand

    @property
    def saving_usd(self) -> float:
        if self.chosen is None:
            return 0.0
        return self.as_written.monthly_cost_usd - self.chosen.monthly_cost_usd

    def to_json(self) -> dict[str, Any]:
        def row(s: Screened) -> dict[str, Any]:
            return {
                "overrides": list(s.overrides),
                "feasible": s.feasible,
                "reason": s.reason,
                "monthly_cost_usd": s.monthly_cost_usd,
                "p99_e2e_s": s.p99_s,
                "model": s.model,
                "precision": s.precision,
                "gpus": s.gpus,
                "quality": s.quality,
                "cpqu": s.cpqu if s.quality else None,
                "traffic_multiple": s.carried,
            }

        return {
            "design": self.design,
            "objective": Objective(self.objective).value,
            "wall_s": self.wall_s,
            "candidates": len(self.screened),
            "as_written": row(self.as_written),
            "pareto": [row(s) for s in self.front],
            "verified": [{**row(s), "passed": ok, "why": why} for s, ok, why in self.verified],
            "chosen": row(self.chosen) if self.chosen else None,
            "saving_usd_per_month": self.saving_usd,
            "rejections": self.rejections,
            "budget": self.budget or None,
            "pricing_mix": self.pricing_mix,
        }


def _category(reason: str) -> str:
    return reason.split(":")[0]


def optimize(
    design: str,
    space: Space,
    kind: str,
    base: tuple[str, ...] = (),
    executor: Executor | None = None,
    verify: int = 3,
    objective: Objective = Objective.cost,
    user_quality: dict[tuple[str, str], float] | None = None,
    verify_fn: Any = None,
    split: bool = False,
    spend: Spend | None = None,
    verify_on: Executor | None = None,
) -> Optimum:
    """Search the space; `verify_fn(overrides) -> (passed, why)` checks in simulation, one
    candidate after another, or `verify_on` checks them all at once as tasks
    (`optimize.verify.simulate_candidate` on that executor: Ray's workers, same verdicts);
    `split`: the design as written is disaggregated (the default mode)."""
    require_serving(kind, design)
    objective = Objective(objective)  # a plain "cpqu" from Python is accepted too
    space = checked_space(space)
    started = time.perf_counter()
    executor = executor or LocalExecutor()
    pool = candidates(space, kind, split)
    screen: Any = screen_one
    if objective.needs_budget:
        if spend is None:
            raise NapkinError(
                f"--objective {objective.value} ranks within a budget: give --budget-gpus "
                "or --budget-usd",
                field="--objective",
            )
        if objective is Objective.traffic:
            from napkin.optimize.budget import most_traffic

            screen = partial(most_traffic, spend=spend)
    elif spend is not None:
        raise NapkinError(
            "a budget ranks by --objective traffic or latency, not by "
            f"{objective.value}: pick one of them, or drop the budget",
            field="--budget-gpus",
        )
    screened = executor.map(screen, design, pool, base)
    screened = [_with_quality(s, user_quality) for s in screened]
    as_written = _with_quality(screen(design, (), base), user_quality)
    front = pareto(screened)
    ranked = _ranked(screened, objective, spend)
    verified: list[tuple[Screened, bool, str]] = []
    chosen = None
    check = verify_fn if verify > 0 else None  # --verify 0: the closed form's cheapest
    top = ranked[: max(verify, 1)]
    if verify > 0 and verify_on is not None:
        from napkin.optimize.verify import simulate_candidate

        verdicts = verify_on.map(simulate_candidate, design, [c.overrides for c in top], base)
    else:
        verdicts = [check(c.overrides) if check else (True, "not simulated") for c in top]
    for candidate, (passed, why) in zip(top, verdicts, strict=True):
        verified.append((candidate, passed, why))
        if passed and chosen is None:
            chosen = candidate
    rejections: dict[str, int] = {}
    for s in screened:
        if not s.feasible:
            rejections[_category(s.reason)] = rejections.get(_category(s.reason), 0) + 1
    return Optimum(
        design,
        as_written,
        screened,
        front,
        verified,
        chosen,
        objective,
        time.perf_counter() - started,
        rejections,
        spend.describe() if spend is not None else "",
        pricing_mix_of(design, (*base, *chosen.overrides)) if chosen else None,
    )


MIX_KEYS = (
    "mixed_reserved_replicas",
    "model_mixed_monthly_cost_usd",
    "model_autoscaled_monthly_cost_usd",
    "mixed_saving_usd_per_month",
    "reserved_price_fraction",
)


def pricing_mix_of(design: str, overrides: tuple[str, ...]) -> dict[str, float] | None:
    """The chosen design's reserved-plus-on-demand figures (`sections.pricing_mix`)."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    f = plan(load_design(design, overrides)).figures
    if not all(key in f for key in MIX_KEYS):
        return None
    return {key: float(f[key].value) for key in MIX_KEYS}


def _ranked(screened: list[Screened], objective: Objective, spend: Spend | None) -> list[Screened]:
    """Feasible candidates, best first by the objective (within the budget, if one)."""
    feasible = [s for s in screened if s.feasible]
    if objective is Objective.traffic:
        return sorted(feasible, key=lambda s: (-(s.carried or 0.0), s.monthly_cost_usd))
    if objective is Objective.latency and spend is not None:
        within = [s for s in feasible if spend.allows(s.gpus, s.monthly_cost_usd)]
        return sorted(within, key=lambda s: (s.p99_s, s.monthly_cost_usd))
    if objective is Objective.cpqu:
        return sorted(feasible, key=lambda s: s.cpqu)
    return sorted(feasible, key=lambda s: s.monthly_cost_usd)


def _with_quality(s: Screened, user: dict[tuple[str, str], float] | None) -> Screened:
    from dataclasses import replace

    return replace(s, quality=quality(s.model, s.precision, user)) if s.model else s
