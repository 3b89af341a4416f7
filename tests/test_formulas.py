"""Every printed formula is checked against the value it labels (issue #14).

A formula printed beside a figure is either arithmetic over other figures on the same sheet
(`Sheet.derive` writes most; some are typed by hand), and then evaluating it must give the
figure's value, or it describes a search, a model call or a sum over entries, and then its
key must be listed in DESCRIBED with why it cannot be evaluated. A new hand-typed formula
that is neither fails here."""

from __future__ import annotations

import math
import re

import pytest

from napkin.figures import Figure, Source
from napkin.planner import plan
from napkin.specs.loader import builtin_designs, load_design

FUNCTIONS = {"ceil": math.ceil, "floor": math.floor, "min": min, "max": max, "sqrt": math.sqrt}
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

# Formulas that are not arithmetic over sheet figures, with why.
DESCRIBED = {
    r"(decode_batch|model_replicas_provisioned|min_tp_to_fit|job_slots_for_start_sla)": "a search",
    r"(occupancy_at_peak|gpus_per_job_\d+b)": "a search",
    r"(step_time_s|step_time_at_batch_limit_s|heavy_step_s|tpot_at_batch_\d+_s)": "the roofline",
    r"(single_stream_tokens_per_s|ttft_idle_s|draft_step_s|verify_step_s)": "the roofline",
    r"(ttft_estimate_s|ttft_p99_estimate_s|e2e_p99_estimate_s|request_time_s)": "the roofline",
    r"(tpot_at_batch_limit_s|queue_wait_p99_s|mean_start_wait_s|tpot_budget_s)": "queueing",
    r"(expected_tokens_per_step|samples_per_arm)": "symbols of the design, not figures",
    r"(params_total|params_\d+b|kv_bytes_per_token|kv_replication|kv_bytes_per_sequence)": "shape",
    r"(attention_weight_bytes|ffn_weight_bytes|params_active)": "the model's shape",
    r"(adapter_bytes_\d+b|adapters_in_free_memory_\d+b)": "the model's shape",
    r"(prefill_tokens_p99|output_tokens_p99)": "a percentile of a distribution",
    r"(prefill_tokens_per_request|output_tokens_per_request)": "the eval's fields",
    r"(context_tokens|context_tokens_p99)": "the agent's symbols S, in, out, n",
    r"(mean_gpus_per_job|mean_job_hours|adapter_storage_bytes)": "a sum over base models",
    r"(worst_case_tokens_per_task|worst_case_usd_per_task)": "the caps, in words",
    r"(usd_per_million_prefill_tokens)": "active parameters of the model",
    r"(prefill_busy_s|prefill_alone_s)": "the roofline of the prefill pool",
    r"(prefill_wait_p99_s|prefill_utilization)": "queueing at the prefill pool",
    r"(prefill_replicas|decode_replicas)": "a search",
    r"(prefill_gpu_s_per_token|model_decode_tokens_per_s_per_gpu)": "the roofline",
    r"(mfu_\w+)": "the training step model (perf.training)",
    r"(job_hours_cv2)": "a sum over base models",
    r"(active_params_\w+|trainable_params_\w+|flops_per_param_token)": "the model's shape",
    r"(frozen_weight_bytes_per_gpu_\w+|trainable_bytes_per_gpu_\w+)": "training memory",
    r"(activation_bytes_per_gpu_\w+|job_bytes_per_gpu_\w+)": "training memory",
    r"(input|cached_input|output)_gpu_s_per_token": "the roofline (sections.token_cost)",
    r"(api_break_even_requests_per_month|api_cheaper_at_every_volume)": "a staircase, a line",
    r"(model_autoscaled_monthly_cost_usd|mixed_reserved_replicas)": "a sum over the day",
    r"(model_mixed_monthly_cost_usd)": "a sum over the day",
    r"(prefill_utilisation|decode_utilisation)": "a pool's classes over its GPUs",
    r"(model_usd_per_million_output_tokens_at_full_load)": "a sum over the classes",
}


def _python(expression: str) -> str:
    e = re.sub(
        r"10([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "10**" + m.group(1).translate(SUPERSCRIPT), expression
    )
    e = e.replace("⌈", "ceil(").replace("⌉", ")").replace("⌊", "floor(").replace("⌋", ")")
    e = e.replace("×", "*").replace("÷", "/").replace("−", "-").replace("·", "*")
    e = re.sub(r"(\d),(\d{3})", r"\1\2", e)  # 86,400
    return re.sub(r"(\d)\s*(?:s|h|d|B)\b", r"\1", e)  # units after numbers: 86,400 s, 30 d


def evaluate(formula: str, figures: dict[str, Figure]) -> float | None:
    """The formula's right-hand side over the sheet's figures, or None if it is not
    arithmetic over them (a trailing note in parentheses is tried without)."""
    rhs = formula.split(" = ", 1)[1]
    for text in (rhs, re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)\s*$", "", rhs)):
        expression = _python(text)
        names = set(re.findall(r"(?<![\d.])\b[A-Za-z_]\w*", expression)) - set(FUNCTIONS)
        if any(not isinstance(getattr(figures.get(n), "value", None), int | float) for n in names):
            continue
        values = {n: float(figures[n].value) for n in names}
        try:
            return float(eval(expression, {"__builtins__": {}}, {**FUNCTIONS, **values}))  # noqa: S307
        except (SyntaxError, TypeError, ZeroDivisionError):
            continue
    return None


def described(key: str) -> bool:
    return any(re.fullmatch(pattern, key) for pattern in DESCRIBED)


@pytest.mark.parametrize("name", builtin_designs())
def test_every_printed_formula_gives_its_value(name: str) -> None:
    figures = plan(load_design(name)).figures
    checked = 0
    for key, figure in figures.items():
        if not figure.formula or " = " not in figure.formula:
            continue
        if not isinstance(figure.value, int | float):
            continue
        value = evaluate(figure.formula, figures)
        if value is None:
            assert described(key), f"{key}: {figure.formula} is neither arithmetic nor described"
            continue
        assert value == pytest.approx(float(figure.value), rel=1e-6, abs=1e-9), figure.formula
        checked += 1
    assert checked >= 10


def test_a_formula_that_misstates_its_value_fails() -> None:
    """Mutation guard: the evaluator reads the arithmetic, units and ceilings as printed."""
    figures = {
        "a": Figure("a", 3.0, "GPUs", Source.assumption, "fleet"),
        "b": Figure("b", 2.0, "USD/GPU-h", Source.assumption, "cost"),
    }
    assert evaluate("cost = a × b × 24 h × 30 d", figures) == 3 * 2 * 24 * 30
    assert evaluate("n = ⌈a / b⌉", figures) == 2
    assert evaluate("rate = a / 86,400 s × 10⁶", figures) == pytest.approx(3 / 86400 * 1e6)
    assert evaluate("x = fewest a meeting b", figures) is None
    assert not described("a_new_hand_typed_figure")
