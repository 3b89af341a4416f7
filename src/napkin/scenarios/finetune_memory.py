"""What fills each GPU of a fine-tuning job, and the fewest GPUs that hold it: the
sheet's side of `capacity.training_memory`, one base at a time."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from napkin.capacity import training_memory as tm
from napkin.figures import Sheet, Source
from napkin.specs.design import FinetuneDesign
from napkin.specs.model import Model

MAX_JOB_GPUS = 1024


@dataclass(frozen=True)
class JobMemory:
    """One job's memory on each of its `gpus` GPUs (bytes), by part."""

    gpus: int
    frozen: float
    trainable: float
    activations: float
    total: float


def job_memory(design: FinetuneDesign, model: Model, adapter: float, gpus: int) -> JobMemory:
    """`capacity.training_memory` for one base on `gpus` data-parallel GPUs, each taking
    ⌈batch_size / gpus⌉ sequences of the global batch."""
    f, dep = design.finetune, design.deployment
    frozen = tm.frozen_weight_bytes(f.method, model.total_params, dep.precision.bytes_per_value)
    trained = tm.trainable_params(f.method, model.total_params, adapter)
    state = tm.trainable_bytes_per_gpu(trained, f.optimizer, f.zero_stage, gpus)
    micro = ceil(f.batch_size / gpus)
    acts = tm.activation_bytes_per_gpu(model, micro, f.seq_len, f.activation_checkpointing)
    total = tm.job_bytes_per_gpu(frozen, state, acts, f.zero_stage, gpus)
    return JobMemory(gpus, frozen / (gpus if f.zero_stage >= 3 else 1), state, acts, total)


def gpus_per_job(design: FinetuneDesign, model: Model, adapter: float) -> JobMemory | None:
    """The fewest GPUs (a power of two, up to MAX_JOB_GPUS) whose per-GPU memory fits
    hbm × gpu_memory_utilization; None when none does (without ZeRO-3, more data-parallel
    GPUs do not shrink the weights)."""
    usable = design.hardware.memory_bytes * design.deployment.gpu_memory_utilization
    gpus = 1
    while gpus <= MAX_JOB_GPUS:
        need = job_memory(design, model, adapter, gpus)
        if need.total <= usable:
            return need
        gpus *= 2
    return None


def add_job_memory(
    sheet: Sheet, design: FinetuneDesign, model: Model, adapter: float, label: str
) -> bool:
    """What fills each GPU of a job on this base, and the fewest GPUs that hold it
    (`capacity.training_memory`); False when no job of up to MAX_JOB_GPUS fits."""
    f = design.finetune
    fit = gpus_per_job(design, model, adapter)
    trained = tm.trainable_params(f.method, model.total_params, adapter)
    sheet.add(
        f"trainable_params_{label}",
        trained,
        "params",
        Source.formula,
        formula=f"trainable_params_{label} = "
        + ("params" if f.method is tm.Method.full else "lora_params")
        + f" ({f.method.value})",
    )
    if fit is None:
        sheet.add(
            f"gpus_per_job_{label}",
            0,
            "GPUs",
            Source.formula,
            formula=f"gpus_per_job_{label} = none up to {MAX_JOB_GPUS:,} GPUs fits",
        )
        return False
    zero = f"/ gpus if ZeRO-{f.zero_stage} shards it"
    rows = (
        (
            "frozen_weight_bytes_per_gpu",
            fit.frozen,
            f"params × bytes a frozen weight {zero}",
            f"the frozen base ({f.method.value})",
        ),
        (
            "trainable_bytes_per_gpu",
            fit.trainable,
            "trainable_params × (2 B weights + 2 B gradients + optimizer state), each / gpus "
            "from its ZeRO stage on",
            f"ZeRO-{f.zero_stage} over {fit.gpus} GPUs, {f.optimizer.value}",
        ),
        (
            "activation_bytes_per_gpu",
            fit.activations,
            "seq_len × ⌈batch_size / gpus⌉ × hidden × (2 B × layers + 34 B) with "
            "checkpointing, else 34 B × layers",
            "checkpointed" if f.activation_checkpointing else "every layer's, no checkpointing",
        ),
        (
            "job_bytes_per_gpu",
            fit.total,
            "frozen + trainable + activation bytes a GPU",
            "what fills each GPU of the job",
        ),
    )
    for stem, value, formula, detail in rows:
        sheet.add(
            f"{stem}_{label}",
            value,
            "B",
            Source.formula,
            detail=detail,
            formula=f"{stem}_{label} = {formula}",
        )
    sheet.add(
        f"gpus_per_job_{label}",
        fit.gpus,
        "GPUs",
        Source.formula,
        formula=f"gpus_per_job_{label} = fewest GPUs (a power of two) with job_bytes_per_gpu_"
        f"{label} ≤ hbm_bytes × gpu_memory_utilization",
    )
    return True
