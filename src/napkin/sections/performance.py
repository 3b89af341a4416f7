"""Performance section: the efficiency knobs, the operating point and per-GPU rates."""

from __future__ import annotations

from napkin.capacity import latency, throughput
from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine, OperatingPoint, choose_batch
from napkin.perf.efficiency import resolve
from napkin.sections.hardware import add_peak_flops
from napkin.specs.design import DesignBase


def _tpot_budget(sheet: Sheet, design: DesignBase) -> float | None:
    """The SLA's targets as assumptions, and the time-per-token budget they imply."""
    sla = getattr(design, "sla", None)
    if sla is None:
        return None
    for target in ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s"):
        if getattr(sla, target) is not None:
            sheet.assume(target, getattr(sla, target), "s", f"sla.{target}")
    if sla.tpot_s is not None:
        return sheet.derive(latency.tpot_budget_s_given, "s", key="tpot_budget_s")
    if sla.e2e_p99_s is None or sheet["output_tokens_p99"] < 2:
        return None
    if sla.ttft_p99_s is None:
        return sheet.derive(latency.tpot_budget_s, "s", ttft_p99_s=0.0)
    return sheet.derive(latency.tpot_budget_s, "s")


def _efficiency(sheet: Sheet, design: DesignBase) -> Engine:
    eff = resolve(design.efficiency, design.hardware, design.profile)
    gpu, dep = design.hardware, design.deployment
    add_peak_flops(sheet, gpu, dep.precision)
    sheet.add(
        "hbm_bandwidth_per_gpu",
        gpu.bandwidth_bytes_per_s,
        "B/s",
        Source.catalog,
        detail=f"{gpu.name}: {gpu.hbm_bandwidth_tb_per_s:g} TB/s",
        cite=gpu.source,
    )
    units = {
        "compute_fraction": "fraction",
        "bandwidth_fraction": "fraction",
        "link_fraction": "fraction",
        "step_overhead_s": "s",
        "allreduce_latency_s": "s",
    }
    for key, unit in units.items():
        origin = eff.origins[key]
        sheet.add(key, getattr(eff, key), unit, origin.source, origin.detail, cite=origin.cite)
    return Engine(design.model, gpu, dep, eff)


def add_performance(sheet: Sheet, design: DesignBase) -> OperatingPoint:
    """Reads the request's token figures (`prefill_tokens_per_request`, ...) from the sheet."""
    sheet.section = "performance"
    inp, out = sheet["prefill_tokens_per_request"], sheet["output_tokens_per_request"]
    context = sheet["context_tokens"]
    engine = _efficiency(sheet, design)
    budget = _tpot_budget(sheet, design)
    point = choose_batch(engine, inp, out, context, sheet["max_sequences_by_memory"], budget)
    sheet.add(
        "decode_batch",
        point.batch,
        "sequences",
        Source.formula,
        detail=f"limited by {point.limit}",
        formula="decode_batch = largest batch with step_time_s ≤ tpot_budget_s and "
        "batch ≤ max_sequences_by_memory",
    )
    step = point.step
    sheet.add(
        "step_time_s",
        step.total_s,
        "s",
        Source.formula,
        detail=f"{step.bound}-bound: compute {step.compute_s * 1e3:.2f} ms, memory "
        f"{step.memory_s * 1e3:.2f} ms, all-reduce {step.communication_s * 1e3:.2f}"
        f" ms, overhead {step.overhead_s * 1e3:.2f} ms",
        formula="step_time_s = Σ_ops max(FLOPs / (peak × compute_fraction), bytes / "
        "(bandwidth × bandwidth_fraction)) + all-reduces + step_overhead_s",
    )
    single = engine.decode_step(1, context - out / 2)
    sheet.add(
        "single_stream_tokens_per_s",
        1 / single.total_s,
        "tokens/s",
        Source.formula,
        detail=f"batch 1 at tp={design.deployment.tp}, {single.bound}-bound",
        formula="single_stream_tokens_per_s = 1 / step_time(batch 1)",
    )
    _add_latency(sheet, engine)
    sheet.derive(throughput.replica_output_tokens_per_s, "tokens/s")
    sheet.derive(throughput.model_tokens_per_s_per_gpu, "tokens/s")
    sheet.derive(throughput.replica_max_qps, "req/s")
    return point


def _add_latency(sheet: Sheet, engine: Engine) -> None:
    """TTFT, request time and the P99s (from the workload's length distributions)."""
    prompt = sheet["prefill_tokens_per_request"]
    idle = engine.prefill(prompt)
    sheet.add(
        "ttft_idle_s",
        idle.total_s,
        "s",
        Source.formula,
        detail=f"{idle.bound}-bound, {prompt:,.0f} tokens on an idle replica",
        formula="ttft_idle_s = prefill step time of one mean-length prompt",
    )
    sheet.derive(latency.ttft_estimate_s, "s", detail="queueing delay excluded")
    sheet.derive(latency.request_time_s, "s", detail="queueing delay excluded")
    p99_in = sheet["prefill_tokens_p99"]
    sheet.add(
        "ttft_p99_estimate_s",
        engine.prefill(p99_in).total_s + sheet["step_time_s"],
        "s",
        Source.formula,
        detail=f"P99 prompt of {p99_in:,.0f} tokens; queueing delay excluded",
        formula="ttft_p99_estimate_s = prefill step time of a P99-length prompt + step_time_s",
    )
    sheet.derive(latency.e2e_p99_estimate_s, "s", detail="queueing delay excluded")
