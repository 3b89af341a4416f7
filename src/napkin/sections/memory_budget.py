"""Memory section: weights, KV cache, sequences per replica, and the fit verdict."""

from __future__ import annotations

from napkin.capacity import memory
from napkin.figures import Sheet, Source, formula_of
from napkin.sections.gpu_peaks import add_hbm
from napkin.specs.deployment import EXPERT_IMBALANCE_SOURCE, Deployment
from napkin.specs.design import DesignBase
from napkin.units import GIB


def add_memory(sheet: Sheet, design: DesignBase) -> memory.MemoryFit:
    """Reads `context_tokens` and `context_tokens_p99` from the sheet."""
    sheet.section = "memory"
    model, gpu, dep = design.model, design.hardware, design.deployment
    sheet.assume("tp", dep.tp, "GPUs/stage", "deployment.tp")
    sheet.assume("pp", dep.pp, "stages", "deployment.pp")
    sheet.derive(memory.gpus_per_replica, "GPUs/replica")
    sheet.assume(
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
    _add_layout(sheet, design)
    sheet.derive(memory.weight_bytes_per_gpu, "B", detail=dep.layout)
    add_hbm(sheet, gpu)
    _add_memory_policy(sheet, dep)
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
    sheet.derive(memory.kv_replication, "×", model=model)
    sheet.derive(
        memory.kv_bytes_per_sequence,
        "B",
        bind={"context_tokens": "context_tokens"},
        model=model,
        kv=kv,
    )
    sheet.derive(memory.max_sequences_by_memory, "sequences")
    longest = sheet["context_tokens_p99"]
    longest_bytes = memory.kv_bytes_per_sequence(model, kv, longest, sheet["kv_replication"])
    smallest = memory.min_tp_to_fit(
        model,
        gpu.memory_bytes,
        dep.precision.bytes_per_value,
        kv,
        dep.memory_utilization,
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
        dep.pp,
    )


def _add_layout(sheet: Sheet, design: DesignBase) -> None:
    """How the replica's GPUs split the work, and the two kinds of weights that follow it."""
    model, dep = design.model, design.deployment
    sheet.assume("dp_attention", dep.dp_attention, "groups", "deployment.dp_attention")
    if model.moe is not None:
        sheet.assume("ep", dep.ep, "ranks", "deployment.ep")
    if model.moe is not None and dep.ep > 1:
        if "expert_imbalance" in dep.model_fields_set:
            sheet.assume(
                "expert_imbalance", dep.expert_imbalance, "×", "deployment.expert_imbalance"
            )
        else:
            sheet.add(
                "expert_imbalance",
                dep.expert_imbalance,
                "×",
                Source.default,
                detail="busiest EP rank's routed tokens / mean, with EPLB",
                cite=EXPERT_IMBALANCE_SOURCE,
            )
    sheet.add(
        "attention_tp",
        dep.attention_tp,
        "GPUs/group",
        Source.formula,
        detail=dep.layout,
        formula="attention_tp = tp / dp_attention",
    )
    bytes_per_weight = dep.precision.bytes_per_value
    for key, params, what in (
        (
            "attention_weight_bytes",
            model.attention_group_params,
            "attention, norms, router, embeddings: one copy per attention group",
        ),
        ("ffn_weight_bytes", model.ffn_params, "FFNs and experts: sharded over all tp GPUs"),
    ):
        sheet.add(
            key,
            memory.weight_bytes(params, bytes_per_weight),
            "B",
            Source.formula,
            detail=what,
            formula=f"{key} = params × bytes_per_weight",
        )


def _add_memory_policy(sheet: Sheet, dep: Deployment) -> None:
    """The memory fraction and reserve: the design's (or napkin's default reserve), else
    what its engine's defaults imply (`Deployment.memory_utilization`, `.reserved_gib`)."""
    preset = dep.preset
    engine_says = {
        "gpu_memory_utilization": dep.memory_set_by_engine,
        "reserved_gib_per_gpu": dep.reserved_gib != dep.reserved_gib_per_gpu,
    }
    for key, value, unit, field in (
        ("gpu_memory_utilization", dep.memory_utilization, "fraction", "gpu_memory_utilization"),
        ("reserved_bytes_per_gpu", dep.reserved_gib * GIB, "B", "reserved_gib_per_gpu"),
    ):
        if not engine_says[field]:
            sheet.assume(key, value, unit, f"deployment.{field}")
            continue
        sheet.add(
            key,
            value,
            unit,
            Source.catalog,
            detail=f"{preset.label} default (deployment.engine={preset.name})",
            cite=preset.sources["kv_memory_fraction"],
        )
