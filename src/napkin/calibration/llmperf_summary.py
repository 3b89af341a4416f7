"""Ray llmperf `token_benchmark_ray.py --results-dir` summary, `*_summary.json`: one run,
a flat object (token_benchmark_ray.py::metrics_summary, flattened by
src/llmperf/utils.py::flatten_dict with "_").

- load: `num_concurrent_requests` clients, each sending its next request when the last one
  ends (a closed loop; `get_token_throughput_latencies`);
- lengths: `results_number_input_tokens_{mean,stddev}` and `results_number_output_tokens_*`
  as measured (output tokens counted by llmperf's own tokenizer), else the requested
  `mean_input_tokens` / `stddev_input_tokens`; `results_num_completed_requests`;
- per-request metrics, seconds: `results_{name}_mean` and `results_{name}_quantiles_pNN`
  (p25, p50, p75, p90, p95, p99) for the names in `metric_names.FIELDS[llmperf]`;
- whole run: `results_mean_output_throughput_token_per_s` (output tokens of completed
  requests / run time) and `results_num_completed_requests_per_min`.
llmperf's `inter_token_latency_s` is E2E / output tokens per request (TTFT included, see
`metric_names`), so napkin does not read it as TPOT or ITL; it derives the mean TPOT from
the means instead (`derived_tpot_s`).
"""

from __future__ import annotations

from typing import Any

from napkin.calibration.benchmark_run import (
    RUN_RATES,
    BenchmarkRun,
    Reading,
    TokenLengths,
    count,
    load_of,
    measured,
    positive,
    reading,
    spread,
)
from napkin.calibration.measurement import Metric, Statistic
from napkin.calibration.metric_names import FIELDS, BenchmarkTool, statistic_named
from napkin.errors import NapkinError

TOOL = BenchmarkTool.llmperf


def is_llmperf(data: dict[str, Any]) -> bool:
    return "results_ttft_s_mean" in data or "results_mean_output_throughput_token_per_s" in data


def llmperf_run(data: dict[str, Any]) -> BenchmarkRun:
    """One llmperf run."""
    clients = data.get("num_concurrent_requests", data.get("results_num_concurrent_requests"))
    concurrency = count(clients, "num_concurrent_requests")
    if concurrency is None:
        raise NapkinError("missing; expected the clients", field="num_concurrent_requests")
    isl, isl_cv = _length(data, "input")
    osl, osl_cv = _length(data, "output")
    lengths = TokenLengths(
        input_tokens=isl,
        output_tokens=osl,
        input_tokens_cv=isl_cv,
        output_tokens_cv=osl_cv,
        requests=count(data.get("results_num_completed_requests"), "results_num_completed"),
    )
    readings = _readings(data)
    tpot = derived_tpot_s(data, osl)
    if tpot is not None:
        note = "derived: (mean E2E − mean TTFT) / (mean output tokens − 1)"
        readings += (Reading(Metric.tpot_s, Statistic.mean, tpot, note),)
    return BenchmarkRun(TOOL, load_of(concurrency, None), lengths, readings)


def derived_tpot_s(data: dict[str, Any], output_tokens: float) -> float | None:
    """Mean TPOT = (mean E2E − mean TTFT) / (mean output tokens − 1), in seconds.

    Per request TPOT is (E2E − TTFT) / (n − 1); the ratio of the means equals the mean of
    those when every request has the same n (llmperf's `--stddev-output-tokens 0`) and is
    the token-weighted mean otherwise. None when a term is missing or it is not positive."""
    e2e = measured(data.get("results_end_to_end_latency_s_mean"), "results_e2e_mean")
    ttft = measured(data.get("results_ttft_s_mean"), "results_ttft_s_mean")
    if e2e is None or ttft is None or output_tokens <= 1 or e2e <= ttft:
        return None
    return (e2e - ttft) / (output_tokens - 1)


def _length(data: dict[str, Any], kind: str) -> tuple[float, float]:
    """(mean tokens, CV) measured, else as requested."""
    key, std_key = f"results_number_{kind}_tokens_mean", f"results_number_{kind}_tokens_stddev"
    if data.get(key) is None:
        key, std_key = f"mean_{kind}_tokens", f"stddev_{kind}_tokens"
    mean = positive(data.get(key), key)
    return mean, spread(data.get(std_key), mean, std_key)


def _readings(data: dict[str, Any]) -> tuple[Reading, ...]:
    found = []
    for name, field in FIELDS[TOOL].items():
        if field.metric in RUN_RATES:
            key = f"results_{name}"
            found.append(reading(field, Statistic.mean, data.get(key), key))
            continue
        prefix = f"results_{name}_"
        for key, raw in data.items():
            if not key.startswith(prefix):
                continue
            statistic = statistic_named(key[len(prefix) :].removeprefix("quantiles_"))
            if statistic is not None:
                found.append(reading(field, statistic, raw, key))
    return tuple(r for r in found if r is not None)
