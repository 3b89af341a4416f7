"""Error bars from leave-one-out residuals: hand-computed bands, the shipped table is
reproducible, inverse intervals, the uncalibrated fallback, and bands that move with data."""

from __future__ import annotations

import json
import time

import pytest

from napkin.calibration.measurement import read_csv
from napkin.calibration.uncertainty import (
    RESIDUALS_FILE,
    UNCALIBRATED,
    Band,
    Residual,
    band,
    band_from,
    interval,
    leave_one_out,
    profile_for,
    scale,
    summarise,
    table,
)
from napkin.cli import PUBLISHED
from napkin.specs.loader import load_design

H100 = "h100-sxm-tensorrt-llm-2025"
H200 = "h200-tensorrt-llm-2025"
# measured / predicted of five made-up rows, already sorted
RATIOS = (0.5, 0.8, 1.0, 1.25, 2.0)


def _residuals(profile: str, ratios: tuple[float, ...]) -> list[Residual]:
    return [Residual(str(i), "throughput", profile, r, 1.0) for i, r in enumerate(ratios)]


def _keyed(entries: list[dict]) -> dict[tuple[str, str], dict]:
    return {(e["metric"], e["profile"]): e for e in entries}


def test_band_by_hand():
    entries = _keyed(summarise(_residuals("p", RATIOS), _residuals("x", (0.4,) * 5), {"p": "P"}))
    # P10: position 0.1 × 4 = 0.4 → 0.5 + 0.4 × (0.8 − 0.5) = 0.62
    # P90: position 0.9 × 4 = 3.6 → 1.25 + 0.6 × (2.0 − 1.25) = 1.70
    b = band_from(entries, "throughput", "p")
    assert (b.low_factor, b.high_factor) == pytest.approx((0.62, 1.70))
    assert b.basis == "P10–P90 of leave-one-out residuals, throughput, P profile (5 rows)"
    assert entries[("throughput", UNCALIBRATED)]["p10"] == pytest.approx(0.4)
    # 1000 tokens/s → [620, 1700]; GPUs ∝ 1/throughput: 100 GPUs → [100/1.7, 100/0.62]
    assert (interval_of := scale(1000, b)).low == pytest.approx(620)
    assert interval_of.high == pytest.approx(1700)
    gpus = scale(100, b, inverse=True)
    assert (gpus.low, gpus.high) == pytest.approx((58.8235, 161.2903), rel=1e-5)
    assert "1/throughput" in gpus.basis


def test_few_rows_fall_back_to_pooled():
    held = _residuals("big", RATIOS) + _residuals("small", (3.0, 3.0))
    entries = _keyed(summarise(held, [], {"small": "Small GPU"}))
    small = band_from(entries, "throughput", "small")
    pooled = band_from(entries, "throughput", "pooled")
    assert (small.low_factor, small.high_factor) == (pooled.low_factor, pooled.high_factor)
    assert "pooled" in small.basis and "Small GPU profile has only 2" in small.basis
    assert entries[("throughput", "small")]["n"] == 7


def test_band_moves_with_the_residuals():
    """Mutation check: a band is computed from its profile's residuals, not a constant."""
    base = _keyed(summarise(_residuals("p", RATIOS), [], {}))
    worse = _keyed(summarise(_residuals("p", (*RATIOS[:-1], 4.0)), [], {}))
    assert (
        band_from(worse, "throughput", "p").high_factor
        > band_from(base, "throughput", "p").high_factor
    )
    # and in the shipped table two profiles with different residuals differ
    assert band("throughput", H100) != band("throughput", H200)
    assert band("throughput", H100) != band("throughput", None)


def test_shipped_table_is_reproducible():
    """The file matches what the tool's function computes now (~2 s, all refits)."""
    shipped = json.loads(RESIDUALS_FILE.read_text(encoding="utf-8"))
    assert shipped["command"] == "python tools/loo_residuals.py"
    fresh = table(read_csv(PUBLISHED))
    assert len(fresh["entries"]) == len(shipped["entries"])
    for new, old in zip(fresh["entries"], shipped["entries"], strict=True):
        assert {k: new[k] for k in ("metric", "profile", "kind", "n", "basis")} == {
            k: old[k] for k in ("metric", "profile", "kind", "n", "basis")
        }
        assert (new["p10"], new["p90"]) == pytest.approx((old["p10"], old["p90"]), abs=2e-4)
    assert [r["id"] for r in fresh["residuals"]] == [r["id"] for r in shipped["residuals"]]


def test_leave_one_out_holds_the_row_out():
    """A held-out prediction differs from the in-sample one (the row left the fit)."""
    from napkin.validate.scores import compare

    rows = [m for m in read_csv(PUBLISHED) if m.gpu == "H200" and m.trust == "A"]
    held = {r.id: r for r in leave_one_out(rows) if r.profile == H200}
    scored = {r.measurement.id: r.predicted for r in compare(rows) if r.profile == H200}
    assert set(held) == set(scored) and len(held) == 12
    assert any(abs(held[i].predicted / scored[i] - 1) > 1e-3 for i in held)


@pytest.mark.parametrize("metric", ["throughput", "ttft", "tpot"])
@pytest.mark.parametrize("profile", [H100, H200, None, "someone-elses-profile"])
def test_intervals_bracket_the_value(metric, profile):
    b = band(metric, profile)
    assert 0 < b.low_factor <= b.high_factor
    for value in (1.0, 37.5, 12_000.0):
        for inverse in (False, True):
            i = interval(value, metric, profile, inverse=inverse)
            assert i.low <= i.high and i.value == value
            if b.low_factor <= 1 <= b.high_factor:
                assert i.low <= value <= i.high
    inv = interval(100.0, metric, profile, inverse=True)
    assert inv.low == pytest.approx(100 / b.high_factor)
    assert inv.high == pytest.approx(100 / b.low_factor)


def test_unknown_gpu_gets_the_uncalibrated_band():
    b = band("throughput", None, gpu="B200")
    assert "uncalibrated" in b.basis and "no fitted profile in use for B200" in b.basis
    calibrated = band("throughput", H100)
    # wider (in log terms) than a fitted profile's
    assert b.high_factor / b.low_factor > calibrated.high_factor / calibrated.low_factor
    # a metric no fitted profile has rows for falls back to uncalibrated and says so
    e2e = band("e2e", H100)
    assert "uncalibrated" in e2e.basis and "indicative only" in e2e.basis
    with pytest.raises(ValueError, match="unknown metric"):
        band("goodput", H100)


def test_json_interval_fields():
    i = interval(1000.0, "throughput", H100)
    assert set(i.to_json()) == {"value", "low", "high", "basis"}
    assert json.loads(json.dumps(i.to_json(), allow_nan=False))["basis"].startswith("P10–P90")


def test_profile_for_follows_resolve():
    h100 = load_design("chatbot", ["hardware=H100-SXM"])
    assert profile_for(h100) == H100
    assert profile_for(load_design("chatbot", ["hardware=H200"])) == H200
    assert profile_for(load_design("chatbot", ["hardware=B200"])) is None
    overridden = load_design("chatbot", ["hardware=H100-SXM", "efficiency.compute_fraction=0.5"])
    assert profile_for(overridden) is None
    link_only = load_design("chatbot", ["hardware=H100-SXM", "efficiency.link_fraction=0.5"])
    assert profile_for(link_only) == H100


def test_band_is_fast():
    from napkin.calibration import uncertainty

    uncertainty._shipped.cache_clear()
    started = time.perf_counter()
    first = band("throughput", H100)
    assert time.perf_counter() - started < 0.1
    assert isinstance(first, Band) and band("throughput", H100) is not first  # fresh Band
