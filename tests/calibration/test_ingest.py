"""Benchmark files users already have become measurements: the format is told from the file,
every statistic is a row with the run's load mode, and values are SI. vLLM, SGLang and
GuideLLM here; AIPerf, GenAI-Perf, llmperf and inference-perf in `test_formats.py`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from napkin.calibration.ingest import Conditions, read_measurements
from napkin.calibration.measurement import Arrival, Measurement, Metric, Statistic
from napkin.errors import NapkinError
from napkin.units import Precision

BENCH = Path(__file__).parent.parent / "fixtures" / "benchmarks"
WHERE = Conditions("H100-SXM", "llama-3.1-8b", 2, Precision.bf16, "vLLM 0.8", "vLLM 0.8")


def by_key(rows: Iterable[Measurement]) -> dict[tuple[Metric, Statistic], Measurement]:
    return {(m.metric, m.statistic): m for m in rows}


def vllm_variant(tmp_path: Path, **changes: object) -> list[Measurement]:
    """The vLLM fixture with some keys changed (None removes a key), read back."""
    data = json.loads((BENCH / "vllm-bench.json").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(data))
    return read_measurements(path, WHERE)


def test_vllm_bench_json():
    rows = by_key(read_measurements(BENCH / "vllm-bench.json", WHERE))
    throughput = rows[Metric.output_tokens_per_s_per_gpu, Statistic.mean]
    assert throughput.value == pytest.approx(2124.5 / 2)  # per GPU of a TP=2 replica
    assert (throughput.input_tokens, throughput.output_tokens) == (1024, 256)
    assert throughput.requests == 1000
    assert rows[Metric.tpot_s, Statistic.mean].value == pytest.approx(0.0284)  # ms -> s
    assert rows[Metric.tpot_s, Statistic.p90].value == pytest.approx(0.0326)
    assert rows[Metric.ttft_s, Statistic.p50].value == pytest.approx(0.1501)  # median_ttft_ms
    assert rows[Metric.ttft_s, Statistic.p99].value == pytest.approx(0.6003)
    assert rows[Metric.e2e_latency_s, Statistic.p99].value == pytest.approx(9.8005)
    assert rows[Metric.itl_s, Statistic.mean].value == pytest.approx(0.0281)
    assert rows[Metric.requests_per_s, Statistic.mean].value == pytest.approx(8.3)
    # TTFT is kept at concurrency 64 too: validation simulates the queueing
    assert all(m.load_mode == "closed" and m.concurrency == 64 for m in rows.values())
    assert len(rows) == 4 * 4 + 2  # ttft/tpot/itl/e2e x mean,p50,p90,p99 + two run rates


def test_vllm_load_modes(tmp_path):
    """max_concurrency with an infinite rate: N clients; a finite rate: an open loop
    (poisson at burstiness 1) with the cap in the note; neither: offline."""
    capped = vllm_variant(tmp_path, request_rate=4.0)
    assert {(m.concurrency, m.request_rate, m.arrival) for m in capped} == {
        (None, 4.0, Arrival.poisson)
    }
    assert "at most 64 requests in flight" in capped[0].note
    paced = vllm_variant(tmp_path, request_rate="2.5", max_concurrency=None)
    assert paced[0].load_mode == "open" and paced[0].request_rate == 2.5
    offline = vllm_variant(tmp_path, max_concurrency=None)
    assert offline[0].load_mode == "offline"


def test_vllm_burstiness_picks_the_nearer_arrival(tmp_path):
    """Gamma gaps of shape k have CV 1/sqrt(k): shape 9 (CV 0.33) is nearer constant."""
    smooth = vllm_variant(tmp_path, request_rate=4.0, burstiness=9.0)
    assert smooth[0].arrival is Arrival.constant and "gap CV 0.33" in smooth[0].note
    bursty = vllm_variant(tmp_path, request_rate=4.0, burstiness=0.5)
    assert bursty[0].arrival is Arrival.poisson


def test_vllm_ramp_up_is_refused(tmp_path):
    with pytest.raises(NapkinError, match="ramp-up"):
        vllm_variant(tmp_path, max_concurrency=None, ramp_up_strategy="linear")


def test_vllm_detailed_lengths_give_the_spread(tmp_path):
    rows = vllm_variant(tmp_path, input_lens=[900, 1100, 1000, 1000], output_lens=[256, 0])
    assert rows[0].input_tokens_cv == pytest.approx(0.0707, abs=1e-4)  # pstdev 70.7 / 1000
    assert rows[0].output_tokens_cv == 0  # a failed request's 0 is not a length


def test_sglang_jsonl_one_run_per_line():
    rows = read_measurements(BENCH / "sglang-bench.jsonl", WHERE)
    first = by_key(r for r in rows if r.id.startswith("0-"))
    second = by_key(r for r in rows if r.id.startswith("1-"))
    ttft = first[Metric.ttft_s, Statistic.mean]
    assert ttft.value == pytest.approx(0.1234)  # 123.4 ms
    assert ttft.concurrency == 16 and ttft.request_rate is None  # rate Infinity, cap 16
    assert first[Metric.e2e_latency_s, Statistic.p99].value == pytest.approx(5.6301)
    assert first[Metric.itl_s, Statistic.p95].value == pytest.approx(0.00987)
    assert ttft.input_tokens == pytest.approx(768250 / 500)
    assert second[Metric.ttft_s, Statistic.mean].request_rate == 4.0
    assert second[Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == pytest.approx(
        1515.4 / 2
    )
    assert "SGLang" in ttft.note


def test_guidellm_json():
    rows = read_measurements(BENCH / "guidellm.json", WHERE)
    runs = [by_key(r for r in rows if r.id.startswith(f"{i}-")) for i in range(3)]
    sync, concurrent, poisson = (run[Metric.ttft_s, Statistic.mean] for run in runs)
    assert (sync.concurrency, concurrent.concurrency) == (1, 32)  # synchronous, streams 32
    assert (poisson.request_rate, poisson.arrival) == (4.0, Arrival.poisson)
    assert sync.value == pytest.approx(0.035)  # time_to_first_token_ms 35.0
    # inter_token_latency_ms is GuideLLM's per-request (last - first) / (n - 1): TPOT
    assert runs[1][Metric.tpot_s, Statistic.p99].value == pytest.approx(0.0151)
    assert runs[1][Metric.e2e_latency_s, Statistic.p90].value == pytest.approx(1.88)  # s
    assert runs[1][Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == 1150
    assert sync.output_tokens_cv == pytest.approx(6.4 / 128) and sync.requests == 120
    assert not any(m.metric is Metric.itl_s for m in rows)  # time_per_output_token unmapped


def test_guidellm_unknown_strategy(tmp_path):
    data = json.loads((BENCH / "guidellm.json").read_text())
    data["benchmarks"][1]["config"]["strategy"] = {"type_": "trace"}
    path = tmp_path / "benchmarks.json"
    path.write_text(json.dumps(data))
    with pytest.raises(NapkinError, match=r"benchmarks\.1\.config\.strategy.*'trace'"):
        read_measurements(path, WHERE)


def test_json_needs_conditions():
    with pytest.raises(NapkinError, match="--gpu and --model"):
        read_measurements(BENCH / "vllm-bench.json", None)


def test_unknown_json_names_the_file_and_the_formats(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(NapkinError, match=r"x\.json: not a benchmark file.*vLLM.*GuideLLM"):
        read_measurements(path, WHERE)


def test_missing_field_names_the_file_and_the_field(tmp_path):
    data = json.loads((BENCH / "vllm-bench.json").read_text())
    del data["total_input_tokens"]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    with pytest.raises(NapkinError, match=r"run\.json: total_input_tokens: missing"):
        read_measurements(path, WHERE)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not readable JSON"),
        ('{"completed": 1}\n{oops', "line 2: not readable JSON lines"),
        ("[1, 2]", "not a benchmark file"),
        ('{"completed": true, "output_throughput": 1}', "completed: expected a number"),
        ('{"benchmarks": {"a": 1}}', "benchmarks: expected a non-empty list"),
    ],
)
def test_malformed_files_are_napkin_errors(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(NapkinError, match=match) as caught:
        read_measurements(path, WHERE)
    assert caught.value.file == str(path)


def test_napkin_csv_is_still_read():
    published = Path(__file__).parents[2] / "src" / "napkin" / "calibration" / "published.csv"
    assert read_measurements(published, None)
