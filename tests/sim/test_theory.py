"""The simulator against theory: the performance model at low load, Erlang C with c servers."""

from __future__ import annotations

import numpy as np
import pytest

from napkin.capacity.queueing import erlang_c
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.requests import Outcome
from napkin.sim.run import simulate
from napkin.specs.loader import load_design


def test_low_load_matches_the_performance_model(small_plan):
    sim = simulate(small_plan, SimOptions(duration_s=200, qps=0.05, replicas=1, seed=2))
    d = small_plan.design
    engine = Engine(d.model, d.hardware, d.deployment, resolve(d.efficiency, d.hardware))
    done = sim.run.records.outcome == Outcome.completed
    ttft = sim.run.records.first_token_s[done] - sim.requests.arrival_s[done]
    assert ttft == pytest.approx(engine.prefill(200).total_s, rel=1e-6)
    tpot = sim.summary["tpot_s"]["mean"]
    assert tpot == pytest.approx(engine.decode_step(1, 200 + 1 + 299 / 2).total_s, rel=0.01)


@pytest.fixture(scope="module")
def server_plan():
    """An engine whose step time is nearly constant (a 1B model, 10 ms overhead per step),
    so service time = steps x ~10 ms with geometric steps: close to exponential."""
    return plan(
        load_design(
            "chatbot",
            [
                "model=llama-3.2-1b",
                "deployment.tp=1",
                "efficiency.step_overhead_s=0.01",
                "workload.input_tokens_per_turn=1",
                "workload.output_tokens_per_turn=100",
                "workload.output_tokens_distribution={kind: exponential}",
            ],
        )
    )


@pytest.mark.parametrize("servers, rho", [(1, 0.5), (4, 0.7), (8, 0.85)])
def test_erlang_c(server_plan, servers, rho):
    """One sequence per replica and a central queue: c identical servers, one FIFO line."""
    service_guess = 1.09  # ~1 + 100 steps of ~10.7 ms; the run measures its own below
    rate = rho * servers / service_guess
    sim = simulate(
        server_plan,
        SimOptions(
            duration_s=20_000 / rate,
            qps=rate,
            replicas=servers,
            max_seqs=1,
            central_queue=True,
            seed=6,
        ),
    )
    rec, req = sim.run.records, sim.requests
    done = rec.outcome == Outcome.completed
    ttft = rec.first_token_s[done] - req.arrival_s[done]
    first_step = float(ttft.min())  # the prompt's own step: service, not waiting
    wait = ttft - first_step
    service = float((rec.finish_s[done] - rec.first_token_s[done]).mean()) + first_step
    arrival_rate = done.sum() / float(req.arrival_s[-1])
    c = erlang_c(servers, arrival_rate * service)
    mean_wait = c / (servers / service - arrival_rate)
    # Batch means give the run's own confidence interval (successive waits are correlated).
    batches = np.array_split(wait, 20)
    means = np.array([b.mean() for b in batches])
    half_width = 2.1 * means.std(ddof=1) / np.sqrt(len(means))
    assert abs(wait.mean() - mean_wait) <= half_width + 0.03 * mean_wait
    shares = np.array([(b > 1e-9).mean() for b in batches])
    p_half = 2.1 * shares.std(ddof=1) / np.sqrt(len(shares))
    assert abs((wait > 1e-9).mean() - c) <= p_half + 0.01
