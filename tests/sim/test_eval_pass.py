"""An eval suite's pass in the simulator: the closed loop and the offline batch on one
replica, against the plan's GPU-seconds and against arithmetic by hand."""

from __future__ import annotations

import json

import pytest

from napkin.planner import plan
from napkin.sections.two_pools import engine_of
from napkin.sim import eval_pass as ep
from napkin.specs.loader import load_design
from tests.samples import GSM8K


def _pass(*extra: str) -> ep.EvalPass:
    return ep.simulate_eval(plan(load_design("eval-harness", [*GSM8K, *extra])))


def test_one_client_runs_one_request_at_a_time():
    """With one client nothing overlaps: the pass is the 1,319 requests end to end."""
    run = _pass()
    assert run.simulated == 1319
    assert run.pass_wall_s == pytest.approx(1319 * run.mean_request_s, rel=1e-9)
    assert run.sim_over_plan == pytest.approx(1, abs=0.03)


def test_clients_never_slow_the_pass_and_the_plan_follows():
    walls = []
    for workers in (1, 4, 16, 64):
        run = _pass(f"eval.workers={workers}")
        assert run.sim_over_plan == pytest.approx(1, abs=0.06), workers
        walls.append(run.pass_wall_s)
    assert walls == sorted(walls, reverse=True)
    assert walls[0] / walls[-1] > 10  # 64 clients batch what one sends a prompt at a time


def test_the_replicas_gpus_are_held():
    run = _pass("deployment.tp=2")
    assert run.gpu_seconds == pytest.approx(2 * run.pass_wall_s)


def test_a_suite_simulated_in_part_matches_one_simulated_whole(monkeypatch):
    """A pass simulated whole against a part of it and the rest at the steady rate: the
    closed loop 1,000 of 4,000; the offline batch (about 390 at once, vLLM recomputing what
    it preempts) 4,000 of 8,000, past its slow start."""
    engine = engine_of(load_design("eval-harness", GSM8K))
    monkeypatch.setattr(ep, "BATCHES", 0)
    for clients, prompts, part in ((16, 4000, 1000), (0, 8000, 4000)):
        monkeypatch.setattr(ep, "SIMULATED_REQUESTS", prompts)
        whole = ep.pass_s(engine, prompts, 900, 256, clients)
        monkeypatch.setattr(ep, "SIMULATED_REQUESTS", part)
        extended = ep.pass_s(engine, prompts, 900, 256, clients)
        assert (whole[2], extended[2]) == (prompts, part)
        assert extended[1] == pytest.approx(whole[1], rel=0.02), clients


def test_the_batched_model_holds_where_nothing_is_preempted():
    """An engine that reserves a request's whole KV at admission (TensorRT-LLM) never
    recomputes, and the plan's prompt-plus-decode GPU-seconds land within 5%."""
    run = ep.simulate_eval(plan(load_design("eval-harness", ["deployment.engine=tensorrt-llm"])))
    assert run.harness == "batched" and run.clients == 0
    assert run.sim_over_plan == pytest.approx(1, abs=0.05)


def test_strict_json():
    text = json.dumps(_pass().to_json(), allow_nan=False)
    assert '"harness": "serial"' in text


def test_only_eval_plans():
    from napkin.errors import NapkinError

    with pytest.raises(NapkinError, match="no eval pass"):
        ep.simulate_eval(plan(load_design("chatbot")))
