"""Fuzzing that stays (issue #13): every built-in design mutated, `--set` overrides, malformed
traces, calibration CSVs, benchmark JSON and HF configs. Each case must end in an answer or
a NapkinError, within 5 s, and every answer must be strict JSON. The example counts are in
`EXAMPLES`; `test_cli.py` fuzzes the command line. Totals are recorded in
benchmarks/RESULTS.md."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from napkin.calibration.fit import fit, profile_from_fit
from napkin.calibration.ingest import Conditions, read_measurements
from napkin.errors import NapkinError
from napkin.planner import Plan, plan
from napkin.render.terminal import render_plan
from napkin.sim import traffic as workload
from napkin.sim.footprint import Budget
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.hf_config import model_from_hf_config
from napkin.specs.loader import builtin_designs, load_design, raw_design, resolve_design
from napkin.units import Precision
from napkin.validate.scores import compare

from .harness import CASES, fuzz, strict_json, survive
from .mutate import mutated, overrides, scalars

FIXTURES = Path(__file__).parent.parent / "fixtures"
PUBLISHED = Path(__file__).parents[2] / "src" / "napkin" / "calibration" / "published.csv"
DESIGNS = builtin_designs()
SMALL = Budget(wall_s=2.0, memory_bytes=1e9)  # a fuzz case may not start a long run

EXAMPLES = {
    "design": 900,  # per built-in design
    "overrides": 400,  # per built-in design
    "trace": 800,
    "calibration_csv": 1000,
    "benchmark_json": 700,
    "hf_config": 800,
}


def planned_output(result: Plan) -> None:
    """What `napkin plan` shows and prints as --json: both must come out."""
    strict_json(result.to_json())
    render_plan(result, Console(file=io.StringIO(), width=100), False, False)


def design_case(name: str, data: dict) -> None:
    """A mutated design planned, shown and printed as JSON."""
    result = survive(lambda: plan(resolve_design(data, file=f"{name}.yaml")))
    if isinstance(result, Plan):
        survive(lambda: planned_output(result))


@pytest.mark.parametrize("name", DESIGNS)
def test_mutated_designs(name: str) -> None:
    @fuzz(EXAMPLES["design"])
    @given(mutated(raw_design(name)))
    def case(data: dict) -> None:
        CASES["design"] += 1
        design_case(name, data)

    case()


@pytest.mark.parametrize("name", DESIGNS)
def test_overrides(name: str) -> None:
    original = raw_design(name)

    @fuzz(EXAMPLES["overrides"])
    @given(overrides(original))
    def case(texts: list[str]) -> None:
        CASES["overrides"] += 1
        result = survive(lambda: plan(load_design(name, texts)))
        if isinstance(result, Plan):
            survive(lambda: planned_output(result))

    case()


# --- traces ------------------------------------------------------------------------------

TRACE_KEYS = ["timestamp", "input_tokens", "output_tokens", "tenant", "session", "prefix_tokens"]


def _row(draw: st.DrawFn) -> dict:
    row = {"timestamp": draw(st.floats(0, 30)), "input_tokens": 200, "output_tokens": 50}
    for _ in range(draw(st.integers(0, 3))):
        row[draw(st.sampled_from([*TRACE_KEYS, "extra"]))] = draw(scalars())
    if draw(st.booleans()):
        row.pop(draw(st.sampled_from(sorted(row))))
    return row


@st.composite
def traces(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, content): JSONL or CSV rows with broken fields, text noise or raw bytes."""
    kind = draw(st.sampled_from(["jsonl", "csv", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.sampled_from([".jsonl", ".csv"])), draw(st.binary(max_size=200))
    if kind == "text":
        return draw(st.sampled_from([".jsonl", ".csv"])), draw(st.text(max_size=200)).encode()
    rows = [_row(draw) for _ in range(draw(st.integers(0, 12)))]
    if kind == "jsonl":
        lines = [json.dumps(r, allow_nan=True, default=str) for r in rows]
        return ".jsonl", "\n".join(lines).encode()
    out = io.StringIO()
    writer = csv.DictWriter(out, TRACE_KEYS + ["extra"], extrasaction="ignore")
    if draw(st.integers(0, 9)):
        writer.writeheader()
    writer.writerows(rows)
    return ".csv", out.getvalue().encode()


@pytest.fixture(scope="module")
def one_replica() -> Plan:
    return plan(load_design("chatbot"))


def trace_case(planned: Plan, trace: tuple[str, bytes]) -> None:
    """A trace file read, then replayed on one replica."""
    suffix, content = trace
    options = SimOptions(replicas=1, duration_s=30, drain_limit_s=60)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"trace{suffix}"
        path.write_bytes(content)
        read = survive(lambda: workload.read_trace(path))
        if isinstance(read, NapkinError):
            return
        result = survive(lambda: simulate(planned, options, path, budget=SMALL))
        if not isinstance(result, NapkinError):
            strict_json(result.to_json())


def test_traces(one_replica: Plan) -> None:
    @fuzz(EXAMPLES["trace"])
    @given(traces())
    def case(trace: tuple[str, bytes]) -> None:
        CASES["trace"] += 1
        trace_case(one_replica, trace)

    case()


# --- calibration CSVs and benchmark JSON ---------------------------------------------------


def _published_rows(count: int = 6) -> tuple[list[str], list[list[str]]]:
    with PUBLISHED.open(newline="") as handle:
        rows = list(csv.reader(handle))
    h100 = [r for r in rows[1:] if r[1] == "H100-SXM"][:count]
    return rows[0], h100


@st.composite
def calibration_csvs(draw: st.DrawFn) -> str:
    """Real published rows with cells, columns or rows broken."""
    header, rows = _published_rows()
    rows = [list(r) for r in rows[: draw(st.integers(0, len(rows)))]]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "drop-column", "short-row"]))
        if op == "drop-column" and header:
            index = draw(st.integers(0, len(header) - 1))
            header = header[:index] + header[index + 1 :]
            rows = [r[:index] + r[index + 1 :] for r in rows]
        elif op == "short-row" and rows:
            row = draw(st.integers(0, len(rows) - 1))
            rows[row] = rows[row][: draw(st.integers(0, len(rows[row])))]
        elif rows:
            row = draw(st.integers(0, len(rows) - 1))
            column = draw(st.integers(0, max(0, len(header) - 1)))
            if column < len(rows[row]):
                rows[row][column] = str(draw(scalars()))
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def _fitted(path: Path, conditions: Conditions | None) -> None:
    """What `napkin calibrate` does with a file: read it, fit one GPU's knobs; and what
    `napkin validate` does with its last row: rerun its benchmark in the simulator."""
    rows = read_measurements(path, conditions)
    gpus = sorted({m.gpu for m in rows})
    if len(gpus) == 1:
        result = fit(rows, gpus[0])
        profile = profile_from_fit(result, "fuzzed", "user", "runs.csv")
        strict_json(profile.model_dump(mode="json"))
    if rows:
        strict_json([r.to_json() for r in compare(rows[-1:])])


def test_calibration_csvs() -> None:
    @fuzz(EXAMPLES["calibration_csv"])
    @given(calibration_csvs())
    def case(text: str) -> None:
        CASES["calibration_csv"] += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "runs.csv"
            path.write_text(text)
            survive(lambda: _fitted(path, None))

    case()


def test_benchmark_json() -> None:
    # Every JSON format napkin reads (issue #15), mutated: vLLM, GuideLLM, AIPerf,
    # GenAI-Perf, llmperf and inference-perf. The case count stays the same.
    files = ("vllm-bench", "guidellm", "aiperf", "genai-perf", "llmperf_summary")
    files += ("inference-perf",)
    seeds = [json.loads((FIXTURES / "benchmarks" / f"{f}.json").read_text()) for f in files]
    where = Conditions("H100-SXM", "llama-3.1-8b", 1, Precision.bf16, "vllm", "vllm")

    @fuzz(EXAMPLES["benchmark_json"])
    @given(st.one_of(*(mutated(seed) for seed in seeds)))
    def case(data: dict) -> None:
        CASES["benchmark_json"] += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.json"
            path.write_text(json.dumps(data, allow_nan=True, default=str))
            survive(lambda: _fitted(path, where))

    case()


# --- Hugging Face configs ----------------------------------------------------------------

HF = {p.stem: json.loads(p.read_text()) for p in sorted((FIXTURES / "hf_configs").glob("*.json"))}


def _model_planned(config: dict) -> None:
    """The HF config as the model of the (cheap to plan) coding-agent design."""
    model = model_from_hf_config(config, "fuzzed", "config.json")
    data = raw_design("coding-agent")
    data["model"] = model.model_dump()
    planned_output(plan(resolve_design(data, file="coding-agent.yaml")))


def hf_configs() -> st.SearchStrategy[dict]:
    return st.sampled_from(sorted(HF)).flatmap(lambda name: mutated(HF[name]))


def test_hf_configs() -> None:
    @fuzz(EXAMPLES["hf_config"])
    @given(hf_configs())
    def case(config: dict) -> None:
        CASES["hf_config"] += 1
        survive(lambda: _model_planned(config))

    case()


def test_the_examples_add_up_to_ten_thousand() -> None:
    """The fuzz budget cannot shrink unnoticed (CLI cases included)."""
    from .test_cli import CLI_EXAMPLES

    per_design = EXAMPLES["design"] + EXAMPLES["overrides"]
    others = sum(v for k, v in EXAMPLES.items() if k not in ("design", "overrides"))
    assert per_design * len(DESIGNS) + others + CLI_EXAMPLES >= 10_000
