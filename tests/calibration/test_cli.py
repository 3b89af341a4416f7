"""`napkin validate`, `napkin calibrate` and `--profile`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from napkin.cli import app

runner = CliRunner()
BENCH = Path(__file__).parent.parent / "fixtures" / "benchmarks"


@pytest.fixture(autouse=True)
def profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("NAPKIN_PROFILES", str(tmp_path / "profiles"))
    return tmp_path / "profiles"


def test_validate_shipped_set_json():
    # Every shipped row simulated (the one test that runs the whole set through the CLI).
    result = runner.invoke(app, ["validate", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    throughput = next(s for s in data["stats"] if s["metric"] == "output_tokens_per_s_per_gpu")
    assert throughput["median_ape"] < 0.2 and data["unexplained"] == []
    assert all(r["simulated"] is not None for r in data["rows"] if r["metric"] != "decode_step_s")
    ttft = [r for r in data["rows"] if r["metric"] == "ttft_s" and (r["concurrency"] or 0) >= 8]
    simulated = sorted(abs(r["error"]) for r in ttft)
    closed = sorted(abs(r["closed_form_error"]) for r in ttft)
    assert simulated[len(ttft) // 2] < 0.2 < closed[len(ttft) // 2]  # the queueing


def test_validate_table():
    result = runner.invoke(app, ["validate", "--closed-form"], env={"COLUMNS": "220"})
    assert result.exit_code == 0 and "median" in result.output and "P90" in result.output


def _synthetic_csv(tmp_path) -> Path:
    from napkin.calibration.measurement import write_csv
    from tests.calibration.test_fit import TRUE, _synthetic

    path = tmp_path / "mine.csv"
    write_csv(_synthetic(TRUE), path)
    return path


def test_calibrate_then_plan_with_profile(tmp_path, profiles):
    path = _synthetic_csv(tmp_path)
    result = runner.invoke(app, ["calibrate", str(path), "--name", "my-h100"])
    assert result.exit_code == 0, result.output
    assert (profiles / "my-h100.yaml").exists() and "compute_fraction 0.55" in result.output
    again = runner.invoke(app, ["calibrate", str(path), "--name", "my-h100"])
    assert again.exit_code == 2 and "--force" in again.output
    planned = json.loads(
        runner.invoke(app, ["plan", "chatbot", "--profile", "my-h100", "--json"]).output
    )
    figure = planned["figures"]["compute_fraction"]
    assert figure["value"] == 0.55 and figure["source"] == "calibration"
    assert "my-h100" in figure["detail"]


def test_profile_for_another_gpu_is_refused(tmp_path):
    path = _synthetic_csv(tmp_path)
    runner.invoke(app, ["calibrate", str(path), "--name", "h100-only"])
    result = runner.invoke(
        app, ["plan", "chatbot", "--profile", "h100-only", "--set", "hardware.gpu=H200"]
    )
    assert result.exit_code == 2 and "fitted on H100-SXM" in result.output


def test_unknown_profile():
    result = runner.invoke(app, ["plan", "chatbot", "--profile", "nope"])
    assert result.exit_code == 2 and "no profile 'nope'" in result.output


def test_calibrate_from_vllm_json_needs_where_it_ran():
    result = runner.invoke(app, ["calibrate", str(BENCH / "vllm-bench.json"), "--name", "x"])
    assert result.exit_code == 2 and "--gpu and --model" in result.output
    ok = runner.invoke(
        app,
        [
            "calibrate",
            str(BENCH / "vllm-bench.json"),
            "--name",
            "x",
            "--gpu",
            "H100-SXM",
            "--model",
            "llama-3.1-8b",
            "--tp",
            "2",
        ],
    )
    assert ok.exit_code == 0 and "warning:" in ok.output  # two rows cannot fix three knobs


def test_calibrate_records_the_engine_and_refuses_an_unknown_one(tmp_path, profiles):
    import yaml

    path = _synthetic_csv(tmp_path)
    done = runner.invoke(app, ["calibrate", str(path), "--name", "my-sg", "--engine", "SGLang"])
    assert done.exit_code == 0, done.output
    saved = yaml.safe_load((profiles / "my-sg.yaml").read_text())
    assert saved["engine"] == "sglang" and saved["software"].startswith("SGLang")
    bad = runner.invoke(app, ["calibrate", str(path), "--name", "x", "--engine", "lmdeploy"])
    assert bad.exit_code == 2 and "--engine" in bad.output and "unknown engine" in bad.output
