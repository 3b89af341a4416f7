"""Multi-tenant LoRA fine-tuning service (reference prompt 3): jobs -> GPU-hours -> fleet.

Training FLOPs follow the 6N-per-token rule (2N forward, 4N backward; Kaplan et al. 2020):
LoRA skips the weight gradients of the frozen base (about 2N), leaving about 4N per token
(Hu et al. 2021). GPU time is FLOPs / (peak x MFU).
"""

from __future__ import annotations

from math import ceil

from napkin.capacity import queueing
from napkin.capacity import training_memory as tm
from napkin.figures import Sheet, Source
from napkin.scenarios.finetune_memory import MAX_JOB_GPUS, add_job_memory
from napkin.scenarios.finetune_speed import add_mfu
from napkin.sections.gpu_peaks import add_hbm, add_peak_flops
from napkin.sections.pipeline import PlanOutcome
from napkin.sections.pricing import add_price
from napkin.specs.catalog import find_model
from napkin.specs.design import FinetuneDesign
from napkin.specs.model import Model
from napkin.units import DAYS_PER_MONTH, HOURS_PER_DAY, SECONDS_PER_HOUR

ASSUMED = {
    "customers": "customers",
    "examples_per_job": "examples",
    "seq_len": "tokens",
    "epochs": "epochs",
    "jobs_per_hour": "jobs/h",
    "start_sla_s": "s",
    "start_sla_quantile": "fraction",
    "lora_rank": "rank",
    "spot_price_fraction": "fraction",
    "spot_eligible_fraction": "fraction",
}


def tokens_per_job(examples_per_job: float, seq_len: float, epochs: float) -> float:
    """tokens_per_job = examples_per_job × seq_len × epochs"""
    return examples_per_job * seq_len * epochs


def gpu_hours_per_job(
    flops_per_param_token: float,
    params: float,
    tokens_per_job: float,
    peak_flops_per_gpu: float,
    mfu: float,
) -> float:
    """gpu_hours_per_job = flops_per_param_token × params × tokens_per_job /
    (peak_flops_per_gpu × mfu) / 3,600 s"""
    return (
        flops_per_param_token
        * params
        * tokens_per_job
        / (peak_flops_per_gpu * mfu)
        / (SECONDS_PER_HOUR)
    )


def lora_params(model: Model, rank: int, targets: tuple[str, ...]) -> float:
    """lora_params = rank × Σ_targets (d_in + d_out) × layers

    Each adapted d_in x d_out matrix gains A (d_in x r) and B (r x d_out) (Hu et al. 2021).
    MoE FFN experts are counted once per layer (adapting the dense path only).
    """
    h, q, kv = (
        model.hidden_size,
        model.num_attention_heads * model.head_dim,
        (model.num_kv_heads * model.head_dim),
    )
    f = model.ffn_size
    dims = {
        "q": (h, q),
        "k": (h, kv),
        "v": (h, kv),
        "o": (q, h),
        "gate": (h, f),
        "up": (h, f),
        "down": (f, h),
    }
    return rank * sum(sum(dims[t]) for t in targets) * model.num_layers


def _add_base(sheet: Sheet, design: FinetuneDesign, index: int) -> None:
    f = design.finetune
    base = f.bases[index]
    model = base.model
    if isinstance(model, str):
        model = find_model(model, field=f"finetune.bases[{index}].model")
    label, field = base.label, f"finetune.bases[{index}]"
    sheet.assume(f"share_{label}", base.share, "fraction", f"{field}.share")
    sheet.add(
        f"params_{label}",
        model.total_params,
        "params",
        Source.formula,
        detail=f"counted from {model.name}'s shape",
        cite=model.params_source,
        formula=f"params_{label} = parameters of {model.name}",
    )
    sheet.add(
        f"active_params_{label}",
        model.active_params,
        "params",
        Source.formula,
        detail="the parameters a token passes through (MoE: its routed experts only)",
        formula=f"active_params_{label} = parameters of {model.name} a token uses",
    )
    adapter = lora_params(model, f.lora_rank, f.lora_targets)
    if not add_job_memory(sheet, design, model, adapter, label):
        return
    add_mfu(sheet, design, model, label, int(sheet[f"gpus_per_job_{label}"]))
    sheet.derive(
        gpu_hours_per_job,
        "GPU-h",
        key=f"gpu_hours_per_job_{label}",
        bind={"params": f"active_params_{label}", "mfu": f"mfu_{label}"},
    )
    sheet.add(
        f"job_hours_{label}",
        sheet[f"gpu_hours_per_job_{label}"] / sheet[f"gpus_per_job_{label}"],
        "h",
        Source.formula,
        formula=f"job_hours_{label} = gpu_hours_per_job_{label} / gpus_per_job_{label}",
    )
    sheet.add(
        f"cost_per_job_usd_{label}",
        sheet[f"gpu_hours_per_job_{label}"] * sheet["price_per_gpu_hour_usd"],
        "USD",
        Source.formula,
        formula=f"cost_per_job_usd_{label} = gpu_hours_per_job_{label} × price_per_gpu_hour_usd",
    )
    sheet.assume(
        f"price_per_job_usd_{label}", base.price_per_job_usd, "USD", f"{field}.price_per_job_usd"
    )
    sheet.add(
        f"margin_{label}",
        base.price_per_job_usd / sheet[f"cost_per_job_usd_{label}"],
        "×",
        Source.formula,
        formula=f"margin_{label} = price_per_job_usd_{label} / cost_per_job_usd_{label}",
    )
    sheet.add(
        f"adapter_bytes_{label}",
        adapter * 2,
        "B",
        Source.formula,
        formula=f"adapter_bytes_{label} = lora_params × 2 B, lora_params = rank × "
        "Σ_targets (d_in + d_out) × layers",
        detail=f"rank {f.lora_rank} on {', '.join(f.lora_targets)}: {adapter / 1e6:,.1f}M params",
    )
    base_format = tm.Method.qlora if f.method is tm.Method.qlora else tm.Method.lora
    bpw = design.deployment.precision.bytes_per_value
    served = tm.frozen_weight_bytes(base_format, model.total_params, bpw)
    free = (
        sheet["hbm_bytes"]
        * design.deployment.gpu_memory_utilization
        * sheet[f"gpus_per_job_{label}"]
        - served
    )
    sheet.add(
        f"adapters_in_free_memory_{label}",
        max(0, free) // (adapter * 2),
        "adapters",
        Source.formula,
        formula=f"adapters_in_free_memory_{label} = ⌊(usable memory of "
        f"gpus_per_job_{label} GPUs − the base as trained ({base_format.value})) / "
        f"adapter_bytes_{label}⌋",
        detail="an upper bound before any KV cache; serving engines cap resident "
        "adapters far lower (vLLM's max_loras)",
    )


def _weighted_square(sheet: Sheet, design: FinetuneDesign) -> float:
    """Σ share × job_hours², the second moment of a job's predicted time."""
    bases = design.finetune.bases
    return sum(sheet[f"share_{b.label}"] * sheet[f"job_hours_{b.label}"] ** 2 for b in bases)


def _weighted(sheet: Sheet, design: FinetuneDesign, stem: str) -> float:
    return sum(
        sheet[f"share_{b.label}"] * sheet[f"{stem}_{b.label}"] for b in design.finetune.bases
    )


def plan_finetune(sheet: Sheet, design: FinetuneDesign) -> PlanOutcome:
    sheet.section = "training"
    f, gpu = design.finetune, design.hardware
    for field, unit in ASSUMED.items():
        sheet.assume(field, getattr(f, field), unit, f"finetune.{field}")
    if f.flops_per_param_token is not None:
        sheet.assume(
            "flops_per_param_token",
            f.flops_per_param,
            "FLOP/param/token",
            "finetune.flops_per_param_token",
        )
    else:
        sheet.add(
            "flops_per_param_token",
            f.flops_per_param,
            "FLOP/param/token",
            Source.formula,
            formula="flops_per_param_token = 6 for a full fine-tune "
            "(2 forward + 4 backward), 4 for LoRA and QLoRA (no frozen-weight gradients)",
        )
    add_peak_flops(sheet, gpu, design.deployment.precision)
    add_hbm(sheet, gpu)
    add_price(sheet, design)
    sheet.derive(tokens_per_job, "tokens")
    for index in range(len(f.bases)):
        _add_base(sheet, design, index)
    short = [b for b in f.bases if sheet[f"gpus_per_job_{b.label}"] == 0]
    if short:
        why = "with ZeRO-3 (finetune.zero_stage: 3)" if f.zero_stage < 3 else "at all"
        return PlanOutcome(
            False,
            f"a {short[0].name} job ({f.method.value}) does not fit {MAX_JOB_GPUS:,} "
            f"{gpu.name} GPUs: shard it {why}, or use LoRA / QLoRA",
        )
    _add_fleet(sheet, design)
    largest = max(f.bases, key=lambda b: sheet[f"gpus_per_job_{b.label}"])
    gpus = sheet[f"gpus_per_job_{largest.label}"]
    # One scale-up domain: a node, or a whole NVLink rack (GB200 NVL72: 72 GPUs, 4 a tray).
    domain = gpu.domain_gpus
    fits = gpus <= domain
    where = "node" if domain == gpu.max_gpus_per_node else "NVLink domain"
    reason = (
        f"the largest base ({largest.name}) trains on {gpus} × {gpu.name} "
        f"({'within' if fits else 'beyond'} one {domain}-GPU {where})"
    )
    spread = sheet["job_hours_cv2"]
    note = f"queue wait modelled as G/G/c over the bases' predicted job times (c_s² {spread:.2f})"
    return PlanOutcome(fits, reason, (note,))


def _add_fleet(sheet: Sheet, design: FinetuneDesign) -> None:
    sheet.section = "fleet"
    f = design.finetune
    labels = [b.label for b in f.bases]
    terms = " + ".join(f"share_{x} × gpu_hours_per_job_{x}" for x in labels)
    sheet.add(
        "mean_gpu_hours_per_job",
        _weighted(sheet, design, "gpu_hours_per_job"),
        "GPU-h",
        Source.formula,
        formula=f"mean_gpu_hours_per_job = {terms}",
    )
    sheet.add(
        "gpus_busy",
        f.jobs_per_hour * sheet["mean_gpu_hours_per_job"],
        "GPUs",
        Source.formula,
        formula="gpus_busy = jobs_per_hour × mean_gpu_hours_per_job   "
        "(Little's law: GPUs in use = arrival rate × GPU-hours each)",
    )
    sheet.add(
        "mean_gpus_per_job",
        _weighted(sheet, design, "gpus_per_job"),
        "GPUs",
        Source.formula,
        formula="mean_gpus_per_job = Σ share × gpus_per_job",
    )
    sheet.add(
        "mean_job_hours",
        _weighted(sheet, design, "job_hours"),
        "h",
        Source.formula,
        formula="mean_job_hours = Σ share × job_hours",
    )
    second = _weighted_square(sheet, design)
    sheet.add(
        "job_hours_cv2",
        second / sheet["mean_job_hours"] ** 2 - 1,
        "fraction",
        Source.formula,
        formula="job_hours_cv2 = Σ share × job_hours² / mean_job_hours² − 1   (the spread "
        "of predicted job times over the bases; each base's jobs alike)",
    )
    rate, service = (
        f.jobs_per_hour / SECONDS_PER_HOUR,
        1 / (sheet["mean_job_hours"] * SECONDS_PER_HOUR),
    )
    peakedness = (1 + sheet["job_hours_cv2"]) / 2  # Poisson arrivals: c_a² = 1
    slots = queueing.servers_for_wait(
        rate, service, f.start_sla_s, f.start_sla_quantile, peakedness
    )
    sheet.add(
        "job_slots_for_start_sla",
        slots,
        "jobs",
        Source.formula,
        formula="job_slots_for_start_sla = fewest c whose start-wait quantile ≤ start_sla_s, "
        "G/G/c by Hayward's approximation with peakedness (1 + job_hours_cv2) / 2",
        inputs={
            "jobs_per_hour": f.jobs_per_hour,
            "mean_job_hours": sheet["mean_job_hours"],
            "start_sla_s": f.start_sla_s,
        },
    )
    sheet.add(
        "mean_start_wait_s",
        queueing.mean_wait_s(slots, rate, service) * peakedness,
        "s",
        Source.formula,
        formula="mean_start_wait_s = (1 + job_hours_cv2) / 2 × C(c, A) / (cμ − λ)   "
        "(Allen–Cunneen)",
    )
    # Bigger jobs hold more GPUs for longer, so a busy slot holds more than the mean job's
    # GPUs: weight by time in service, gpus_busy / (jobs_per_hour × mean_job_hours).
    per_slot = sheet["gpus_busy"] / (f.jobs_per_hour * sheet["mean_job_hours"])
    sheet.add(
        "gpus_per_busy_slot",
        per_slot,
        "GPUs",
        Source.formula,
        formula="gpus_per_busy_slot = gpus_busy / (jobs_per_hour × mean_job_hours)",
        inputs={
            "gpus_busy": sheet["gpus_busy"],
            "jobs_per_hour": f.jobs_per_hour,
            "mean_job_hours": sheet["mean_job_hours"],
        },
    )
    sheet.add(
        "gpus_provisioned",
        ceil(slots * per_slot),
        "GPUs",
        Source.formula,
        formula="gpus_provisioned = ⌈job_slots_for_start_sla × gpus_per_busy_slot⌉",
    )
    hours = HOURS_PER_DAY * DAYS_PER_MONTH
    price = sheet["price_per_gpu_hour_usd"]
    sheet.add(
        "monthly_cost_usd",
        sheet["gpus_provisioned"] * price * hours,
        "USD/month",
        Source.formula,
        formula="monthly_cost_usd = gpus_provisioned × price_per_gpu_hour_usd × 24 h × 30 d",
    )
    sheet.add(
        "spot_usd_saved_per_month",
        sheet["gpus_busy"] * f.spot_eligible_fraction * price * (1 - f.spot_price_fraction) * hours,
        "USD/month",
        Source.formula,
        formula="spot_usd_saved_per_month = gpus_busy × spot_eligible_fraction × "
        "price_per_gpu_hour_usd × (1 − spot_price_fraction) × 24 h × 30 d",
    )
    stored = f.customers * f.adapters_per_customer * _weighted(sheet, design, "adapter_bytes")
    sheet.add(
        "adapter_storage_bytes",
        stored,
        "B",
        Source.formula,
        formula="adapter_storage_bytes = customers × adapters_per_customer × Σ share × "
        "adapter_bytes",
    )
