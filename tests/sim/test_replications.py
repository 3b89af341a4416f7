"""N seeds and their 95% intervals (issue #19): the t quantile, the interval by hand, the
same summaries on one process or two, and the command line."""

from __future__ import annotations

import json

import pytest
from scipy.stats import t
from typer.testing import CliRunner

from napkin.cli import app
from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.replications import Interval95, replicate, t_975
from napkin.specs.loader import load_design

runner = CliRunner()
SMALL = ["workload.dau=2e5"]


def test_the_t_quantile_against_scipy():
    for df in (1, 2, 5, 10, 29, 30, 31, 50, 100, 1000):
        assert t_975(df) == pytest.approx(t.ppf(0.975, df), rel=2e-3), df


def test_an_interval_by_hand():
    """1, 2, 3, 4: mean 2.5, s = 1.2910, t(0.975, 3) = 3.182: 2.5 ± 2.0540."""
    i = Interval95.of([1.0, 2.0, 3.0, 4.0])
    assert i.mean == 2.5 and i.seeds == 4
    assert i.high - i.mean == pytest.approx(3.182 * 1.2909944 / 2, rel=1e-6)
    assert Interval95.of([float("nan"), 2.0]).seeds == 1  # a seed without data is left out


def test_seeds_are_the_same_on_one_process_or_two():
    planned = plan(load_design("chatbot", SMALL))
    options = SimOptions(duration_s=30, seed=7)
    serial = replicate(planned, options, 3, processes=1)
    pooled = replicate(planned, options, 3, processes=2)
    assert serial.summaries == pooled.summaries
    assert serial.summaries[0] != serial.summaries[1]  # different seeds, different runs
    p99 = serial.interval("ttft_s", "p99")
    values = [s["ttft_s"]["p99"] for s in serial.summaries]
    spread = (sum((v - p99.mean) ** 2 for v in values) / 2) ** 0.5
    assert p99.mean == pytest.approx(sum(values) / 3)
    assert p99.high - p99.mean == pytest.approx(4.303 * spread / 3**0.5, rel=1e-9)


def test_replications_on_the_command_line():
    args = ["simulate", "chatbot", "--set", SMALL[0], "--duration", "30"]
    result = runner.invoke(app, [*args, "--replications", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["seeds"] == [0, 1, 2] and data["confidence"] == 0.95
    e2e = data["latency"]["e2e_s"]["p99"]
    assert e2e["low"] <= e2e["mean"] <= e2e["high"]
    bad = runner.invoke(app, [*args, "--replications", "0"])
    assert bad.exit_code == 2 and "--replications" in bad.output


def test_too_many_is_refused():
    with pytest.raises(NapkinError, match="replications"):
        replicate(plan(load_design("chatbot", SMALL)), SimOptions(duration_s=30), 10_000)


def test_pooled_quantiles_are_every_seeds_requests():
    import numpy as np

    from napkin.sim.metrics import latencies
    from napkin.sim.run import simulate

    planned = plan(load_design("chatbot", SMALL))
    options = SimOptions(duration_s=30, seed=4)
    result = replicate(planned, options, 2)
    pooled = np.concatenate(
        [
            latencies(r.requests, r.run.records)[2]
            for r in (simulate(planned, options.model_copy(update={"seed": s})) for s in (4, 5))
        ]
    )
    exact = float(np.sort(pooled)[int(np.ceil(0.999 * len(pooled))) - 1])
    assert result.pooled("e2e_s", 0.999) == pytest.approx(exact, rel=0.01)
