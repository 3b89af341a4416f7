"""`napkin new`: the clarifying questions, scripted, with validation on the spot."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from napkin.clarify import QUESTIONS
from napkin.cli import app
from napkin.planner import plan
from napkin.specs.loader import load_design

runner = CliRunner()


def test_scripted_answers_with_a_rejected_one(tmp_path):
    path = tmp_path / "mine.yaml"
    answers = ["20e6", "", "", "-5", "300"] + [""] * 20  # -5 is rejected, then 300 taken
    result = runner.invoke(app, ["new", "chatbot", str(path)], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "not accepted" in result.output and "greater than 0" in result.output
    raw = yaml.safe_load(path.read_text())
    assert raw["workload"]["dau"] == 20_000_000 and raw["workload"]["input_tokens_per_turn"] == 300
    assert raw["name"] == "mine" and "claims" not in raw
    assert plan(load_design(path)).figures["turns_per_day"].value == 800e6


def test_yes_takes_reference_defaults_for_every_kind(tmp_path):
    for kind in QUESTIONS:
        path = tmp_path / f"{kind}.yaml"
        result = runner.invoke(app, ["new", kind, str(path), "--yes"])
        assert result.exit_code == 0, result.output
        assert plan(load_design(path)).design.kind == kind


def test_set_preanswers_and_skips_the_question(tmp_path):
    path = tmp_path / "agent.yaml"
    answers = "\n" * 30
    result = runner.invoke(
        app,
        ["new", "coding-agent", str(path), "--set", "agent.active_agents_peak=5000"],
        input=answers,
    )
    assert result.exit_code == 0
    assert "Concurrent active agents" not in result.output
    assert yaml.safe_load(path.read_text())["agent"]["active_agents_peak"] == 5000


def test_never_overwrites_without_force(tmp_path):
    path = tmp_path / "keep.yaml"
    path.write_text("mine")
    result = runner.invoke(app, ["new", "chatbot", str(path), "--yes"])
    assert result.exit_code == 2 and "--force" in result.output
    assert path.read_text() == "mine"
    assert runner.invoke(app, ["new", "chatbot", str(path), "--yes", "--force"]).exit_code == 0
    assert path.read_text() != "mine"


def test_every_question_names_a_real_field():
    for kind, questions in QUESTIONS.items():
        design = load_design(kind)
        for question in questions:
            node = design
            for key in question.path.split("."):
                node = getattr(node, key if key != "gpu" else "name")
