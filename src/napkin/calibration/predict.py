"""What napkin's performance model predicts for a measurement's conditions, in closed form.

The same roofline the planner uses: a step decoding `batch` sequences plus their share of
chunked prefill. Maximum load runs at the largest batch the KV cache holds, capped at the
engine's batch limit. TTFT here is one prompt on an idle replica: queueing behind other
requests is what `rerun.py` adds by simulating the benchmark.
"""

from __future__ import annotations

from napkin.calibration.measurement import Measurement, Metric
from napkin.perf.batching import Engine
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment
from napkin.specs.engine import DEFAULT_ENGINE, EnginePreset, find_engine


def preset_for(m: Measurement) -> EnginePreset:
    """The row's engine preset; a row that names none ran on the default engine."""
    return find_engine(m.engine or DEFAULT_ENGINE)


def engine_for(m: Measurement, eff: ResolvedEfficiency) -> Engine:
    """The row's model on its GPU under its engine's memory defaults."""
    deployment = Deployment(tp=m.tp, precision=m.precision, engine=preset_for(m).name)
    return Engine(find_model(m.model), find_gpu(m.gpu), deployment, eff)


def memory_batch(m: Measurement, engine: Engine) -> int:
    """What memory and the engine's batch limit allow at the row's lengths."""
    fit = engine.sequences_that_fit(m.input_tokens + m.output_tokens)
    return max(1, min(fit, preset_for(m).max_seqs))


# Bisection steps for an open loop's batch: the bracket [1, limit ≤ 4,096] shrinks to
# under 0.01 sequences.
OPEN_LOOP_STEPS = 20


def batch_for(m: Measurement, engine: Engine) -> float:
    """Sequences decoding at once: the clients of a closed loop; at a request rate λ the
    L that solves Little's law L = λ W(L), W the request time at batch L, capped at what
    fits; offline, what fits. L − λ W(L) rises with L (a request slows by less than one
    step per added sequence), so the root is bisected in [1, limit]: at 1 when even one
    sequence at a time keeps up, at the limit when nothing less does."""
    limit = memory_batch(m, engine)
    if m.concurrency is not None:
        return min(m.concurrency, limit)
    if m.request_rate is None:
        return limit

    def short(batch: float) -> bool:  # fewer in flight than Little's law asks
        return batch < m.request_rate * _timing(m, engine, batch)[1]

    low, high = 1.0, float(limit)
    if not short(low):
        return low
    if short(high):
        return high
    for _ in range(OPEN_LOOP_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if short(middle) else (low, middle)
    return (low + high) / 2


def _timing(m: Measurement, engine: Engine, batch: float) -> tuple[float, float, float]:
    """(step s, request s, output tokens/s of the replica) at `batch` sequences: one
    prompt's prefill, then output − 1 steps; a batch of one decodes at mid context, a larger
    one in the smooth mixed step that carries its share of prefill."""
    isl, osl = m.input_tokens, m.output_tokens
    if batch <= 1:
        step = engine.decode_step(1, isl + osl / 2).total_s
        request = engine.prefill(isl).total_s + (osl - 1) * step
        return step, request, osl / request
    step = engine.mixed_step(batch, isl, osl, isl + osl).total_s
    request = engine.prefill(isl).total_s + (osl - 1) * step
    return step, request, batch / step


def predict(m: Measurement, eff: ResolvedEfficiency) -> float:
    """napkin's value for `m.metric` under `m`'s conditions (SI units)."""
    engine = engine_for(m, eff)
    isl, osl = m.input_tokens, m.output_tokens
    if m.metric is Metric.ttft_s:
        return engine.prefill(isl).total_s
    if m.metric is Metric.decode_step_s:
        return engine.decode_step(m.concurrency or 1, isl).total_s
    step, request, rate = _timing(m, engine, batch_for(m, engine))
    if m.request_rate is not None:  # an open loop serves what arrives, up to its capacity
        rate = min(rate, m.request_rate * osl)
    if m.metric in (Metric.tpot_s, Metric.itl_s):
        return step
    if m.metric is Metric.e2e_latency_s:
        return request
    if m.metric is Metric.requests_per_s:
        return rate / osl
    return rate / m.tp
