"""The fit recovers known parameters from data the model itself generated."""

from __future__ import annotations

import pytest

from napkin.calibration.fit import efficiency_of, fit
from napkin.calibration.measurement import Measurement, Metric
from napkin.calibration.predict import predict

# compute, bandwidth, fixed, per-sequence and per-layer overhead (the shipped fits free the
# fractions and the per-layer part)
TRUE = (0.55, 0.80, 0.0, 0.0, 6e-5)
CONDITIONS = [
    # (model, tp, input, output, concurrency, metric): compute-, memory- and overhead-bound
    ("llama-3.1-8b", 1, 128, 128, None, Metric.output_tokens_per_s_per_gpu),
    ("llama-3.1-8b", 1, 2048, 2048, None, Metric.output_tokens_per_s_per_gpu),
    ("llama-3.1-8b", 1, 512, 256, 1, Metric.tpot_s),
    ("llama-3.1-8b", 1, 4096, 1, 1, Metric.ttft_s),
    ("llama-3.1-70b", 4, 1000, 1000, 64, Metric.output_tokens_per_s_per_gpu),
    ("llama-3.1-70b", 4, 1000, 1000, 8, Metric.tpot_s),
    ("llama-3.2-1b", 1, 128, 128, 1, Metric.tpot_s),
]


def _synthetic(params) -> list[Measurement]:
    eff = efficiency_of(params, "truth")
    rows = []
    for index, (model, tp, isl, osl, conc, metric) in enumerate(CONDITIONS):
        m = Measurement(
            id=str(index),
            gpu="H100-SXM",
            model=model,
            tp=tp,
            precision="bf16",
            input_tokens=isl,
            output_tokens=osl,
            concurrency=conc,
            metric=metric,
            value=1.0,
        )
        rows.append(m.model_copy(update={"value": predict(m, eff)}))
    return rows


def test_fit_recovers_known_parameters():
    result = fit(_synthetic(TRUE), "H100-SXM")
    assert result.compute_fraction == pytest.approx(TRUE[0], rel=0.02)
    assert result.bandwidth_fraction == pytest.approx(TRUE[1], rel=0.02)
    assert result.layer_overhead_s == pytest.approx(TRUE[4], rel=0.05)
    assert result.log_rmse < 1e-3 and not result.warnings


def test_fixed_and_per_layer_overhead_are_told_apart_by_models_of_different_depth():
    # 1B (16 layers), 8B (32) and 70B (80) at small batches: a fixed 1 ms and 40 µs a layer
    # are recovered separately; a mutation that made the overhead per step only would not.
    truth = (0.55, 0.80, 0.001, 0.0, 4e-5)
    knobs = ("compute_fraction", "bandwidth_fraction", "step_overhead_s", "layer_overhead_s")
    result = fit(_synthetic(truth), "H100-SXM", knobs)
    assert result.step_overhead_s == pytest.approx(truth[2], rel=0.05)
    assert result.layer_overhead_s == pytest.approx(truth[4], rel=0.05)


def test_unidentifiable_parameter_is_reported():
    # Only long prefills: nothing depends on HBM bandwidth or, much, on the step overhead.
    rows = [m for m in _synthetic(TRUE) if m.metric is Metric.ttft_s]
    result = fit(rows, "H100-SXM")
    assert any("only 1 rows" in w for w in result.warnings)
    assert any("bandwidth_fraction" in w for w in result.warnings)


def test_no_rows_for_gpu():
    with pytest.raises(ValueError, match="no measurements for H200"):
        fit(_synthetic(TRUE), "H200")


def test_decode_step_metric_is_the_roofline_decode_step():
    from napkin.perf.batching import Engine
    from napkin.specs.catalog import find_gpu, find_model
    from napkin.specs.deployment import Deployment

    eff = efficiency_of(TRUE, "truth")
    m = Measurement(
        id="d",
        gpu="H100-SXM",
        model="llama-3.1-8b",
        tp=1,
        precision="bf16",
        input_tokens=1024,
        output_tokens=1,
        concurrency=32,
        metric=Metric.decode_step_s,
        value=0.01,
    )
    engine = Engine(find_model("llama-3.1-8b"), find_gpu("H100-SXM"), Deployment(), eff)
    assert predict(m, eff) == engine.decode_step(32, 1024).total_s
