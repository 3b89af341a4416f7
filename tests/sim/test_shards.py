"""A fleet in shards of replicas, merged (issue #19): exact splits against an unsharded
run, the round-robin approximation bounded, Ray against local processes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.router import Router
from napkin.sim.run import simulate
from napkin.sim.shards import shard_options, shard_sizes, simulate_sharded
from napkin.specs.loader import load_design

runner = CliRunner()
FLEET = ["workload.dau=1e6"]  # 58 TP8 replicas of the chatbot at its peak


@pytest.fixture(scope="module")
def fleet():  # noqa: ANN201
    return plan(load_design("chatbot", FLEET))


def test_shard_sizes_by_hand():
    assert shard_sizes(58, 4) == [15, 15, 14, 14]
    assert sum(shard_sizes(553, 7)) == 553


def test_each_shard_takes_its_share_of_the_traffic(fleet):
    parts = shard_options(fleet, SimOptions(duration_s=60, seed=5), 4)
    peak = fleet.figures["peak_qps"].value
    assert [p.replicas for p in parts] == [15, 15, 14, 14]
    assert sum(p.qps for p in parts) == pytest.approx(peak)
    assert [p.seed for p in parts] == [5, 6, 7, 8]


def _gap(a: dict, b: dict, metric: str, stat: str) -> float:
    return abs(a[metric][stat] / b[metric][stat] - 1)


@pytest.mark.parametrize("router", [Router.random, Router.round_robin])
def test_sharded_against_whole(fleet, router):
    """Random routing splits exactly in distribution, so the gap to the whole fleet's run
    is the seed-to-seed spread: P50 within 2%, P99 within 5% (about 167,000 requests, 1,670
    above the P99). Round-robin in shards of 29 replicas, an approximation, stays within the
    same bounds here."""
    options = SimOptions(duration_s=120, seed=1, router=router)
    whole = simulate(fleet, options).summary
    sharded = simulate_sharded(fleet, options, 2).summary()
    assert sharded["requests"] == pytest.approx(whole["requests"], rel=0.02)
    assert sharded["conserved"]
    for metric in ("ttft_s", "tpot_s", "e2e_s"):
        assert _gap(sharded, whole, metric, "p50") <= 0.02, metric
        assert _gap(sharded, whole, metric, "p99") <= 0.05, metric


def test_ray_gives_what_local_processes_give(fleet):
    ray = pytest.importorskip("ray")
    options = SimOptions(duration_s=30, seed=2, router=Router.random)
    local = simulate_sharded(fleet, options, 2, "local").summary()
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        remote = simulate_sharded(fleet, options, 2, "ray").summary()
    finally:
        ray.shutdown()
    assert remote == local


def test_bad_shards_and_executors():
    base = ["simulate", "chatbot", "--set", FLEET[0], "--duration", "10"]
    assert runner.invoke(app, [*base, "--shards", "0"]).exit_code == 2
    wrong = runner.invoke(app, [*base, "--shards", "2", "--executor", "slurm"])
    assert wrong.exit_code == 2 and "local, ray" in wrong.output
    good = runner.invoke(app, [*base, "--shards", "2", "--router", "random", "--json"])
    assert good.exit_code == 0 and json.loads(good.output)["exact"] is True
    with pytest.raises(NapkinError, match="aggregated"):
        shard_options(plan(load_design("moe-chat")), SimOptions(duration_s=10), 2)
