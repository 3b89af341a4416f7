"""The serving pipeline of a disaggregated design (`perf.pools`): the decode pool's memory
and batch on the standard keys, then the prefill pool, the KV transfer, what a request sees
end to end, and both pools' GPUs and cost."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from napkin.capacity import cost
from napkin.capacity.memory import kv_bytes_per_token
from napkin.errors import NapkinError
from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.operating_point import ReplicaSetup
from napkin.perf.pools import Pools, PoolSearch, PoolSizing, Transfer, size_pools
from napkin.perf.sizing import SLA_MARGIN
from napkin.perf.speculation import drafting_of
from napkin.sections.api_alternative import add_api_alternative
from napkin.sections.memory_budget import add_memory
from napkin.sections.performance import (
    add_efficiency,
    add_operating_point,
    assume_sla,
    request_of,
    targets_of,
)
from napkin.sections.pricing import add_price
from napkin.sections.token_cost import add_token_cost
from napkin.specs.design import EvalDesign, ServingDesign
from napkin.specs.disaggregation import Disaggregation
from napkin.specs.hardware import GPU
from napkin.units import GB

if TYPE_CHECKING:
    from napkin.sections.pipeline import PlanOutcome

POOLS = ("prefill", "decode")


def pool_view(design: ServingDesign, pool: str) -> ServingDesign:
    """The design as one pool sees it: that pool's GPU and layout, no disaggregation."""
    split = design.disaggregation
    assert split is not None
    spec = getattr(split, pool)
    return design.model_copy(
        update={
            "hardware": spec.hardware or design.hardware,
            "deployment": spec.deployment or design.deployment,
            "disaggregation": None,
        }
    )


def engine_of(design: ServingDesign | EvalDesign) -> Engine:
    """The design's replica engine: its model, GPU, deployment and resolved efficiency."""
    dep, gpu = design.deployment, design.hardware
    return Engine(
        design.model, gpu, dep, resolve(design.efficiency, gpu, design.profile, dep.engine)
    )


def link_of(
    split: Disaggregation, prefill: ServingDesign, decode: ServingDesign
) -> tuple[float, float, str]:
    """(bytes/s, latency s, where from) of the KV link: the design's, else the slower pool
    GPU's scale-out network, one NIC per GPU of the smaller replica sending its shard."""
    gpus: list[GPU] = [prefill.hardware, decode.hardware]
    nics = min(prefill.deployment.gpus, decode.deployment.gpus)
    if split.transfer_gb_per_s is not None and split.transfer_latency_us is not None:
        rate, latency = split.transfer_gb_per_s * GB, split.transfer_latency_us * 1e-6
        return rate, latency, "design fields disaggregation.transfer_gb_per_s, transfer_latency_us"
    missing = [
        g.name for g in gpus if g.inter_node_gb_per_s is None or g.inter_node_latency_us is None
    ]
    if missing:
        raise NapkinError(
            f"the catalog has no scale-out network figures for {', '.join(missing)}: set "
            "disaggregation.transfer_gb_per_s and disaggregation.transfer_latency_us",
            field="disaggregation.transfer_gb_per_s",
        )
    slow = min(gpus, key=lambda g: g.inter_node_gb_per_s or 0.0)
    rate = (split.transfer_gb_per_s or slow.inter_node_gb_per_s or 0.0) * GB
    if split.transfer_gb_per_s is None:
        rate *= nics
    latency_us = split.transfer_latency_us
    if latency_us is None:
        latency_us = max(g.inter_node_latency_us or 0.0 for g in gpus)
    where = f"{slow.name} scale-out {slow.inter_node_gb_per_s:g} GB/s per GPU × {nics} GPUs"
    return rate, latency_us * 1e-6, f"{where} ({slow.scale_out_source or slow.source})"


def serve_disaggregated(sheet: Sheet, design: ServingDesign) -> PlanOutcome:
    """Memory and batch of the decode pool, then both pools sized together."""
    from napkin.sections.pipeline import PlanOutcome

    prefill, decode = pool_view(design, "prefill"), pool_view(design, "decode")
    fit = add_memory(sheet, decode)
    if design.disaggregation is not None and design.disaggregation.decode.deployment:
        _name_pool_fields(sheet, "decode")
    if not fit.fits:
        return PlanOutcome(False, f"decode pool: {fit.reason}")
    request = request_of(sheet, design)
    engines = {"prefill": engine_of(prefill), "decode": engine_of(decode)}
    if engines["prefill"].sequences_that_fit(request.prompt_p99) < 1:
        return PlanOutcome(False, "prefill pool: the P99 prompt's KV cache does not fit")
    sheet.section = "performance"
    add_efficiency(sheet, decode)
    assume_sla(sheet, design)
    search = _size(sheet, design, prefill, decode, engines)
    if search.sizing is None:
        return PlanOutcome(True, fit.reason, search=search.decode, infeasible=search.infeasible)
    add_operating_point(sheet, search.sizing.decode, decode, aggregated=False)
    _add_pools(sheet, design, search.sizing, prefill, decode)
    add_token_cost(sheet, engines["prefill"], decode=engines["decode"])
    add_api_alternative(sheet, design.model.name)
    note = f"decode batch: {sheet.figures['decode_batch'].detail}"
    return PlanOutcome(True, fit.reason, (note,), search.decode)


def _deployment_field(design: ServingDesign, pool: str) -> str:
    """Where a pool's deployment comes from: its own, else the design's."""
    split = design.disaggregation
    own = split is not None and getattr(split, pool).deployment is not None
    return f"disaggregation.{pool}.deployment" if own else "deployment"


def _name_pool_fields(sheet: Sheet, pool: str) -> None:
    """Figures read from the pool's deployment name its design field."""
    old, new = "design field deployment.", f"design field disaggregation.{pool}.deployment."
    for key, figure in sheet.figures.items():
        if figure.detail and figure.detail.startswith(old):
            sheet.figures[key] = replace(figure, detail=figure.detail.replace(old, new, 1))


def _size(
    sheet: Sheet,
    design: ServingDesign,
    prefill: ServingDesign,
    decode: ServingDesign,
    engines: dict[str, Engine],
) -> PoolSearch:
    split = design.disaggregation
    assert split is not None
    rate, latency, where = link_of(split, prefill, decode)
    per_token = kv_bytes_per_token(design.model, prefill.deployment.kv_format)
    sheet.section = "KV transfer"
    sheet.add("kv_transfer_rate_bytes_per_s", rate, "B/s", Source.catalog, detail=where)
    sheet.add("kv_transfer_latency_s", latency, "s", Source.catalog, detail=where)
    sheet.add(
        "kv_transfer_bytes_per_request",
        per_token * sheet["prefill_tokens_per_request"],
        "B",
        Source.formula,
        formula="kv_transfer_bytes_per_request = kv_bytes_per_token × prefill_tokens_per_request",
        inputs={
            "kv_bytes_per_token": per_token,
            "prefill_tokens_per_request": sheet["prefill_tokens_per_request"],
        },
    )
    sheet.add(
        "kv_transfer_s",
        latency + sheet["kv_transfer_bytes_per_request"] / rate,
        "s",
        Source.formula,
        formula="kv_transfer_s = kv_transfer_latency_s + kv_transfer_bytes_per_request / "
        "kv_transfer_rate_bytes_per_s",
    )
    variable_out = sheet["output_tokens_p99"] > sheet["output_tokens_per_request"] * 1.001
    variable_in = sheet["prefill_tokens_p99"] > sheet["prefill_tokens_per_request"] * 1.001
    pools = Pools(
        ReplicaSetup(engines["prefill"]),
        ReplicaSetup(engines["decode"], drafting=drafting_of(decode), prefilled=True),
        request_of(sheet, design),
        Transfer(per_token, rate, latency),
        prompt_cv2=1.0 if variable_in else 0.0,
        output_cv2=1.0 if variable_out else 0.0,
    )
    peak = sheet["peak_qps"]
    return size_pools(
        pools,
        targets_of(design).within(SLA_MARGIN),
        (peak * prefill.deployment.headroom, peak * decode.deployment.headroom),
        sheet["max_sequences_by_memory"],
        decode.deployment.max_batch,
        (split.prefill.replicas, split.decode.replicas),
    )


def _add_pools(
    sheet: Sheet,
    design: ServingDesign,
    sizing: PoolSizing,
    prefill: ServingDesign,
    decode: ServingDesign,
) -> None:
    p, d = sizing.prefill, sizing.decode
    sheet.section = "prefill pool"
    rows = (
        (
            "prefill_busy_s",
            p.service_s,
            "prefill_busy_s = busy time one mean prompt costs a prefill replica, budget full",
        ),
        (
            "prefill_alone_s",
            p.own_p50_s,
            "prefill_alone_s = the mean prompt's chunk steps on an idle prefill replica",
        ),
        (
            "prefill_wait_p99_s",
            p.wait_p99_s,
            "prefill_wait_p99_s = W₉₉ of G/G/1 per prefill replica, service prefill_busy_s",
        ),
    )
    for key, value, formula in rows:
        sheet.add(key, value, "s", Source.formula, formula=formula)
    sheet.add(
        "prefill_utilization",
        p.utilization,
        "fraction",
        Source.formula,
        formula="prefill_utilization = peak_qps × headroom / prefill_replicas × prefill_busy_s",
    )
    _add_count(sheet, "prefill", p.replicas, prefill, design)
    sheet.section = "decode pool"
    _add_count(sheet, "decode", d.replicas, decode, design)
    sheet.section = "latency end to end"
    latency = (
        (
            "queue_wait_p99_s",
            p.wait_p99_s + d.wait_p99_s,
            "queue_wait_p99_s = prefill_wait_p99_s + decode slot wait W₉₉",
        ),
        (
            "ttft_estimate_s",
            sizing.ttft_p50_s,
            "ttft_estimate_s = prefill_alone_s + W₅₀ + kv_transfer_s + decode TTFT p50",
        ),
        (
            "ttft_p99_estimate_s",
            sizing.ttft_p99_s,
            "ttft_p99_estimate_s = P99 prompt alone + W₉₉ + its transfer + decode TTFT p99",
        ),
        (
            "step_time_s",
            sizing.tpot_s,
            "step_time_s = the decode pool's mean step at its mean occupancy",
        ),
        (
            "e2e_p99_estimate_s",
            sizing.e2e_p99_s,
            "e2e_p99_estimate_s = ttft_p99_estimate_s + (output_tokens_p99 − 1) × decode "
            "step at the P99 occupancy",
        ),
        (
            "request_time_s",
            d.limit.request_time_s,
            "request_time_s = a decode slot's hold at the batch limit",
        ),
    )
    for key, value, formula in latency:
        sheet.add(key, value, "s", Source.formula, formula=formula, detail="queueing included")
    sheet.add(
        "occupancy_at_peak",
        d.occupancy,
        "sequences",
        Source.formula,
        formula="occupancy_at_peak = the decode pool's mean running sequences per replica",
    )
    sheet.section = "fleet"
    _sum_of_pools(sheet, "model_replicas_provisioned", "replicas", "replicas")
    _sum_of_pools(sheet, "model_gpus_provisioned", "gpus", "GPUs")
    sheet.add(
        "model_tokens_per_s_per_gpu",
        sheet["replica_output_tokens_per_s"] * d.replicas / sheet["model_gpus_provisioned"],
        "tokens/s",
        Source.formula,
        formula="model_tokens_per_s_per_gpu = replica_output_tokens_per_s × decode_replicas / "
        "model_gpus_provisioned",
    )
    _add_cost(sheet)


def _add_count(
    sheet: Sheet, pool: str, replicas: int, view: ServingDesign, design: ServingDesign
) -> None:
    split = design.disaggregation
    assert split is not None
    if getattr(split, pool).replicas is not None:
        sheet.assume(f"{pool}_replicas", replicas, "replicas", f"disaggregation.{pool}.replicas")
    else:
        target = "TTFT" if pool == "prefill" else "time per output token"
        sheet.add(
            f"{pool}_replicas",
            replicas,
            "replicas",
            Source.formula,
            formula=f"{pool}_replicas = fewest meeting the {target} targets at peak_qps × "
            "headroom (perf.pools)",
        )
    sheet.assume(
        f"{pool}_gpus_per_replica",
        view.deployment.gpus,
        "GPUs",
        _deployment_field(design, pool) + ".tp × pp",
    )
    sheet.add(
        f"{pool}_gpus",
        replicas * view.deployment.gpus,
        "GPUs",
        Source.formula,
        formula=f"{pool}_gpus = {pool}_replicas × {pool}_gpus_per_replica",
    )
    field = f"disaggregation.{pool}.hardware"
    add_price(sheet, design, view.hardware, f"{pool}_price_per_gpu_hour_usd", field)


def _add_cost(sheet: Sheet) -> None:
    sheet.section = "cost"
    for pool in POOLS:
        hours = f"{pool}_gpu_hours_per_month"
        sheet.derive(cost.gpu_hours_per_month, "GPU-h", key=hours, bind={"gpus": f"{pool}_gpus"})
        sheet.derive(
            cost.monthly_cost_usd,
            "USD/month",
            key=f"{pool}_monthly_cost_usd",
            bind={
                "gpu_hours_per_month": hours,
                "price_per_gpu_hour_usd": f"{pool}_price_per_gpu_hour_usd",
            },
        )
    _sum_of_pools(sheet, "model_monthly_cost_usd", "monthly_cost_usd", "USD/month")
    sheet.derive(
        cost.usd_per_million_output_tokens,
        "USD/Mtok",
        key="model_usd_per_million_output_tokens",
        bind={"monthly_cost_usd": "model_monthly_cost_usd"},
    )
    sheet.derive(
        cost.usd_per_request,
        "USD",
        key="model_usd_per_request",
        bind={"monthly_cost_usd": "model_monthly_cost_usd"},
    )


def _sum_of_pools(sheet: Sheet, key: str, part: str, unit: str) -> None:
    """key = prefill_<part> + decode_<part>"""
    terms = [f"{pool}_{part}" for pool in POOLS]
    total = sum(sheet[term] for term in terms)
    sheet.add(key, total, unit, Source.formula, formula=f"{key} = {' + '.join(terms)}")
