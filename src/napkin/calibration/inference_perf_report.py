"""llm-d / kubernetes-sigs `inference-perf` lifecycle report, `stage_N_lifecycle_metrics.json`:
one run, one load stage (inference_perf/reportgen/base.py::summarize_requests, docs/reports.md,
docs/metrics.md).

- `load_summary`: `count` requests sent; for a stage also `requested_rate` (requests/s),
  `achieved_rate` and, for a `concurrent` load type, `concurrency` (the closed loop's
  clients). The run-wide `summary_lifecycle_metrics.json` has neither: it pools every stage,
  so it states no one load and napkin asks for a stage report instead. The report does not
  say whether a rate stage spaced requests `constant` (inference-perf's default load type)
  or `poisson` (config.yaml `load.type`); napkin reads it as constant and says so.
- `successes.latency.{request_latency, time_to_first_token, time_per_output_token,
  inter_token_latency}`: `{mean, min, max, median, pNN}` in seconds (percentiles from
  `report.request_lifecycle.percentiles`, default 0.1 1 5 10 25 50 75 90 95 99 99.9; 50 is
  written `median`); `successes.throughput.{output_tokens_per_sec, requests_per_sec}`;
- lengths: `successes.prompt_tokens.mean` (older reports: `prompt_len.mean`) and
  `successes.output_len.mean`; no spread is reported. `successes.count` completed.
"""

from __future__ import annotations

from typing import Any

from napkin.calibration.benchmark_run import (
    RUN_RATES,
    BenchmarkRun,
    Reading,
    TokenLengths,
    count,
    dig,
    load_of,
    number,
    optional,
    positive,
    reading,
)
from napkin.calibration.measurement import Arrival, Statistic
from napkin.calibration.metric_names import FIELDS, BenchmarkTool, statistic_named
from napkin.errors import NapkinError

TOOL = BenchmarkTool.inference_perf


def is_inference_perf(data: dict[str, Any]) -> bool:
    """`load_summary` is inference-perf's alone among the formats napkin reads."""
    return "load_summary" in data


def inference_perf_run(data: dict[str, Any]) -> BenchmarkRun:
    """One inference-perf stage."""
    load_summary = dig(data, "load_summary")
    successes = dig(data, "successes")
    concurrency = count(optional(load_summary, "concurrency"), "load_summary.concurrency")
    rate = number(optional(load_summary, "requested_rate"), "load_summary.requested_rate")
    if concurrency is not None:
        load = load_of(concurrency, None)
    elif rate is not None and rate > 0:
        load = load_of(None, rate, Arrival.constant, "arrival not in the report, read as constant")
    else:
        raise NapkinError(
            "no requested_rate or concurrency: a run-wide summary_lifecycle_metrics.json "
            "pools every stage; read a stage_N_lifecycle_metrics.json (it states its load)",
            field="load_summary.requested_rate",
        )
    prompt = optional(successes, "prompt_tokens.mean")
    if prompt is None:
        prompt = dig(successes, "prompt_len.mean")
    output = optional(successes, "output_len.mean")
    if output is None:
        output = dig(successes, "output_tokens.mean")
    lengths = TokenLengths(
        input_tokens=positive(prompt, "successes.prompt_tokens.mean"),
        output_tokens=positive(output, "successes.output_len.mean"),
        requests=count(optional(successes, "count"), "successes.count"),
    )
    return BenchmarkRun(TOOL, load, lengths, _readings(successes))


def _readings(successes: dict[str, Any]) -> tuple[Reading, ...]:
    found = []
    for name, field in FIELDS[TOOL].items():
        if field.metric in RUN_RATES:
            key = f"throughput.{name}"
            found.append(reading(field, Statistic.mean, optional(successes, key), key))
            continue
        summary = optional(successes, f"latency.{name}")
        for key, raw in summary.items() if isinstance(summary, dict) else ():
            statistic = statistic_named(key)
            if statistic is not None:
                found.append(reading(field, statistic, raw, f"successes.latency.{name}.{key}"))
    return tuple(r for r in found if r is not None)
