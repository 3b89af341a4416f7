"""Benchmark outputs users already have, read into measurements.

- vLLM `vllm bench serve --save-result` JSON: one run; mean input/output lengths from
  `total_input_tokens` / `total_output_tokens` over `completed`; concurrency from
  `max_concurrency` (maximum load when absent and `request_rate` is inf).
- GuideLLM `benchmarks.json`: one measurement set per benchmark, lengths and concurrency
  from the successful requests' means.
- napkin's measurement CSV (see `measurement.py`).
The benchmark files do not say which GPU, tensor-parallel degree or precision ran them, so
the caller supplies those (`Conditions`). TTFT is kept only at concurrency 1, where it does
not include queueing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from napkin.calibration.measurement import Measurement, Metric, read_csv
from napkin.errors import NapkinError
from napkin.units import Precision


@dataclass(frozen=True)
class Conditions:
    gpu: str
    model: str
    tp: int
    precision: Precision
    engine: str
    software: str


def _measure(
    c: Conditions,
    rid: str,
    metric: Metric,
    value: float,
    isl: float,
    osl: float,
    concurrency: int | None,
    source: str,
) -> Measurement:
    return Measurement(
        id=rid,
        gpu=c.gpu,
        model=c.model,
        tp=c.tp,
        precision=c.precision,
        input_tokens=isl,
        output_tokens=osl,
        concurrency=concurrency,
        metric=metric,
        value=value,
        engine=c.engine,
        software=c.software,
        trust="user",
        source=source,
    )


def from_vllm(data: dict[str, Any], c: Conditions, source: str) -> list[Measurement]:
    completed = data["completed"]
    isl, osl = data["total_input_tokens"] / completed, data["total_output_tokens"] / completed
    concurrency = data.get("max_concurrency")
    out = [
        _measure(
            c,
            "throughput",
            Metric.output_tokens_per_s_per_gpu,
            data["output_throughput"] / c.tp,
            isl,
            osl,
            concurrency,
            source,
        )
    ]
    if data.get("mean_tpot_ms"):
        out.append(
            _measure(
                c, "tpot", Metric.tpot_s, data["mean_tpot_ms"] / 1e3, isl, osl, concurrency, source
            )
        )
    if concurrency == 1 and data.get("mean_ttft_ms"):
        out.append(
            _measure(c, "ttft", Metric.ttft_s, data["mean_ttft_ms"] / 1e3, isl, osl, 1, source)
        )
    return out


def _mean(metrics: dict[str, Any], name: str) -> float:
    return float(metrics[name]["successful"]["mean"])


def from_guidellm(data: dict[str, Any], c: Conditions, source: str) -> list[Measurement]:
    out = []
    for index, bench in enumerate(data["benchmarks"]):
        m = bench["metrics"]
        isl, osl = _mean(m, "prompt_token_count"), _mean(m, "output_token_count")
        concurrency = max(1, round(_mean(m, "request_concurrency")))
        out.append(
            _measure(
                c,
                f"{index}-throughput",
                Metric.output_tokens_per_s_per_gpu,
                _mean(m, "output_tokens_per_second") / c.tp,
                isl,
                osl,
                concurrency,
                source,
            )
        )
        out.append(
            _measure(
                c,
                f"{index}-tpot",
                Metric.tpot_s,
                _mean(m, "time_per_output_token_ms") / 1e3,
                isl,
                osl,
                concurrency,
                source,
            )
        )
        if concurrency == 1:
            out.append(
                _measure(
                    c,
                    f"{index}-ttft",
                    Metric.ttft_s,
                    _mean(m, "time_to_first_token_ms") / 1e3,
                    isl,
                    osl,
                    1,
                    source,
                )
            )
    return out


def read_measurements(path: str | Path, conditions: Conditions | None) -> list[Measurement]:
    """Measurements from a vLLM or GuideLLM JSON file (needs `conditions`) or a napkin CSV."""
    path = Path(path)
    rows = _read(path, conditions)
    if not rows:
        raise NapkinError(
            "no measurements in the file (a header alone is not a measurement)", file=str(path)
        )
    return rows


def _read(path: Path, conditions: Conditions | None) -> list[Measurement]:
    """The measurements of one file, by its format."""
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise NapkinError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NapkinError(f"not readable JSON: {error}", file=str(path)) from None
    if conditions is None:
        raise NapkinError(
            "benchmark JSON does not say where it ran: pass --gpu and --model "
            "(and --tp, --precision)",
            file=str(path),
        )
    try:
        if isinstance(data, dict) and "benchmarks" in data:
            return from_guidellm(data, conditions, str(path))
        if isinstance(data, dict) and "output_throughput" in data:
            return from_vllm(data, conditions, str(path))
    except ValidationError as error:  # a value out of range (e.g. max_concurrency: -64)
        item = error.errors()[0]
        field = ".".join(str(p) for p in item["loc"])
        raise NapkinError(
            f"{item['msg']} (got {item.get('input')!r})", file=str(path), field=field
        ) from None
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as error:
        raise NapkinError(f"missing or malformed field: {error}", file=str(path)) from None
    raise NapkinError(
        "not a vLLM bench result (output_throughput, completed, ...) nor a "
        "GuideLLM report (benchmarks[])",
        file=str(path),
    )
