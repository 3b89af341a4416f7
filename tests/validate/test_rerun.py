"""A measured row's benchmark rerun in the simulator (validate/rerun.py)."""

from __future__ import annotations

import pytest

from napkin.calibration.measurement import Measurement, Metric
from napkin.calibration.predict import engine_for, predict, preset_for
from napkin.perf.efficiency import resolve
from napkin.specs.catalog import calibration_for, find_gpu
from napkin.validate import rerun as rerun_module
from napkin.validate.rerun import rerun, workload


def _row(**fields: object) -> Measurement:
    base = dict(
        id="t",
        gpu="H100-SXM",
        model="llama-3.1-8b",
        tp=1,
        precision="bf16",
        input_tokens=1000,
        output_tokens=200,
        metric="ttft_s",
        value=1.0,
        engine="vllm",
    )
    return Measurement.model_validate(base | fields)


def _run(m: Measurement):
    eff = resolve(None, find_gpu(m.gpu), calibration_for(m.gpu))
    return rerun(m, engine_for(m, eff), preset_for(m)), engine_for(m, eff)


def test_one_client_is_the_closed_form_anchor():
    # One client, fixed lengths: nothing to queue behind. TTFT is the prompt's prefill step
    # (1,000 tokens fit the 8,192-token budget: one step), and each later token one decode
    # step at batch 1, so TPOT is the decode step at mid context, as the closed form says.
    m = _row(concurrency=1, requests=20)
    run, engine = _run(m)
    assert run.value(Metric.ttft_s, None, 1) == pytest.approx(engine.prefill(1000).total_s, 1e-6)
    tpot = run.value(Metric.tpot_s, None, 1)
    assert tpot == pytest.approx(engine.decode_step(1, 1000 + 200 / 2).total_s, rel=5e-3)
    # E2E = TTFT + 199 steps; throughput = 200 tokens per E2E (one GPU, back to back).
    e2e = run.value(Metric.e2e_latency_s, None, 1)
    assert e2e == pytest.approx(run.value(Metric.ttft_s, None, 1) + 199 * tpot, rel=1e-6)
    assert run.value(Metric.output_tokens_per_s_per_gpu, None, 1) == pytest.approx(200 / e2e)


def test_ttft_grows_with_the_clients_the_closed_form_does_not():
    ttft = {c: _run(_row(concurrency=c))[0].value(Metric.ttft_s, None, 1) for c in (1, 32, 256)}
    assert ttft[1] < ttft[32] < ttft[256]
    closed = {c: predict(_row(concurrency=c), _eff()) for c in (1, 256)}
    assert closed[1] == closed[256]  # the closed form's TTFT has no queue in it
    assert ttft[256] > 5 * closed[256]


def _eff():
    return resolve(None, find_gpu("H100-SXM"), calibration_for("H100-SXM"))


def test_percentiles_are_ordered_and_the_mean_lies_between_them():
    run, _ = _run(_row(concurrency=64, input_tokens_cv=1.0, output_tokens_cv=1.0))
    p50, p90, p99 = (run.value(Metric.ttft_s, q, 1) for q in (0.5, 0.9, 0.99))
    assert p50 <= p90 <= p99
    assert run.value(Metric.ttft_s, None, 1) <= p99


def test_an_open_loop_below_capacity_completes_what_arrives():
    # Requests/s of an open loop well below capacity is the offered rate: 1,000 requests
    # sent 1 s apart span 999 s plus the last one's ~2.3 s, so 1,000 / 1,001.3 = 0.9987.
    run, _ = _run(_row(request_rate=1.0, arrival="constant", metric="requests_per_s"))
    assert run.value(Metric.requests_per_s, None, 1) == pytest.approx(0.9987, rel=1e-3)


def test_constant_arrivals_are_evenly_spaced_and_poisson_are_not():
    constant = workload(_row(request_rate=4.0, arrival="constant"), 100).arrival_s
    poisson = workload(_row(request_rate=4.0), 100).arrival_s
    gaps = constant[1:] - constant[:-1]
    assert gaps == pytest.approx([0.25] * 99)
    assert (poisson[1:] - poisson[:-1]).std() > 0.1


def test_rows_of_one_benchmark_share_one_simulation():
    rerun_module._RUNS.clear()
    for metric in ("ttft_s", "tpot_s", "e2e_latency_s"):
        for statistic in ("mean", "p50", "p99"):
            _run(_row(concurrency=16, metric=metric, statistic=statistic))
    assert len(rerun_module._RUNS) == 1


def test_the_engine_changes_the_run():
    # TensorRT-LLM reserves each request's whole KV; vLLM grows it and preempts. With a
    # 70B model on one GPU (little KV room) and long outputs, the two admit differently.
    rows = {
        e: _row(
            model="llama-3.1-70b",
            precision="fp8",
            engine=e,
            input_tokens=128,
            output_tokens=2048,
            metric="output_tokens_per_s_per_gpu",
        )
        for e in ("vllm", "tensorrt-llm")
    }
    values = {
        e: _run(m)[0].value(Metric.output_tokens_per_s_per_gpu, None, 1) for e, m in rows.items()
    }
    assert values["vllm"] != pytest.approx(values["tensorrt-llm"], rel=0.05)


def test_a_very_low_rate_is_answered_at_once():
    # 1,000 requests at one a year span ~999 years: one series row a minute would be 5e8
    # rows (GBs, a hang); the series has SERIES_ROWS over the span instead.
    import time

    from napkin.validate.rerun import SERIES_ROWS, sample_interval_s

    row = _row(request_rate=1 / (365 * 86_400), arrival="constant", metric="ttft_s")
    span = 999 * 365 * 86_400
    assert sample_interval_s(workload(row, 1_000)) == pytest.approx(span / SERIES_ROWS)
    started = time.perf_counter()
    run, _ = _run(row)
    assert time.perf_counter() - started < 2.0
    alone = _run(_row(concurrency=1, requests=20))[0].value(Metric.ttft_s, None, 1)
    assert run.value(Metric.ttft_s, None, 1) == pytest.approx(alone, rel=1e-3)  # 3e10 s clock
