"""Bad input gives one clear message and exit status 2, never a traceback or a hang
(issue #13): each case here crashed, hung or silently misbehaved before."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import napkin.cli.reporting
from napkin.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def _strict_json(text: str) -> dict:
    """Parse JSON refusing NaN and Infinity, as a strict parser would."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_finetune_with_a_million_jobs_per_hour_answers_quickly():
    start = time.perf_counter()
    result = run("plan", "finetune-service", "--set", "finetune.jobs_per_hour=1000000", "--json")
    assert time.perf_counter() - start < 10
    assert result.exit_code == 0, result.output
    slots = _strict_json(result.output)["figures"]["job_slots_for_start_sla"]["value"]
    assert slots > 1_000_000


@pytest.mark.parametrize("override", ["deployment.precision=bf16", "hardware=L40S"])
def test_eval_harness_that_does_not_fit_says_so(override: str):
    result = run("plan", "eval-harness", "--set", override)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "does not fit" in result.output.replace("\n", " ")
    data = _strict_json(run("plan", "eval-harness", "--set", override, "--json").output)
    assert data["fits"] is False
    assert "does not fit" in data["fit_reason"] and "tp=16 would fit" in data["fit_reason"]


def test_drill_on_a_design_that_does_not_fit_is_a_usage_error():
    result = run("drill", "chatbot", "--set", "deployment.tp=1", "-q")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "does not fit" in result.output and "tp=2 would fit" in result.output


def test_job_drill_by_name_prints_its_result():
    result = run("drill", "finetune-service", "--failure", "replica-crash", "-q")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "replica-crash" in result.output


def test_serving_drill_on_the_finetune_queue_names_the_job_drills():
    result = run("drill", "finetune-service", "--failure", "overload", "-q")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "hot-tenant, diverging-job, replica-crash" in result.output


@pytest.mark.parametrize("design", ["finetune-service", "eval-harness"])
def test_optimize_refuses_designs_it_cannot_search(design: str):
    result = run("optimize", design, "-q")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "optimize searches serving designs: chatbot, coding-agent, code-completion" in (
        result.output
    )
    assert f"{design} is a" in result.output


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--gpus", "H100-SXM,NOPE", ("--gpus", "'NOPE'", "H100-SXM")),
        ("--gpus", "H100-SXM,h200x", ("--gpus", "'h200x'", "closest: H200")),
        ("--precisions", "fp7", ("--precisions", "'fp7'", "closest: fp8")),
        ("--price", "NOPE=2", ("--price", "'NOPE'", "H100-SXM")),
        ("--price", "H100-SXM=-1", ("--price", "H100-SXM", "positive", "-1")),
        ("--models", "llama-3.1-8x", ("--models", "'llama-3.1-8x'", "closest: llama-3.1-8b")),
    ],
)
def test_optimize_options_name_the_bad_value(option: str, value: str, expected: tuple[str, ...]):
    result = run("optimize", "chatbot", option, value, "-q", "--verify", "0")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output


@pytest.mark.parametrize("name", ["../../x", "sub/x", "..", ".hidden", "/tmp/x", ""])
def test_calibrate_refuses_a_name_that_is_not_a_plain_file_name(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from napkin.calibration.measurement import write_csv
    from tests.calibration.test_fit import TRUE, _synthetic

    profiles = tmp_path / "a" / "b" / "profiles"
    monkeypatch.setenv("NAPKIN_PROFILES", str(profiles))
    source = tmp_path / "mine.csv"
    write_csv(_synthetic(TRUE), source)
    result = run("calibrate", str(source), "--name", name)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "--name" in result.output
    assert not list(tmp_path.rglob("*.yaml"))


def test_save_profile_refuses_a_folder_in_the_name(tmp_path: Path, monkeypatch):
    from napkin.errors import NapkinError
    from napkin.specs.profile import check_profile_name

    with pytest.raises(NapkinError, match="plain file name"):
        check_profile_name("../x")
    assert check_profile_name("h100-vllm_0.6") == "h100-vllm_0.6"


def _ui_command(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[list[str], dict]:
    calls: list[tuple[list[str], dict]] = []
    monkeypatch.setattr(
        napkin.cli.reporting, "_exec_streamlit", lambda cmd, env: calls.append((cmd, env))
    )
    result = run("ui", *args)
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    return calls[0]


def test_ui_listens_on_localhost_by_default(monkeypatch: pytest.MonkeyPatch):
    command, env = _ui_command(monkeypatch)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8501"
    assert env["NAPKIN_UI_DESIGN"] == "chatbot"
    page = next(part for part in command if part.endswith("app.py"))
    assert Path(page).is_file(), page  # the Streamlit page it runs exists


def test_ui_host_option(monkeypatch: pytest.MonkeyPatch):
    command, _ = _ui_command(monkeypatch, "coding-agent", "--host", "0.0.0.0", "--port", "9000")
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert command[command.index("--server.port") + 1] == "9000"


@pytest.mark.skipif(os.name != "posix", reason="exec replaces the process on POSIX")
def test_ui_replaces_itself_with_streamlit(monkeypatch: pytest.MonkeyPatch):
    """exec, not a child: stopping `napkin ui` stops the server, nothing is left running."""
    import subprocess

    execs: list[tuple[str, list[str]]] = []

    class Replaced(Exception):
        """A real exec never returns."""

    def fake_execve(path: str, argv: list[str], env: dict) -> None:
        execs.append((path, argv))
        raise Replaced

    def no_child(*args: object, **kwargs: object) -> None:
        raise AssertionError("napkin ui must not start Streamlit as a child process")

    monkeypatch.setattr(os, "execve", fake_execve)
    monkeypatch.setattr(subprocess, "call", no_child)
    monkeypatch.setattr(subprocess, "Popen", no_child)
    with pytest.raises(Replaced):
        napkin.cli.reporting._exec_streamlit(["/bin/python", "-m", "streamlit"], {"A": "1"})
    assert execs == [("/bin/python", ["/bin/python", "-m", "streamlit"])]
