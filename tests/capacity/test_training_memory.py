"""Fine-tuning memory per GPU (issue #17), by hand: full fine-tune with Adam under ZeRO,
QLoRA's 65B on one 48 GB GPU, an 8B LoRA on a 24 GB GPU, and MoE FLOPs by active
parameters."""

from __future__ import annotations

import pytest
import yaml

from napkin.capacity import training_memory as tm
from napkin.planner import plan
from napkin.scenarios.finetune import lora_params
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.loader import BUILTIN_DIR, load_design

LLAMA2_7B = 6_738_415_616


def test_full_fine_tune_adam_under_zero_by_hand():
    """16 B a parameter (2 weights + 2 gradients + 12 fp32 master and moments): a 7B full
    fine-tune needs 107,814,649,856 B on every GPU without ZeRO, more than an A100-80GB;
    ZeRO-3 over 8 GPUs cuts it to 16 Ψ / 8 = 13,476,831,232 B; ZeRO-1 to (2 + 2 + 12 / 8) Ψ
    = 37,061,285,888 B."""
    adamw = tm.Optimizer.adamw
    assert tm.trainable_bytes_per_gpu(LLAMA2_7B, adamw, 0, 8) == 107_814_649_856
    assert tm.trainable_bytes_per_gpu(LLAMA2_7B, adamw, 3, 8) == 13_476_831_232
    assert tm.trainable_bytes_per_gpu(LLAMA2_7B, adamw, 1, 8) == 37_061_285_888
    assert find_gpu("A100-80GB").memory_bytes < 107_814_649_856


def _finetune(*overrides: str):
    return plan(load_design("finetune-service", ["hardware=A100-80GB", *overrides]))


def test_a_full_fine_tune_needs_sharding():
    """Without ZeRO-3 a full fine-tune of the 70B base fits no number of A100s (each holds
    every weight); with it, the 7B base needs several GPUs, not one."""
    unsharded = _finetune("finetune.method=full", "finetune.zero_stage=0")
    assert not unsharded.fits
    assert "does not fit" in unsharded.fit_reason and "zero_stage: 3" in unsharded.fit_reason
    sharded = _finetune(
        "finetune.method=full",
        "deployment.precision=bf16",
        "finetune.flops_per_param_token=null",  # the design's 4 is LoRA's
    )
    assert sharded.figures["gpus_per_job_7b"].value >= 2
    assert sharded.figures["flops_per_param_token"].value == 6  # 2 forward + 4 backward


def test_qlora_65b_fits_one_48gb_gpu_by_hand():
    """LLaMA-65B in NF4: 65,285,660,672 × 4.127 / 8 B; rank-64 adapters on every linear
    layer: (4 × 16,384 + 3 × 30,208) × 64 × 80 = 799,539,200 parameters at 4 B (weights
    and gradients; paged 8-bit AdamW state off the GPU); one 512-token sequence,
    checkpointed: 512 × 8,192 × (2 × 80 + 34) B. About 37.7 GB: inside an L40S's 48 GiB ×
    0.9, as QLoRA reports for one 48 GB GPU."""
    model = find_model("llama-65b")
    targets = ("q", "k", "v", "o", "gate", "up", "down")
    adapter = lora_params(model, 64, targets)
    assert adapter == 799_539_200
    frozen = tm.frozen_weight_bytes(tm.Method.qlora, model.total_params, 2)
    assert frozen == pytest.approx(65_285_660_672 * 4.127 / 8, rel=1e-12)
    state = tm.trainable_bytes_per_gpu(adapter, tm.Optimizer.paged_adamw_8bit, 0, 1)
    assert state == 799_539_200 * 4
    acts = tm.activation_bytes_per_gpu(model, 1, 512, checkpointing=True)
    assert acts == 512 * 8192 * (2 * 80 + 34)
    total = tm.job_bytes_per_gpu(frozen, state, acts, 0, 1)
    assert total == pytest.approx(37_690_978_000, rel=1e-3)
    assert total < find_gpu("L40S").memory_bytes * 0.9
    lora16 = tm.frozen_weight_bytes(tm.Method.lora, model.total_params, 2)
    assert lora16 > find_gpu("L40S").memory_bytes  # the same job in 16 bits does not


def test_lora_8b_fits_a_24gb_gpu_by_hand():
    """Llama-3.1-8B in bf16 (16,060,522,496 B) with rank-16 adapters on q and v
    ((4,096 + 4,096) + (4,096 + 1,024)) × 16 × 32 = 6,815,744 parameters at 16 B, and two
    2,048-token sequences checkpointed: 2,048 × 2 × 4,096 × (2 × 32 + 34) B: 17.8 GB,
    inside an A10's 24 GiB × 0.9."""
    model = find_model("llama-3.1-8b")
    adapter = lora_params(model, 16, ("q", "v"))
    assert adapter == 6_815_744
    frozen = tm.frozen_weight_bytes(tm.Method.lora, model.total_params, 2)
    assert frozen == 16_060_522_496
    state = tm.trainable_bytes_per_gpu(adapter, tm.Optimizer.adamw, 0, 1)
    assert state == 6_815_744 * 16
    acts = tm.activation_bytes_per_gpu(model, 2, 2048, checkpointing=True)
    assert acts == 2048 * 2 * 4096 * (2 * 32 + 34)
    total = tm.job_bytes_per_gpu(frozen, state, acts, 0, 1)
    assert total == 16_060_522_496 + 109_051_904 + 1_644_167_168
    assert total < find_gpu("A10").memory_bytes * 0.9


def test_moe_fine_tune_flops_use_active_parameters(tmp_path):
    """A Mixtral-8x7B base: 12,879,925,248 of its 46,702,792,704 parameters see a token, so
    a job's GPU-hours are 4 × 12,879,925,248 × tokens / (peak × MFU), not 3.6× that."""
    data = yaml.safe_load((BUILTIN_DIR / "finetune-service.yaml").read_text())
    data["finetune"]["bases"][0]["model"] = "mixtral-8x7b"
    path = tmp_path / "moe.yaml"
    path.write_text(yaml.safe_dump(data))
    f = plan(load_design(path)).figures
    assert f["active_params_7b"].value == 12_879_925_248
    assert f["params_7b"].value == 46_702_792_704  # memory still holds every expert
    tokens, peak, mfu = f["tokens_per_job"].value, f["peak_flops_per_gpu"].value, 0.34
    expected = 4 * 12_879_925_248 * tokens / (peak * mfu) / 3600
    assert f["gpu_hours_per_job_7b"].value == pytest.approx(expected, rel=1e-12)


def test_no_checkpointing_keeps_every_layer():
    model = find_model("llama-2-7b")
    kept = tm.activation_bytes_per_gpu(model, 1, 1000, checkpointing=False)
    assert kept == 1000 * 4096 * 32 * 34


def test_an_omitted_mfu_is_predicted_and_drives_the_hours():
    """Without finetune.mfu each base gets the MFU of its predicted step (perf.training),
    and its GPU-hours follow from it by the same formula as a stated MFU."""
    p = plan(load_design("finetune-service", ["finetune.mfu=null"]))
    f = {k: v for k, v in p.figures.items()}
    mfu = f["mfu_7b"]
    assert mfu.source.value == "formula" and "predicted" in (mfu.detail or "")
    assert 0.05 < mfu.value < 0.9
    tokens, peak = f["tokens_per_job"].value, f["peak_flops_per_gpu"].value
    flops = f["flops_per_param_token"].value * f["active_params_7b"].value * tokens
    hours = flops / (peak * mfu.value) / 3600
    assert f["gpu_hours_per_job_7b"].value == pytest.approx(hours, rel=1e-12)
    stated = plan(load_design("finetune-service")).figures["mfu_7b"]
    assert stated.value == 0.34 and stated.source.value == "assumption"
