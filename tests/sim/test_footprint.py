"""Sizing a run before it starts (issue #13): what it would cost, refused over the budget."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from napkin import native
from napkin.cli import app
from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim import footprint as fp
from napkin.sim.footprint import Budget, footprint, require_within
from napkin.sim.options import SimOptions
from napkin.sim.run import cost_of
from napkin.specs.loader import load_design

runner = CliRunner()


def test_footprint_by_hand():
    # 1,000,000 requests on 10 replicas, 50 µs a request on the pure-Python core, 10 µs on
    # the compiled one (napkin.native):
    #   wall   = 1e6 × 50 µs + 10 × 25 µs          = 50.00025 s (compiled: 10.00025 s)
    #   memory = 64 MiB + 1e6 × 320 B + 10 × 2 kB  = 67,108,864 + 320,000,000 + 20,000
    wall = 10.00025 if native.COMPILED else 50.00025
    assert (10e-6 if native.COMPILED else 50e-6) == fp.SECONDS_PER_REQUEST
    cost = footprint(1e6, 10)
    assert cost.wall_s == pytest.approx(wall)
    assert cost.memory_bytes == 67_108_864 + 320_000_000 + 20_000
    # three arms one after another: times add, memory does not
    three = cost.times(3)
    assert three.wall_s == pytest.approx(3 * wall) and three.memory_bytes == cost.memory_bytes


def test_each_sample_reads_every_replica():
    # No requests, 20,000 replicas, 240 samples; a replica read by a sample costs 0.3 µs on
    # the pure-Python core, 0.03 µs compiled:
    #   wall = 20,000 × 25 µs + 240 × (1.2 µs + 20,000 × 0.3 µs) = 0.5 + 1.440288 = 1.940288 s
    #   (compiled: 0.5 + 240 × (1.2 µs + 20,000 × 0.03 µs) = 0.5 + 0.144288 = 0.644288 s)
    wall = 0.644288 if native.COMPILED else 1.940288
    assert footprint(0, 20_000, samples=240).wall_s == pytest.approx(wall)


def test_coding_agent_defaults_are_sized_at_over_ten_minutes_streamed():
    # peak 133,333 req/s × 600 s = 8.0e7 requests: 8e7 × 50 µs = 4,000 s (compiled core:
    # 8e7 × 10 µs = 800 s). Over 2M requests the run streams, so it holds 2^20 of them:
    # 64 MiB + 2^20 × 320 B + 292,208 replicas × 2 kB + 600 samples × 40 B
    # = 67,108,864 + 335,544,320 + 584,416,000 + 24,000 = 987,093,184 B (kept: 26 GB)
    options = SimOptions()
    cost = cost_of(plan(load_design("coding-agent")), options)
    assert cost.requests == pytest.approx(133_333.33 * 600, rel=1e-4)
    assert cost.wall_s > (800 if native.COMPILED else 4000)
    assert cost.replicas == 292_208 and cost.memory_bytes == 987_093_184
    kept = cost_of(plan(load_design("coding-agent")), options.model_copy(update={"records": True}))
    assert kept.memory_bytes > 25e9


def test_over_budget_is_refused_with_the_cost_and_a_smaller_run():
    with pytest.raises(NapkinError) as raised:
        require_within(footprint(2e7, 100), Budget(), "Simulate a slice")
    message = str(raised.value)
    assert "~20,000,000 simulated requests on 100 replicas" in message
    assert "Simulate a slice" in message and "--yes" in message
    require_within(footprint(1e7, 100), None, "")  # no budget: no refusal
    require_within(footprint(1e5, 100), Budget(), "")  # 4 s, 0.1 GB: inside


def test_memory_alone_can_refuse(monkeypatch):
    # mutation guard: a check that compared only the time would let this through
    monkeypatch.setattr(fp, "SECONDS_PER_REQUEST", 0.0)
    with pytest.raises(NapkinError):
        require_within(footprint(5e7, 1), Budget(), "")


def test_simulate_coding_agent_on_defaults_does_not_start():
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    f = plan(load_design("coding-agent")).figures
    # The slice offered: 8 replicas at their share of the peak, peak × 8 / replicas.
    qps = f["peak_qps"].value * 8 / f["model_replicas_provisioned"].value
    result = runner.invoke(app, ["simulate", "coding-agent", "-q"])
    assert result.exit_code == 2
    assert "run size" in result.output and f"--replicas 8 --qps {qps:.4g}" in result.output
    assert "Traceback" not in result.output


def test_two_thousand_replicas_for_an_hour_warns_first():
    args = ["simulate", "chatbot", "--replicas", "2000", "--duration", "3600", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "~50,000,000 simulated requests" in result.output


def test_the_suggested_slice_fits_the_budget():
    planned = plan(load_design("coding-agent"))
    sliced = SimOptions(replicas=8, qps=3.75)
    cost = cost_of(planned, sliced)
    require_within(cost, Budget(), "")  # 2,250 requests


def test_drill_and_report_are_sized_before_they_start():
    drill = runner.invoke(app, ["drill", "chatbot", "--replicas", "2000", "--duration", "3600"])
    assert drill.exit_code == 2 and "run size" in drill.output
    report = runner.invoke(
        app, ["report", "chatbot", "--simulate", "100000", "-o", "/nonexistent-dir/x.html"]
    )
    assert report.exit_code == 2  # the path is checked first
    report = runner.invoke(
        app,
        [
            "report",
            "chatbot",
            "--simulate",
            "100000",
            "-q",
            "--json",
            "/dev/null",
            "--force",
            "--no-optimize",
            "--no-verify",
        ],
    )
    assert report.exit_code == 2 and "run size" in report.output


def test_yes_runs_it_anyway(monkeypatch):
    monkeypatch.setattr(fp, "DEFAULT_BUDGET", Budget(wall_s=0.0, memory_bytes=0.0))
    args = ["simulate", "chatbot", "--replicas", "2", "--qps", "5", "--duration", "5", "-q"]
    # the CLI reads the module's budget when it runs
    assert runner.invoke(app, args).exit_code == 2
    assert runner.invoke(app, [*args, "--yes"]).exit_code == 0


def test_simulate_json_is_byte_identical_per_seed_outside_run():
    args = ["simulate", "chatbot", "--replicas", "2", "--qps", "20", "--duration", "10"]
    args += ["--json", "--seed", "5"]
    first, second = (json.loads(runner.invoke(app, args).output) for _ in range(2))
    assert set(first["run"]) == {
        "core",
        "wall_s",
        "simulated_requests_per_wall_s",
        "peak_memory_bytes",
        "estimated_wall_s",
        "estimated_memory_bytes",
    }
    first.pop("run"), second.pop("run")
    assert json.dumps(first) == json.dumps(second)


def test_a_trace_spanning_weeks_is_sized_by_its_span(tmp_path):
    # two requests 10^8 s apart: 10^8 samples × 1.2 µs = 120 s of series alone, and
    # 10^8 × 40 B = 4 GB: over the budget although the trace has two rows
    trace = tmp_path / "t.jsonl"
    row = '{{"timestamp": {}, "input_tokens": 200, "output_tokens": 50}}\n'
    trace.write_text(row.format(0) + row.format(100_000_000))
    result = runner.invoke(app, ["simulate", "chatbot", "--trace", str(trace), "--replicas", "1"])
    assert result.exit_code == 2, result.output
    assert "shorter than 100,000,000 s" in result.output
