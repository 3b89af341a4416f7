"""A measured row's benchmark, run again in the simulator, on one replica.

The row says how the benchmark loaded the replica (`Measurement.load_mode`):
- closed: `concurrency` clients, each sending its next request when its last one ends;
- open: `request_rate` requests/s, Poisson or evenly spaced;
- offline: every request queued at time 0 (maximum load).
Prompt and output lengths are the row's means, fixed, or log-normal with the row's
coefficient of variation (mean kept) where it gives one. The replica runs the row's engine
preset (`specs/engine.py`: batch limit, tokens per step, KV memory) on the same step model
the planner uses, so queueing behind other prefills and decode steps is in TTFT.

The benchmark's statistic is then taken over every request, as the tools do (no warm-up
trimmed): TTFT and E2E per request; TPOT = (E2E − TTFT) / (output − 1) per request (vLLM's
definition); ITL's mean pools every gap, Σ(E2E − TTFT) / Σ(output − 1), and its percentiles
are TPOT's (the simulator keeps no per-token times); output tokens/s per GPU and requests/s
over the run, from the first request sent to the last one finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf, log, sqrt

import numpy as np

from napkin.calibration.measurement import Arrival, Measurement, Metric
from napkin.perf.batching import Engine
from napkin.perf.step_model import StepModel
from napkin.sim.event_loop import Fleet, FleetConfig
from napkin.sim.gateway import GatewayConfig
from napkin.sim.requests import Outcome, Requests
from napkin.sim.router import Router
from napkin.sim.scheduling import ReplicaConfig
from napkin.specs.engine import EnginePreset

# Requests per simulated benchmark when the row does not say: enough that a P99 rests on
# ~10 requests per side, and for a closed loop at least 8 rounds of its clients.
DEFAULT_REQUESTS = 1_000
CLOSED_LOOP_ROUNDS = 8
# An offline run long enough that the full batch is reached and the drain at the end is a
# small part of it (trtllm-bench sends 1,000-30,000 requests; shared/calibration rows 33-58).
OFFLINE_BATCHES = 4
MAX_REQUESTS = 20_000  # bounds a row's simulation to about a second
SEED = 0  # fixed: validation is a deterministic function of its rows
SERIES_ROWS = 1_000


@dataclass(frozen=True)
class Rerun:
    """Per completed request: TTFT, E2E (s) and output tokens; and the run's span (s)."""

    ttft_s: np.ndarray
    e2e_s: np.ndarray
    output_tokens: np.ndarray
    span_s: float

    def value(self, metric: Metric, quantile: float | None, gpus: int) -> float:
        """The benchmark's statistic: the mean (quantile None) or a quantile in [0, 1]."""
        if metric is Metric.output_tokens_per_s_per_gpu:
            return float(self.output_tokens.sum()) / self.span_s / gpus
        if metric is Metric.requests_per_s:
            return len(self.e2e_s) / self.span_s
        multi = self.output_tokens > 1
        decode_s = (self.e2e_s - self.ttft_s)[multi]
        if metric is Metric.itl_s and quantile is None:
            return float(decode_s.sum() / (self.output_tokens[multi] - 1).sum())
        values = {
            Metric.ttft_s: self.ttft_s,
            Metric.e2e_latency_s: self.e2e_s,
            Metric.tpot_s: decode_s / (self.output_tokens[multi] - 1),
            Metric.itl_s: decode_s / (self.output_tokens[multi] - 1),
        }[metric]
        if quantile is None:
            return float(values.mean())
        return float(np.percentile(values, quantile * 100))


def kv_capacity_tokens(engine: Engine) -> int:
    """KV-cache tokens one replica holds: `capacity/memory.sequences_that_fit` for a
    one-token sequence (usable memory less weights, over KV bytes per token and its
    copies within an attention group), under the engine's memory defaults."""
    return engine.sequences_that_fit(1.0)


def request_count(m: Measurement, max_seqs: int) -> int:
    """The row's request count, else enough for a stable P99 (see the constants)."""
    if m.requests is not None:
        return min(m.requests, MAX_REQUESTS)
    if m.load_mode == "closed":
        wanted = max(DEFAULT_REQUESTS, CLOSED_LOOP_ROUNDS * (m.concurrency or 1))
    elif m.load_mode == "offline":
        wanted = max(DEFAULT_REQUESTS, OFFLINE_BATCHES * max_seqs)
    else:
        wanted = DEFAULT_REQUESTS
    return min(wanted, MAX_REQUESTS)


def _lengths(rng: np.random.Generator, mean: float, cv: float, count: int) -> np.ndarray:
    """Fixed at the mean, or log-normal with that mean and coefficient of variation:
    σ² = ln(1 + cv²), μ = ln(mean) − σ²/2. At least one token."""
    if cv == 0:
        return np.full(count, max(1.0, round(mean)))
    sigma = sqrt(log(1 + cv * cv))
    drawn = rng.lognormal(log(mean) - sigma * sigma / 2, sigma, count)
    return np.maximum(1.0, np.round(drawn))


def workload(m: Measurement, count: int) -> Requests:
    """The benchmark's requests: sizes, and arrival times for an open loop (zeros else)."""
    rng = np.random.default_rng(SEED)
    prompt = _lengths(rng, m.input_tokens, m.input_tokens_cv, count)
    output = _lengths(rng, m.output_tokens, m.output_tokens_cv, count)
    arrival = np.zeros(count)
    if m.request_rate is not None:
        if m.arrival is Arrival.constant:
            arrival = np.arange(count) / m.request_rate
        else:
            arrival = np.cumsum(rng.exponential(1 / m.request_rate, count))
            arrival -= arrival[0]  # the first request goes out at 0, as the tools send it
    zeros = np.zeros(count, np.int64)
    return Requests(arrival, prompt, output, zeros, np.arange(count), zeros, np.full(count, inf))


# One simulation per distinct benchmark run: the rows of one run (each metric and statistic)
# share it. Keyed by everything the run depends on; bounded by clearing when full.
_RUNS: dict[str, Rerun] = {}
CACHED_RUNS = 4_096


def rerun(m: Measurement, engine: Engine, preset: EnginePreset) -> Rerun:
    """Run the row's benchmark on one replica of `engine` under `preset`'s scheduler."""
    key = _key(m, engine, preset)
    if key not in _RUNS:
        if len(_RUNS) >= CACHED_RUNS:
            _RUNS.clear()
        _RUNS[key] = _simulate(m, engine, preset)
    return _RUNS[key]


def sample_interval_s(requests: Requests) -> float:
    """A series row a minute, or fewer: at most SERIES_ROWS over the arrivals' span (an open
    loop at a very low rate spans years; validation reads no series, only the records)."""
    return max(60.0, float(requests.arrival_s.max(initial=0.0)) / SERIES_ROWS)


def _key(m: Measurement, engine: Engine, preset: EnginePreset) -> str:
    """The row without its metric, statistic, value and labels; the engine's model, GPU,
    deployment and knobs; the preset."""
    run = m.model_dump(
        mode="json",
        exclude={"id", "metric", "statistic", "value", "trust", "source", "note", "explanation"},
    )
    eff = engine.efficiency
    knobs = [getattr(eff, f) for f in eff.__dataclass_fields__ if f != "origins"]
    parts = [run, engine.model.name, engine.gpu.name, engine.deployment.model_dump(mode="json")]
    return repr([*parts, knobs, preset.model_dump(mode="json", exclude={"sources"})])


def _simulate(m: Measurement, engine: Engine, preset: EnginePreset) -> Rerun:
    capacity = kv_capacity_tokens(engine)
    max_seqs = preset.max_seqs
    requests = workload(m, request_count(m, max_seqs))
    replica = ReplicaConfig(
        max_seqs=max_seqs,
        token_budget=preset.max_batched_tokens,
        kv_capacity_tokens=capacity,
        reserve_output=preset.reserves_whole_request,
        mixes_prefill_and_decode=preset.mixes_prefill_and_decode,
    )
    config = FleetConfig(
        replicas=1,
        router=Router.round_robin,
        replica=replica,
        gateway=GatewayConfig(),
        sample_interval_s=sample_interval_s(requests),
        clients=m.concurrency or 0,
    )
    run = Fleet(config, StepModel(engine), requests).run()
    done = run.records.outcome == Outcome.completed
    arrival = requests.arrival_s[done]
    finish = run.records.finish_s[done]
    span = float(finish.max() - requests.arrival_s.min()) if done.any() else inf
    return Rerun(
        run.records.first_token_s[done] - arrival,
        finish - arrival,
        requests.output_tokens[done],
        span,
    )
