"""Benchmark files users already have become measurements with normalised units."""

from __future__ import annotations

from pathlib import Path

import pytest

from napkin.calibration.ingest import Conditions, read_measurements
from napkin.calibration.measurement import Metric
from napkin.errors import NapkinError
from napkin.units import Precision

BENCH = Path(__file__).parent.parent / "fixtures" / "benchmarks"
WHERE = Conditions("H100-SXM", "llama-3.1-8b", 2, Precision.bf16, "vLLM 0.8", "vLLM 0.8")


def test_vllm_bench_json():
    rows = {m.metric: m for m in read_measurements(BENCH / "vllm-bench.json", WHERE)}
    throughput = rows[Metric.output_tokens_per_s_per_gpu]
    assert throughput.value == pytest.approx(2124.5 / 2)  # per GPU of a TP=2 replica
    assert (throughput.input_tokens, throughput.output_tokens) == (1024, 256)
    assert throughput.concurrency == 64
    assert rows[Metric.tpot_s].value == pytest.approx(0.0284)  # ms -> s
    assert Metric.ttft_s not in rows  # at concurrency 64 TTFT includes queueing


def test_guidellm_json():
    rows = read_measurements(BENCH / "guidellm.json", WHERE)
    ttft = [m for m in rows if m.metric is Metric.ttft_s]
    assert len(ttft) == 1 and ttft[0].value == pytest.approx(0.035)
    concurrencies = sorted({m.concurrency for m in rows})
    assert concurrencies == [1, 32]  # 31.6 rounds to 32


def test_json_needs_conditions():
    with pytest.raises(NapkinError, match="--gpu and --model"):
        read_measurements(BENCH / "vllm-bench.json", None)


def test_unknown_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(NapkinError, match="not a vLLM bench result"):
        read_measurements(path, WHERE)
