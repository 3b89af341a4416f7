"""Words for the page: every field and figure key gets a label in words with its unit, so
no control or headline reads like `model_gpus_provisioned`."""

from __future__ import annotations

# Design fields the sidebar edits, by the key they have in their section.
FIELDS = {
    # chatbot traffic
    "dau": "Daily active users",
    "sessions_per_user_per_day": "Sessions per user per day",
    "turns_per_session": "Turns per session",
    "input_tokens_per_turn": "Prompt tokens per turn (mean)",
    "output_tokens_per_turn": "Output tokens per turn (mean)",
    "peak_to_average": "Peak / average traffic (×)",
    # coding agent
    "active_agents_peak": "Active agents at peak",
    "turns_per_task": "Turns per task",
    "tool_calls_per_turn": "Tool calls per turn",
    "input_tokens_per_tool_call": "Prompt tokens per tool call",
    "output_tokens_per_tool_call": "Output tokens per tool call",
    "static_prefix_tokens": "Shared prompt prefix (tokens)",
    "task_duration_s": "Task duration (s)",
    "users": "Users",
    "tasks_per_user_per_day": "Tasks per user per day",
    "streams_per_instance": "Streams per replica (rule of thumb)",
    "max_tool_calls_per_task": "Most tool calls per task",
    "max_tokens_per_task": "Most tokens per task",
    "max_wall_time_s": "Longest task (s)",
    # fine-tuning service
    "customers": "Customers",
    "adapters_per_customer": "Adapters per customer",
    "examples_per_job": "Examples per job",
    "seq_len": "Sequence length (tokens)",
    "epochs": "Epochs",
    "batch_size": "Batch size (sequences)",
    "flops_per_param_token": "FLOPs per parameter per token",
    "mfu": "Model FLOPs utilisation (fraction)",
    "jobs_per_hour": "Jobs per hour",
    "start_sla_s": "Start within (s)",
    "start_sla_quantile": "Start-time quantile (fraction)",
    "lora_rank": "LoRA rank",
    "spot_price_fraction": "Spot price (fraction of on-demand)",
    "spot_eligible_fraction": "Jobs that may run on spot (fraction)",
    # code completion
    "peak_qps": "Peak requests per second",
    "prompt_tokens": "Prompt tokens per request",
    "suggestion_tokens": "Tokens per suggestion",
    "cancellation_rate": "Requests cancelled (fraction)",
    "decoded_before_cancel": "Decoded before a cancel (fraction)",
    "debounce_s": "Keystroke debounce (s)",
    # eval harness
    "prompts": "Prompts",
    "input_tokens_per_prompt": "Prompt tokens per prompt",
    "output_tokens_per_prompt": "Output tokens per prompt",
    "ablation_multiplier": "Ablations and seeds (×)",
    "budget_gpu_hours": "Budget (GPU-hours)",
    "turnaround_h": "Turnaround (h)",
    "judge_pairs": "Judge pairs",
    "judge_calls_per_pair": "Judge calls per pair",
    "judge_tokens_per_call": "Judge tokens per call",
    "tokens_per_s_per_gpu": "Output tokens per second per GPU (rule of thumb)",
    "baseline_accuracy": "Baseline accuracy (fraction)",
    "min_detectable_drop": "Smallest drop to detect (fraction)",
    "alpha": "False-alarm rate (fraction)",
    "power": "Statistical power (fraction)",
    "candidates": "Candidate checkpoints",
    "gate_pass_fraction": "Candidates passing the gate (fraction)",
    "gate_cost_fraction": "Gate cost (fraction of a full run)",
    # SLA targets
    "ttft_p50_s": "Time to first token, P50 (s)",
    "ttft_p99_s": "Time to first token, P99 (s)",
    "tpot_s": "Time per output token (s)",
    "e2e_p99_s": "End-to-end latency, P99 (s)",
    # deployment and hardware
    "max_batch": "Max batch per replica (blank: derived from memory)",
    "price_per_gpu_hour_usd": "Price per GPU-hour (USD)",
}

# Words for the parts of a figure key, where a plain split would not read well.
WORDS = {
    "gpu": "GPU",
    "gpus": "GPUs",
    "usd": "USD",
    "qps": "requests/s",
    "ttft": "time to first token",
    "tpot": "time per output token",
    "e2e": "end-to-end",
    "kv": "KV",
    "hbm": "HBM",
    "tp": "tensor parallel",
    "mfu": "MFU",
    "dau": "daily active users",
    "p50": "P50",
    "p99": "P99",
    "llm": "LLM",
    "lora": "LoRA",
    "vms": "VMs",
    "flops": "FLOPs",
    "littles": "Little's-law",
}
# A unit a key ends in, shown after the words.
UNITS = {"s": "s", "h": "h", "usd": "USD"}
# The same ending after "per": 'tokens_per_s' reads 'tokens per second'.
PER = {"s": "second", "h": "hour"}


def words(key: str) -> str:
    """'model_gpus_provisioned' -> 'Model GPUs provisioned'; 'e2e_p99_estimate_s' ->
    'End-to-end P99 estimate (s)'. No underscore survives."""
    if " " in key:  # already words (a claim named in a sentence)
        return key
    parts = [part for part in key.split("_") if part]
    unit = ""
    if len(parts) > 2 and parts[-2] == "per" and parts[-1] in PER:
        parts[-1] = PER[parts[-1]]
    elif len(parts) > 1 and parts[-1] in UNITS:
        unit = f" ({UNITS[parts.pop()]})"
    text = " ".join(WORDS.get(part, part) for part in parts) + unit
    return text[:1].upper() + text[1:]


def field_label(key: str) -> str:
    """The label of an editable design field."""
    return FIELDS.get(key) or words(key)
