"""One measured number with the conditions it was measured under, in napkin's CSV format.

Columns: id, gpu, model, tp, precision, input_tokens, output_tokens, concurrency, metric,
value, engine, software, trust, source, note, explanation. `concurrency` empty means maximum
load (all requests queued at once); `value` is SI (seconds, tokens/s). Metric definitions
follow vLLM's benchmark: TPOT = (E2E − TTFT) / (output tokens − 1).
"""

from __future__ import annotations

import csv
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from napkin.errors import NapkinError
from napkin.units import Precision


class Metric(str, Enum):
    """What was measured. Throughput is generated tokens only, per GPU of the replica."""

    output_tokens_per_s_per_gpu = "output_tokens_per_s_per_gpu"
    ttft_s = "ttft_s"
    tpot_s = "tpot_s"
    e2e_latency_s = "e2e_latency_s"
    decode_step_s = "decode_step_s"  # one pure decode step: `concurrency` sequences, each
    # attending to `input_tokens` (a kernel-level measurement, no scheduler)


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str
    gpu: str
    model: str
    tp: int = Field(ge=1, le=64, description="1 to 64, as a deployment's tp")
    precision: Precision
    input_tokens: float = Field(gt=0, le=1e7, description="mean prompt tokens, up to 10M")
    output_tokens: float = Field(gt=0, le=1e7, description="mean output tokens, up to 10M")
    concurrency: int | None = Field(default=None, ge=1, le=1_000_000)
    metric: Metric
    value: float = Field(gt=0, le=1e12, description="SI units; 1e12 bounds every metric")
    engine: str = ""
    software: str = Field(default="", description="engine generation a profile is fitted to")
    trust: str = ""
    source: str = ""
    note: str = ""
    explanation: str = Field(default="", description="why the model may miss this row")


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
        field = ".".join(str(p) for p in item["loc"])
        raise NapkinError(
            f"{item['msg']} (got {item.get('input')!r})",
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
