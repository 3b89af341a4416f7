"""AIPerf, GenAI-Perf, llmperf and inference-perf files read to the rows their tools mean:
the right napkin metric (GenAI-Perf's "inter token latency" is TPOT), statistic, load mode
and SI units, each checked against a value computed by hand from the fixture."""

from __future__ import annotations

import json
import shutil
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


def in_artifact_folder(tmp_path: Path, fixture: str, folder: str, name: str) -> Path:
    """The CSV where the tool writes it: a folder named after the run's load."""
    (tmp_path / folder).mkdir()
    return Path(shutil.copy(BENCH / fixture, tmp_path / folder / name))


def test_aiperf_json():
    rows = by_key(read_measurements(BENCH / "aiperf.json", WHERE))
    ttft = rows[Metric.ttft_s, Statistic.mean]
    assert ttft.value == pytest.approx(0.1234)  # {"unit": "ms", "avg": 123.4}
    assert ttft.concurrency == 32 and ttft.load_mode == "closed"  # loadgen.concurrency
    # AIPerf's inter_token_latency is (latency - TTFT) / (OSL - 1) per request: TPOT;
    # inter_chunk_latency pools every gap: ITL
    assert rows[Metric.tpot_s, Statistic.p90].value == pytest.approx(0.01397)
    assert rows[Metric.itl_s, Statistic.p99].value == pytest.approx(0.0316)
    assert rows[Metric.e2e_latency_s, Statistic.p75].value == pytest.approx(2.8019)
    assert rows[Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == 2361.5 / 2
    assert rows[Metric.requests_per_s, Statistic.mean].value == 11.83
    assert (ttft.input_tokens, ttft.output_tokens, ttft.requests) == (550.3, 199.6, 640)
    assert ttft.output_tokens_cv == pytest.approx(9.98 / 199.6)
    assert ttft.note == "AIPerf"


def test_aiperf_request_rate_mode(tmp_path):
    data = json.loads((BENCH / "aiperf.json").read_text())
    data["input_config"]["loadgen"] |= {"request_rate": 12.0, "request_rate_mode": "constant"}
    path = tmp_path / "profile_export_aiperf.json"
    path.write_text(json.dumps(data))
    rows = read_measurements(path, WHERE)
    assert {(m.request_rate, m.arrival, m.concurrency) for m in rows} == {
        (12.0, Arrival.constant, None)
    }
    assert "at most 32 requests in flight" in rows[0].note


def test_genai_perf_json():
    rows = by_key(read_measurements(BENCH / "genai-perf.json", WHERE))
    ttft = rows[Metric.ttft_s, Statistic.p99]
    assert ttft.value == pytest.approx(0.0759)
    # perf_analyzer.stimulus request_rate, paced with constant gaps (perf_analyzer default)
    assert (ttft.request_rate, ttft.arrival) == (10.0, Arrival.constant)
    assert rows[Metric.tpot_s, Statistic.mean].value == pytest.approx(0.01311)
    assert rows[Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == 1277.4 / 2
    assert Metric.itl_s not in {m for m, _ in rows}  # GenAI-Perf has no pooled ITL
    assert ttft.note == "GenAI-Perf"


def test_genai_perf_csv_matches_its_json(tmp_path):
    path = in_artifact_folder(
        tmp_path,
        "genai-perf.csv",
        "TinyLlama-openai-chat-request_rate10.0",
        "profile_export_genai_perf.csv",
    )
    from_csv = by_key(read_measurements(path, WHERE))
    from_json = by_key(read_measurements(BENCH / "genai-perf.json", WHERE))
    assert from_csv.keys() == from_json.keys()
    for key, row in from_csv.items():
        assert row.value == pytest.approx(from_json[key].value), key
        assert (row.request_rate, row.arrival) == (10.0, Arrival.constant)
    # "1,710.30" ms, thousands separator and all
    assert from_csv[Metric.e2e_latency_s, Statistic.mean].value == pytest.approx(1.7103)


def test_aiperf_csv_matches_its_json(tmp_path):
    path = in_artifact_folder(
        tmp_path,
        "aiperf.csv",
        "meta-llama_Llama-3.1-8B-Instruct-openai-chat-concurrency32",
        "profile_export_aiperf.csv",
    )
    from_csv = by_key(read_measurements(path, WHERE))
    from_json = by_key(read_measurements(BENCH / "aiperf.json", WHERE))
    assert from_csv.keys() == from_json.keys()
    for key, row in from_csv.items():
        assert row.value == pytest.approx(from_json[key].value), key
        assert row.concurrency == 32


def test_csv_export_outside_its_folder_asks_for_the_load():
    with pytest.raises(NapkinError, match=r"genai-perf\.csv: folder: the load is not stated"):
        read_measurements(BENCH / "genai-perf.csv", WHERE)


def test_llmperf_summary():
    rows = by_key(read_measurements(BENCH / "llmperf_summary.json", WHERE))
    ttft = rows[Metric.ttft_s, Statistic.p90]
    assert ttft.value == 0.1012  # results_ttft_s_quantiles_p90, already seconds
    assert ttft.concurrency == 8  # num_concurrent_requests: a closed loop
    assert rows[Metric.e2e_latency_s, Statistic.mean].value == 1.8835
    assert rows[Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == 636.8 / 2
    assert rows[Metric.requests_per_s, Statistic.mean].value == pytest.approx(254.6 / 60)
    # inter_token_latency_s includes TTFT (E2E / n), so TPOT is derived from the means:
    # (1.8835 - 0.0735) / (150.1 - 1) = 0.0121395
    tpot = rows[Metric.tpot_s, Statistic.mean]
    assert tpot.value == pytest.approx(0.0121395, rel=1e-5) and "derived" in tpot.note
    assert (Metric.tpot_s, Statistic.p50) not in rows and Metric.itl_s not in {m for m, _ in rows}
    assert (ttft.input_tokens, ttft.requests) == (552.4, 160)  # measured, not requested
    assert ttft.input_tokens_cv == pytest.approx(149.2 / 552.4)


def test_inference_perf_stage_report():
    rows = by_key(read_measurements(BENCH / "inference-perf.json", WHERE))
    ttft = rows[Metric.ttft_s, Statistic.p50]  # "median"
    assert ttft.value == 0.1022
    assert (ttft.request_rate, ttft.arrival) == (10.0, Arrival.constant)
    assert "read as constant" in ttft.note
    assert rows[Metric.tpot_s, Statistic.p99].value == 0.01601  # time_per_output_token
    assert rows[Metric.itl_s, Statistic.p90].value == 0.0162  # inter_token_latency, pooled
    assert rows[Metric.output_tokens_per_s_per_gpu, Statistic.mean].value == 2016.7 / 2
    assert (ttft.input_tokens, ttft.output_tokens, ttft.requests) == (527.2, 207.7, 600)


def test_inference_perf_concurrent_stage(tmp_path):
    data = json.loads((BENCH / "inference-perf.json").read_text())
    data["load_summary"]["concurrency"] = 64
    path = tmp_path / "stage_1_lifecycle_metrics.json"
    path.write_text(json.dumps(data))
    assert {m.concurrency for m in read_measurements(path, WHERE)} == {64}


def test_inference_perf_run_summary_is_refused(tmp_path):
    data = json.loads((BENCH / "inference-perf.json").read_text())
    data["load_summary"] = {"count": 600}
    path = tmp_path / "summary_lifecycle_metrics.json"
    path.write_text(json.dumps(data))
    with pytest.raises(NapkinError, match="stage_N_lifecycle_metrics.json"):
        read_measurements(path, WHERE)


@pytest.mark.parametrize(
    ("fixture", "drop", "field"),
    [
        ("aiperf.json", "input_sequence_length", "input_sequence_length.avg"),
        ("genai-perf.json", "input_config", "input_config"),
        ("llmperf_summary.json", "num_concurrent_requests", "num_concurrent_requests"),
        ("inference-perf.json", "successes", "successes"),
    ],
)
def test_missing_field_is_named(tmp_path, fixture, drop, field):
    data = json.loads((BENCH / fixture).read_text())
    del data[drop]
    path = tmp_path / fixture
    path.write_text(json.dumps(data))
    with pytest.raises(NapkinError, match=rf"{fixture}: {field}: missing") as caught:
        read_measurements(path, WHERE)
    assert caught.value.file == str(path)
