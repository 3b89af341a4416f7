"""Drill parameters are declared (type, bounds, help) and checked; issue #13."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.drills.jobs import JOB_DRILLS, JOB_PARAMS
from napkin.drills.params import PARAMS, check_params, unknown_params
from napkin.drills.serving import DRILLS
from napkin.errors import NapkinError
from napkin.specs.loader import builtin_designs, load_design

runner = CliRunner()


def refused(args: list[str], *texts: str) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in texts:
        assert text in result.output, result.output
    return result.output


def test_every_drill_declares_its_parameters() -> None:
    assert set(PARAMS) == set(DRILLS)
    assert set(JOB_PARAMS) == set(JOB_DRILLS)
    for declared in (*PARAMS.values(), *JOB_PARAMS.values()):
        for kind, low, high, text in declared.values():
            assert kind in (int, float) and text
            assert isinstance(high, str) or low <= high


@pytest.mark.parametrize("name", builtin_designs())
def test_built_in_registers_pass_their_declared_checks(name: str) -> None:
    for mode in load_design(name).failure_modes:
        declared = JOB_PARAMS if name == "finetune-service" else PARAMS
        if mode.drill.name in declared:
            limits = {"replicas": 1e9, "duration_s": 1e9, "slots": 1e9}  # known at run time
            check_params(
                mode.drill.name, dict(mode.drill.params), declared[mode.drill.name], limits
            )


def test_unknown_key_lists_the_known_ones_closest_first() -> None:
    with pytest.raises(NapkinError) as caught:
        unknown_params("replica-crash", ["restart"], PARAMS["replica-crash"])
    known = str(caught.value).split("known: ")[1]
    assert known.startswith("restart_s")
    assert "count (int, 1..replicas)" in known


@pytest.mark.parametrize(
    ("args", "texts"),
    [
        (["--param", "at_s=abc"], ["at_s", "float", "'abc'"]),
        (["--param", "restrat_s=5"], ["restrat_s", "known: restart_s"]),
        (["--param", "novalue"], ["key=value"]),
        (["--at", "-5"], ["at_s", "between 0 and 300"]),
        (["--at", "1e9"], ["at_s", "between 0 and 300"]),
        (["--count", "0"], ["--count", ">= 1"]),
        (["--count", "-2"], ["--count", ">= 1"]),
        (["--count", "100"], ["--count", "replicas = 8"]),
        (["--param", "count=100"], ["--param count", "replicas = 8"]),
        (["--param", "count=1.5"], ["count", "int"]),
        (["--param", "count=true"], ["count", "int"]),
    ],
)
def test_bad_drill_parameters_are_refused(args: list[str], texts: list[str]) -> None:
    refused(
        ["drill", "chatbot", "--failure", "replica-crash", "--duration", "300", "--json", *args],
        *texts,
    )


def test_a_key_no_drill_of_the_register_knows_is_refused() -> None:
    refused(["drill", "chatbot", "--param", "nope=1", "--json"], "nope", "known:")


def test_job_drill_parameters_are_checked() -> None:
    refused(
        ["drill", "finetune-service", "--failure", "replica-crash", "--param", "at_h=99", "--json"],
        "at_h",
        "between 0 and 24",
    )
    refused(["drill", "finetune-service", "--at", "3", "--json"], "at_s", "known: at_h")


def test_a_bad_value_is_refused_before_any_drill_runs(monkeypatch) -> None:
    import napkin.drills.selection as run

    def never(*args, **kwargs):
        raise AssertionError("a drill ran before --at was checked")

    monkeypatch.setattr(run, "run_drill", never)
    refused(["drill", "chatbot", "--at", "1e9", "--json"], "--at", "between 0 and 300")


@pytest.mark.parametrize("name", ["chatbot", "coding-agent", "code-completion", "finetune-service"])
def test_built_in_registers_pass_only_parameters_their_drills_read(name: str) -> None:
    from napkin.drills.runner import register_drills
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    assert register_drills(plan(load_design(name)))  # raises on a key a drill ignores


def test_a_register_parameter_no_drill_reads_is_an_error() -> None:
    from napkin.drills.runner import register_drills
    from napkin.planner import plan
    from napkin.specs.loader import raw_design, resolve_design

    data = raw_design("chatbot")
    data["failure_modes"][0]["drill"]["params"]["backoff"] = "none"
    with pytest.raises(NapkinError) as raised:
        register_drills(plan(resolve_design(data)))
    assert raised.value.field == "failure_modes.0.drill.params"
    assert "reads no backoff" in str(raised.value) and "prompt_tokens (int" in str(raised.value)


def test_a_parameter_for_a_register_with_no_simulated_drill_is_refused() -> None:
    # found by the fuzzer: `drill eval-harness --at -5` ended in a ValueError
    refused(["drill", "eval-harness", "--at", "-5"], "no simulated drill", "at_s")


def test_a_parameter_that_is_not_yaml_is_a_clear_error() -> None:
    # found by the fuzzer: control characters in --param ended in yaml's ReaderError
    refused(["drill", "chatbot", "--param", "breaker_window_s=a\x94b"], "breaker_window_s")
