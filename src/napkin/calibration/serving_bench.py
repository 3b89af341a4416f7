"""vLLM `vllm bench serve --save-result` and SGLang `python -m sglang.bench_serving
--output-file` results: one flat JSON object per run (SGLang appends one per line, as does
vLLM with `--append-result`).

SGLang's script is adapted from vLLM's `benchmark_serving.py`, so the two share a layout
(vllm/benchmarks/serve.py `benchmark()` and `main()`; python/sglang/bench_serving.py
`calculate_metrics()` and `benchmark()`):
- `completed`: successful requests; `total_input_tokens`, `total_output_tokens` their sums,
  so the mean lengths are the sums over `completed`. With `--save-detailed` (vLLM) or
  `--output-details` (SGLang) the per-request `input_lens` / `output_lens` give the spread.
- `{mean,median,std,pNN}_{metric}_ms`: per-request summaries in milliseconds; metric is
  `ttft`, `tpot`, `itl` and vLLM's `e2el` / SGLang's `e2e_latency` (names in `metric_names`).
  vLLM writes the percentiles of `--metric-percentiles` (default 99) for the metrics of
  `--percentile-metrics` (default ttft,tpot,itl).
- `output_throughput` (output tokens/s) and `request_throughput` (requests/s): whole run.
- load: `request_rate` (requests/s; vLLM writes "inf", SGLang Infinity, when unpaced),
  `max_concurrency` (null when not set) and vLLM's `burstiness` (gamma shape of the gaps,
  1 = Poisson; SGLang's gaps are exponential, Poisson). SGLang's own `concurrency` key is a
  measurement (sum of latencies / duration), not the load, and is not read.
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
    gamma_arrival,
    load_of,
    number,
    positive,
    reading,
    spread_of,
)
from napkin.calibration.measurement import Statistic
from napkin.calibration.metric_names import FIELDS, STATISTIC_NAMES, BenchmarkTool
from napkin.errors import NapkinError


def is_sglang(data: dict[str, Any]) -> bool:
    """SGLang names E2E `*_e2e_latency_ms` (vLLM: `*_e2el_ms`) and adds retokenized counts."""
    return "total_output_tokens_retokenized" in data or any(
        key.endswith("_e2e_latency_ms") for key in data
    )


def serving_run(data: dict[str, Any], tool: BenchmarkTool) -> BenchmarkRun:
    """One vLLM or SGLang run."""
    completed = positive(dig(data, "completed"), "completed")
    lengths = TokenLengths(
        input_tokens=positive(dig(data, "total_input_tokens"), "total_input_tokens") / completed,
        output_tokens=positive(dig(data, "total_output_tokens"), "total_output_tokens") / completed,
        input_tokens_cv=spread_of(data.get("input_lens"), "input_lens"),
        output_tokens_cv=spread_of(data.get("output_lens"), "output_lens"),
        requests=count(completed, "completed"),
    )
    return BenchmarkRun(tool, _load(data), lengths, _readings(data, tool))


def _load(data: dict[str, Any]) -> BenchmarkLoad:
    if data.get("ramp_up_strategy") is not None:
        raise NapkinError(
            "a ramp-up run changes its request rate as it goes; napkin compares runs at one "
            "load (rerun without --ramp-up-strategy)",
            field="ramp_up_strategy",
        )
    rate = number(data.get("request_rate"), "request_rate")
    if rate is not None and rate <= 0:
        raise NapkinError(f"expected a rate above 0 or inf, got {rate!r}", field="request_rate")
    shape = number(data.get("burstiness"), "burstiness")
    if shape is not None and not 0 < shape < float("inf"):
        raise NapkinError(f"expected a burstiness above 0, got {shape!r}", field="burstiness")
    arrival, note = gamma_arrival(1.0 if shape is None else shape)
    return load_of(count(data.get("max_concurrency"), "max_concurrency"), rate, arrival, note)


def _readings(data: dict[str, Any], tool: BenchmarkTool) -> tuple[Reading, ...]:
    """Every summary the file has of every mapped metric: `output_throughput` as is, the
    per-request ones as `{statistic}_{name}_{unit}` for each statistic napkin knows."""
    found = []
    for name, field in FIELDS[tool].items():
        if field.metric in RUN_RATES:
            found.append(reading(field, Statistic.mean, data.get(name), name))
            continue
        for word, statistic in STATISTIC_NAMES.items():
            key = f"{word}_{name}_{field.unit}"
            found.append(reading(field, statistic, data.get(key), key))
    return tuple(r for r in found if r is not None)
