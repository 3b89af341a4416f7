"""Every command and error path of the `napkin` CLI, through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from napkin.cli import app
from napkin.specs.loader import BUILTIN_DIR

runner = CliRunner()


def run(*args: str, width: int = 160):
    return runner.invoke(app, list(args), env={"COLUMNS": str(width)})


def test_plan_chatbot_prints_the_sheet():
    result = run("plan", "chatbot")
    assert result.exit_code == 0
    for text in (
        "peak_qps",
        "13,889",
        "gpus_provisioned",
        "3,480",
        "$5.01M",
        "✗ flagged",
        "rule of thumb",
        "Recommended:",
    ):
        assert text in result.output


def test_plan_explain_shows_inputs_and_sources():
    result = run("plan", "chatbot", "--explain")
    assert result.exit_code == 0
    assert "with avg_qps=4,630 req/s" in result.output and "source:" in result.output


def test_plan_json_with_overrides():
    result = run(
        "plan",
        "chatbot",
        "--set",
        "workload.dau=20e6",
        "--set",
        "deployment.precision=fp8",
        "--json",
    )
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["figures"]["turns_per_day"]["value"] == 800e6
    assert data["figures"]["bytes_per_weight"]["value"] == 1.0
    assert {"figures", "claims", "sla", "fits"} <= set(data)


def test_plan_user_file(tmp_path):
    raw = yaml.safe_load((BUILTIN_DIR / "chatbot.yaml").read_text())
    raw["model"] = "llama-3.1-8b"
    raw["deployment"]["tp"] = 1
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = run("plan", str(path), "--json")
    assert result.exit_code == 0 and json.loads(result.output)["model"] == "llama-3.1-8b"


def test_not_fitting_design_still_prints(tmp_path):
    result = run("plan", "chatbot", "--set", "deployment.tp=1")
    assert result.exit_code == 0 and "DOES NOT FIT" in result.output


@pytest.mark.parametrize(
    "args, phrase",
    [
        (("plan", "nosuch"), "no such file or built-in design"),
        (("plan", "chatbot", "--set", "model=llama-70b"), "llama-3.1-70b"),
        (("plan", "chatbot", "--set", "hardware=h100x"), "closest: H100-SXM"),
        (("plan", "chatbot", "--set", "workload.dau=-1"), "workload.dau"),
        (("plan", "chatbot", "--set", "nonsense"), "path=value"),
    ],
)
def test_bad_input_exits_2_with_one_message(args, phrase):
    result = run(*args)
    assert result.exit_code == 2
    assert phrase in result.output and "Traceback" not in result.output


def test_unknown_catalog_kind_is_a_usage_error():
    assert run("catalog", "cpus").exit_code == 2


@pytest.mark.parametrize("kind, name", [("gpus", "H100-SXM"), ("models", "deepseek-v3")])
def test_catalog(kind, name):
    table = run("catalog", kind)
    assert table.exit_code == 0 and name in table.output
    narrow = run("catalog", kind, width=80)  # names stay whole in a narrow terminal
    assert narrow.exit_code == 0 and name in narrow.output
    data = json.loads(run("catalog", kind, "--json").output)
    assert any(entry["name"] == name and entry["source"] for entry in data)


def test_designs_lists_chatbot():
    result = run("designs")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == [
        "chatbot",
        "code-completion",
        "coding-agent",
        "eval-harness",
        "finetune-service",
        "moe-chat",
    ]


def test_console_script_exit_code_and_stderr():
    """The real process: message on stderr, status 2, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "napkin", "plan", "chatbot", "--set", "deployment.precision=fp9"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("napkin: error: chatbot: deployment.precision")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("form", ["terminal", "mermaid", "dot"])
def test_whiteboard_formats(form):
    result = run("whiteboard", "finetune-service", "--format", form)
    assert result.exit_code == 0 and "gpus_busy" in result.output


def test_whiteboard_output_file_is_not_overwritten(tmp_path):
    path = tmp_path / "board.mmd"
    assert run("whiteboard", "chatbot", "--format", "mermaid", "-o", str(path)).exit_code == 0
    assert path.read_text().startswith("flowchart TD")
    again = run("whiteboard", "chatbot", "-o", str(path))
    assert again.exit_code == 2 and "--force" in again.output
    assert path.read_text().startswith("flowchart TD")


def test_plan_prints_failure_register_for_every_kind():
    for name in ("coding-agent", "finetune-service", "code-completion", "eval-harness"):
        result = run("plan", name, "--sheet")
        assert result.exit_code == 0 and "failure modes" in result.output
