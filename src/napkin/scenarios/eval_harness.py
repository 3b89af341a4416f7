"""Evaluation harness for a model release (reference prompt 5): generations, judge calls,
the statistics of detecting a regression, and cheap gates first."""

from __future__ import annotations

from math import ceil, sqrt
from statistics import NormalDist

from napkin.capacity.memory import MemoryFit
from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.operating_point import ReplicaSetup, prefill_busy_s
from napkin.scenarios.eval_serial import add_serial_pass
from napkin.sections.memory_budget import add_memory
from napkin.sections.performance import add_performance
from napkin.sections.pipeline import PlanOutcome
from napkin.sections.two_pools import engine_of
from napkin.specs.design import EvalDesign
from napkin.specs.eval_workload import EvalWorkload, Harness
from napkin.units import SECONDS_PER_HOUR

ASSUMED = {
    "prompts": "prompts",
    "input_tokens_per_prompt": "tokens",
    "output_tokens_per_prompt": "tokens",
    "ablation_multiplier": "×",
    "budget_gpu_hours": "GPU-h",
    "turnaround_h": "h",
    "judge_pairs": "pairs",
    "judge_calls_per_pair": "calls",
    "judge_tokens_per_call": "tokens",
    "baseline_accuracy": "fraction",
    "min_detectable_drop": "fraction",
    "alpha": "fraction",
    "power": "fraction",
    "candidates": "models",
    "gate_pass_fraction": "fraction",
    "gate_cost_fraction": "fraction",
}
# `workers` (serial harness) and `judge_usd_per_m_tokens` are recorded where they apply.


def output_tokens_per_pass(prompts: float, output_tokens_per_prompt: float) -> float:
    """output_tokens_per_pass = prompts × output_tokens_per_prompt"""
    return prompts * output_tokens_per_prompt


def input_tokens_per_pass(prompts: float, input_tokens_per_prompt: float) -> float:
    """input_tokens_per_pass = prompts × input_tokens_per_prompt"""
    return prompts * input_tokens_per_prompt


def decode_gpu_seconds_per_pass(
    output_tokens_per_pass: float, tokens_per_s_per_gpu: float
) -> float:
    """decode_gpu_seconds_per_pass = output_tokens_per_pass / tokens_per_s_per_gpu"""
    return output_tokens_per_pass / tokens_per_s_per_gpu


def prefill_gpu_seconds_per_pass(
    input_tokens_per_pass: float, prefill_gpu_s_per_token: float
) -> float:
    """prefill_gpu_seconds_per_pass = input_tokens_per_pass × prefill_gpu_s_per_token"""
    return input_tokens_per_pass * prefill_gpu_s_per_token


def gpu_seconds_per_pass(
    prefill_gpu_seconds_per_pass: float, decode_gpu_seconds_per_pass: float
) -> float:
    """gpu_seconds_per_pass = prefill_gpu_seconds_per_pass + decode_gpu_seconds_per_pass"""
    return prefill_gpu_seconds_per_pass + decode_gpu_seconds_per_pass


def gpu_hours_per_pass(gpu_seconds_per_pass: float) -> float:
    """gpu_hours_per_pass = gpu_seconds_per_pass / 3,600 s"""
    return gpu_seconds_per_pass / SECONDS_PER_HOUR


def gpu_hours_per_suite(gpu_hours_per_pass: float, ablation_multiplier: float) -> float:
    """gpu_hours_per_suite = gpu_hours_per_pass × ablation_multiplier"""
    return gpu_hours_per_pass * ablation_multiplier


def budget_used_fraction(gpu_hours_per_suite: float, budget_gpu_hours: float) -> float:
    """budget_used_fraction = gpu_hours_per_suite / budget_gpu_hours"""
    return gpu_hours_per_suite / budget_gpu_hours


def gpus_for_turnaround(
    gpu_hours_per_suite: float, turnaround_h: float, gpus_per_replica: int
) -> int:
    """gpus_for_turnaround = ⌈gpu_hours_per_suite / turnaround_h / gpus_per_replica⌉ ×
    gpus_per_replica   (whole replicas)"""
    return ceil(gpu_hours_per_suite / turnaround_h / gpus_per_replica - 1e-9) * gpus_per_replica


def judge_tokens(
    judge_pairs: float, judge_calls_per_pair: float, judge_tokens_per_call: float
) -> float:
    """judge_tokens = judge_pairs × judge_calls_per_pair × judge_tokens_per_call"""
    return judge_pairs * judge_calls_per_pair * judge_tokens_per_call


def judge_cost_usd(judge_tokens: float, judge_usd_per_m_tokens: float) -> float:
    """judge_cost_usd = judge_tokens × judge_usd_per_m_tokens / 1e6"""
    return judge_tokens * judge_usd_per_m_tokens / 1e6


def serial_slowdown(gpu_hours_per_suite: float, batched_gpu_hours_per_suite: float) -> float:
    """serial_slowdown = gpu_hours_per_suite / batched_gpu_hours_per_suite"""
    return gpu_hours_per_suite / batched_gpu_hours_per_suite


def samples_per_arm(
    baseline_accuracy: float, min_detectable_drop: float, alpha: float, power: float
) -> int:
    """samples_per_arm = (z₁₋α/₂ √(2 p̄ q̄) + z₁₋β √(p₁q₁ + p₂q₂))² / δ²

    Prompts each model needs so a two-sided two-proportion z-test at level α detects a drop
    δ from accuracy p₁ to p₂ = p₁ − δ with the given power (Fleiss, Levin & Paik 2003,
    eq. 4.14, without continuity correction); p̄ = (p₁ + p₂) / 2.
    """
    p1, p2 = baseline_accuracy, baseline_accuracy - min_detectable_drop
    mean = (p1 + p2) / 2
    z_alpha = NormalDist().inv_cdf(1 - alpha / 2)
    z_beta = NormalDist().inv_cdf(power)
    root = z_alpha * sqrt(2 * mean * (1 - mean)) + z_beta * sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return ceil(root**2 / min_detectable_drop**2)


def gate_gpu_hours_saved(
    gpu_hours_per_suite: float,
    candidates: float,
    gate_pass_fraction: float,
    gate_cost_fraction: float,
) -> float:
    """gate_gpu_hours_saved = gpu_hours_per_suite × candidates ×
    (1 − gate_pass_fraction − gate_cost_fraction)

    Every candidate pays the gate; only those that pass run the full suite.
    """
    return gpu_hours_per_suite * candidates * (1 - gate_pass_fraction - gate_cost_fraction)


def plan_eval_harness(sheet: Sheet, design: EvalDesign) -> PlanOutcome:
    sheet.section = "eval"
    e = design.eval
    for field, unit in ASSUMED.items():
        sheet.assume(field, getattr(e, field), unit, f"eval.{field}")
    sheet.derive(input_tokens_per_pass, "tokens")
    sheet.derive(output_tokens_per_pass, "tokens")
    fit = _add_model_throughput(sheet, design)
    if not fit.fits or "model_tokens_per_s_per_gpu" not in sheet:
        return _not_runnable(sheet, design, fit)
    engine = engine_of(design)
    _add_phase_rates(sheet, design, engine)
    sheet.section = "eval"
    sheet.derive(prefill_gpu_seconds_per_pass, "GPU-s")
    if e.harness is Harness.serial:
        add_serial_pass(sheet, engine, e.clients)
    else:
        _add_batched(sheet, e)
    sheet.derive(gpu_hours_per_pass, "GPU-h")
    sheet.derive(gpu_hours_per_suite, "GPU-h")
    sheet.derive(budget_used_fraction, "fraction")
    sheet.derive(gpus_for_turnaround, "GPUs")
    _add_model_hours(sheet, e)
    sheet.derive(judge_tokens, "tokens")
    sheet.derive(samples_per_arm, "prompts")
    sheet.derive(gate_gpu_hours_saved, "GPU-h")
    if e.judge_usd_per_m_tokens is not None:
        sheet.assume(
            "judge_usd_per_m_tokens",
            e.judge_usd_per_m_tokens,
            "USD/M tokens",
            "eval.judge_usd_per_m_tokens",
        )
        sheet.derive(judge_cost_usd, "USD")
    fits = sheet["budget_used_fraction"] <= 1
    reason = (
        f"the suite needs {sheet['gpu_hours_per_suite']:,.0f} of {e.budget_gpu_hours:,.0f} "
        f"budgeted GPU-hours"
    )
    return PlanOutcome(fits, reason, (_harness_note(e),))


def _harness_note(e: EvalWorkload) -> str:
    """Which harness the GPU-hours assume, and whose throughput."""
    if e.harness is Harness.serial:
        return (
            f"request-serial harness: {e.clients:,} client(s) against one endpoint replica, "
            "each sending its next prompt when its answer is back (simulated closed loop); "
            "`harness: batched` for offline generation"
        )
    source = (
        "decode throughput from the design's rule of thumb (eval.tokens_per_s_per_gpu)"
        if e.tokens_per_s_per_gpu is not None
        else "decode throughput from napkin's batch-inference model"
    )
    return (
        f"{source}; prompts at napkin's prefill rate; batched offline generation (every "
        "prompt queued at once, the batch as large as memory allows); `harness: serial` "
        "for one prompt at a time against an endpoint"
    )


def _add_batched(sheet: Sheet, e: EvalWorkload) -> None:
    """Batched offline generation: prompt and decode GPU-seconds at the batch limit."""
    if e.tokens_per_s_per_gpu is not None:
        sheet.assume(
            "tokens_per_s_per_gpu", e.tokens_per_s_per_gpu, "tokens/s", "eval.tokens_per_s_per_gpu"
        )
    else:
        sheet.alias("tokens_per_s_per_gpu", "model_decode_tokens_per_s_per_gpu")
    sheet.derive(decode_gpu_seconds_per_pass, "GPU-s")
    sheet.derive(gpu_seconds_per_pass, "GPU-s")


def _add_model_hours(sheet: Sheet, e: EvalWorkload) -> None:
    """napkin's own GPU-hours for batched generation; for the serial harness, what it costs
    against them."""
    decode = sheet["output_tokens_per_pass"] / sheet["model_decode_tokens_per_s_per_gpu"]
    batched = (sheet["prefill_gpu_seconds_per_pass"] + decode) * e.ablation_multiplier
    key = (
        "batched_gpu_hours_per_suite"
        if e.harness is Harness.serial
        else "model_gpu_hours_per_suite"
    )
    sheet.add(
        key,
        batched / SECONDS_PER_HOUR,
        "GPU-h",
        Source.formula,
        formula=f"{key} = (prefill_gpu_seconds_per_pass + output_tokens_per_pass / "
        "model_decode_tokens_per_s_per_gpu) × ablation_multiplier / 3,600 s",
    )
    if e.harness is Harness.serial:
        sheet.alias("model_gpu_hours_per_suite", "gpu_hours_per_suite")
        sheet.derive(serial_slowdown, "×")


def _not_runnable(sheet: Sheet, design: EvalDesign, fit: MemoryFit) -> PlanOutcome:
    """The verdict when the candidate cannot generate on this deployment: its weights leave
    no KV room (memory), or no batch fits the engine's token budget. No GPU-hours follow."""
    if fit.fits:
        reason = (
            f"{design.model.name} does not fit: no batch of "
            f"{design.eval.input_tokens_per_prompt:,} + "
            f"{design.eval.output_tokens_per_prompt:,}-token prompts fits the engine's "
            "token budget and KV cache"
        )
    else:
        reason = f"{design.model.name} does not fit: {fit.reason}"
        if "min_tp_to_fit" in sheet and sheet["min_tp_to_fit"]:
            reason += f"; tp={sheet['min_tp_to_fit']:g} would fit"
    return PlanOutcome(False, reason, ("no GPU-hours: the candidate cannot run as deployed",))


def _add_phase_rates(sheet: Sheet, design: EvalDesign, engine: Engine) -> None:
    """The model's two rates at the batch limit: GPU-seconds a prompt token costs when the
    budget is full of prompts, and output tokens a GPU decodes a second with no prompt in
    the step (so prefill and decode are each counted once)."""
    e, gpus = design.eval, design.deployment.gpus
    busy = prefill_busy_s(ReplicaSetup(engine), e.input_tokens_per_prompt)
    sheet.add(
        "prefill_gpu_s_per_token",
        busy / e.input_tokens_per_prompt * gpus,
        "GPU-s",
        Source.formula,
        formula="prefill_gpu_s_per_token = a full prompt step's time × GPUs / its prompt "
        "tokens (the roofline, attention at the prompt's length)",
    )
    batch = sheet["decode_batch"]
    step = engine.decode_step(batch, e.input_tokens_per_prompt + e.output_tokens_per_prompt / 2)
    sheet.add(
        "model_decode_tokens_per_s_per_gpu",
        batch / step.total_s / gpus,
        "tokens/s",
        Source.formula,
        detail=f"{step.bound}-bound decode step of {batch:,} sequences",
        formula="model_decode_tokens_per_s_per_gpu = decode_batch / pure decode step / "
        "gpus_per_replica",
    )


def _add_model_throughput(sheet: Sheet, design: EvalDesign) -> MemoryFit:
    """Offline batch inference: the batch grows until KV memory is full (no latency SLA)."""
    e = design.eval
    sheet.section = "eval requests"
    rows = {
        "prefill_tokens_per_request": e.input_tokens_per_prompt,
        "output_tokens_per_request": e.output_tokens_per_prompt,
        "prefill_tokens_p99": e.input_tokens_per_prompt,
        "output_tokens_p99": e.output_tokens_per_prompt,
        "context_tokens": e.input_tokens_per_prompt + e.output_tokens_per_prompt,
        "context_tokens_p99": e.input_tokens_per_prompt + e.output_tokens_per_prompt,
    }
    for key, value in rows.items():
        sheet.add(
            key,
            value,
            "tokens",
            Source.formula,
            formula=f"{key} = from eval.input_tokens_per_prompt and eval.output_tokens_per_prompt",
        )
    fit = add_memory(sheet, design)
    if fit.fits:
        add_performance(sheet, design)  # no SLA: the batch is memory-limited
    return fit
