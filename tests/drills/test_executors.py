"""Drills and seeds run as tasks (issue #19): the executor never changes an answer."""

from __future__ import annotations

import pytest

from napkin.drills.selection import run_selection, select_drills
from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.replications import replicate
from napkin.sim.tasks import run_tasks
from napkin.specs.loader import load_design

SMALL = ["model=llama-3.1-8b", "deployment.tp=1"]


def _results(results: list) -> list:
    return [(mode, {k: v for k, v in r.to_json().items() if k != "wall_s"}) for mode, r in results]


def test_drills_on_local_processes_give_what_one_process_gives():
    p = plan(load_design("chatbot", SMALL))
    options = SimOptions(duration_s=60, replicas=4, qps=60)
    chosen = select_drills(p, None, {}, 60.0)
    first_two = type(chosen)(chosen.runs[:2], chosen.skipped, chosen.jobs)
    serial = run_selection(p, first_two, options)
    pooled = run_selection(p, first_two, options, executor="local")
    assert len(serial) == 2 and _results(serial) == _results(pooled)


def test_replications_on_ray_give_what_local_processes_give():
    ray = pytest.importorskip("ray")
    p = plan(load_design("chatbot", SMALL))
    options = SimOptions(duration_s=20, replicas=2, qps=30)
    local = replicate(p, options, 2, processes=2)
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        remote = replicate(p, options, 2, executor="ray")
    finally:
        ray.shutdown()
    assert local.summaries == remote.summaries


def test_an_unknown_executor_is_named():
    with pytest.raises(NapkinError, match="serial, local, ray"):
        run_tasks(print, [()], "dask")
