"""One pass of an eval suite through the serving simulator, on one replica.

The suite's prompts (its mean lengths, fixed) go to one replica of the design under its
engine preset, as the harness sends them:
- batched: every prompt queued at time 0, the engine batching as memory allows;
- serial: a closed loop of `workers` clients (`FleetConfig.clients`), each sending its next
  prompt when its answer is back.
A suite longer than `SIMULATED_REQUESTS` (or 10 memory-limited batches, or 8 rounds of
clients; at most `MAX_SIMULATED`) is simulated in part: the pass is then the simulated span
plus the rest at the steady rate, the answers a second over the middle half of the answers
(start-up and the drain at the end happen once a pass).

The plan's GPU-seconds are checked against the simulated pass × the replica's GPUs: for
serial, `gpu_seconds_per_pass` (the closed loop's closed form); for batched, napkin's own
model, prefill_gpu_seconds_per_pass + output_tokens_per_pass / model_decode_tokens_per_s_per_gpu
(the design's rule of thumb, if any, is not napkin's to check).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import inf
from typing import Any

import numpy as np

from napkin import strict_json
from napkin.errors import NapkinError
from napkin.perf.batching import Engine
from napkin.perf.operating_point import engine_batch_limit
from napkin.perf.step_model import StepModel
from napkin.planner import Plan
from napkin.sections.two_pools import engine_of
from napkin.sim.event_loop import Fleet, FleetConfig
from napkin.sim.gateway import GatewayConfig
from napkin.sim.requests import Outcome, Requests
from napkin.sim.router import Router
from napkin.sim.scheduling import ReplicaConfig
from napkin.specs.design import EvalDesign
from napkin.specs.eval_workload import Harness

SIMULATED_REQUESTS = 4_000
ROUNDS = 8  # of a closed loop's clients
BATCHES = 10  # of an offline engine's memory-limited batch: its start-up fades slowly
MAX_SIMULATED = 20_000  # about a second of wall time


@dataclass(frozen=True)
class EvalPass:
    """The simulated pass (s, GPU-s) against the plan's GPU-seconds for it."""

    design: str
    harness: str
    clients: int  # 0: every prompt at once
    simulated: int
    span_s: float
    pass_wall_s: float
    gpu_seconds: float
    planned_gpu_seconds: float
    mean_request_s: float
    wall_s: float

    @property
    def sim_over_plan(self) -> float:
        return self.gpu_seconds / self.planned_gpu_seconds

    def to_json(self) -> dict[str, Any]:
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return strict_json.finite({**fields, "sim_over_plan": self.sim_over_plan})


def simulate_eval(plan: Plan) -> EvalPass:
    """The plan's eval pass in the simulator, beside the plan's GPU-seconds for it."""
    design = plan.design
    if not isinstance(design, EvalDesign) or "gpu_seconds_per_pass" not in plan.figures:
        raise NapkinError(f"no eval pass to simulate: {plan.fit_reason or 'not an eval suite'}")
    e = design.eval
    f = {key: fig.value for key, fig in plan.figures.items()}
    serial = e.harness is Harness.serial
    clients = e.clients if serial else 0
    started = time.perf_counter()
    engine = engine_of(design)
    span, wall, count, mean = pass_s(
        engine, e.prompts, e.input_tokens_per_prompt, e.output_tokens_per_prompt, clients
    )
    planned = (
        f["gpu_seconds_per_pass"]
        if serial
        else f["prefill_gpu_seconds_per_pass"]
        + f["output_tokens_per_pass"] / f["model_decode_tokens_per_s_per_gpu"]
    )
    return EvalPass(
        design.name,
        e.harness.value,
        clients,
        count,
        span,
        wall,
        wall * design.deployment.gpus,
        planned,
        mean,
        time.perf_counter() - started,
    )


def pass_s(
    engine: Engine, prompts: float, prompt: float, output: float, clients: int
) -> tuple[float, float, int, float]:
    """(simulated span, the whole pass, requests simulated, their mean time), seconds; a
    closed loop of `clients`, or every prompt at once when 0."""
    limit = engine_batch_limit(engine.deployment)
    batch = min(limit, engine.kv_capacity_tokens() // (prompt + output) + 1)
    wanted = max(SIMULATED_REQUESTS, ROUNDS * clients if clients else BATCHES * batch)
    count = int(min(prompts, wanted, MAX_SIMULATED))
    preset = engine.deployment.preset
    replica = ReplicaConfig(
        max_seqs=limit,
        token_budget=preset.max_batched_tokens,
        kv_capacity_tokens=engine.kv_capacity_tokens(),
        reserve_output=preset.reserves_whole_request,
        mixes_prefill_and_decode=preset.mixes_prefill_and_decode,
    )
    requests = _requests(count, prompt, output)
    config = FleetConfig(
        1, Router.round_robin, replica, GatewayConfig(), clients=clients, sample_interval_s=60.0
    )
    run = Fleet(config, StepModel(engine), requests).run()
    done = run.records.outcome[:count] == Outcome.completed
    if not done.all():
        raise NapkinError(f"{count - int(done.sum()):,} of {count:,} simulated prompts failed")
    finish = run.records.finish_s[:count]
    span = float(finish.max())
    ends = np.sort(finish)
    quarter = count // 4  # the middle half of the answers: past the start, before the drain
    middle = float(ends[count - 1 - quarter] - ends[quarter])
    rate = (count - 1 - 2 * quarter) / middle if quarter and middle > 0 else count / span
    wall = span + (prompts - count) / rate
    return span, wall, count, float((finish - requests.arrival_s).mean())


def _requests(count: int, prompt: float, output: float) -> Requests:
    """`count` prompts of the suite's mean lengths, all at time 0 (a closed loop then sets
    the times it sends them)."""
    zeros = np.zeros(count, np.int64)
    return Requests(
        np.zeros(count),
        np.full(count, max(1.0, round(prompt))),
        np.full(count, max(1.0, round(output))),
        zeros,
        np.arange(count),
        zeros,
        np.full(count, inf),
    )
