"""The command line fuzzed (issue #13): random flags on every cheap command. Each case exits
0 or 2 with no traceback, within 5 s, and a --json success prints strict JSON. Runs that
would be long are refused by the run-size guard (its budget is cut to 2 s here)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import napkin.sim.footprint
from napkin.cli import app
from napkin.drills.params import PARAMS
from napkin.sim.footprint import Budget

from .harness import CASES, Defect, fuzz, strict_parse, survive
from .mutate import CATALOG, WORDS, scalars

CLI_EXAMPLES = 600
DESIGNS = ["chatbot", "coding-agent", "code-completion", "finetune-service", "eval-harness"]
NUMBERS = ["0", "-1", "-5", "0.5", "1", "2", "5", "8", "20", "100", "1e9", "1e308", "nan", "abc"]
SMALL_S = ["1", "2", "5", "10"]

# command -> flag -> values to draw from (None: a flag without a value)
FLAGS: dict[str, dict[str, list[Any] | None]] = {
    "plan": {
        "--json": None,
        "--sheet": None,
        "--explain": None,
        "--profile": ["nope", "h100-trtllm-2025", "../x"],
        "--set": [],  # filled by _set
    },
    "whiteboard": {"--set": [], "--format": ["text", "mermaid", "dot", "svg", "nope"]},
    "simulate": {
        "--qps": NUMBERS,
        "--duration": SMALL_S + ["0", "-5", "1e9", "nan"],
        "--seed": ["0", "7", "-1", str(2**32), "abc"],
        "--replicas": ["1", "2", "8", "0", "-2", "2000", "1e3"],
        "--router": ["round-robin", "least-loaded", "session-affinity", "nope"],
        "--central-queue": None,
        "--arrival": ["poisson", "gamma", "diurnal", "nope"],
        "--cv": ["0", "0.5", "4", "-1", "1e308"],
        "--max-seqs": ["1", "0", "64", "1e9"],
        "--prefix-cache": ["0", "0.5", "1", "2", "-1"],
        "--queue-timeout": ["0", "1", "1e-9", "-1"],
        "--max-context": ["0", "100", "1e308"],
        "--tenant-qps": ["0", "1", "-1"],
        "--json": None,
        "--set": [],
    },
    "drill": {
        "--failure": ["replica-crash", "overload", "retry-storm", "hot-tenant", "nope"],
        "--at": ["-5", "0", "1", "1e9", "abc"],
        "--count": ["0", "-2", "1", "3", "100"],
        "--param": [],  # filled by _param
        "--duration": SMALL_S + ["0", "-1"],
        "--replicas": ["1", "2", "8", "0"],
        "--seed": ["0", "-1"],
        "--json": None,
    },
    "optimize": {
        "--gpus": ["H100-SXM", "H100-SXM,NOPE", "A100-80GB", "NOPE"],
        "--precisions": ["fp8", "bf16", "fp7"],
        "--tps": ["4", "8", "0", "-1", "3", "x"],
        "--price": ["H100-SXM=2", "NOPE=2", "H100-SXM=-1", "H100-SXM=abc"],
        "--objective": ["cost", "cpqu", "nope"],
        "--verify": ["0"],
        "--json": None,
        "--set": [],
    },
    "catalog": {"--json": None},
}
ALWAYS = {"simulate": ["-q"], "drill": ["-q"], "optimize": ["-q", "--verify", "0"]}
NARROW = ["--gpus", "H100-SXM", "--precisions", "fp8", "--tps", "8"]  # a small search


@st.composite
def _set(draw: st.DrawFn) -> str:
    path = draw(
        st.sampled_from(
            [
                "deployment.tp",
                "deployment.precision",
                "deployment.max_batch",
                "deployment.headroom",
                "hardware",
                "model",
                "workload.dau",
                "sla.ttft_p99_s",
                "finetune.jobs_per_hour",
                "eval.alpha",
                "agent.turns_per_task",
                "completion.batch_sizes",
                "nope.field",
            ]
        )
    )
    return f"{path}={draw(st.sampled_from(WORDS + CATALOG + NUMBERS))}"


@st.composite
def _param(draw: st.DrawFn) -> str:
    keys = sorted({key for declared in PARAMS.values() for key in declared} | {"nope"})
    return f"{draw(st.sampled_from(keys))}={draw(st.builds(str, scalars()))}"


@st.composite
def command_lines(draw: st.DrawFn, commands: tuple[str, ...] = tuple(FLAGS)) -> list[str]:
    command = draw(st.sampled_from(sorted(commands)))
    args = [command]
    if command != "catalog":
        args.append(draw(st.sampled_from([*DESIGNS, "nope", "missing.yaml"])))
    if command == "optimize":
        args += NARROW  # a full search takes ~6 s (benchmarks/RESULTS.md): keep cases small
    for flag in draw(st.lists(st.sampled_from(sorted(FLAGS[command])), max_size=4)):
        values = FLAGS[command][flag]
        if values is None:
            args.append(flag)
        elif flag == "--set":
            args += [flag, draw(_set())]
        elif flag == "--param":
            args += [flag, draw(_param())]
        else:
            args += [flag, draw(st.sampled_from(values))]
    return args + ALWAYS.get(command, [])


runner = CliRunner()


def invoke(args: list[str]) -> None:
    """One command line: exit 0 or 2, no traceback, strict JSON when --json succeeds."""
    result = runner.invoke(app, args, env={"COLUMNS": "100"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise Defect(f"{args}: {type(result.exception).__name__}: {result.exception}")
    if result.exit_code not in (0, 2):
        raise Defect(f"{args}: exit {result.exit_code}: {result.output[-300:]}")
    if "Traceback" in result.output:
        raise Defect(f"{args}: printed a traceback")
    if result.exit_code == 0 and "--json" in args and args[0] != "catalog":
        strict_parse(result.stdout)


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(napkin.sim.footprint, "DEFAULT_BUDGET", Budget(2.0, 1e9))


def test_command_lines(small_budget: None) -> None:
    @fuzz(CLI_EXAMPLES)
    @given(command_lines())
    def case(args: list[str]) -> None:
        CASES["command_line"] += 1
        survive(lambda: invoke(args))

    case()
