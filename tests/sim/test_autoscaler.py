"""The autoscaler (issue #19): replicas follow the measured load; what they cost, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from napkin.planner import plan
from napkin.sim.autoscaler import Autoscaler, Policy
from napkin.sim.event_loop import Fleet
from napkin.sim.options import SimOptions, fleet_of, steps_of
from napkin.sim.requests import Requests
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

EIGHT_B = ["model=llama-3.1-8b", "deployment.tp=1"]


def _steps_of_load() -> Requests:
    """20 req/s on [0, 300), 40 on [300, 600), 5 on [600, 1200): evenly spaced, so each
    60 s decision counts exactly 1,200, 2,400 or 300 arrivals (k / rate is exact at the
    window edges, and a decision at t runs before an arrival at t)."""
    arrival = np.concatenate(
        [np.arange(6000) / 20, 300 + np.arange(12000) / 40, 600 + np.arange(3000) / 5]
    )
    n = len(arrival)
    ints = np.zeros(n, np.int64)
    return Requests(
        arrival,
        ints + 200,
        ints + 50,
        ints.astype(np.int32),
        np.arange(n),
        ints,
        np.full(n, np.inf),
    )


def _run(**policy: float) -> Autoscaler:
    p = plan(load_design("chatbot", EIGHT_B))
    config = fleet_of(p, SimOptions(replicas=10, qps=50))
    fleet = Fleet(config, steps_of(p), _steps_of_load())
    fields = {"replica_qps": 5.0, "min_replicas": 1, "scale_lag_s": 90.0, "cold_start_s": 60.0}
    scaler = Autoscaler(Policy(**(fields | policy), until_s=1200.0), fleet)
    scaler.install(20.0)
    run = fleet.run()
    assert (run.records.outcome == 1).all()  # every request completed
    return scaler


def test_paid_replica_hours_by_hand():
    """want = ⌈λ / 5⌉: 4 at 20 req/s, 8 at 40, 1 at 5. Paid, sampled at each decision
    (60 s apart, before it acts), × 60 s:
      60..360    4 serving                                    6 × 4 = 24
      420        4 serving; 4 asked at 360, lag 90 s not over     4
      480, 540   4 serving + 4 warming past the lag (up at 510)  2 × 8 = 16
      600..900   8 (scale-in waits 300 s: wants of 8 until 600)  6 × 8 = 48
      960..1140  1 (7 scaled in at 900 have drained)          4 × 1 = 4
    = 96 × 60 s = 5,760 replica-seconds = 1.6 replica-hours."""
    scaler = _run()
    assert scaler.paid_replica_s == pytest.approx(5760.0)
    serving = {row["time_s"]: row["serving"] for row in scaler.log}
    assert serving[360.0] == 4 and serving[540.0] == 8 and serving[840.0] == 8
    assert serving[900.0] == 1
    bill = scaler.bill(gpus_per_replica=1, usd_per_gpu_hour=2.0, span_s=1200.0)
    assert bill["gpu_hours"] == pytest.approx(1.6) and bill["cost_usd"] == pytest.approx(3.2)
    # the whole fleet on: 10 replicas × 1200 s = 3.33 h; saved 1 − 1.6 / 3.33 = 52%
    assert bill["saved_fraction"] == pytest.approx(1 - 1.6 / (10 * 1200 / 3600))


def test_mutation_no_stabilisation_scales_in_at_once():
    """Without the 300 s window the fleet drops to 1 at 660 (paid 8 at 600 and 660, then 1
    at the 8 decisions 720..1140): 60 × (24 + 4 + 16 + 16 + 8) s."""
    assert _run(stabilize_s=0.0).paid_replica_s == pytest.approx(60 * (24 + 4 + 16 + 16 + 8))


def test_mutation_a_lag_of_zero_pays_the_warming_replicas_at_once():
    assert _run(scale_lag_s=0.0).paid_replica_s == pytest.approx(60 * (24 + 8 + 16 + 48 + 4))


def test_a_diurnal_day_in_the_cli_api_reports_hours_and_cost():
    p = plan(load_design("chatbot", EIGHT_B))
    options = SimOptions(
        replicas=4, qps=20, duration_s=4 * 3600, arrival="diurnal", autoscale=True, seed=2
    )
    scaled = simulate(p, options).summary["autoscale"]
    assert 0 < scaled["gpu_hours"] < scaled["always_on_gpu_hours"]
    assert scaled["cost_usd"] == pytest.approx(scaled["gpu_hours"] * scaled["usd_per_gpu_hour"])
    # the chatbot's day is quiet at night: an hour without arrivals has no row
    assert {h["hour"] for h in scaled["hourly"]} <= {0, 1, 2, 3} and scaled["hourly"]
    assert all(0 <= h["sla_attainment"] <= 1 for h in scaled["hourly"])
    fixed = simulate(p, options.model_copy(update={"autoscale": False})).summary
    assert "autoscale" not in fixed


def test_the_cli_draws_the_chart_and_refuses_what_it_cannot(tmp_path):
    from typer.testing import CliRunner

    from napkin.cli import app

    runner = CliRunner()
    base = ["simulate", "chatbot", "--set", EIGHT_B[0], "--set", EIGHT_B[1], "--replicas", "4"]
    base += ["--qps", "20", "--duration", "7200", "--arrival", "diurnal", "-q"]
    chart = tmp_path / "day.svg"
    no_scaling = runner.invoke(app, [*base, "--chart", str(chart)])
    assert no_scaling.exit_code == 2 and "--chart" in no_scaling.output
    done = runner.invoke(app, [*base, "--autoscale", "--chart", str(chart)])
    assert done.exit_code == 0, done.output
    assert chart.read_text().startswith("<svg") and "GPU-hours paid" in done.output
    again = runner.invoke(app, [*base, "--autoscale", "--chart", str(chart)])
    assert again.exit_code == 2 and "--force" in again.output
