"""The one metric dictionary: units to SI, the tools' words for statistics, and proof that
the readers take their mappings from it (change the dictionary, the rows change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from napkin.calibration import metric_names
from napkin.calibration.ingest import Conditions, read_measurements
from napkin.calibration.measurement import Metric, Statistic
from napkin.calibration.metric_names import (
    FIELDS,
    BenchmarkTool,
    ToolField,
    statistic_named,
    to_si,
)
from napkin.errors import NapkinError
from napkin.units import Precision

BENCH = Path(__file__).parent.parent / "fixtures" / "benchmarks"
WHERE = Conditions("H100-SXM", "llama-3.1-8b", 1, Precision.bf16, "vLLM 0.8", "vLLM 0.8")


@pytest.mark.parametrize(
    ("value", "unit", "si"),
    [(123.4, "ms", 0.1234), (1500, "us", 0.0015), (2e9, "ns", 2.0), (1.5, "sec", 1.5)],
)
def test_units_to_si(value, unit, si):
    assert to_si(value, unit) == pytest.approx(si)


def test_requests_per_minute_to_per_second():
    assert to_si(254.6, "requests/min") == pytest.approx(4.2433, abs=1e-4)


def test_unknown_unit_is_an_error():
    with pytest.raises(NapkinError, match="unknown unit 'W'"):
        to_si(1.0, "W")


@pytest.mark.parametrize(
    ("word", "statistic"),
    [
        ("avg", Statistic.mean),
        ("mean", Statistic.mean),
        ("median", Statistic.p50),
        ("P90", Statistic.p90),
        ("p99", Statistic.p99),
        ("std", None),
        ("p25", None),
        ("p99.9", None),
    ],
)
def test_statistic_names(word, statistic):
    assert statistic_named(word) is statistic


def test_every_tool_maps_ttft_and_throughput():
    for tool in BenchmarkTool:
        metrics = {field.metric for field in FIELDS[tool].values()}
        assert {Metric.ttft_s, Metric.output_tokens_per_s_per_gpu} <= metrics, tool


def _ttft_mean(fixture: str) -> float:
    rows = read_measurements(BENCH / fixture, WHERE)
    return next(m.value for m in rows if m.metric is Metric.ttft_s and m.id.endswith("ttft"))


@pytest.mark.parametrize("fixture", ["vllm-bench.json", "aiperf.json", "sglang-bench.jsonl"])
def test_readers_convert_milliseconds_through_the_dictionary(monkeypatch, fixture):
    """If "ms" were not converted (scale 1), every millisecond reader's TTFT would be 1000x:
    the readers use UNIT_TO_SI, not their own factor."""
    converted = _ttft_mean(fixture)
    monkeypatch.setitem(metric_names.UNIT_TO_SI, "ms", 1.0)
    assert _ttft_mean(fixture) == pytest.approx(converted * 1000)


def test_readers_take_the_metric_from_the_dictionary(monkeypatch):
    """Remap vLLM's `ttft` field to E2E: its rows move with the dictionary."""
    remapped = dict(FIELDS[BenchmarkTool.vllm])
    remapped["ttft"] = ToolField(Metric.e2e_latency_s, "ms", "test")
    remapped.pop("e2el")
    monkeypatch.setitem(FIELDS, BenchmarkTool.vllm, remapped)
    rows = {(m.metric, m.statistic): m for m in read_measurements(BENCH / "vllm-bench.json", WHERE)}
    assert Metric.ttft_s not in {metric for metric, _ in rows}
    assert rows[Metric.e2e_latency_s, Statistic.mean].value == pytest.approx(0.1802)
