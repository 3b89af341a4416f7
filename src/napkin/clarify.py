"""Step one of the method: clarify. `napkin new` asks a kind's clarifying questions, with the
reference's assumptions as defaults, checks each answer at once, and writes a design file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from napkin.errors import NapkinError, refuse_overwrite
from napkin.specs.loader import apply_override, parse_override, raw_design, resolve_design


@dataclass(frozen=True)
class Question:
    """One clarifying question: the design field it fills and how to ask it."""

    path: str
    text: str


_SERVING = (
    Question("model", "Model (a catalog name; see `napkin catalog models`)"),
    Question("hardware.gpu", "GPU (see `napkin catalog gpus`)"),
    Question("hardware.price_per_gpu_hour_usd", "Price per GPU-hour, USD"),
    Question("deployment.tp", "Tensor-parallel GPUs per replica"),
    Question("deployment.precision", "Weight precision (bf16, fp8, int8, int4)"),
)
QUESTIONS: dict[str, tuple[Question, ...]] = {
    "chatbot": (
        Question("workload.dau", "Daily active users (DAU, not MAU)"),
        Question("workload.sessions_per_user_per_day", "Conversations per user per day"),
        Question("workload.turns_per_session", "Turns per conversation"),
        Question("workload.input_tokens_per_turn", "Input tokens per turn"),
        Question("workload.output_tokens_per_turn", "Output tokens per turn"),
        Question("workload.peak_to_average", "Daily peak as a multiple of the average"),
        Question("sla.ttft_p50_s", "P50 time to first token, seconds"),
        Question("sla.ttft_p99_s", "P99 time to first token, seconds"),
        Question("sla.e2e_p99_s", "P99 time for the full response, seconds"),
        *_SERVING,
    ),
    "coding-agent": (
        Question("agent.active_agents_peak", "Concurrent active agents at peak"),
        Question("agent.turns_per_task", "Turns per task"),
        Question("agent.tool_calls_per_turn", "Tool calls per turn"),
        Question("agent.input_tokens_per_tool_call", "Input tokens each tool call adds"),
        Question("agent.output_tokens_per_tool_call", "Output tokens per tool call"),
        Question("agent.static_prefix_tokens", "System prompt + tool spec tokens"),
        Question("agent.task_duration_s", "Target time per task, seconds"),
        Question("agent.max_tool_calls_per_task", "Hard cap on tool calls per task"),
        Question("agent.prefix_caching", "Prefix caching (none, static, full)"),
        *_SERVING,
    ),
    "finetune-service": (
        Question("finetune.customers", "Customers"),
        Question("finetune.examples_per_job", "Training examples per job"),
        Question("finetune.seq_len", "Sequence length, tokens"),
        Question("finetune.epochs", "Epochs"),
        Question("finetune.jobs_per_hour", "Jobs submitted per hour"),
        Question("finetune.start_sla_s", "Training must start within, seconds"),
        Question("finetune.lora_rank", "LoRA rank"),
        Question("finetune.mfu", "Model FLOP utilisation of the trainer (0-1)"),
        Question("hardware.gpu", "GPU (see `napkin catalog gpus`)"),
        Question("hardware.price_per_gpu_hour_usd", "Price per GPU-hour, USD"),
    ),
    "code-completion": (
        Question("sla.ttft_p99_s", "P99 time to first character, seconds"),
        Question("completion.suggestion_tokens", "Tokens per suggestion"),
        Question("completion.cancellation_rate", "Fraction of requests cancelled (0-1)"),
        Question("completion.debounce_s", "Keystroke debounce, seconds"),
        Question("completion.peak_qps", "Requests per second at peak"),
        Question("completion.prompt_tokens", "Code-context tokens per request"),
        Question("completion.speculation.draft_model", "Draft model for speculative decoding"),
        Question("completion.speculation.acceptance_rate", "Draft acceptance rate (0-1)"),
        *_SERVING,
    ),
    "eval-harness": (
        Question("eval.prompts", "Prompts across all benchmarks"),
        Question("eval.output_tokens_per_prompt", "Average output tokens per prompt"),
        Question("eval.tokens_per_s_per_gpu", "Generation throughput, tokens/s per GPU"),
        Question("eval.ablation_multiplier", "Passes per suite (ablations x seeds)"),
        Question("eval.budget_gpu_hours", "Compute budget, GPU-hours"),
        Question("eval.turnaround_h", "Turnaround from candidate to report, hours"),
        Question("eval.judge_pairs", "Pairwise judge comparisons"),
        Question(
            "eval.min_detectable_drop", "Smallest regression to detect (accuracy points, 0-1)"
        ),
        Question("model", "Candidate model (a catalog name)"),
        Question("hardware.gpu", "GPU (see `napkin catalog gpus`)"),
    ),
}

Ask = Callable[[Question, str], str]


def template(kind: str) -> dict[str, Any]:
    """The built-in design of that kind (the reference's assumptions), without its claims."""
    raw = raw_design(kind)
    raw.pop("claims", None)
    return raw


def _current(raw: dict[str, Any], path: str) -> Any:
    node: Any = raw
    for key in path.split("."):
        if isinstance(node, str) and key == "gpu":
            return node  # `hardware: H100-SXM` written as a plain name
        node = node.get(key) if isinstance(node, dict) else None
    return node


def clarify(
    kind: str,
    name: str,
    ask: Ask | None,
    overrides: tuple[str, ...] = (),
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fill a design of `kind` from answers. `ask` None takes every default (--yes);
    `overrides` (path=value) pre-answer questions. Each answer is validated at once."""
    if kind not in QUESTIONS:
        raise NapkinError(f"unknown kind {kind!r}; allowed: {', '.join(QUESTIONS)}")
    raw = template(kind)
    raw["name"] = name
    raw["description"] = f"A {kind} design from `napkin new` (reference defaults kept)."
    preanswered = set()
    for text in overrides:
        keys, value = parse_override(text)
        apply_override(raw, keys, value, Path("."))
        preanswered.add(".".join(keys))
    resolve_design(copy.deepcopy(raw), file=name)
    for question in QUESTIONS[kind]:
        if ask is None or question.path in preanswered:
            continue
        while True:
            answer = ask(question, str(_current(raw, question.path))).strip()
            if not answer:
                break
            trial = copy.deepcopy(raw)
            keys, value = parse_override(f"{question.path}={answer}")
            try:
                apply_override(trial, keys, value, Path("."))
                resolve_design(copy.deepcopy(trial), file=name)
            except NapkinError as error:
                report(f"  not accepted: {error.message.strip()}")
                continue
            raw = trial
            break
    return raw


def write_design(raw: dict[str, Any], path: Path, force: bool) -> None:
    """Write a design file; never overwrite an existing file unless `force`."""
    refuse_overwrite(path, force)
    header = f"# Written by `napkin new {raw['kind']}`. Plan it with: napkin plan {path}\n"
    path.write_text(header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
