"""What napkin's performance model predicts for a measurement's conditions.

The same roofline the planner uses: a step decoding `batch` sequences plus their share of
chunked prefill. Maximum load runs at the largest batch the KV cache holds, capped at the
engine's batch limit.
"""

from __future__ import annotations

from napkin.calibration.measurement import Measurement, Metric
from napkin.capacity.memory import sequences_that_fit
from napkin.perf.batching import Engine
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment
from napkin.units import GIB

# TensorRT-LLM's benchmark engines are built with max_batch_size 2048 (calibration row 71);
# vLLM's default max_num_seqs is lower (256), which a user's own profile captures.
ENGINE_BATCH_LIMIT = 2048


# TensorRT-LLM's benchmarks give the KV cache 95% of the memory the weights leave
# (kv_cache_free_gpu_mem_fraction 0.95, shared/calibration rows 33-58); vLLM's default
# gpu_memory_utilization is 0.9 of the whole card.
TRTLLM_MEMORY = {"gpu_memory_utilization": 0.95, "reserved_gib_per_gpu": 1.0}


def engine_for(m: Measurement, eff: ResolvedEfficiency) -> Engine:
    memory = TRTLLM_MEMORY if "TensorRT" in m.engine or "NIM" in m.engine else {}
    deployment = Deployment(tp=m.tp, precision=m.precision, **memory)
    return Engine(find_model(m.model), find_gpu(m.gpu), deployment, eff)


def batch_for(m: Measurement, engine: Engine) -> int:
    """The stated concurrency, or at maximum load what memory and the engine allow."""
    if m.concurrency is not None:
        return m.concurrency
    dep = engine.deployment
    fit = sequences_that_fit(
        engine.model,
        engine.gpu.memory_bytes,
        dep.tp,
        dep.precision.bytes_per_value,
        dep.kv_format,
        dep.gpu_memory_utilization,
        dep.reserved_gib_per_gpu * GIB,
        m.input_tokens + m.output_tokens,
    )
    return max(1, min(fit, ENGINE_BATCH_LIMIT))


def predict(m: Measurement, eff: ResolvedEfficiency) -> float:
    """napkin's value for `m.metric` under `m`'s conditions (SI units)."""
    engine = engine_for(m, eff)
    isl, osl = m.input_tokens, m.output_tokens
    if m.metric is Metric.ttft_s:
        return engine.prefill(isl).total_s
    if m.metric is Metric.decode_step_s:
        return engine.decode_step(m.concurrency or 1, isl).total_s
    batch = batch_for(m, engine)
    if batch == 1:
        step = engine.decode_step(1, isl + osl / 2).total_s
        request = engine.prefill(isl).total_s + (osl - 1) * step
        rate = osl / request
    else:
        step = engine.mixed_step(batch, isl, osl, isl + osl).total_s
        request = engine.prefill(isl).total_s + (osl - 1) * step
        rate = batch / step
    if m.metric in (Metric.tpot_s, Metric.itl_s):
        return step
    if m.metric is Metric.e2e_latency_s:
        return request
    if m.metric is Metric.requests_per_s:
        return rate / osl
    return rate / m.tp
