"""Validation statistics on a tiny hand-made file, and the shipped set's targets."""

from __future__ import annotations

import pytest

from napkin.calibration.measurement import Metric, read_csv
from napkin.calibration.uncertainty import percentile
from napkin.cli import PUBLISHED
from napkin.errors import NapkinError
from napkin.validate.scores import Row, statistics, unexplained

HEADER = "id,gpu,model,tp,precision,input_tokens,output_tokens,concurrency,metric,value\n"


def _rows(tmp_path, predicted):
    path = tmp_path / "tiny.csv"
    path.write_text(
        HEADER
        + "".join(
            f"{i},H100-SXM,llama-3.1-8b,1,bf16,100,100,1,output_tokens_per_s_per_gpu,{value}\n"
            for i, value in enumerate((100, 200, 400, 1000))
        )
    )
    return [Row(m, p, "test") for m, p in zip(read_csv(path), predicted, strict=True)]


def test_statistics_by_hand(tmp_path):
    rows = _rows(tmp_path, (110, 150, 400, 3000))
    # errors: +10%, -25%, 0%, +200%; absolute sorted 0, .10, .25, 2.0
    assert [round(r.error, 4) for r in rows] == [0.1, -0.25, 0.0, 2.0]
    (stats,) = statistics(rows)
    assert stats.metric is Metric.output_tokens_per_s_per_gpu and stats.rows == 4
    assert stats.median_ape == pytest.approx(0.175)  # (0.10 + 0.25) / 2
    assert stats.p90_ape == pytest.approx(0.25 + 0.7 * (2.0 - 0.25))  # position 2.7
    assert [r.measurement.id for r in unexplained(rows)] == ["3"]  # 3x off, no reason


def test_percentile_matches_numpy_default():
    import numpy as np

    values = [5.0, 1.0, 3.0, 10.0, 2.0]
    for q in (0.0, 0.5, 0.9, 1.0):
        assert percentile(values, q) == pytest.approx(np.percentile(values, q * 100))


def test_shipped_set_meets_the_targets():
    from napkin.validate.scores import compare

    rows = compare(read_csv(PUBLISHED))
    throughput = next(s for s in statistics(rows) if s.metric is Metric.output_tokens_per_s_per_gpu)
    assert throughput.rows >= 60 and throughput.median_ape < 0.20
    assert unexplained(rows) == []


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("id,gpu\n1,H100\n", "missing columns"),
        (HEADER + "1,H100-SXM,llama-3.1-8b,1,bf16,100,100,,speed,5\n", "line 2, column metric"),
        (HEADER + "1,H100-SXM,llama-3.1-8b,0,bf16,100,100,,ttft_s,5\n", "line 2, column tp"),
    ],
)
def test_bad_csv(tmp_path, text, phrase):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(NapkinError, match=phrase):
        read_csv(path)


def test_within_25_and_worst_rows_by_hand(tmp_path):
    rows = _rows(tmp_path, (110, 150, 400, 3000))
    (stats,) = statistics(rows)
    # |errors| 0.10, 0.25, 0, 2.0: three within 25% (0.25 counts), worst first: 3, 1, 0
    assert stats.within_25 == pytest.approx(3 / 4)
    assert stats.worst == ("3", "1", "0")


def test_the_simulated_value_is_the_answer_and_the_closed_form_is_kept(tmp_path):
    (m,) = [r.measurement for r in _rows(tmp_path, (1, 1, 1, 1))][:1]
    row = Row(m, predicted=150.0, profile="test", simulated=90.0)  # measured 100
    assert row.error == pytest.approx(-0.10) and row.closed_form_error == pytest.approx(0.5)
    assert row.to_json()["simulated"] == 90.0 and row.to_json()["load_mode"] == "closed"


def test_validate_with_a_profile_names_the_profile_each_row_used(tmp_path):
    # A user's H100 profile predicts the H100 rows; every other GPU's rows use (and are
    # labelled with) that GPU's shipped profile, not "uncalibrated".
    from napkin.specs.catalog import calibration_for
    from napkin.validate.scores import compare

    mine = calibration_for("H100-SXM").model_copy(update={"name": "my-h100"})
    rows = [m for m in read_csv(PUBLISHED) if m.gpu in ("H100-SXM", "A100-80GB")][:40]
    scored = compare(rows, mine, simulate=False)
    for r in scored:
        expected = "my-h100" if r.measurement.gpu == "H100-SXM" else None
        shipped = calibration_for(r.measurement.gpu, r.measurement.software)
        assert r.profile == (expected or shipped.name)
    assert {r.profile for r in scored} != {"my-h100"}
