"""What goes into a report, gathered once: the plan, and optionally a short simulation, the
optimizer's Pareto front, the cost levers and the drills."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from napkin.planner import Plan, plan
from napkin.sim.footprint import DEFAULT_BUDGET, Budget
from napkin.specs.design import SERVING_KINDS
from napkin.specs.loader import load_design

if TYPE_CHECKING:
    from napkin.drills.runner import DrillResult
    from napkin.sim.options import SimOptions

DRILL_S = 120.0  # simulated seconds per drill arm: enough for a fault, its effect and recovery


@dataclass
class Contents:
    plan: Plan
    simulation: Any = None  # napkin.sim.run.Simulation
    optimum: Any = None  # napkin.optimize.search.Optimum
    levers: list[Any] = field(default_factory=list)
    drills: list[tuple[str, Any]] = field(default_factory=list)
    day: Any = None  # napkin.sim.run.Simulation: an autoscaled day of a slice (--day)

    def drill_outcome(self, failure_mode: str) -> tuple[str, bool] | None:
        """'metric: failed → mitigated' for the drill of a failure mode, and whether it helped."""
        for mode, result in self.drills:
            if mode == failure_mode:
                from napkin.drills.runner import target_of

                label, failed, mitigated, better = target_of(result)
                return f"{label}: {failed:,.3g} → {mitigated:,.3g}", better
        return None

    def to_json(self) -> dict[str, Any]:
        rec = self.plan.recommendation
        out: dict[str, Any] = {
            "recommendation": rec.to_json() if rec is not None else None,
            "plan": self.plan.to_json(),
        }
        if self.simulation is not None:
            sim = self.simulation.to_json()
            sim.pop("series", None)
            out["simulation"] = sim
        if self.optimum is not None:
            from napkin.render.optimize import named

            out["optimize"] = self.optimum.to_json()
            chosen = named(self.optimum)
            out["cheapest"] = chosen.to_json() if chosen is not None else None
        if self.levers:
            out["levers"] = [lever.to_json() for lever in self.levers]
        if self.drills:
            out["drills"] = [{"failure_mode": m, **r.to_json()} for m, r in self.drills]
        if self.day is not None:
            day = self.day.to_json()
            day.pop("series", None)
            out["day"] = day
        return out


def slice_options(planned: Plan, duration_s: float, seed: int = 0) -> SimOptions:
    """The SLA check's slice (`sim.sla_check.slice_of`) of the recommended fleet."""
    from napkin.sim.sla_check import slice_of

    rec = planned.recommendation
    replicas = rec.replicas if rec is not None and rec.replicas else None
    replicas = replicas or int(planned.figures["model_replicas_provisioned"].value)
    return slice_of(planned, replicas, duration_s, seed)


DAY_S = 86_400.0


def day_options(planned: Plan) -> SimOptions:
    """A day of the slice's replicas (`slice_options`) at their share of the planned peak,
    peak × slice / fleet, under the design's diurnal curve, autoscaled."""
    sliced = slice_options(planned, DAY_S)
    f = planned.figures
    fleet = float(f["model_replicas_provisioned"].value)
    qps = float(f["peak_qps"].value) * (sliced.replicas or 1) / fleet
    return sliced.model_copy(update={"arrival": "diurnal", "autoscale": True, "qps": qps})


def gather(
    design: str,
    overrides: tuple[str, ...] = (),
    simulate_s: float = 60.0,
    optimize: bool = True,
    drills: bool = False,
    say: Callable[[str], None] = lambda stage: None,
    verify: bool = True,
    budget: Budget | None = DEFAULT_BUDGET,
    day: bool = False,
) -> Contents:
    """Plan the design; for serving designs also decide the fleet in simulation (`verify`:
    the smallest that meets every target, `sim.sla_check`), simulate a slice for the charts,
    search and weigh levers. `say` is told each stage as it starts, for progress. The slice
    and the drills are sized first and refused over `budget` (None: no limit).
    """
    say("planning")
    planned = plan(load_design(design, overrides))
    if budget is not None:
        require_report_size(planned, simulate_s, drills, budget, day)
    rec = planned.recommendation
    if verify and rec is not None and rec.feasible:
        from napkin.sim.sla_check import verified

        say("deciding the fleet in simulation")
        planned = verified(planned)
    contents = Contents(planned)
    # An infeasible serving design (an SLA no fleet meets) has no fleet to simulate, price
    # or drill; the search still looks for a design that meets it.
    searchable = planned.design.kind in SERVING_KINDS and planned.fits
    serving = searchable and "model_replicas_provisioned" in planned.figures
    if serving and simulate_s > 0:
        from napkin.sim.run import simulate

        say(f"simulating {simulate_s:g} s")
        contents.simulation = simulate(planned, slice_options(planned, simulate_s), budget=None)
    if searchable and optimize:
        from napkin.optimize.search import optimize as search
        from napkin.optimize.space import Space, design_prices

        say("searching designs")
        space = Space(price_overrides=design_prices(planned.design))
        contents.optimum = search(design, space, planned.design.kind, overrides, verify=0)
    if serving or (planned.fits and planned.design.kind == "finetune-service"):
        from napkin.optimize.levers import levers

        say("weighing cost levers")
        contents.levers = levers(design, overrides)
    if drills and serving:
        contents.drills = serving_drills(planned, say)
    if day and serving:
        from napkin.sim.run import simulate

        say("simulating a day of an autoscaled slice")
        contents.day = simulate(planned, day_options(planned), budget=None)
    return contents


def require_report_size(
    planned: Plan, simulate_s: float, drills: bool, budget: Budget, day: bool = False
) -> None:
    """Refuse, before any work, a report whose slice and drills are estimated over `budget`
    (`sim.footprint`; the SLA check and the search are small by construction)."""
    from napkin.drills.runner import drill_cost, register_drills
    from napkin.drills.serving import DRILLS
    from napkin.sim.footprint import Footprint, footprint, require_within
    from napkin.sim.options import SimOptions

    if planned.design.kind not in SERVING_KINDS or "model_replicas_provisioned" not in (
        planned.figures
    ):
        return
    cost = Footprint(0.0, 0, 0.0, 0.0)
    if simulate_s > 0:  # 0 skips the simulated slice
        sliced = slice_options(planned, simulate_s)
        samples = simulate_s / sliced.sample_interval_s
        qps = float(sliced.qps or 0)
        cost = footprint(qps * simulate_s, int(sliced.replicas or 1), 0, samples)
    if drills:
        count = sum(drill in DRILLS for _, drill, _ in register_drills(planned))
        cost = cost.then(drill_cost(planned, SimOptions(duration_s=DRILL_S), count))
    if day:
        from napkin.sim.run import cost_of

        cost = cost.then(cost_of(planned, day_options(planned)))
    require_within(cost, budget, "Report with a shorter --simulate, or without --drills or --day")


def serving_drills(
    planned: Plan, say: Callable[[str], None] = lambda stage: None
) -> list[tuple[str, DrillResult]]:
    """Every simulated drill of the register, (failure mode, result); `say` names each."""
    from napkin.drills.runner import register_drills, run_drill
    from napkin.drills.serving import DRILLS
    from napkin.sim.options import SimOptions

    results = []
    for mode, drill, params in register_drills(planned):
        if drill in DRILLS:
            say(f"drill: {mode}")
            results.append(
                (mode, run_drill(planned, drill, params, SimOptions(duration_s=DRILL_S), None))
            )
    return results


def deployment_line(planned: Plan) -> str:
    """One line on what runs where, and whether it fits in memory."""
    d = planned.design
    fits = "fits" if planned.fits else "DOES NOT FIT"
    return (
        f"{d.kind}: {d.model.name} on {d.hardware.name}, tp {d.deployment.tp}, "
        f"{d.deployment.precision.value}. Memory: {fits} — {planned.fit_reason}"
    )
