"""Performance section: the efficiency knobs, the operating point and per-GPU rates."""

from __future__ import annotations

from napkin.capacity import throughput
from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.operating_point import (
    CANCEL_AFTER_S,
    ReplicaSetup,
    Request,
    batch_cap,
    largest_batch,
    point_at,
)
from napkin.perf.sizing import SLA_MARGIN, Search, Sizing, Targets, size_fleet
from napkin.perf.speculation import drafting_of
from napkin.sections.gpu_peaks import add_peak_flops
from napkin.specs.design import DesignBase


def targets_of(design: DesignBase) -> Targets:
    """The design's SLA limits (seconds); empty when it sets none."""
    sla = getattr(design, "sla", None)
    if sla is None:
        return Targets()
    return Targets(sla.ttft_p50_s, sla.ttft_p99_s, sla.tpot_s, sla.e2e_p99_s)


def assume_sla(sheet: Sheet, design: DesignBase) -> None:
    sla = getattr(design, "sla", None)
    for target in ("ttft_p50_s", "ttft_p99_s", "tpot_s", "e2e_p99_s"):
        if sla is not None and getattr(sla, target) is not None:
            sheet.assume(target, getattr(sla, target), "s", f"sla.{target}")


def add_efficiency(sheet: Sheet, design: DesignBase) -> Engine:
    eff = resolve(design.efficiency, design.hardware, design.profile, design.deployment.engine)
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
        "layer_overhead_s": "s",  # per layer per step
        "allreduce_latency_s": "s",
    }
    for key, unit in units.items():
        origin = eff.origins[key]
        sheet.add(key, getattr(eff, key), unit, origin.source, origin.detail, cite=origin.cite)
    return Engine(design.model, gpu, dep, eff)


def request_of(sheet: Sheet, design: DesignBase) -> Request:
    """The request on the sheet, and the share of it clients abandon (code completion)."""
    completion = getattr(design, "completion", None)
    return Request(
        prompt=sheet["prefill_tokens_per_request"],
        output=sheet["output_tokens_per_request"],
        context=sheet["context_tokens"],
        prompt_p99=sheet["prefill_tokens_p99"],
        output_p99=sheet["output_tokens_p99"],
        cancel_fraction=completion.cancellation_rate if completion else 0.0,
        cancel_after_s=CANCEL_AFTER_S,
    )


def add_performance(sheet: Sheet, design: DesignBase) -> Search:
    """Reads the request's token figures (`prefill_tokens_per_request`, ...) from the sheet;
    sizes batch and fleet together at peak × headroom (`perf.sizing`)."""
    sheet.section = "performance"
    request = request_of(sheet, design)
    engine = add_efficiency(sheet, design)
    replica = ReplicaSetup(engine, drafting=drafting_of(design))
    assume_sla(sheet, design)
    if "peak_qps" not in sheet:  # offline batch inference (evals): throughput at the limit
        return _add_offline(sheet, design, replica, request)
    load = sheet["peak_qps"] * design.deployment.headroom
    variable = sheet["output_tokens_p99"] > sheet["output_tokens_per_request"] * 1.001
    search = size_fleet(
        replica,
        request,
        targets_of(design).within(SLA_MARGIN),
        load,
        sheet["max_sequences_by_memory"],
        design.deployment.max_batch,
        output_cv2=1.0 if variable else 0.0,
    )
    single = engine.decode_step(1, request.context - request.output / 2)
    sheet.add(
        "single_stream_tokens_per_s",
        1 / single.total_s,
        "tokens/s",
        Source.formula,
        detail=f"batch 1 at tp={design.deployment.tp}, {single.bound}-bound",
        formula="single_stream_tokens_per_s = 1 / step_time(batch 1)",
    )
    idle = engine.prefill(request.prompt)
    sheet.add(
        "ttft_idle_s",
        idle.total_s,
        "s",
        Source.formula,
        detail=f"{idle.bound}-bound, {request.prompt:,.0f} tokens on an idle replica",
        formula="ttft_idle_s = prefill step time of one mean-length prompt",
    )
    if search.sizing is not None:
        add_operating_point(sheet, search.sizing, design)
    return search


def _add_offline(
    sheet: Sheet, design: DesignBase, replica: ReplicaSetup, request: Request
) -> Search:
    """Every slot busy, no latency target: the batch is the memory or engine limit."""
    upper = min(sheet["max_sequences_by_memory"], batch_cap(replica), replica.token_budget - 1)
    if design.deployment.max_batch:
        upper = min(upper, design.deployment.max_batch)
    batch = largest_batch(replica, request, upper)
    point = point_at(replica, batch, request) if batch else None
    if point is None:
        return Search(None, None, upper)
    occupancy = float(point.batch)
    sizing = Sizing(
        point,
        0,
        0.0,
        occupancy,
        1.0,
        0.0,
        point.ttft_p50_s,
        point.ttft_p99_s,
        point.tpot_s,
        point.e2e_p99_s,
        None,
    )
    add_operating_point(sheet, sizing, design)
    return Search(sizing, point_at(replica, 1, request), upper)


def add_operating_point(
    sheet: Sheet, sizing: Sizing, design: DesignBase, aggregated: bool = True
) -> None:
    """The batch limit and its step; with `aggregated`, the latencies a request sees and the
    per-GPU rate (a disaggregated plan adds its own, over both pools)."""
    limit, step = sizing.limit, sizing.limit.step
    if sizing.tpot_budget_s is not None:
        sheet.add(
            "tpot_budget_s",
            sizing.tpot_budget_s,
            "s",
            Source.formula,
            formula="tpot_budget_s = min(0.95 × tpot_s, (0.95 × e2e_p99_s − "
            "ttft_p99_estimate_s) / (output_tokens_p99 − 1))   (limits less the 5% margin)",
            detail="from the predicted TTFT p99 with queueing, not the TTFT limit",
        )
    memory = sheet["max_sequences_by_memory"]
    asked = design.deployment.max_batch
    why = (
        "deployment.max_batch"
        if asked
        else ("KV-cache memory" if limit.batch >= memory else "the time-per-token budget")
    )
    preset = design.deployment.preset
    if asked and asked > limit.batch:
        if limit.batch >= memory:
            cause = f"KV-cache memory: deployment.max_batch ({asked:,}) is above what memory "
            cause += f"holds ({memory:,.0f} sequences)"
        elif limit.batch == design.deployment.max_seqs:
            cause = f"{preset.label}'s batch limit: deployment.max_batch ({asked:,}) is above "
            cause += f"the {design.deployment.max_seqs:,} sequences it runs at once (max_seqs)"
        else:
            cause = f"napkin's batch cap and token budget: deployment.max_batch ({asked:,}) "
            cause += "is above what one replica runs"
        why = f"{cause}, so the plan uses {limit.batch:,}"
    sheet.add(
        "decode_batch",
        limit.batch,
        "sequences",
        Source.formula,
        detail=f"the engine's running-sequence limit, set by {why}",
        formula="decode_batch = largest batch whose mean step ≤ tpot_budget_s and ≤ "
        "max_sequences_by_memory",
    )
    sheet.add(
        "step_time_at_batch_limit_s",
        step.total_s,
        "s",
        Source.formula,
        detail=f"{step.bound}-bound mean step under chunked prefill: compute "
        f"{step.compute_s * 1e3:.2f} ms, memory {step.memory_s * 1e3:.2f} ms, all-reduce "
        f"{step.communication_s * 1e3:.2f} ms, overhead {step.overhead_s * 1e3:.2f} ms",
        formula="step_time_at_batch_limit_s = E_N[T(b, min(N·P, C))], N ~ Poisson(b / "
        "output), C = token budget − b (prompts > C: whole chunks)",
    )
    sheet.add(
        "heavy_step_s",
        limit.heavy_s,
        "s",
        Source.formula,
        detail="a step carrying one mean prompt's chunk beside the decodes",
        formula="heavy_step_s = T(decode_batch, min(prompt, C))",
    )
    sheet.add(
        "tpot_at_batch_limit_s",
        limit.tpot_s,
        "s",
        Source.formula,
        formula="tpot_at_batch_limit_s = step_time_at_batch_limit_s / tokens kept per step "
        "(1, or (1 − a^(k+1)) / (1 − a) under speculative decoding)",
    )
    if aggregated:
        _add_latency(sheet, sizing)
    sheet.derive(
        throughput.replica_output_tokens_per_s,
        "tokens/s",
        bind={"step_time_s": "tpot_at_batch_limit_s"},
    )
    if aggregated:
        sheet.derive(throughput.model_tokens_per_s_per_gpu, "tokens/s")
    sheet.add(
        "replica_max_qps",
        limit.replica_qps,
        "req/s",
        Source.formula,
        formula="replica_max_qps = decode_batch / request_time_s (every slot busy; "
        "cancelled requests free theirs early)",
        inputs={"decode_batch": limit.batch, "request_time_s": limit.request_time_s},
    )


def _add_latency(sheet: Sheet, sizing: Sizing) -> None:
    """Latencies a request sees at the planned fleet, queueing included (`perf.sizing`)."""
    rows = (
        (
            "queue_wait_p99_s",
            sizing.wait_p99_s,
            "queue_wait_p99_s = W₉₉, Erlang C on decode_batch slots × (c_a² + c_s²) / 2",
        ),
        (
            "ttft_estimate_s",
            sizing.ttft_p50_s,
            "ttft_estimate_s = step in flight / 2 + own prefill chunks + W₅₀ (TTFT p50)",
        ),
        (
            "ttft_p99_estimate_s",
            sizing.ttft_p99_s,
            "ttft_p99_estimate_s = step in flight + P99 prompt's chunks at the P99 occupancy + W₉₉",
        ),
        (
            "step_time_s",
            sizing.tpot_s,
            "step_time_s = mean step at the mean occupancy (Little: L = λ × request time)",
        ),
        (
            "e2e_p99_estimate_s",
            sizing.e2e_p99_s,
            "e2e_p99_estimate_s = ttft_p99_estimate_s + "
            "(output_tokens_p99 − 1) × step at the P99 occupancy",
        ),
        (
            "request_time_s",
            sizing.limit.request_time_s,
            "request_time_s = TTFT + (output − 1) × mean step, with every slot busy",
        ),
    )
    for key, value, formula in rows:
        sheet.add(
            key,
            value,
            "s",
            Source.formula,
            formula=formula,
            detail="queueing included"
            if key != "request_time_s"
            else "a slot's hold time at the batch limit",
        )
    sheet.add(
        "occupancy_at_peak",
        sizing.occupancy,
        "sequences",
        Source.formula,
        formula="occupancy_at_peak = smallest L with λ × request_time(L) ≤ L, λ = peak_qps × "
        "headroom / replicas",
    )
