"""One benchmark run as a tool reports it: how it loaded the server, its token lengths, and
its readings (metric, statistic, SI value).

Each reader turns a tool's parsed file into `BenchmarkRun`s, a pure function of the data;
`ingest` turns runs into measurements under the caller's `Conditions`. The field helpers
here make every reader fail the same way: a missing or malformed field raises NapkinError
naming the field path and what was expected (the dispatcher adds the file name).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean, pstdev
from typing import Any

from napkin.calibration.measurement import Arrival, Metric, Statistic
from napkin.calibration.metric_names import BenchmarkTool, ToolField, to_si
from napkin.errors import NapkinError

# Metrics that are one figure for the whole run (its total over its duration), so a run
# has one reading of each, the mean; the others are summaries of per-request values.
RUN_RATES = frozenset({Metric.output_tokens_per_s_per_gpu, Metric.requests_per_s})


@dataclass(frozen=True)
class BenchmarkLoad:
    """The load mode: `concurrency` (closed loop), `request_rate` + `arrival` (open loop),
    or neither (offline, every request queued at once)."""

    concurrency: int | None = None
    request_rate: float | None = None
    arrival: Arrival = Arrival.poisson
    note: str = ""


@dataclass(frozen=True)
class TokenLengths:
    """Mean prompt and output tokens of the run's requests, their spread (std / mean; 0 when
    the file does not say) and how many requests completed."""

    input_tokens: float
    output_tokens: float
    input_tokens_cv: float = 0.0
    output_tokens_cv: float = 0.0
    requests: int | None = None


@dataclass(frozen=True)
class Reading:
    metric: Metric
    statistic: Statistic
    value: float  # SI: seconds, tokens/s or requests/s (whole replica)
    note: str = ""  # how napkin got it, when not read as is (a derived value)


@dataclass(frozen=True)
class BenchmarkRun:
    tool: BenchmarkTool
    load: BenchmarkLoad
    lengths: TokenLengths
    readings: tuple[Reading, ...]


def load_of(
    concurrency: int | None,
    request_rate: float | None,
    arrival: Arrival = Arrival.poisson,
    note: str = "",
) -> BenchmarkLoad:
    """The load mode of a run from the tool's settings, one rule for every tool.

    A finite request rate is an open loop: the tools pace arrivals at that rate, and a
    concurrency given with it only caps requests in flight (vLLM `--request-rate` with
    `--max-concurrency`, AIPerf's request-rate mode, GuideLLM's rate strategies), so it goes
    in the note. Otherwise a concurrency N is a closed loop of N (an infinite rate with a cap
    of N is N clients each sending when its last request ends). Neither is offline.
    """
    notes = [note] if note else []
    if request_rate is not None and math.isfinite(request_rate):
        if concurrency is not None:
            notes.append(f"at most {concurrency} requests in flight")
        return BenchmarkLoad(None, request_rate, arrival, "; ".join(notes))
    return BenchmarkLoad(concurrency, None, Arrival.poisson, "; ".join(notes))


def gamma_arrival(shape: float) -> tuple[Arrival, str]:
    """The arrival napkin simulates for gamma-distributed gaps of this shape (vLLM
    `--burstiness`, AIPerf `--arrival-smoothness`: 1 is Poisson). The gaps' CV is
    1/sqrt(shape); napkin has CV 1 (poisson) and 0 (constant), so it takes the nearer."""
    if shape == 1.0:
        return Arrival.poisson, ""
    cv = 1 / math.sqrt(shape)
    arrival = Arrival.constant if cv < 0.5 else Arrival.poisson
    return arrival, f"gamma arrivals (shape {shape:g}, gap CV {cv:.2f}) read as {arrival.value}"


def reading(
    field: ToolField, statistic: Statistic, raw: Any, where: str, unit: str = ""
) -> Reading | None:
    """A reading of `field` in SI, or None when the tool did not measure it (absent, 0 or
    NaN: SGLang writes 0 TTFT without streaming). `unit` overrides the field's usual one."""
    value = measured(raw, where)
    if value is None:
        return None
    return Reading(field.metric, statistic, to_si(value, unit or field.unit))


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path ("metrics.request_latency.successful", "benchmarks.0");
    NapkinError naming the path when any step is missing."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise NapkinError("missing", field=path)
    return node


def optional(data: Any, path: str) -> Any:
    """The value at a dotted path, or None when it is not there."""
    try:
        return dig(data, path)
    except NapkinError:
        return None


def number(value: Any, field: str) -> float | None:
    """A JSON or CSV value as a float: None when absent or NaN; numeric strings ("inf",
    "12.5") accepted; anything else (true, "abc", a list) is a NapkinError."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise NapkinError(f"expected a number, got {value!r}", field=field)
    try:
        result = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise NapkinError(f"expected a number, got {value!r}", field=field) from None
    return None if math.isnan(result) else result


def positive(value: Any, field: str) -> float:
    """A required finite number above 0."""
    result = number(value, field)
    if result is None or not 0 < result < math.inf:
        raise NapkinError(f"expected a positive number, got {value!r}", field=field)
    return result


def measured(value: Any, field: str) -> float | None:
    """A measured value: None when not measured (absent, 0, NaN), else finite above 0."""
    result = number(value, field)
    if result is None or result == 0:
        return None
    if not 0 < result < math.inf:
        raise NapkinError(f"expected a positive number, got {value!r}", field=field)
    return result


def count(value: Any, field: str) -> int | None:
    """A whole number of at least 1 (clients, requests), or None when absent."""
    result = number(value, field)
    if result is None:
        return None
    if not (1 <= result < math.inf and result == int(result)):
        raise NapkinError(f"expected a whole number of at least 1, got {value!r}", field=field)
    return int(result)


def spread(std: Any, mean: float, field: str) -> float:
    """std / mean, the coefficient of variation; 0 when the std is absent."""
    deviation = number(std, field)
    if deviation is None:
        return 0.0
    if not 0 <= deviation < math.inf:
        raise NapkinError(f"expected a standard deviation >= 0, got {std!r}", field=field)
    return deviation / mean


def spread_of(values: Any, field: str) -> float:
    """The CV of a list of per-request lengths (vLLM/SGLang `--save-detailed` lists), over
    the positive ones (failed requests count 0); 0 when there is no list."""
    if not isinstance(values, list):
        return 0.0
    numbers = (number(x, field) for x in values)
    lengths = [v for v in numbers if v is not None and 0 < v < math.inf]
    if len(lengths) < 2:
        return 0.0
    return pstdev(lengths) / fmean(lengths)
