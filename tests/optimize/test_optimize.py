"""Known answers for the optimizer, the Pareto front, levers, and executors that agree."""

from __future__ import annotations

import pytest

from napkin.optimize.executor import LocalExecutor
from napkin.optimize.levers import levers
from napkin.optimize.search import Screened, optimize, pareto
from napkin.optimize.space import Space, candidates


def _point(cost: float, p99: float, feasible: bool = True) -> Screened:
    return Screened((f"x={cost}",), feasible, "" if feasible else "no", cost, p99, "m", "bf16", 1)


def test_pareto_keeps_only_undominated_feasible_points():
    points = [
        _point(10, 5),
        _point(12, 4),
        _point(11, 6),
        _point(9, 9),
        _point(5, 1, False),
        _point(20, 4),
    ]
    front = pareto(points)
    assert [(p.monthly_cost_usd, p.p99_s) for p in front] == [(9, 9), (10, 5), (12, 4)]


def test_candidates_cover_the_product():
    space = Space(
        gpus=("H100-SXM", "H200"), precisions=("bf16", "fp8"), tps=(1, 2, 4), batch_caps=(None, 64)
    )
    assert len(candidates(space, "chatbot")) == 2 * 2 * 3 * 2


def test_dominant_gpu_at_half_the_price_is_chosen():
    """H200 has the H100's FLOP/s with more memory and bandwidth; at half the price per
    GPU-hour every H200 candidate costs less than its H100 twin, so an H200 must win."""
    space = Space(
        gpus=("H100-SXM", "H200"),
        precisions=("fp8",),
        tps=(2, 4),
        batch_caps=(None,),
        price_overrides={"H100-SXM": 2.0, "H200": 1.0},
    )
    result = optimize("chatbot", space, "chatbot", verify=0)
    assert "hardware=H200" in result.chosen.overrides
    for h200 in (s for s in result.screened if "hardware=H200" in s.overrides):
        twin = next(
            s
            for s in result.screened
            if s.overrides
            == tuple(
                o.replace("H200", "H100-SXM").replace(
                    "price_per_gpu_hour_usd=1.0", "price_per_gpu_hour_usd=2.0"
                )
                for o in h200.overrides
            )
        )
        assert h200.monthly_cost_usd < twin.monthly_cost_usd


def test_a_candidate_that_does_not_fit_is_never_chosen():
    """70B in bf16 is 131 GiB: it cannot fit one 48 GB L40S, however cheap the L40S is."""
    space = Space(
        gpus=("L40S", "MI300X"),
        precisions=("bf16",),
        tps=(1,),
        batch_caps=(None,),
        price_overrides={"L40S": 0.0001},
    )
    result = optimize("chatbot", space, "chatbot", verify=0)
    l40s = next(s for s in result.screened if "hardware=L40S" in s.overrides)
    assert not l40s.feasible and l40s.reason.startswith("memory does not fit")
    assert "hardware=MI300X" in result.chosen.overrides


def test_tightening_the_sla_never_lowers_the_cost():
    space = Space(
        gpus=("H100-SXM",), precisions=("bf16", "fp8"), tps=(4, 8), batch_caps=(None, 64, 128)
    )
    costs = []
    for e2e in (30, 15, 10, 8):
        result = optimize("chatbot", space, "chatbot", base=(f"sla.e2e_p99_s={e2e}",), verify=0)
        costs.append(result.chosen.monthly_cost_usd if result.chosen else float("inf"))
    assert costs == sorted(costs)


def test_verification_can_reject_the_cheapest():
    space = Space(gpus=("H100-SXM",), precisions=("fp8",), tps=(4, 8), batch_caps=(None,))
    rejected_first = {"calls": 0}

    def verify(overrides):
        rejected_first["calls"] += 1
        return (rejected_first["calls"] > 1, "P99 TTFT over SLA in simulation (test)")

    result = optimize("chatbot", space, "chatbot", verify=2, verify_fn=verify)
    assert result.verified[0][1] is False and result.chosen == result.verified[1][0]


def test_process_pool_equals_serial():
    from napkin.optimize.executor import MIN_PARALLEL
    from napkin.optimize.space import candidates

    space = Space(
        gpus=("H100-SXM", "H200"),
        precisions=("bf16", "fp8"),
        tps=(2, 4, 8),
        batch_caps=(None, 64, 128, 256),
    )
    assert len(candidates(space, "chatbot")) >= MIN_PARALLEL  # the pool really runs
    serial = optimize("chatbot", space, "chatbot", executor=LocalExecutor(1), verify=0)
    pooled = optimize("chatbot", space, "chatbot", executor=LocalExecutor(2), verify=0)
    assert serial.screened == pooled.screened


def test_verify_zero_simulates_nothing():
    def never(overrides):
        raise AssertionError("--verify 0 ran a simulation")

    space = Space(gpus=("H100-SXM",), precisions=("fp8",), tps=(8,))
    result = optimize("chatbot", space, "chatbot", verify=0, verify_fn=never)
    assert result.chosen is not None and result.verified[0][2] == "not simulated"


def test_ray_executor_agrees_with_local():
    ray = pytest.importorskip("ray")
    from napkin.optimize.executor import RayExecutor

    space = Space(
        gpus=("H100-SXM", "H200"), precisions=("bf16", "fp8"), tps=(4, 8), batch_caps=(None, 128)
    )
    local = optimize("chatbot", space, "chatbot", executor=LocalExecutor(1), verify=0)
    try:
        remote = optimize("chatbot", space, "chatbot", executor=RayExecutor(num_cpus=2), verify=0)
    finally:
        ray.shutdown()
    assert local.screened == remote.screened


def test_levers_by_hand():
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    results = {r.name: r for r in levers("chatbot")}
    base = results["as written"].monthly_cost_usd
    # Autoscaling to the diurnal curve: the plan's own whole-replica autoscaled cost, a bit
    # above the ideal mean / peak = 1 / peak_to_average (3) of the GPU-hours.
    planned = plan(load_design("chatbot")).figures
    autoscaled = planned["model_autoscaled_monthly_cost_usd"].value
    assert results["autoscale to the diurnal curve"].monthly_cost_usd == pytest.approx(autoscaled)
    assert base / 3 < autoscaled < base / 3 * 1.2
    assert results["quantise to fp8"].saving_usd > 0
    assert results["all together"].monthly_cost_usd <= min(
        r.monthly_cost_usd for r in results.values() if r.monthly_cost_usd == r.monthly_cost_usd
    )


def test_cpqu_objective_trades_cost_for_quality(tmp_path):
    """With a user's scores where int4 loses most of the quality, minimising cost per quality
    unit keeps fp8 even though int4 candidates exist."""
    from napkin.optimize.quality import load_user_quality

    path = tmp_path / "quality.yaml"
    path.write_text(
        "- {model: llama-3.1-70b, precision: fp8, score: 80}\n"
        "- {model: llama-3.1-70b, precision: int4, score: 8}\n"
    )
    scores = load_user_quality(path)
    space = Space(gpus=("H100-SXM",), precisions=("fp8", "int4"), tps=(2, 4), batch_caps=(None,))
    result = optimize("chatbot", space, "chatbot", verify=0, objective="cpqu", user_quality=scores)
    assert "deployment.precision=fp8" in result.chosen.overrides
    assert result.chosen.cpqu == pytest.approx(result.chosen.monthly_cost_usd / 80)


def test_bad_quality_file(tmp_path):
    from napkin.errors import NapkinError
    from napkin.optimize.quality import load_user_quality

    path = tmp_path / "q.yaml"
    path.write_text("- {model: x}\n")
    with pytest.raises(NapkinError, match=r"\[0\]"):
        load_user_quality(path)


def test_cli_optimize_writes_the_chosen_design(tmp_path):
    import json

    from typer.testing import CliRunner

    from napkin.cli import app
    from napkin.specs.loader import load_design

    out = tmp_path / "chosen.yaml"
    result = CliRunner().invoke(
        app,
        [
            "optimize",
            "chatbot",
            "--gpus",
            "H100-SXM,H200",
            "--precisions",
            "fp8",
            "--tps",
            "4,8",
            "--verify",
            "1",
            "--output",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["chosen"] and data["saving_usd_per_month"] > 0
    assert load_design(out).deployment.precision.value == "fp8"
    header = out.read_text().split("\nname:")[0]
    assert "deployment.precision: 'bf16' -> fp8" in header  # says what it changed
    if load_design(out).hardware.name == "H100-SXM":
        assert load_design(out).hardware.price_per_gpu_hour_usd == 2.0  # the user's price kept
    else:
        assert "your price $2.0/GPU-h was for H100-SXM" in header
    assert "description: Chatbot serving 10M" in out.read_text()
    again = CliRunner().invoke(
        app,
        [
            "optimize",
            "chatbot",
            "--gpus",
            "H200",
            "--precisions",
            "fp8",
            "--tps",
            "8",
            "--output",
            str(out),
        ],
    )
    assert again.exit_code == 2 and "--force" in again.output
    levers = CliRunner().invoke(app, ["levers", "chatbot", "--json"])
    assert levers.exit_code == 0 and json.loads(levers.output)[0]["name"] == "as written"


def test_catalog_quality_is_sourced_and_used():
    from napkin.optimize.quality import _catalog, quality

    data = _catalog()
    assert all(m["source"] for m in data["models"]) and all(p["source"] for p in data["precisions"])
    fp8 = quality("llama-3.1-70b", "fp8")
    assert fp8 == pytest.approx(79.3 * 0.997)  # Meta's MMLU 5-shot x fp8 recovery
    assert quality("llama-3.1-70b", "int4") < fp8
    assert quality("no-such-model", "bf16") is None


def test_finetune_spot_lever_uses_the_plans_figures():
    results = {r.name: r for r in levers("finetune-service")}
    spot = results["spot capacity for interruptible jobs"]
    assert spot.saving_usd > 0
    assert spot.monthly_cost_usd == pytest.approx(
        results["as written"].monthly_cost_usd - spot.saving_usd
    )


def test_verification_as_tasks_gives_the_one_by_one_verdicts(monkeypatch):
    """`verify_on` (Ray's workers in the CLI) runs simulate_candidate for the top
    candidates at once; the verdicts are those of checking them one after another."""
    from napkin.optimize import verify as verify_module

    calls: list[tuple[str, ...]] = []

    def fake(design, overrides, base=(), seed=0):  # noqa: ANN001, ANN202
        calls.append(tuple(overrides))
        return len(calls) > 1, f"checked {overrides}"

    monkeypatch.setattr(verify_module, "simulate_candidate", fake)
    space = Space(gpus=("H100-SXM",), precisions=("fp8",), tps=(4, 8), batch_caps=(None,))
    tasks = optimize("chatbot", space, "chatbot", verify=2, verify_on=LocalExecutor(1))
    calls.clear()
    one_by_one = optimize(
        "chatbot", space, "chatbot", verify=2, verify_fn=lambda o: fake("chatbot", o)
    )
    assert [v[1:] for v in tasks.verified] == [v[1:] for v in one_by_one.verified]
    assert tasks.verified[0][1] is False and tasks.chosen == tasks.verified[1][0]
