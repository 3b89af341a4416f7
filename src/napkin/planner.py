"""`plan(design)`: the capacity sheet — demand, memory, performance, fleet, queueing, cost.

Each section adds figures to one `Sheet`, every figure with its unit and provenance. Two
views stand side by side: the design's own rule of thumb (tokens/s per GPU it states) and
napkin's model-derived figures (prefixed `model_`), so a reader sees where they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from napkin.capacity import cost, demand, fleet, memory, queueing
from napkin.claim_check import ClaimCheck, check_claims
from napkin.figures import Figure, Sheet, Source, formula_of
from napkin.perf.batching import Engine, OperatingPoint, choose_batch
from napkin.perf.efficiency import resolve
from napkin.specs.design import Design
from napkin.units import GIB


@dataclass(frozen=True)
class SLACheck:
    """One SLA target against napkin's estimate (queueing delay excluded)."""

    target: str
    limit_s: float
    estimate_s: float
    meets: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "limit_s": self.limit_s,
            "estimate_s": self.estimate_s,
            "meets": self.meets,
        }


@dataclass(frozen=True)
class Plan:
    """The result of planning a design: figures, claim checks, SLA checks, verdicts."""

    design: Design
    figures: dict[str, Figure]
    claims: list[ClaimCheck]
    sla: list[SLACheck]
    fits: bool
    fit_reason: str
    batch_limit: str

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design.name,
            "model": self.design.model.name,
            "gpu": self.design.hardware.name,
            "fits": self.fits,
            "fit_reason": self.fit_reason,
            "batch_limit": self.batch_limit,
            "figures": {key: fig.to_json() for key, fig in self.figures.items()},
            "sla": [check.to_json() for check in self.sla],
            "claims": [check.to_json() for check in self.claims],
        }


def _given(sheet: Sheet, key: str, value: float, unit: str, field: str) -> float:
    return sheet.add(key, value, unit, Source.assumption, detail=f"design field {field}")


WORKLOAD_UNITS = {
    "dau": "users",
    "sessions_per_user_per_day": "1/day",
    "turns_per_session": "turns",
    "input_tokens_per_turn": "tokens",
    "output_tokens_per_turn": "tokens",
    "peak_to_average": "×",
}


def _demand(sheet: Sheet, design: Design) -> None:
    sheet.section = "demand"
    for field, unit in WORKLOAD_UNITS.items():
        _given(sheet, field, getattr(design.workload, field), unit, f"workload.{field}")
    sheet.derive(demand.turns_per_day, "turns/day")
    sheet.derive(demand.avg_qps, "req/s")
    sheet.derive(demand.peak_qps, "req/s")
    sheet.derive(demand.peak_input_tokens_per_s, "tokens/s")
    sheet.derive(demand.peak_output_tokens_per_s, "tokens/s")
    sheet.derive(demand.output_tokens_per_day, "tokens/day")


def _memory(sheet: Sheet, design: Design) -> memory.Fit:
    sheet.section = "memory"
    model, gpu, dep, w = design.model, design.hardware, design.deployment, design.workload
    _given(sheet, "tp", dep.tp, "GPUs/replica", "deployment.tp")
    _given(
        sheet,
        "bytes_per_weight",
        dep.precision.bytes_per_value,
        "B/param",
        f"deployment.precision = {dep.precision.value}",
    )
    stated = f"; publisher states {model.params_b:g}B" if model.params_b else ""
    sheet.add(
        "params_total",
        model.total_params,
        "params",
        Source.formula,
        detail=f"counted from {model.name}'s shape{stated}",
        cite=model.params_source,
        formula="params_total = vocab × hidden × (1 if tied else 2) + layers × "
        "(attention + FFN or all experts + norms)",
    )
    if model.moe is not None:
        sheet.add(
            "params_active",
            model.active_params,
            "params",
            Source.formula,
            detail=f"{model.moe.num_active_experts} of {model.moe.num_experts} experts",
            formula="params_active = params_total with only the routed-to experts",
        )
    sheet.derive(memory.weight_bytes, "B")
    sheet.derive(memory.weight_bytes_per_gpu, "B")
    sheet.add(
        "hbm_bytes",
        gpu.memory_bytes,
        "B",
        Source.catalog,
        detail=f"{gpu.name}: {gpu.hbm_gib:g} GiB",
        cite=gpu.source,
    )
    _given(
        sheet,
        "gpu_memory_utilization",
        dep.gpu_memory_utilization,
        "fraction",
        "deployment.gpu_memory_utilization",
    )
    _given(
        sheet,
        "reserved_bytes_per_gpu",
        dep.reserved_gib_per_gpu * GIB,
        "B",
        "deployment.reserved_gib_per_gpu",
    )
    sheet.derive(memory.usable_bytes_per_gpu, "B")
    sheet.derive(memory.kv_cache_bytes_per_replica, "B")
    kv = dep.kv_format
    sheet.derive(
        memory.kv_bytes_per_token,
        "B",
        detail=f"{model.kv_heads_or_latent}, KV in {kv.value}",
        model=model,
        kv=kv,
    )
    sheet.derive(memory.kv_replication, "×", model=model, tp=dep.tp)
    sheet.add(
        "context_tokens",
        w.input_tokens_per_turn + w.output_tokens_per_turn,
        "tokens",
        Source.formula,
        formula="context_tokens = input_tokens_per_turn + output_tokens_per_turn",
        inputs={
            "input_tokens_per_turn": w.input_tokens_per_turn,
            "output_tokens_per_turn": w.output_tokens_per_turn,
        },
    )
    sheet.derive(
        memory.kv_bytes_per_sequence,
        "B",
        bind={"context_tokens": "context_tokens"},
        model=model,
        kv=kv,
    )
    sheet.derive(memory.max_sequences_by_memory, "sequences")
    longest = w.input_tokens_quantile(0.99) + w.output_tokens_quantile(0.99)
    longest_bytes = memory.kv_bytes_per_sequence(model, kv, longest, sheet["kv_replication"])
    smallest = memory.min_tp_to_fit(
        model,
        gpu.memory_bytes,
        dep.precision.bytes_per_value,
        kv,
        dep.gpu_memory_utilization,
        sheet["reserved_bytes_per_gpu"],
        longest,
    )
    sheet.add(
        "min_tp_to_fit",
        smallest if smallest is not None else 0,
        "GPUs/replica",
        Source.formula,
        formula=formula_of(memory.min_tp_to_fit),
        detail=f"weights in {dep.precision.value} plus one p99-length sequence "
        f"({longest:,.0f} tokens)" + ("" if smallest else "; none up to 64"),
    )
    return memory.fit_verdict(
        sheet["weight_bytes_per_gpu"],
        sheet["usable_bytes_per_gpu"],
        sheet["kv_cache_bytes_per_replica"],
        longest_bytes,
        dep.tp,
        gpu.name,
    )


def _tpot_budget(sheet: Sheet, design: Design) -> float | None:
    sla, w = design.sla, design.workload
    if sla.tpot_s is not None:
        return _given(sheet, "tpot_budget_s", sla.tpot_s, "s", "sla.tpot_s")
    if sla.e2e_p99_s is None:
        return None
    ttft = sla.ttft_p99_s or 0.0
    out = max(w.output_tokens_quantile(0.99), 2.0)
    return sheet.add(
        "tpot_budget_s",
        (sla.e2e_p99_s - ttft) / (out - 1),
        "s",
        Source.formula,
        formula="tpot_budget_s = (e2e_p99_s − ttft_p99_s) / (p99 output tokens − 1)",
        inputs={"e2e_p99_s": sla.e2e_p99_s, "ttft_p99_s": ttft, "p99_output_tokens": out},
    )


def _efficiency(sheet: Sheet, design: Design) -> Engine:
    eff = resolve(design.efficiency, design.hardware)
    gpu, dep = design.hardware, design.deployment
    sheet.add(
        "peak_flops_per_gpu",
        gpu.peak_flops_per_s(dep.precision),
        "FLOP/s",
        Source.catalog,
        detail=f"{gpu.name} dense {dep.precision.value}",
        cite=gpu.source,
    )
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
        source = eff.sources[key]
        if source.startswith("catalog"):
            sheet.add(
                key,
                getattr(eff, key),
                unit,
                Source.catalog,
                detail=f"{gpu.name} microbenchmark",
                cite=source,
            )
        elif source.startswith("assumption"):
            sheet.add(
                key,
                getattr(eff, key),
                unit,
                Source.assumption,
                detail=f"design field efficiency.{key}",
            )
        else:
            sheet.add(key, getattr(eff, key), unit, Source.default, detail=source)
    return Engine(design.model, gpu, dep, eff)


def _performance(sheet: Sheet, design: Design) -> OperatingPoint:
    sheet.section = "performance"
    w = design.workload
    inp, out = w.input_tokens_per_turn, w.output_tokens_per_turn
    engine = _efficiency(sheet, design)
    budget = _tpot_budget(sheet, design)
    point = choose_batch(engine, inp, out, sheet["max_sequences_by_memory"], budget)
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
    single = engine.decode_step(1, inp + out / 2)
    sheet.add(
        "single_stream_tokens_per_s",
        1 / single.total_s,
        "tokens/s",
        Source.formula,
        detail=f"batch 1 at tp={design.deployment.tp}, {single.bound}-bound",
        formula="single_stream_tokens_per_s = 1 / step_time(batch 1)",
    )
    idle = engine.prefill(inp)
    sheet.add(
        "ttft_idle_s",
        idle.total_s,
        "s",
        Source.formula,
        detail=f"{idle.bound}-bound prefill of {inp:g} tokens on an idle replica",
        formula="ttft_idle_s = prefill step time of one mean prompt",
    )
    _add_rate_figures(sheet)
    return point


def _add_rate_figures(sheet: Sheet) -> None:
    def replica_output_tokens_per_s(decode_batch: float, step_time_s: float) -> float:
        """replica_output_tokens_per_s = decode_batch / step_time_s"""
        return decode_batch / step_time_s

    def model_tokens_per_s_per_gpu(replica_output_tokens_per_s: float, tp: int) -> float:
        """model_tokens_per_s_per_gpu = replica_output_tokens_per_s / tp"""
        return replica_output_tokens_per_s / tp

    def replica_max_qps(replica_output_tokens_per_s: float, output_tokens_per_turn: float) -> float:
        """replica_max_qps = replica_output_tokens_per_s / output_tokens_per_turn"""
        return replica_output_tokens_per_s / output_tokens_per_turn

    def request_time_s(
        ttft_idle_s: float, step_time_s: float, output_tokens_per_turn: float
    ) -> float:
        """request_time_s = ttft_idle_s + step_time_s +
        (output_tokens_per_turn − 1) × step_time_s"""
        return ttft_idle_s + output_tokens_per_turn * step_time_s

    sheet.derive(replica_output_tokens_per_s, "tokens/s")
    sheet.derive(model_tokens_per_s_per_gpu, "tokens/s")
    sheet.derive(replica_max_qps, "req/s")
    sheet.derive(
        request_time_s,
        "s",
        detail="first token waits for a prompt prefill and one "
        "loaded step; queueing delay excluded (see napkin simulate)",
    )


def _fleet(sheet: Sheet, design: Design) -> None:
    sheet.section = "fleet"
    dep, rule = design.deployment, design.rule_of_thumb
    if rule is not None:
        sheet.add(
            "tokens_per_s_per_gpu",
            rule.output_tokens_per_s_per_gpu,
            "tokens/s",
            Source.assumption,
            detail=f"design field rule_of_thumb: {rule.source}",
        )
    else:
        sheet.add(
            "tokens_per_s_per_gpu",
            sheet["model_tokens_per_s_per_gpu"],
            "tokens/s",
            Source.formula,
            formula="tokens_per_s_per_gpu = model_tokens_per_s_per_gpu",
            inputs={"model_tokens_per_s_per_gpu": sheet["model_tokens_per_s_per_gpu"]},
        )
    _given(sheet, "headroom", dep.headroom, "×", "deployment.headroom")
    sheet.derive(fleet.gpus_needed, "GPUs")
    sheet.derive(fleet.replicas_provisioned, "replicas")
    sheet.derive(fleet.gpus_provisioned, "GPUs")
    sheet.derive(fleet.model_replicas_needed, "replicas")
    sheet.derive(fleet.model_gpus_needed, "GPUs")
    sheet.derive(fleet.model_replicas_provisioned, "replicas")
    sheet.derive(fleet.model_gpus_provisioned, "GPUs")


def _queueing(sheet: Sheet) -> None:
    sheet.section = "queueing"
    sheet.derive(queueing.in_flight_at_peak, "requests")
    sheet.derive(queueing.littles_max_qps_per_replica, "req/s")
    sheet.derive(queueing.peak_utilization, "fraction")


def _cost(sheet: Sheet, design: Design) -> None:
    sheet.section = "cost"
    gpu = design.hardware
    assumed = gpu.price_source.startswith("assumption")
    sheet.add(
        "price_per_gpu_hour_usd",
        gpu.price_per_gpu_hour_usd,
        "USD/GPU-h",
        Source.assumption if assumed else Source.catalog,
        detail="design field hardware.price_per_gpu_hour_usd"
        if assumed
        else f"{gpu.name} on-demand price ({gpu.price_date})",
        cite=None if assumed else gpu.price_source,
    )
    for prefix in ("", "model_"):
        gpus = f"{prefix}gpus_provisioned"
        hours, monthly = f"{prefix}gpu_hours_per_month", f"{prefix}monthly_cost_usd"
        sheet.derive(cost.gpu_hours_per_month, "GPU-h", key=hours, bind={"gpus": gpus})
        sheet.derive(
            cost.monthly_cost_usd, "USD/month", key=monthly, bind={"gpu_hours_per_month": hours}
        )
        sheet.derive(
            cost.usd_per_million_output_tokens,
            "USD/Mtok",
            key=f"{prefix}usd_per_million_output_tokens",
            bind={"monthly_cost_usd": monthly},
        )
        sheet.derive(
            cost.usd_per_request,
            "USD",
            key=f"{prefix}usd_per_request",
            bind={"monthly_cost_usd": monthly},
        )
    sheet.derive(
        cost.usd_per_million_output_tokens_at_full_load,
        "USD/Mtok",
        bind={"tokens_per_s_per_gpu": "model_tokens_per_s_per_gpu"},
    )


def _sla_checks(sheet: Sheet, design: Design) -> list[SLACheck]:
    sla, w = design.sla, design.workload
    step, idle = sheet["step_time_s"], sheet["ttft_idle_s"]
    ttft_p99 = idle * w.input_tokens_quantile(0.99) / w.input_tokens_per_turn
    e2e_p99 = ttft_p99 + step * w.output_tokens_quantile(0.99)
    rows = [
        ("ttft_p50_s", sla.ttft_p50_s, idle + step),
        ("ttft_p99_s", sla.ttft_p99_s, ttft_p99 + step),
        ("tpot_s", sla.tpot_s, step),
        ("e2e_p99_s", sla.e2e_p99_s, e2e_p99),
    ]
    return [
        SLACheck(name, limit, estimate, estimate <= limit)
        for name, limit, estimate in rows
        if limit is not None
    ]


def plan(design: Design) -> Plan:
    """Plan a design: every capacity figure with its provenance, and the stated claims checked."""
    sheet = Sheet()
    _demand(sheet, design)
    fit = _memory(sheet, design)
    point = _performance(sheet, design)
    if point.batch >= 1:
        _fleet(sheet, design)
        _queueing(sheet)
        _cost(sheet, design)
    sla = _sla_checks(sheet, design) if point.batch >= 1 else []
    claims = check_claims(design.claims, sheet.figures)
    reason = fit.reason
    if not fit.fits and sheet["min_tp_to_fit"]:
        reason += f"; tp={sheet['min_tp_to_fit']} would fit"
    return Plan(design, dict(sheet.figures), claims, sla, fit.fits, reason, point.limit)
