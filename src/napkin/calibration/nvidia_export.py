"""NVIDIA AIPerf and GenAI-Perf exports: `profile_export_aiperf.json` / `.csv` and
`profile_export_genai_perf.json` / `.csv`, one run each. AIPerf's JSON keeps GenAI-Perf's
layout on purpose (aiperf/common/models/export_models.py, JsonExportData).

JSON: one object per metric, `{"unit": "ms", "avg": .., "p1" .. "p99": .., "min", "max",
"std"}` (per-request metrics; GenAI-Perf metrics/statistics.py, AIPerf JsonMetricResult)
or `{"unit": "tokens/sec", "avg": ..}` (whole-run figures: `output_token_throughput`,
`request_throughput`, `request_count`), plus `input_config`, the run's settings:
- AIPerf (common/config/loadgen_config.py): `loadgen.concurrency`, `loadgen.request_rate`
  and `loadgen.request_rate_mode` (newer: `arrival_pattern`, with `arrival_smoothness` for
  gamma), default poisson; with a rate, the concurrency only caps requests in flight
  (common/config/user_config.py, validate_timing_mode: request rate is checked first);
- GenAI-Perf: `perf_analyzer.stimulus` {"concurrency": N} or {"request_rate": r}
  (config/input/config_perf_analyzer.py), before its config files `concurrency` and
  `request_rate` at the top; perf_analyzer paces a rate with constant gaps unless told
  `--request-distribution poisson`, which GenAI-Perf does not pass.
CSV (aiperf/exporters/csv_exporter.py, genai_perf/export_data/csv_exporter.py): a block
"Metric,avg,min,max,p99,..." (column order differs by tool) with rows "Time To First Token
(ms),..", a blank line, then "Metric,Value" rows of whole-run figures. GenAI-Perf writes
"1,234.56". The CSV has no settings, but both tools name the artifact folder after the load
("...-concurrency8", "...-request_rate10.0"), which is where the load is read from.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import PurePath
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
    optional,
    positive,
    reading,
    spread,
)
from napkin.calibration.measurement import Arrival, Statistic
from napkin.calibration.metric_names import FIELDS, BenchmarkTool, statistic_named
from napkin.errors import NapkinError

_NAME_AND_UNIT = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<unit>[^()]*)\))?\s*$")
_FOLDER_LOAD = {
    "concurrency": re.compile(r"(?:^|-)concurrency(\d+)(?:-|$)"),
    "request_rate": re.compile(r"(?:^|-)request_rate([0-9.]+)(?:-|$)"),
}


def is_nvidia_export(data: dict[str, Any]) -> bool:
    """Metric objects with a `unit`, as both tools write them."""
    names = ("time_to_first_token", "request_latency", "output_token_throughput")
    return any(isinstance(data.get(n), dict) and "unit" in data[n] for n in names)


def is_nvidia_csv(text: str) -> bool:
    """The first row is "Metric,avg,..." (or "Metric,Value" when only figures exist)."""
    first = next(csv.reader(io.StringIO(text)), [])
    return len(first) > 1 and first[0].strip() == "Metric" and first[1].strip() in ("avg", "Value")


def nvidia_json_run(data: dict[str, Any]) -> BenchmarkRun:
    """One AIPerf or GenAI-Perf run from its JSON export."""
    config = data.get("input_config")
    if not isinstance(config, dict):
        raise NapkinError("missing; expected the run's settings (load)", field="input_config")
    is_aiperf = "loadgen" in config or "aiperf_version" in data or "was_cancelled" in data
    tool = BenchmarkTool.aiperf if is_aiperf else BenchmarkTool.genai_perf
    load = _aiperf_load(config) if is_aiperf else _genai_perf_load(config)
    return _run(data, tool, load)


def nvidia_csv_run(text: str, source: str) -> BenchmarkRun:
    """One AIPerf or GenAI-Perf run from its CSV export, the load from the folder's name."""
    stats = _csv_stats(text)
    path = PurePath(source)
    is_aiperf = "aiperf" in path.name.lower() or "inter_chunk_latency" in stats
    tool = BenchmarkTool.aiperf if is_aiperf else BenchmarkTool.genai_perf
    return _run(stats, tool, _folder_load(path.parent.name, tool))


def _run(stats: dict[str, Any], tool: BenchmarkTool, load: BenchmarkLoad) -> BenchmarkRun:
    isl = positive(dig(stats, "input_sequence_length.avg"), "input_sequence_length.avg")
    osl = positive(dig(stats, "output_sequence_length.avg"), "output_sequence_length.avg")
    lengths = TokenLengths(
        input_tokens=isl,
        output_tokens=osl,
        input_tokens_cv=spread(optional(stats, "input_sequence_length.std"), isl, "std"),
        output_tokens_cv=spread(optional(stats, "output_sequence_length.std"), osl, "std"),
        requests=count(optional(stats, "request_count.avg"), "request_count.avg"),
    )
    return BenchmarkRun(tool, load, lengths, _readings(stats, tool))


def _readings(stats: dict[str, Any], tool: BenchmarkTool) -> tuple[Reading, ...]:
    """avg and each percentile napkin knows, in the unit the file states for the metric."""
    found = []
    for name, field in FIELDS[tool].items():
        entry = stats.get(name)
        if not isinstance(entry, dict):
            continue
        unit = entry.get("unit") if isinstance(entry.get("unit"), str) else ""
        if field.metric in RUN_RATES:
            found.append(reading(field, Statistic.mean, entry.get("avg"), f"{name}.avg", unit))
            continue
        for key, raw in entry.items():
            statistic = statistic_named(key) if key != "unit" else None
            if statistic is not None:
                found.append(reading(field, statistic, raw, f"{name}.{key}", unit))
    return tuple(r for r in found if r is not None)


def _aiperf_load(config: dict[str, Any]) -> BenchmarkLoad:
    loadgen = config.get("loadgen")
    if not isinstance(loadgen, dict):
        raise NapkinError("missing; expected concurrency or request_rate", field="loadgen")
    concurrency = count(loadgen.get("concurrency"), "input_config.loadgen.concurrency")
    rate = number(loadgen.get("request_rate"), "input_config.loadgen.request_rate")
    mode = loadgen.get("arrival_pattern") or loadgen.get("request_rate_mode") or "poisson"
    note = ""
    if mode == "concurrency_burst":
        rate, arrival = None, Arrival.poisson
    elif mode == "gamma":
        smoothness = number(loadgen.get("arrival_smoothness"), "arrival_smoothness")
        arrival, note = gamma_arrival(smoothness if smoothness and smoothness > 0 else 1.0)
    elif mode in ("poisson", "constant"):
        arrival = Arrival(mode)
    else:
        raise NapkinError(
            f"arrival {mode!r} is not one napkin simulates (poisson, constant, gamma)",
            field="input_config.loadgen.arrival_pattern",
        )
    return _checked(concurrency, rate, arrival, note, "input_config.loadgen")


def _genai_perf_load(config: dict[str, Any]) -> BenchmarkLoad:
    stimulus = optional(config, "perf_analyzer.stimulus")
    settings = stimulus if isinstance(stimulus, dict) else config
    where = "input_config.perf_analyzer.stimulus" if settings is stimulus else "input_config"
    concurrency = count(settings.get("concurrency"), f"{where}.concurrency")
    rate = number(settings.get("request_rate"), f"{where}.request_rate")
    return _checked(concurrency, rate, Arrival.constant, "", where)


def _folder_load(folder: str, tool: BenchmarkTool) -> BenchmarkLoad:
    found = {key: pattern.search(folder) for key, pattern in _FOLDER_LOAD.items()}
    concurrency = count(found["concurrency"] and found["concurrency"].group(1), folder)
    rate = number(found["request_rate"] and found["request_rate"].group(1), folder)
    arrival = Arrival.poisson if tool is BenchmarkTool.aiperf else Arrival.constant
    return _checked(concurrency, rate, arrival, f"load from the folder name {folder!r}", "folder")


def _checked(
    concurrency: int | None, rate: float | None, arrival: Arrival, note: str, where: str
) -> BenchmarkLoad:
    if rate is not None and rate <= 0:
        raise NapkinError(f"expected a request rate above 0, got {rate!r}", field=where)
    if concurrency is None and rate is None:
        raise NapkinError(
            "the load is not stated: expected concurrency or request_rate (for a CSV export, "
            "keep it in the tool's artifact folder, named '...-concurrency8', or read the "
            "JSON export beside it)",
            field=where,
        )
    return load_of(concurrency, rate, arrival, note)


def _csv_stats(text: str) -> dict[str, dict[str, str]]:
    """The CSV as the JSON's shape: {"time_to_first_token": {"unit": "ms", "avg": "12.3"}}."""
    stats: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for row in csv.reader(io.StringIO(text)):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if cells[0] == "Metric":
            header = ["avg" if c.lower() == "value" else c.lower() for c in cells]
            continue
        if not header:
            raise NapkinError("expected a header row 'Metric,avg,...' first", field="line 1")
        match = _NAME_AND_UNIT.match(cells[0])
        name = (match.group("name") if match else cells[0]).lower().replace(" ", "_")
        entry = {"unit": (match and match.group("unit")) or ""}
        for column, cell in zip(header[1:], cells[1:], strict=False):
            value = cell.replace(",", "")
            if value and value != "N/A":
                entry[column] = value
        stats[name] = entry
    return stats
