"""Which drills a `napkin drill` call runs, with which parameters: the design's register (or
the one drill asked for), each entry's parameters merged with the user's, every value
checked before the first drill starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import inf
from typing import Any

from napkin.drills.jobs import JOB_DRILLS, JOB_HOURS, JOB_PARAMS, run_job_drill
from napkin.drills.params import PARAMS, Params, check_params, unknown_params
from napkin.drills.runner import register_drills, run_drill
from napkin.drills.serving import DRILLS
from napkin.errors import NapkinError
from napkin.planner import Plan
from napkin.sim.options import SimOptions
from napkin.sim.tasks import run_tasks
from napkin.specs.design import SERVING_KINDS


@dataclass(frozen=True)
class DrillRun:
    """One drill to run: the failure mode it tests, the drill, its merged parameters."""

    mode: str
    drill: str
    params: Params


@dataclass(frozen=True)
class Selection:
    runs: tuple[DrillRun, ...]
    skipped: tuple[tuple[str, str, str], ...]  # (failure mode, drill, why not simulated)
    jobs: bool  # the fine-tuning queue's drills, not the serving fleet's


def select_drills(plan: Plan, failure: str | None, given: Params, duration_s: float) -> Selection:
    """The register's drills (or `failure` alone) with `given` merged into each drill that
    declares the key. An unknown key, a bad value or a drill this kind has no model of is
    refused here, before anything runs."""
    register = register_drills(plan)
    if failure is not None:
        params = next((p for _, d, p in register if d == failure), {})
        register = [(failure, failure, params)]
    jobs = plan.design.kind == "finetune-service"
    known = JOB_DRILLS if jobs else DRILLS if plan.design.kind in SERVING_KINDS else {}
    declared = JOB_PARAMS if jobs else PARAMS
    runnable = [entry for entry in register if entry[1] in known]
    if failure is not None and not runnable:
        allowed = ", ".join(known) or "none (drills simulate serving and fine-tuning)"
        raise NapkinError(
            f"no drill {failure!r} for a {plan.design.kind} design; drills: {allowed}",
            field="--failure",
        )
    if given and not runnable:
        raise NapkinError(
            f"{plan.design.name}'s register has no simulated drill, so no parameter applies "
            f"(given: {', '.join(given)})",
            field="--param",
        )
    union = {k: v for _, d, _ in runnable for k, v in declared[d].items()}
    unknown_params(failure or "(any in the register)", list(given), union)
    # bounds known now (the slice's replicas and slots only when a drill runs)
    limits = {"duration_s": JOB_HOURS if jobs else duration_s, "replicas": inf, "slots": inf}
    runs = []
    for mode, drill, params in runnable:
        mine = {k: v for k, v in given.items() if k in declared[drill]}
        check_params(drill, mine, declared[drill], limits)
        runs.append(DrillRun(mode, drill, {**params, **mine}))
    skipped = tuple(
        (mode, drill, "not simulated: no model of this failure")
        for mode, drill, _ in register
        if drill not in known
    )
    return Selection(tuple(runs), skipped, jobs)


def run_selection(
    plan: Plan,
    selection: Selection,
    options: SimOptions,
    step: Callable[[str], None] = lambda text: None,
    executor: str = "serial",
    address: str | None = None,
) -> list[tuple[str, Any]]:
    """(failure mode, result) for every selected drill, in this process one after another
    (`step` is told each as it starts), or each drill a task on local processes or Ray
    (`sim.tasks`; the same results). Serving drills run unguarded here: size them first
    (`runner.require_drill_size`)."""
    calls = [(plan, run, selection.jobs, options) for run in selection.runs]
    if executor == "serial":
        results = []
        for call in calls:
            step(f"drill: {call[1].mode}")
            results.append(_one(*call))
        return results
    step(f"{len(calls)} drills on {executor}")
    return run_tasks(_one, calls, executor, address)


def _one(plan: Plan, run: Any, jobs: bool, options: SimOptions) -> tuple[str, Any]:
    if jobs:
        return run.mode, run_job_drill(plan, run.drill, run.params, JOB_HOURS, options.seed)
    return run.mode, run_drill(plan, run.drill, run.params, options, budget=None)
