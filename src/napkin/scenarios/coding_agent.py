"""Coding agent with tools (reference prompt 2): tasks -> tool calls -> LLM calls.

Each tool call is one LLM call that re-sends the conversation so far, so the context grows
by (input + output) per call. Prefix caching decides how much of it is prefilled again.
"""

from __future__ import annotations

from math import ceil

from napkin.figures import Sheet, Source
from napkin.sections.pipeline import PlanOutcome, serve
from napkin.specs.agent_workload import PrefixCaching
from napkin.specs.design import CodingAgentDesign
from napkin.units import SECONDS_PER_DAY

ASSUMED = {
    "active_agents_peak": "agents",
    "turns_per_task": "turns",
    "tool_calls_per_turn": "calls",
    "input_tokens_per_tool_call": "tokens",
    "output_tokens_per_tool_call": "tokens",
    "static_prefix_tokens": "tokens",
    "task_duration_s": "s",
    "users": "users",
    "tasks_per_user_per_day": "tasks",
    "max_tool_calls_per_task": "calls",
}


def llm_calls_per_task(turns_per_task: float, tool_calls_per_turn: float) -> float:
    """llm_calls_per_task = turns_per_task × tool_calls_per_turn"""
    return turns_per_task * tool_calls_per_turn


def new_tokens_per_task(
    llm_calls_per_task: float, input_tokens_per_tool_call: float, output_tokens_per_tool_call: float
) -> float:
    """new_tokens_per_task = llm_calls_per_task ×
    (input_tokens_per_tool_call + output_tokens_per_tool_call)

    Tokens each call adds; history re-sent to the model is not counted here.
    """
    return llm_calls_per_task * (input_tokens_per_tool_call + output_tokens_per_tool_call)


def output_tokens_per_task(llm_calls_per_task: float, output_tokens_per_tool_call: float) -> float:
    """output_tokens_per_task = llm_calls_per_task × output_tokens_per_tool_call"""
    return llm_calls_per_task * output_tokens_per_tool_call


def tokens_per_s_per_agent(new_tokens_per_task: float, task_duration_s: float) -> float:
    """tokens_per_s_per_agent = new_tokens_per_task / task_duration_s"""
    return new_tokens_per_task / task_duration_s


def decode_tokens_per_s_per_agent(output_tokens_per_task: float, task_duration_s: float) -> float:
    """decode_tokens_per_s_per_agent = output_tokens_per_task / task_duration_s

    Only generated tokens are decoded one by one; input tokens are prefilled in parallel.
    """
    return output_tokens_per_task / task_duration_s


def prefill_tokens_per_task(
    calls: float, static: float, new_in: float, new_out: float, caching: PrefixCaching
) -> float:
    """prefill_tokens_per_task = n × (S + in) + (in + out) × n (n − 1) / 2, less what is cached

    Call j (1-based) sends S static tokens, the (in + out) of the j − 1 calls before it and
    its own `in`. Static caching removes n × S; full caching leaves only n × in.
    """
    if caching is PrefixCaching.full:
        return calls * new_in
    total = calls * (static + new_in) + (new_in + new_out) * calls * (calls - 1) / 2
    return total - calls * static if caching is PrefixCaching.static else total


def context_at_call_end(static: float, new_in: float, new_out: float, call: float) -> float:
    """KV held when call j ends: S + (in + out) × j."""
    return static + (new_in + new_out) * call


def add_agent(sheet: Sheet, design: CodingAgentDesign) -> None:
    """The agent's task arithmetic, then its LLM calls as a serving workload."""
    sheet.section = "agent"
    a = design.agent
    for field, unit in ASSUMED.items():
        sheet.assume(field, getattr(a, field), unit, f"agent.{field}")
    sheet.derive(llm_calls_per_task, "calls")
    sheet.derive(new_tokens_per_task, "tokens")
    sheet.derive(output_tokens_per_task, "tokens")
    sheet.derive(tokens_per_s_per_agent, "tokens/s")
    sheet.derive(decode_tokens_per_s_per_agent, "tokens/s")
    n, s_, i, o = (
        sheet["llm_calls_per_task"],
        a.static_prefix_tokens,
        (a.input_tokens_per_tool_call),
        a.output_tokens_per_tool_call,
    )
    # Call j re-sends the static prefix and the (in + out) of the j − 1 calls before it.
    right_sides = {
        PrefixCaching.none: "llm_calls_per_task × (static_prefix_tokens + "
        "input_tokens_per_tool_call) + (input_tokens_per_tool_call + "
        "output_tokens_per_tool_call) × llm_calls_per_task × (llm_calls_per_task − 1) / 2",
        PrefixCaching.static: "prefill_tokens_per_task_none_cache − llm_calls_per_task × "
        "static_prefix_tokens",
        PrefixCaching.full: "llm_calls_per_task × input_tokens_per_tool_call",
    }
    for mode, right in right_sides.items():
        key = f"prefill_tokens_per_task_{mode.value}_cache"
        value = prefill_tokens_per_task(n, s_, i, o, mode)
        sheet.add(key, value, "tokens", Source.formula, formula=f"{key} = {right}")
    chosen = f"prefill_tokens_per_task_{a.prefix_caching.value}_cache"
    saved = sheet["prefill_tokens_per_task_none_cache"] - sheet[chosen]
    sheet.add(
        "prefill_tokens_saved_per_task",
        saved,
        "tokens",
        Source.formula,
        detail=f"agent.prefix_caching = {a.prefix_caching.value}",
        formula=f"prefill_tokens_saved_per_task = prefill_tokens_per_task_none_cache − {chosen}",
        inputs={
            "prefill_tokens_per_task_none_cache": sheet["prefill_tokens_per_task_none_cache"],
            chosen: sheet[chosen],
        },
    )
    _add_serving_load(sheet, design, chosen)


def _add_serving_load(sheet: Sheet, design: CodingAgentDesign, chosen: str) -> None:
    """LLM calls become the requests of the shared serving pipeline."""
    a = design.agent
    n = sheet["llm_calls_per_task"]
    rows = {
        "peak_qps": (
            a.active_agents_peak * n / a.task_duration_s,
            "req/s",
            "peak_qps = active_agents_peak × llm_calls_per_task / task_duration_s",
        ),
        "tasks_per_day": (
            a.users * a.tasks_per_user_per_day,
            "tasks/day",
            "tasks_per_day = users × tasks_per_user_per_day",
        ),
    }
    for key, (value, unit, formula) in rows.items():
        sheet.add(key, value, unit, Source.formula, formula=formula)
    sheet.add(
        "average_active_agents",
        sheet["tasks_per_day"] * a.task_duration_s / SECONDS_PER_DAY,
        "agents",
        Source.formula,
        formula="average_active_agents = tasks_per_day × task_duration_s / 86,400 s (Little's law)",
    )
    per_call = {
        "requests_per_day": (
            sheet["tasks_per_day"] * n,
            "req/day",
            "requests_per_day = tasks_per_day × llm_calls_per_task",
        ),
        "prefill_tokens_per_request": (
            sheet[chosen] / n,
            "tokens",
            f"prefill_tokens_per_request = {chosen} / llm_calls_per_task",
        ),
        "output_tokens_per_request": (
            a.output_tokens_per_tool_call,
            "tokens",
            "output_tokens_per_request = output_tokens_per_tool_call",
        ),
        "context_tokens": (
            context_at_call_end(
                a.static_prefix_tokens,
                a.input_tokens_per_tool_call,
                a.output_tokens_per_tool_call,
                (n + 1) / 2,
            ),
            "tokens",
            "context_tokens = S + (in + out) × (n + 1) / 2, the mean over "
            "calls of the KV held at a call's end",
        ),
        "context_tokens_p99": (
            context_at_call_end(
                a.static_prefix_tokens,
                a.input_tokens_per_tool_call,
                a.output_tokens_per_tool_call,
                n,
            ),
            "tokens",
            "context_tokens_p99 = S + (in + out) × n, the last call",
        ),
    }
    for key, (value, unit, formula) in per_call.items():
        sheet.add(key, value, unit, Source.formula, formula=formula)
    last_prefill = _last_call_prefill(sheet, design)
    sheet.add(
        "prefill_tokens_p99",
        last_prefill,
        "tokens",
        Source.formula,
        formula="prefill_tokens_p99 = the last call's prefill under the caching mode",
    )
    sheet.add(
        "output_tokens_p99",
        a.output_tokens_per_tool_call,
        "tokens",
        Source.formula,
        formula="output_tokens_p99 = output_tokens_per_tool_call",
    )
    sheet.add(
        "peak_output_tokens_per_s",
        sheet["peak_qps"] * a.output_tokens_per_tool_call,
        "tokens/s",
        Source.formula,
        formula="peak_output_tokens_per_s = peak_qps × output_tokens_per_request",
    )
    sheet.add(
        "output_tokens_per_day",
        sheet["requests_per_day"] * a.output_tokens_per_tool_call,
        "tokens/day",
        Source.formula,
        formula="output_tokens_per_day = requests_per_day × output_tokens_per_request",
    )
    if a.streams_per_instance is not None:
        sheet.assume(
            "streams_per_instance", a.streams_per_instance, "streams", "agent.streams_per_instance"
        )
        sheet.add(
            "instances_rule_of_thumb",
            ceil(a.active_agents_peak / a.streams_per_instance),
            "replicas",
            Source.formula,
            formula="instances_rule_of_thumb = ⌈active_agents_peak / streams_per_instance⌉",
        )
    sheet.add(
        "sandbox_vms",
        a.active_agents_peak,
        "VMs",
        Source.formula,
        formula="sandbox_vms = active_agents_peak   (one ephemeral VM per session)",
    )


def _last_call_prefill(sheet: Sheet, design: CodingAgentDesign) -> float:
    a, n = design.agent, sheet["llm_calls_per_task"]
    total_n = prefill_tokens_per_task(
        n,
        a.static_prefix_tokens,
        a.input_tokens_per_tool_call,
        a.output_tokens_per_tool_call,
        a.prefix_caching,
    )
    total_before = prefill_tokens_per_task(
        n - 1,
        a.static_prefix_tokens,
        a.input_tokens_per_tool_call,
        a.output_tokens_per_tool_call,
        a.prefix_caching,
    )
    return total_n - total_before


def add_agent_checks(sheet: Sheet, design: CodingAgentDesign) -> None:
    """After the serving pipeline: can one stream keep up, and what do the caps bound?"""
    sheet.section = "agent checks"
    a = design.agent
    n = sheet["llm_calls_per_task"]
    sheet.add(
        "required_over_single_stream",
        sheet["decode_tokens_per_s_per_agent"] / sheet["single_stream_tokens_per_s"],
        "×",
        Source.formula,
        formula="required_over_single_stream = decode_tokens_per_s_per_agent / "
        "single_stream_tokens_per_s",
        inputs={
            "decode_tokens_per_s_per_agent": sheet["decode_tokens_per_s_per_agent"],
            "single_stream_tokens_per_s": sheet["single_stream_tokens_per_s"],
        },
    )
    sheet.add(
        "sequential_llm_time_per_task_s",
        n * sheet["request_time_s"],
        "s",
        Source.formula,
        formula="sequential_llm_time_per_task_s = llm_calls_per_task × request_time_s",
        detail="calls in a task run one after another; tool time not included",
        inputs={"llm_calls_per_task": n, "request_time_s": sheet["request_time_s"]},
    )
    if "model_usd_per_request" not in sheet:
        return
    usd_task = sheet["model_usd_per_request"] * n
    sheet.add(
        "usd_per_task",
        usd_task,
        "USD",
        Source.formula,
        formula="usd_per_task = model_usd_per_request × llm_calls_per_task",
        inputs={"model_usd_per_request": sheet["model_usd_per_request"], "llm_calls_per_task": n},
    )
    worst_calls = a.max_tool_calls_per_task
    if a.max_wall_time_s is not None:
        worst_calls = min(worst_calls, a.max_wall_time_s / sheet["request_time_s"])
    processed = prefill_tokens_per_task(
        n,
        a.static_prefix_tokens,
        a.input_tokens_per_tool_call,
        a.output_tokens_per_tool_call,
        a.prefix_caching,
    ) + (n * a.output_tokens_per_tool_call)
    worst = (
        prefill_tokens_per_task(
            worst_calls,
            a.static_prefix_tokens,
            a.input_tokens_per_tool_call,
            a.output_tokens_per_tool_call,
            a.prefix_caching,
        )
        + worst_calls * a.output_tokens_per_tool_call
    )
    if a.max_tokens_per_task is not None:
        worst = min(worst, a.max_tokens_per_task)
    sheet.add(
        "worst_case_tokens_per_task",
        worst,
        "tokens",
        Source.formula,
        formula="worst_case_tokens_per_task = prefill + output tokens of a task at the "
        "caps (tool calls, wall time, tokens)",
        detail=f"{worst_calls:,.0f} calls at most",
    )
    sheet.add(
        "worst_case_usd_per_task",
        usd_task * worst / processed,
        "USD",
        Source.formula,
        formula="worst_case_usd_per_task = usd_per_task × worst_case_tokens_per_task / "
        "tokens processed by a mean task",
        inputs={"usd_per_task": usd_task, "worst_case_tokens_per_task": worst},
    )
    sheet.add(
        "worst_case_usd_per_user_per_day",
        sheet["worst_case_usd_per_task"] * a.tasks_per_user_per_day,
        "USD",
        Source.formula,
        formula="worst_case_usd_per_user_per_day = worst_case_usd_per_task × "
        "tasks_per_user_per_day",
    )
    gpu, dep = design.hardware, design.deployment
    prefill_rate = (
        sheet["peak_flops_per_gpu"] * sheet["compute_fraction"] / (2 * design.model.active_params)
    )
    sheet.add(
        "usd_per_million_prefill_tokens",
        sheet["price_per_gpu_hour_usd"] / (prefill_rate * 3600) * 1e6,
        "USD/Mtok",
        Source.formula,
        formula="usd_per_million_prefill_tokens = price_per_gpu_hour_usd / (peak_flops_per_gpu"
        " × compute_fraction / (2 × active params) × 3,600 s) × 10⁶",
        detail=f"prefill is compute-bound on {gpu.name} in {dep.precision.value}",
    )
    saved = sheet["prefill_tokens_saved_per_task"] * sheet["usd_per_million_prefill_tokens"] / 1e6
    sheet.add(
        "caching_usd_saved_per_month",
        saved * sheet["tasks_per_day"] * 30,
        "USD/month",
        Source.formula,
        formula="caching_usd_saved_per_month = prefill_tokens_saved_per_task"
        " × usd_per_million_prefill_tokens / 10⁶ × tasks_per_day × 30 d",
    )


def plan_coding_agent(sheet: Sheet, design: CodingAgentDesign) -> PlanOutcome:
    add_agent(sheet, design)
    outcome = serve(sheet, design)
    if "request_time_s" in sheet:
        add_agent_checks(sheet, design)
    return outcome
