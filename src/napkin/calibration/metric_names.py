"""The one dictionary from benchmark tools' field names to napkin's metrics, statistics and SI.

Every reader looks names up here instead of repeating a mapping: `FIELDS[tool][name]` says
which napkin metric a tool's field is and in which unit the tool writes it; `UNIT_TO_SI`
turns that unit into seconds or per-second; `STATISTIC_NAMES` turns the tool's word for a
summary ("avg", "median", "p99", "quantiles_p90") into a `Statistic`.

The metrics napkin compares, as vLLM's benchmark defines them (`measurement.py`):
TTFT, the time to the first token; TPOT, one request's (E2E − TTFT) / (output tokens − 1);
ITL, every gap between streamed chunks of every request, pooled; E2E, the request's latency.
Tools disagree on the names, so each entry below says what the tool computes, from its
source. Fields a tool writes but napkin does not map, and why:
- GuideLLM `time_per_output_token_ms`: (last token − request start) / output tokens, TTFT
  included (`schemas/request_stats.py`), neither TPOT nor ITL.
- llmperf `inter_token_latency_s`: per request, the sum of all token gaps *including TTFT*
  over output tokens (`ray_clients/openai_chat_completions_client.py` appends TTFT to
  `time_to_next_token`), i.e. E2E / output tokens; the llmperf reader derives TPOT instead.
- llmperf `request_output_throughput_token_per_s`, AIPerf/GenAI-Perf
  `output_token_throughput_per_user`: one request's speed, not the replica's.
- inference-perf `normalized_time_per_output_token`: E2E / output tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from napkin.calibration.measurement import Metric, Statistic
from napkin.errors import NapkinError


class BenchmarkTool(str, Enum):
    """A benchmark whose output napkin reads; the value is how a row's note names it."""

    vllm = "vLLM bench serve"
    sglang = "SGLang bench_serving"
    guidellm = "GuideLLM"
    aiperf = "AIPerf"
    genai_perf = "GenAI-Perf"
    llmperf = "llmperf"
    inference_perf = "inference-perf"


@dataclass(frozen=True)
class ToolField:
    """One tool field: the napkin metric it is, the unit the tool writes it in, and what
    the tool computes (the docstring of the mapping)."""

    metric: Metric
    unit: str
    meaning: str


# How many seconds (or per-seconds) one of the tool's units is. AIPerf's units are its
# `MetricTimeUnit` / `MetricOverTimeUnit` tags (`common/enums/metric_enums.py`); GenAI-Perf's
# are in `metrics/statistics.py::_add_units` and, in its CSV, `metrics/*.py` MetricMetadata.
UNIT_TO_SI: dict[str, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "tokens/s": 1.0,
    "tokens/sec": 1.0,
    "requests/s": 1.0,
    "requests/sec": 1.0,
    "per sec": 1.0,
    "requests/min": 1 / 60,
}

# The tools' words for a summary of per-request values. vLLM and SGLang write `mean_`,
# `median_`, `p99_`; GuideLLM `mean`, `median`, `percentiles.p90`; AIPerf and GenAI-Perf
# `avg`, `p50`; llmperf `mean`, `quantiles_p50`; inference-perf `mean`, `median`, `p90`.
# Summaries napkin has no statistic for (std, min, max, p1, p25, p99.9, ...) are skipped.
STATISTIC_NAMES: dict[str, Statistic] = {
    "mean": Statistic.mean,
    "avg": Statistic.mean,
    "median": Statistic.p50,
    "p50": Statistic.p50,
    "p75": Statistic.p75,
    "p90": Statistic.p90,
    "p95": Statistic.p95,
    "p99": Statistic.p99,
}

_THROUGHPUT = Metric.output_tokens_per_s_per_gpu
_VLLM_TPOT = "(E2E − TTFT) / (output tokens − 1) per request"

FIELDS: dict[BenchmarkTool, dict[str, ToolField]] = {
    # vllm/benchmarks/serve.py: keys `{mean,median,std,pNN}_{name}_ms`, result_json.
    BenchmarkTool.vllm: {
        "ttft": ToolField(Metric.ttft_s, "ms", "first token − request sent"),
        "tpot": ToolField(Metric.tpot_s, "ms", _VLLM_TPOT),
        "itl": ToolField(Metric.itl_s, "ms", "every gap between chunks, pooled"),
        "e2el": ToolField(Metric.e2e_latency_s, "ms", "last token − request sent"),
        "output_throughput": ToolField(_THROUGHPUT, "tokens/s", "output tokens / duration"),
        "request_throughput": ToolField(Metric.requests_per_s, "requests/s", "completed / s"),
    },
    # python/sglang/bench_serving.py (adapted from vLLM's): `calculate_metrics`, `result`.
    BenchmarkTool.sglang: {
        "ttft": ToolField(Metric.ttft_s, "ms", "first token − request sent"),
        "tpot": ToolField(Metric.tpot_s, "ms", _VLLM_TPOT),
        "itl": ToolField(Metric.itl_s, "ms", "every gap between chunks, pooled"),
        "e2e_latency": ToolField(Metric.e2e_latency_s, "ms", "last token − request sent"),
        "output_throughput": ToolField(_THROUGHPUT, "tokens/s", "output tokens / duration"),
        "request_throughput": ToolField(Metric.requests_per_s, "requests/s", "completed / s"),
    },
    # src/guidellm/benchmark/schemas/metrics.py (GenerativeMetrics) and
    # schemas/request_stats.py; each a StatusDistributionSummary, read `successful`.
    BenchmarkTool.guidellm: {
        "time_to_first_token_ms": ToolField(Metric.ttft_s, "ms", "first token − start"),
        "inter_token_latency_ms": ToolField(
            Metric.tpot_s,
            "ms",
            "(last − first token) / (output tokens − 1) per request, each request weighted "
            "by its output tokens − 1: TPOT's statistics when output lengths are equal",
        ),
        "request_latency": ToolField(Metric.e2e_latency_s, "s", "request end − start"),
        "output_tokens_per_second": ToolField(_THROUGHPUT, "tokens/s", "over the run"),
        "requests_per_second": ToolField(Metric.requests_per_s, "requests/s", "over the run"),
    },
    # aiperf/metrics/types/*.py; the export's `unit` (display unit, ms) is read from the file.
    BenchmarkTool.aiperf: {
        "time_to_first_token": ToolField(Metric.ttft_s, "ms", "first response − request"),
        "inter_token_latency": ToolField(Metric.tpot_s, "ms", _VLLM_TPOT),
        "inter_chunk_latency": ToolField(Metric.itl_s, "ms", "every chunk gap, pooled"),
        "request_latency": ToolField(Metric.e2e_latency_s, "ms", "last response − request"),
        "output_token_throughput": ToolField(_THROUGHPUT, "tokens/sec", "total OSL / duration"),
        "request_throughput": ToolField(Metric.requests_per_s, "requests/sec", "count / s"),
    },
    # genai-perf/genai_perf/profile_data_parser/llm_profile_data_parser.py, metrics/*.py.
    BenchmarkTool.genai_perf: {
        "time_to_first_token": ToolField(Metric.ttft_s, "ms", "first response − request"),
        "inter_token_latency": ToolField(Metric.tpot_s, "ms", _VLLM_TPOT),
        "request_latency": ToolField(Metric.e2e_latency_s, "ms", "last response − request"),
        "output_token_throughput": ToolField(_THROUGHPUT, "tokens/sec", "total OSL / duration"),
        "request_throughput": ToolField(Metric.requests_per_s, "requests/sec", "count / s"),
    },
    # token_benchmark_ray.py::metrics_summary, flattened with "_" (utils.flatten_dict).
    BenchmarkTool.llmperf: {
        "ttft_s": ToolField(Metric.ttft_s, "s", "first token − request sent"),
        "end_to_end_latency_s": ToolField(Metric.e2e_latency_s, "s", "whole request"),
        "mean_output_throughput_token_per_s": ToolField(
            _THROUGHPUT, "tokens/s", "output tokens of the run / its duration"
        ),
        "num_completed_requests_per_min": ToolField(
            Metric.requests_per_s, "requests/min", "completed requests per minute"
        ),
    },
    # inference_perf/reportgen/base.py::summarize_requests; docs/metrics.md.
    BenchmarkTool.inference_perf: {
        "time_to_first_token": ToolField(Metric.ttft_s, "s", "first token − request sent"),
        "time_per_output_token": ToolField(Metric.tpot_s, "s", _VLLM_TPOT),
        "inter_token_latency": ToolField(Metric.itl_s, "s", "every token gap, pooled"),
        "request_latency": ToolField(Metric.e2e_latency_s, "s", "request end − start"),
        "output_tokens_per_sec": ToolField(_THROUGHPUT, "tokens/s", "output tokens / s"),
        "requests_per_sec": ToolField(Metric.requests_per_s, "requests/s", "completed / s"),
    },
}


def to_si(value: float, unit: str) -> float:
    """`value` in `unit` as seconds (or per second): 123.4 ms -> 0.1234 s."""
    try:
        scale = UNIT_TO_SI[unit.strip().lower()]
    except KeyError:
        raise NapkinError(f"unknown unit {unit!r}; expected one of {sorted(UNIT_TO_SI)}") from None
    return value * scale


def statistic_named(name: str) -> Statistic | None:
    """napkin's statistic for a tool's summary name, or None when napkin has none for it."""
    return STATISTIC_NAMES.get(name.strip().lower())
