"""One measured number with the conditions it was measured under, in napkin's CSV format.

Columns: id, gpu, model, tp, precision, input_tokens, output_tokens, concurrency,
request_rate, arrival, statistic, requests, input_tokens_cv, output_tokens_cv, metric, value,
engine, software, trust, source, note, explanation. `value` is SI (seconds, tokens/s).

How the benchmark loaded the replica (its load mode):
- `concurrency` N: a closed loop of N clients, each sending its next request when the last
  one ends (vLLM `--max-concurrency`, GenAI-Perf/AIPerf `--concurrency`, llmperf clients);
- `request_rate` r (requests/s): an open loop, `arrival` poisson (the tools' default) or
  constant;
- neither: offline, every request queued at once (maximum load, `trtllm-bench`).
`statistic` says which summary of the per-request values `value` is (mean by default).
Metric definitions follow vLLM's benchmark: TPOT = (E2E − TTFT) / (output tokens − 1) per
request; ITL is the gap between consecutive tokens, averaged over every gap of every request.
"""

from __future__ import annotations

import csv
from enum import Enum
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from napkin.errors import NapkinError
from napkin.specs.engine import find_engine
from napkin.units import Precision


class Metric(str, Enum):
    """What was measured. Throughput is generated tokens only, per GPU of the replica."""

    output_tokens_per_s_per_gpu = "output_tokens_per_s_per_gpu"
    ttft_s = "ttft_s"
    tpot_s = "tpot_s"
    e2e_latency_s = "e2e_latency_s"
    itl_s = "itl_s"  # inter-token latency: every gap between tokens, pooled
    requests_per_s = "requests_per_s"  # completed requests per second, whole replica
    decode_step_s = "decode_step_s"  # one pure decode step: `concurrency` sequences, each
    # attending to `input_tokens` (a kernel-level measurement, no scheduler)


class Statistic(str, Enum):
    """Which summary of the per-request values a row reports."""

    mean = "mean"
    p50 = "p50"
    p75 = "p75"
    p90 = "p90"
    p95 = "p95"
    p99 = "p99"

    @property
    def quantile(self) -> float | None:
        """The quantile in [0, 1], or None for the mean."""
        return None if self is Statistic.mean else float(self.value[1:]) / 100


class Arrival(str, Enum):
    """Gaps between requests in an open-loop (request-rate) benchmark."""

    poisson = "poisson"
    constant = "constant"


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str
    gpu: str
    model: str
    tp: int = Field(ge=1, le=64, description="1 to 64, as a deployment's tp")
    precision: Precision
    input_tokens: float = Field(gt=0, le=1e7, description="mean prompt tokens, up to 10M")
    output_tokens: float = Field(gt=0, le=1e7, description="mean output tokens, up to 10M")
    concurrency: int | None = Field(
        default=None, ge=1, le=1_000_000, description="closed-loop clients, 1 to 1,000,000"
    )
    request_rate: float | None = Field(
        default=None, gt=0, le=1e6, description="open-loop requests/s, above 0 up to 1e6"
    )
    arrival: Arrival = Arrival.poisson
    statistic: Statistic = Statistic.mean
    requests: int | None = Field(
        default=None, ge=1, le=10_000_000, description="requests the benchmark sent"
    )
    input_tokens_cv: float = Field(
        default=0.0, ge=0, le=10, description="prompt-length std / mean; 0 = fixed"
    )
    output_tokens_cv: float = Field(
        default=0.0, ge=0, le=10, description="output-length std / mean; 0 = fixed"
    )
    metric: Metric
    value: float = Field(gt=0, le=1e12, description="SI units; 1e12 bounds every metric")
    engine: str = ""
    software: str = Field(default="", description="engine generation a profile is fitted to")
    trust: str = ""
    source: str = ""
    note: str = ""
    explanation: str = Field(default="", description="why the model may miss this row")

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, text: str) -> str:
        """Free text as the benchmark names it, but one napkin has a preset for."""
        if text:
            try:
                find_engine(text)
            except NapkinError as error:
                raise ValueError(error.message) from None
        return text

    @model_validator(mode="after")
    def _one_load_mode(self) -> Measurement:
        if self.concurrency is not None and self.request_rate is not None:
            raise ValueError("give concurrency (closed loop) or request_rate (open loop), not both")
        return self

    @property
    def load_mode(self) -> str:
        """'closed' (N clients), 'open' (a request rate) or 'offline' (all at once)."""
        if self.concurrency is not None:
            return "closed"
        return "open" if self.request_rate is not None else "offline"


COLUMNS = list(Measurement.model_fields)


def read_csv(path: str | Path) -> list[Measurement]:
    """Read a measurement CSV; a bad row raises NapkinError naming file, row and field."""
    path = Path(path)
    try:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {
                "gpu",
                "model",
                "tp",
                "precision",
                "input_tokens",
                "output_tokens",
                "metric",
                "value",
            } - set(reader.fieldnames or ())
            if missing:
                raise NapkinError(
                    f"missing columns {sorted(missing)}; expected {COLUMNS}", file=str(path)
                )
            rows = list(reader)
    except FileNotFoundError:
        raise NapkinError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise NapkinError(f"not a readable CSV: {error}", file=str(path)) from None
    return [_parse(row, index, path) for index, row in enumerate(rows, start=2)]


def _parse(row: dict[str, str], line: int, path: Path) -> Measurement:
    values = {k: v for k, v in row.items() if k in COLUMNS and v not in (None, "")}
    values.setdefault("id", str(line))
    try:
        return Measurement.model_validate(values)
    except ValidationError as error:
        item = error.errors()[0]
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:  # a rule across columns: the message names them
            raise NapkinError(message, file=str(path), field=f"line {line}") from None
        field = ".".join(str(p) for p in item["loc"])
        raise NapkinError(
            f"{message} (got {item.get('input')!r})",
            file=str(path),
            field=f"line {line}, column {field}",
        ) from None


def write_csv(measurements: list[Measurement], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for m in measurements:
            row = m.model_dump(mode="json")
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
