"""Benchmark outputs users already have, read into measurements.

`read_measurements` tells the format from the file's extension and content and hands it to
its reader (one module per tool family, each a pure function from the parsed file to
`BenchmarkRun`s; tool names, units and statistics come from `metric_names`):
- napkin's measurement CSV (`measurement.py`);
- vLLM `vllm bench serve --save-result` JSON and SGLang `bench_serving --output-file` JSONL
  (`serving_bench.py`);
- GuideLLM `benchmarks.json` (`guidellm_report.py`);
- AIPerf and GenAI-Perf `profile_export_*.json` / `.csv` (`nvidia_export.py`);
- Ray llmperf `*_summary.json` (`llmperf_summary.py`);
- inference-perf `stage_N_lifecycle_metrics.json` (`inference_perf_report.py`).
Every statistic a file has (mean, p50, p75, p90, p95, p99) becomes its own row, with the
run's load mode; TTFT is kept at every load, since validation simulates the queueing.
The benchmark files do not say which GPU, tensor-parallel degree or precision ran them, so
the caller supplies those (`Conditions`). A JSON-lines file (SGLang, vLLM
`--append-result`) is one run per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from napkin.calibration.benchmark_run import BenchmarkRun
from napkin.calibration.guidellm_report import guidellm_runs
from napkin.calibration.inference_perf_report import inference_perf_run, is_inference_perf
from napkin.calibration.llmperf_summary import is_llmperf, llmperf_run
from napkin.calibration.measurement import Measurement, Metric, Statistic, read_csv
from napkin.calibration.metric_names import BenchmarkTool
from napkin.calibration.nvidia_export import (
    is_nvidia_csv,
    is_nvidia_export,
    nvidia_csv_run,
    nvidia_json_run,
)
from napkin.calibration.serving_bench import is_sglang, serving_run
from napkin.errors import NapkinError
from napkin.units import Precision

EXPECTED = (
    "expected a vLLM bench serve or SGLang bench_serving result (completed, "
    "output_throughput, mean_ttft_ms, ...), a GuideLLM report (benchmarks[]), an AIPerf or "
    "GenAI-Perf export (time_to_first_token {unit, avg, ...}, input_config), an llmperf "
    "summary (results_ttft_s_mean, ...) or an inference-perf report (load_summary, successes)"
)
VLLM, SGLANG = BenchmarkTool.vllm, BenchmarkTool.sglang
SHORT_NAMES = {
    Metric.output_tokens_per_s_per_gpu: "throughput",
    Metric.ttft_s: "ttft",
    Metric.tpot_s: "tpot",
    Metric.itl_s: "itl",
    Metric.e2e_latency_s: "e2e",
    Metric.requests_per_s: "requests",
    Metric.decode_step_s: "step",
}


@dataclass(frozen=True)
class Conditions:
    """Where a benchmark ran, which the tools' files do not record (`--gpu`, `--tp`, ...)."""

    gpu: str
    model: str
    tp: int
    precision: Precision
    engine: str
    software: str


def read_measurements(path: str | Path, conditions: Conditions | None) -> list[Measurement]:
    """Measurements from a napkin CSV, or from a benchmark tool's file (needs `conditions`)."""
    path = Path(path)
    rows = _read(path, conditions)
    if not rows:
        raise NapkinError(
            "no measurements in the file (a header alone is not a measurement)", file=str(path)
        )
    return rows


def _read(path: Path, conditions: Conditions | None) -> list[Measurement]:
    """The measurements of one file, by its format."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise NapkinError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise NapkinError(f"not a readable text file: {error}", file=str(path)) from None
    is_csv = path.suffix.lower() == ".csv"
    if is_csv and not is_nvidia_csv(text):
        return read_csv(path)
    documents = [] if is_csv else _documents(text, path)
    if conditions is None:
        raise NapkinError(
            "a benchmark file does not say where it ran: pass --gpu and --model "
            "(and --tp, --precision)",
            file=str(path),
        )
    try:
        if is_csv:
            csv_export = "an AIPerf or GenAI-Perf CSV export"
            runs = _read_as(csv_export, lambda t: [nvidia_csv_run(t, str(path))], text)
        else:
            runs = [run for doc in documents for run in _read_as(*_reader(doc), doc)]
        labels = [f"{i}-" if len(runs) > 1 else "" for i in range(len(runs))]
        return [
            row
            for run, label in zip(runs, labels, strict=True)
            for row in measurements(run, conditions, str(path), label)
        ]
    except NapkinError as error:
        if error.file is not None:
            raise
        raise NapkinError(error.message, file=str(path), field=error.field) from None
    except ValidationError as error:  # a value out of range (e.g. max_concurrency: 10**7)
        item = error.errors()[0]
        field = ".".join(str(p) for p in item["loc"])
        raise NapkinError(
            f"{item['msg']} (got {item.get('input')!r})", file=str(path), field=field
        ) from None
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise NapkinError(f"missing or malformed field: {error}", file=str(path)) from None


def _documents(text: str, path: Path) -> list[Any]:
    """The file's JSON value, or one value per line of a JSON-lines file."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError as error:
        whole_file_error = error
    documents = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.append(json.loads(line))
        except json.JSONDecodeError as error:
            if not documents:  # not JSON lines either: the whole file's error says more
                raise NapkinError(
                    f"not readable JSON: {whole_file_error}", file=str(path)
                ) from None
            raise NapkinError(
                f"not readable JSON lines: {error}", file=str(path), field=f"line {number}"
            ) from None
    return documents


Reader = Callable[[Any], list[BenchmarkRun]]


def _reader(data: Any) -> tuple[str, Reader]:
    """What a parsed JSON object is and its reader, told by the keys each tool writes."""
    if not isinstance(data, dict):
        raise NapkinError(f"not a benchmark file napkin reads: {EXPECTED}")
    if "benchmarks" in data:
        return "a GuideLLM report", guidellm_runs
    if is_inference_perf(data):
        return "an inference-perf report", lambda d: [inference_perf_run(d)]
    if is_llmperf(data):
        return "an llmperf summary", lambda d: [llmperf_run(d)]
    if is_nvidia_export(data):
        return "an AIPerf or GenAI-Perf export", lambda d: [nvidia_json_run(d)]
    if "output_throughput" in data or "completed" in data:
        if is_sglang(data):
            return "an SGLang bench_serving result", lambda d: [serving_run(d, SGLANG)]
        return "a vLLM bench serve result", lambda d: [serving_run(d, VLLM)]
    raise NapkinError(f"not a benchmark file napkin reads: {EXPECTED}")


def _read_as(kind: str, read: Reader, data: Any) -> list[BenchmarkRun]:
    """`read(data)`, its errors saying which format napkin took the file for."""
    try:
        return read(data)
    except NapkinError as error:
        if error.file is not None:
            raise
        raise NapkinError(f"{error.message} (read as {kind})", field=error.field) from None


def measurements(
    run: BenchmarkRun, c: Conditions, source: str, label: str = ""
) -> list[Measurement]:
    """One row per reading of the run, under the caller's conditions. A tool's throughput
    is the whole replica's, so it is divided by the replica's GPUs (`tp`). Ids are
    `{label}{metric}` for a mean, `{label}{metric}-{statistic}` otherwise; a statistic the
    file gives twice (median and p50) is kept once."""
    rows: list[Measurement] = []
    seen: set[tuple[Metric, Statistic]] = set()
    for r in run.readings:
        if (r.metric, r.statistic) in seen:
            continue
        seen.add((r.metric, r.statistic))
        value = r.value / c.tp if r.metric is Metric.output_tokens_per_s_per_gpu else r.value
        suffix = "" if r.statistic is Statistic.mean else f"-{r.statistic.value}"
        notes = (run.tool.value, run.load.note, r.note)
        rows.append(
            Measurement(
                id=f"{label}{SHORT_NAMES[r.metric]}{suffix}",
                gpu=c.gpu,
                model=c.model,
                tp=c.tp,
                precision=c.precision,
                input_tokens=run.lengths.input_tokens,
                output_tokens=run.lengths.output_tokens,
                concurrency=run.load.concurrency,
                request_rate=run.load.request_rate,
                arrival=run.load.arrival,
                statistic=r.statistic,
                requests=run.lengths.requests,
                input_tokens_cv=run.lengths.input_tokens_cv,
                output_tokens_cv=run.lengths.output_tokens_cv,
                metric=r.metric,
                value=value,
                engine=c.engine,
                software=c.software,
                trust="user",
                source=source,
                note="; ".join(part for part in notes if part),
            )
        )
    return rows
