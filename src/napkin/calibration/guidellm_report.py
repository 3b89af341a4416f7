"""GuideLLM `benchmarks.json` (`--output kind=json`; `--output-path` before v0.4): a report
whose `benchmarks` list holds one benchmark per load the profile ran.

Per benchmark (src/guidellm/benchmark/schemas/benchmark.py, before v0.4
src/guidellm/benchmark/benchmark.py):
- `config.strategy` (v0.3: `args.strategy`), the load (src/guidellm/scheduler/strategies.py):
  `type_` synchronous (one request at a time: 1 client), concurrent (`streams` clients),
  throughput (everything at once, at most `max_concurrency` in flight if set), constant and
  poisson (`rate` requests/s, optional `max_concurrency` cap);
- `metrics.<name>`, a StatusDistributionSummary (src/guidellm/schemas/statistics.py): read
  `successful`, a DistributionSummary {mean, median, std_dev, percentiles {p001, p01, p05,
  p10, p25, p50, p75, p90, p95, p99, p999}, ...}. Names, units and what they measure are in
  `metric_names.FIELDS[BenchmarkTool.guidellm]`; lengths are `prompt_token_count` and
  `output_token_count`, request counts `metrics.request_totals` (v0.3: `request_totals`).
"""

from __future__ import annotations

from typing import Any

from napkin.calibration.benchmark_run import (
    RUN_RATES,
    BenchmarkLoad,
    BenchmarkRun,
    Reading,
    TokenLengths,
    count,
    dig,
    load_of,
    optional,
    positive,
    reading,
    spread,
)
from napkin.calibration.measurement import Arrival, Statistic
from napkin.calibration.metric_names import FIELDS, BenchmarkTool, statistic_named
from napkin.errors import NapkinError

TOOL = BenchmarkTool.guidellm
STRATEGIES = ("synchronous", "concurrent", "throughput", "constant", "poisson")


def guidellm_runs(data: dict[str, Any]) -> list[BenchmarkRun]:
    """One run per benchmark of the report."""
    benchmarks = dig(data, "benchmarks")
    if not isinstance(benchmarks, list) or not benchmarks:
        raise NapkinError("expected a non-empty list of benchmarks", field="benchmarks")
    return [_run(bench, f"benchmarks.{i}") for i, bench in enumerate(benchmarks)]


def _run(bench: Any, where: str) -> BenchmarkRun:
    metrics = dig(bench, "metrics")
    isl = positive(dig(metrics, "prompt_token_count.successful.mean"), f"{where}.prompt")
    osl = positive(dig(metrics, "output_token_count.successful.mean"), f"{where}.output")
    requests = optional(metrics, "request_totals.successful")
    if requests is None:
        requests = optional(bench, "request_totals.successful")
    lengths = TokenLengths(
        input_tokens=isl,
        output_tokens=osl,
        input_tokens_cv=spread(
            optional(metrics, "prompt_token_count.successful.std_dev"), isl, f"{where}.prompt"
        ),
        output_tokens_cv=spread(
            optional(metrics, "output_token_count.successful.std_dev"), osl, f"{where}.output"
        ),
        requests=count(requests, f"{where}.metrics.request_totals.successful"),
    )
    return BenchmarkRun(TOOL, _load(bench, where), lengths, _readings(metrics, where))


def _load(bench: Any, where: str) -> BenchmarkLoad:
    strategy = optional(bench, "config.strategy") or optional(bench, "args.strategy")
    if not isinstance(strategy, dict):
        raise NapkinError("missing; expected the strategy that ran it", field=f"{where}.config")
    kind = strategy.get("type_")
    field = f"{where}.config.strategy"
    cap = count(strategy.get("max_concurrency"), f"{field}.max_concurrency")
    if kind == "synchronous":
        return load_of(1, None)
    if kind == "concurrent":
        return load_of(count(dig(strategy, "streams"), f"{field}.streams"), None)
    if kind == "throughput":
        return load_of(cap, None)
    if kind in ("constant", "poisson"):
        rate = positive(dig(strategy, "rate"), f"{field}.rate")
        return load_of(cap, rate, Arrival(kind))
    raise NapkinError(
        f"strategy {kind!r} has no steady load napkin can compare; expected one of "
        f"{', '.join(STRATEGIES)}",
        field=f"{field}.type_",
    )


def _readings(metrics: dict[str, Any], where: str) -> tuple[Reading, ...]:
    """mean, median and the percentiles napkin knows of each mapped metric; the run rates
    (tokens/s, requests/s) as their mean."""
    found = []
    for name, field in FIELDS[TOOL].items():
        summary = optional(metrics, f"{name}.successful")
        if not isinstance(summary, dict):
            continue
        here = f"{where}.metrics.{name}.successful"
        found.append(reading(field, Statistic.mean, summary.get("mean"), f"{here}.mean"))
        if field.metric in RUN_RATES:
            continue
        found.append(reading(field, Statistic.p50, summary.get("median"), f"{here}.median"))
        percentiles = summary.get("percentiles")
        for key, raw in percentiles.items() if isinstance(percentiles, dict) else ():
            statistic = statistic_named(key)
            if statistic is not None:
                found.append(reading(field, statistic, raw, f"{here}.percentiles.{key}"))
    return tuple(r for r in found if r is not None)
