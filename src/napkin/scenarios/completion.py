"""Low-latency code completion (reference prompt 4): short suggestions, speculative
decoding, and most requests cancelled by the next keystroke."""

from __future__ import annotations

from napkin.figures import Sheet, Source
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.ops import Batch
from napkin.perf.roofline import step_time
from napkin.perf.speculation import expected_tokens_per_step
from napkin.sections.pipeline import PlanOutcome, serve
from napkin.specs.catalog import find_model
from napkin.specs.deployment import Deployment
from napkin.specs.design import CompletionDesign
from napkin.units import SECONDS_PER_DAY

ASSUMED = {
    "peak_qps": "req/s",
    "peak_to_average": "×",
    "prompt_tokens": "tokens",
    "suggestion_tokens": "tokens",
    "cancellation_rate": "fraction",
    "decoded_before_cancel": "fraction",
    "debounce_s": "s",
}


def server_ttft_budget_s(ttft_p99_s: float, debounce_s: float) -> float:
    """server_ttft_budget_s = ttft_p99_s − debounce_s

    If the first-character target counts from the last keystroke, the client's debounce
    spends part of it before the request is sent.
    """
    return ttft_p99_s - debounce_s


def decode_time_for_suggestion_s(
    suggestion_tokens: float, single_stream_s_per_token: float
) -> float:
    """decode_time_for_suggestion_s = suggestion_tokens × single_stream_s_per_token"""
    return suggestion_tokens * single_stream_s_per_token


def wasted_decode_fraction_without_abort(cancellation_rate: float) -> float:
    """wasted_decode_fraction_without_abort = cancellation_rate

    Without abort, a cancelled suggestion decodes to its end and is thrown away.
    """
    return cancellation_rate


def wasted_decode_fraction_with_abort(
    cancellation_rate: float, decoded_before_cancel: float
) -> float:
    """wasted_decode_fraction_with_abort = cancellation_rate × decoded_before_cancel"""
    return cancellation_rate * decoded_before_cancel


def _add_load(sheet: Sheet, design: CompletionDesign) -> None:
    sheet.section = "completion"
    c = design.completion
    for field, unit in ASSUMED.items():
        sheet.assume(field, getattr(c, field), unit, f"completion.{field}")
    rows = {
        "requests_per_day": (
            c.peak_qps / c.peak_to_average * SECONDS_PER_DAY,
            "req/day",
            "requests_per_day = peak_qps / peak_to_average × 86,400 s",
        ),
        "prefill_tokens_per_request": (
            c.prompt_tokens,
            "tokens",
            "prefill_tokens_per_request = prompt_tokens",
        ),
        "output_tokens_per_request": (
            c.suggestion_tokens,
            "tokens",
            "output_tokens_per_request = suggestion_tokens",
        ),
        "prefill_tokens_p99": (c.prompt_tokens, "tokens", "prefill_tokens_p99 = prompt_tokens"),
        "output_tokens_p99": (
            c.suggestion_tokens,
            "tokens",
            "output_tokens_p99 = suggestion_tokens",
        ),
        "context_tokens": (
            c.prompt_tokens + c.suggestion_tokens,
            "tokens",
            "context_tokens = prompt_tokens + suggestion_tokens",
        ),
        "context_tokens_p99": (
            c.prompt_tokens + c.suggestion_tokens,
            "tokens",
            "context_tokens_p99 = prompt_tokens + suggestion_tokens",
        ),
        "peak_output_tokens_per_s": (
            c.peak_qps * c.suggestion_tokens,
            "tokens/s",
            "peak_output_tokens_per_s = peak_qps × suggestion_tokens",
        ),
    }
    for key, (value, unit, formula) in rows.items():
        sheet.add(key, value, unit, Source.formula, formula=formula)
    sheet.add(
        "output_tokens_per_day",
        sheet["requests_per_day"] * c.suggestion_tokens,
        "tokens/day",
        Source.formula,
        formula="output_tokens_per_day = requests_per_day × suggestion_tokens",
    )


def _add_latency_budget(sheet: Sheet, design: CompletionDesign) -> None:
    sheet.section = "latency budget"
    sheet.add(
        "single_stream_s_per_token",
        1 / sheet["single_stream_tokens_per_s"],
        "s",
        Source.formula,
        formula="single_stream_s_per_token = 1 / single_stream_tokens_per_s",
        inputs={"single_stream_tokens_per_s": sheet["single_stream_tokens_per_s"]},
    )
    sheet.derive(decode_time_for_suggestion_s, "s")
    if design.sla.ttft_p99_s is not None:
        sheet.derive(server_ttft_budget_s, "s")
    spec = design.completion.speculation
    if spec is None:
        return
    sheet.assume(
        "acceptance_rate",
        spec.acceptance_rate,
        "fraction",
        "completion.speculation.acceptance_rate",
    )
    sheet.assume("draft_tokens", spec.draft_tokens, "tokens", "completion.speculation.draft_tokens")
    sheet.derive(expected_tokens_per_step, "tokens")
    draft = find_model(spec.draft_model, field="completion.speculation.draft_model")
    context = sheet["context_tokens"] - sheet["output_tokens_per_request"] / 2
    gpu, eff = (
        design.hardware,
        resolve(design.efficiency, design.hardware, design.profile, design.deployment.engine),
    )
    draft_engine = Engine(draft, gpu, Deployment(tp=1, precision=design.deployment.precision), eff)
    # The k draft passes run inside one engine step, so they skip its fixed overhead.
    draft_s = draft_engine.decode_step(1, context).total_s - eff.step_overhead_s
    sheet.add(
        "draft_step_s",
        draft_s,
        "s",
        Source.formula,
        detail=f"{draft.name} at batch 1 on one {gpu.name}",
        formula="draft_step_s = step_time(draft model, batch 1) − step_overhead_s",
    )
    k = spec.draft_tokens
    verify = Batch(k + 1, k + 1, (k + 1) * context, context, (k + 1) * context, context)
    verify_s = step_time(design.model, gpu, design.deployment, eff, verify).total_s
    sheet.add(
        "verify_step_s",
        verify_s,
        "s",
        Source.formula,
        detail=f"{design.model.name} scoring {k + 1} tokens of one sequence",
        formula="verify_step_s = step_time(target model, k + 1 tokens of one sequence)",
    )
    spec_s = k * draft_s + verify_s
    sheet.add(
        "spec_tokens_per_s",
        sheet["expected_tokens_per_step"] / spec_s,
        "tokens/s",
        Source.formula,
        formula="spec_tokens_per_s = expected_tokens_per_step / "
        "(draft_tokens × draft_step_s + verify_step_s)",
        inputs={
            "expected_tokens_per_step": sheet["expected_tokens_per_step"],
            "draft_tokens": k,
            "draft_step_s": draft_s,
            "verify_step_s": verify_s,
        },
    )
    sheet.add(
        "spec_suggestion_time_s",
        design.completion.suggestion_tokens / sheet["spec_tokens_per_s"],
        "s",
        Source.formula,
        formula="spec_suggestion_time_s = suggestion_tokens / spec_tokens_per_s",
    )
    sheet.add(
        "spec_speedup",
        sheet["spec_tokens_per_s"] / sheet["single_stream_tokens_per_s"],
        "×",
        Source.formula,
        formula="spec_speedup = spec_tokens_per_s / single_stream_tokens_per_s",
    )


def _add_cancellation(sheet: Sheet) -> None:
    sheet.section = "cancellation"
    sheet.derive(wasted_decode_fraction_without_abort, "fraction")
    sheet.derive(wasted_decode_fraction_with_abort, "fraction")
    if "model_gpus_provisioned" in sheet:
        saved = sheet["model_gpus_provisioned"] * (
            sheet["wasted_decode_fraction_without_abort"]
            - sheet["wasted_decode_fraction_with_abort"]
        )
        sheet.add(
            "gpus_saved_by_immediate_abort",
            saved,
            "GPUs",
            Source.formula,
            formula="gpus_saved_by_immediate_abort = model_gpus_provisioned × "
            "(wasted_decode_fraction_without_abort − wasted_decode_fraction_with_abort)",
            detail="the fleet above is sized without abort; decode dominates its time",
        )


def _add_batching_tradeoff(sheet: Sheet, design: CompletionDesign, engine: Engine) -> None:
    sheet.section = "batching trade-off"
    c, tp = design.completion, design.deployment.tp
    for batch in c.batch_sizes:
        step = engine.mixed_step(
            batch, c.prompt_tokens, c.suggestion_tokens, c.prompt_tokens + c.suggestion_tokens
        ).total_s
        sheet.add(
            f"tpot_at_batch_{batch}_s",
            step,
            "s",
            Source.formula,
            formula=f"tpot_at_batch_{batch}_s = step_time(batch {batch})",
        )
        usd = sheet["price_per_gpu_hour_usd"] * tp / (batch / step * 3600) * 1e6
        sheet.add(
            f"usd_per_million_tokens_at_batch_{batch}",
            usd,
            "USD/Mtok",
            Source.formula,
            formula=f"usd_per_million_tokens_at_batch_{batch} = price_per_gpu_hour_usd "
            f"× tp / ({batch} / tpot_at_batch_{batch}_s × 3,600 s) × 10⁶",
        )


def plan_completion(sheet: Sheet, design: CompletionDesign) -> PlanOutcome:
    _add_load(sheet, design)
    outcome = serve(sheet, design)
    _add_latency_budget(sheet, design)
    _add_cancellation(sheet)
    if "price_per_gpu_hour_usd" in sheet:
        engine = Engine(
            design.model,
            design.hardware,
            design.deployment,
            resolve(design.efficiency, design.hardware, design.profile, design.deployment.engine),
        )
        _add_batching_tradeoff(sheet, design, engine)
    return outcome
