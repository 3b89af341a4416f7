"""Issue #13: bad input gives one clear message and exit 2, never a traceback; JSON is strict."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.errors import NapkinError

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def refused(result, *texts: str) -> None:
    """Exit 2, no traceback, and every text in the message."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in texts:
        assert text in result.output, result.output


# --- 1. files we cannot write ----------------------------------------------------------------


@pytest.mark.parametrize("target", ["missing", "directory"])
def test_whiteboard_output_into_a_bad_place(tmp_path: Path, target: str) -> None:
    path = tmp_path / "no-such-folder" / "board.md" if target == "missing" else tmp_path
    args = ("whiteboard", "chatbot", "--format", "mermaid", "-o", str(path), "--force")
    refused(run(*args), str(path.name))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_whiteboard_output_unwritable() -> None:
    refused(run("whiteboard", "chatbot", "-o", "/proc/napkin-board.txt"), "/proc")


def test_new_into_a_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "mine.yaml"
    refused(run("new", "chatbot", str(path), "--yes"), "nope", "does not exist")


def test_new_onto_a_directory(tmp_path: Path) -> None:
    refused(run("new", "chatbot", str(tmp_path), "--yes", "--force"), "directory")


def test_report_onto_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "out.html"
    folder.mkdir()
    refused(run("report", "chatbot", "--out", str(folder), "--force"), "directory")


def test_optimize_output_is_checked_before_the_search(tmp_path: Path, monkeypatch) -> None:
    import napkin.optimize.search as search

    def never(*args, **kwargs):
        raise AssertionError("the search ran before --output was checked")

    monkeypatch.setattr(search, "optimize", never)
    path = tmp_path / "missing" / "best.yaml"
    refused(run("optimize", "chatbot", "--output", str(path), "-q"), "missing", "does not exist")


# --- 2. simulate -----------------------------------------------------------------------------


def test_simulate_negative_seed() -> None:
    refused(run("simulate", "chatbot", "--seed", "-1", "--json"), "--seed", "4294967295")


def test_simulate_binary_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_bytes(bytes(range(256)) * 4)
    refused(run("simulate", "chatbot", "--trace", str(trace), "--json"), str(trace), "binary")


def test_simulate_trace_record_not_an_object(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text("5\n")
    refused(run("simulate", "chatbot", "--trace", str(trace), "--json"), "record 1")


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--duration", "0"), ("--prefix-cache", "2"), ("--queue-timeout", "-1")],
)
def test_simulate_errors_name_the_real_flag(flag: str, value: str) -> None:
    result = run("simulate", "chatbot", flag, value, "--json")
    refused(result, flag + ":")
    assert "_s" not in result.output.split(":")[1]


def test_drill_negative_seed() -> None:
    refused(run("drill", "chatbot", "--seed", "-1", "--json"), "--seed")


# --- 4. messages -------------------------------------------------------------------------------


def test_load_design_error_carries_the_field_path() -> None:
    from napkin.specs.loader import load_design

    with pytest.raises(NapkinError) as caught:
        load_design("chatbot", ["workload.dau=-5"])
    assert caught.value.field == "workload.dau"
    assert str(caught.value).count("workload.dau") == 1


def test_validate_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "my.csv"
    path.write_text("id,gpu,model,tp,precision,input_tokens,output_tokens,metric,value\n")
    refused(run("validate", str(path)), str(path), "no measurements")


# --- 5. strict JSON: NaN and infinity become null -------------------------------------------


class _Fake:
    chosen = None

    def to_json(self) -> dict:
        return {"nan": float("nan"), "inf": [float("inf")], "ok": 1.5}

    def model_dump(self, mode: str = "python") -> dict:
        return self.to_json()


def _strict(text: str):
    def refuse(constant: str):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def _patch(monkeypatch, target: str) -> None:
    module, _, name = target.rpartition(".")
    value = {
        "napkin.specs.catalog.gpus": lambda: [_Fake()],
        "napkin.optimize.levers.levers": lambda *a, **k: [_Fake()],
        "napkin.validate.scores.statistics": lambda rows: [_Fake()],
    }.get(target, lambda *a, **k: _Fake())
    monkeypatch.setattr(__import__(module, fromlist=[name]), name, value)


@pytest.mark.parametrize(
    ("args", "targets"),
    [
        (("plan", "chatbot", "--json"), ["napkin.planner.plan"]),
        (("catalog", "gpus", "--json"), ["napkin.specs.catalog.gpus"]),
        (("levers", "chatbot", "--json"), ["napkin.optimize.levers.levers"]),
        (("simulate", "chatbot", "--json"), ["napkin.sim.run.simulate"]),
        (("optimize", "chatbot", "--json", "-q"), ["napkin.optimize.search.optimize"]),
        (
            ("drill", "chatbot", "--failure", "overload", "--json"),
            ["napkin.drills.selection.run_drill"],
        ),
        (("validate", "--closed-form", "--json"), ["napkin.validate.scores.statistics"]),
    ],
)
def test_json_output_is_strict(monkeypatch, args: tuple[str, ...], targets: list[str]) -> None:
    for target in targets:
        _patch(monkeypatch, target)
    result = run(*args)
    assert result.exit_code == 0, result.output
    text = result.stdout
    data = _strict(text[text.index("{") if text.lstrip()[0] == "{" else text.index("[") :])
    found = json.dumps(data)
    assert "NaN" not in found and "Infinity" not in found
    assert '"nan": null' in found


def test_report_json_file_is_strict(tmp_path: Path, monkeypatch) -> None:
    _patch(monkeypatch, "napkin.report.contents.gather")
    path = tmp_path / "r.json"
    result = run("report", "chatbot", "--json", str(path), "-q")
    assert result.exit_code == 0, result.output
    assert _strict(path.read_text())["nan"] is None
