"""A fine-tuning job's MFU: the design's, or predicted by `perf.training` for the job's
layout (its GPUs data-parallel, ZeRO stage, checkpointing, LoRA's frozen base)."""

from __future__ import annotations

from math import ceil

from napkin.figures import Sheet, Source
from napkin.perf.efficiency import resolve
from napkin.perf.training import (
    GEMM_CURVES,
    GEMM_CURVES_SOURCE,
    Training,
    gemm_fraction,
    training_step,
)
from napkin.specs.design import FinetuneDesign
from napkin.specs.finetune_workload import Method
from napkin.specs.model import Model


def add_mfu(sheet: Sheet, design: FinetuneDesign, model: Model, label: str, gpus: int) -> None:
    """mfu_<label>: the design's `finetune.mfu`, else the predicted step's FLOPs (in the
    GPU-hour formula's count, flops_per_param_token × active parameters a token) over its
    time at peak."""
    f, gpu = design.finetune, design.hardware
    key = f"mfu_{label}"
    if f.mfu is not None:
        sheet.add(key, f.mfu, "fraction", Source.assumption, detail="design field finetune.mfu")
        return
    eff = resolve(design.efficiency, gpu, design.profile, design.deployment.engine)
    fitted = GEMM_CURVES.get(gpu.name)
    job = Training(
        model,
        gpu,
        eff,
        precision=design.deployment.precision,
        dp=gpus,
        micro_batch=ceil(f.batch_size / gpus),
        global_batch=f.batch_size,
        seq_len=int(f.seq_len),
        checkpointing=f.activation_checkpointing,
        zero_stage=f.zero_stage,
        frozen_base=f.method is not Method.full,
        curve=fitted,
    )
    step = training_step(job)
    peak = gpu.peak_flops_per_s(design.deployment.precision)
    counted = f.flops_per_param * model.active_params * step.tokens
    where = GEMM_CURVES_SOURCE if fitted else f"{gpu.name} not calibrated for training"
    sheet.add(
        key,
        counted / (step.total_s * peak * gpus),
        "fraction",
        Source.formula,
        detail=f"predicted, {step.bound}-bound step of {step.total_s:.2f} s on {gpus} GPUs "
        f"(MFU {step.mfu:.0%} by 6N + 12Lhs); GEMM fraction {gemm_fraction(job):.3f}: {where}",
        formula=f"{key} = flops_per_param_token × active parameters × tokens a step / (step "
        "time × peak × GPUs), the step from perf.training",
    )
