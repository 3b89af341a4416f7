"""`napkin simulate` end to end."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from napkin.cli import app

runner = CliRunner()
SMALL = ["--set", "model=llama-3.1-8b", "--set", "deployment.tp=1"]


def test_simulate_table():
    result = runner.invoke(
        app,
        ["simulate", "chatbot", *SMALL, "--replicas", "2", "--qps", "20", "--duration", "20"],
        env={"COLUMNS": "150"},
    )
    assert result.exit_code == 0, result.output
    for text in (
        "plan vs simulation",
        "TTFT p99",
        "every request ended exactly once",
        "yes",
        "Little's law",
    ):
        assert text in result.output


def test_simulate_json_and_seed():
    args = [
        "simulate",
        "chatbot",
        *SMALL,
        "--replicas",
        "2",
        "--qps",
        "20",
        "--duration",
        "20",
        "--json",
        "--seed",
        "3",
        "--router",
        "least-loaded",
    ]
    first = json.loads(runner.invoke(app, args).output)
    second = json.loads(runner.invoke(app, args).output)
    assert first["summary"] == second["summary"]
    assert first["summary"]["conserved"] and first["replicas"] == 2
    assert {"plan", "series", "run"} <= set(first)


def test_simulate_trace(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("timestamp,input_tokens,output_tokens\n0,100,10\n0.5,120,12\n")
    result = runner.invoke(
        app, ["simulate", "chatbot", *SMALL, "--trace", str(path), "--replicas", "1", "--json"]
    )
    assert result.exit_code == 0 and json.loads(result.output)["summary"]["requests"] == 2


def test_simulate_errors():
    bad = runner.invoke(app, ["simulate", "finetune-service"])
    assert bad.exit_code == 2 and "serving designs" in bad.output
    negative = runner.invoke(app, ["simulate", "chatbot", "--duration", "-5"])
    assert negative.exit_code == 2 and "--duration" in negative.output
    missing = runner.invoke(app, ["simulate", "chatbot", "--trace", "/nonexistent.jsonl"])
    assert missing.exit_code == 2 and "cannot read trace" in missing.output


def test_simulate_an_eval_pass():
    result = runner.invoke(
        app, ["simulate", "eval-harness", "--set", "model=llama-3.1-8b", "--set", "deployment.tp=1"]
    )
    assert result.exit_code == 0 and "GPU-seconds a pass" in result.output
    as_json = runner.invoke(
        app,
        [
            "simulate",
            "eval-harness",
            "--set",
            "eval.harness=serial",
            "--set",
            "eval.workers=4",
            "--json",
        ],
    )
    run = json.loads(as_json.output)
    assert (run["harness"], run["clients"]) == ("serial", 4)
    too_big = runner.invoke(app, ["simulate", "eval-harness", "--set", "deployment.tp=1"])
    assert too_big.exit_code == 2 and "no eval pass" in too_big.output
