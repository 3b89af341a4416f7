"""Prefill/decode disaggregation (issue #16): the plan's two pools, the KV transfer, and the
simulator's two pools with a transfer stage between them."""

from __future__ import annotations

import numpy as np
import pytest

from napkin.errors import NapkinError
from napkin.perf.operating_point import ReplicaSetup, Request, point_at, prefill_s
from napkin.planner import plan
from napkin.sections.two_pools import engine_of, pool_view
from napkin.sim.event_loop import Fleet
from napkin.sim.options import SimOptions, fleet_of, pools_slice, steps_of
from napkin.sim.requests import Requests
from napkin.sim.run import simulate
from napkin.specs.loader import load_design

SMALL = [
    "model=llama-3.1-8b",
    "deployment.tp=1",
    "disaggregation.prefill.deployment.tp=1",
    "disaggregation.decode.deployment.tp=1",
]


@pytest.fixture(scope="module")
def split_plan():
    return plan(load_design("chatbot", SMALL))


def _figure(p, key: str) -> float:
    return float(p.figures[key].value)


def test_kv_transfer_by_hand():
    """Llama-3.1-70B, bf16 KV: 80 layers × 2 (K, V) × 8 KV heads × 128 × 2 B = 327,680 B a
    token; a 4,000-token prompt leaves 1,310,720,000 B. Two TP4 H100 replicas send it over
    4 NICs × 50 GB/s = 200 GB/s in 6.5536 ms, plus 5 µs latency: 6.5586 ms."""
    p = plan(
        load_design(
            "chatbot",
            [
                "workload.input_tokens_per_turn=4000",
                "disaggregation.prefill.deployment.tp=4",
                "disaggregation.decode.deployment.tp=4",
            ],
        )
    )
    assert _figure(p, "kv_transfer_bytes_per_request") == 1_310_720_000
    assert _figure(p, "kv_transfer_rate_bytes_per_s") == 200e9
    assert _figure(p, "kv_transfer_s") == pytest.approx(0.0065586, rel=1e-9)


def test_each_pool_is_sized_to_its_own_target(split_plan):
    """A tighter TTFT adds prefill replicas only; a tighter TPOT adds decode replicas."""
    base = (_figure(split_plan, "prefill_replicas"), _figure(split_plan, "decode_replicas"))
    ttft = plan(load_design("chatbot", [*SMALL, "sla.ttft_p99_s=0.1", "sla.ttft_p50_s=0.05"]))
    assert _figure(ttft, "decode_replicas") == base[1]
    assert _figure(ttft, "prefill_replicas") > base[0]
    tpot = plan(load_design("chatbot", [*SMALL, "sla.tpot_s=0.012"]))
    assert _figure(tpot, "prefill_replicas") == base[0]
    assert _figure(tpot, "decode_replicas") > base[1]
    total = _figure(split_plan, "prefill_gpus") + _figure(split_plan, "decode_gpus")
    assert _figure(split_plan, "model_gpus_provisioned") == total
    assert split_plan.recommendation.pools.startswith(f"{base[0]:,.0f} prefill × TP1 on H100")


def _apart(n: int, gap_s: float, prompt: int, output: int) -> Requests:
    """n requests, each alone on the fleet (gap_s apart)."""
    return Requests(
        np.arange(n) * gap_s,
        np.full(n, prompt),
        np.full(n, output),
        np.zeros(n, np.int64),
        np.arange(n),
        np.zeros(n, np.int64),
        np.full(n, np.inf),
    )


def _run(p, requests: Requests, **options):
    config = fleet_of(p, SimOptions(replicas=1, decode_replicas=1, **options))
    return config, Fleet(config, steps_of(p), requests).run()


def test_ttft_alone_is_prefill_plus_transfer(split_plan):
    """A request alone: TTFT = its prompt's chunk steps on the prefill replica + the KV
    transfer, with no queue at either pool; a 100 ms slower link adds exactly 100 ms."""
    requests = _apart(5, 10.0, 2000, 50)
    config, run = _run(split_plan, requests)
    ttft = run.records.first_token_s - requests.arrival_s
    prefill = engine_of(pool_view(split_plan.design, "prefill"))
    alone = prefill_s(ReplicaSetup(prefill), 0, 0.0, 2000)
    assert config.decode is not None
    expected = alone + config.decode.transfer_s(2000)
    assert ttft == pytest.approx(np.full(5, expected), rel=1e-5)  # segment sums
    slow = plan(load_design("chatbot", [*SMALL, "disaggregation.transfer_latency_us=100000"]))
    _, slower = _run(slow, requests)
    later = slower.records.first_token_s - run.records.first_token_s
    assert later == pytest.approx(np.full(5, 0.1 - 5e-6), rel=1e-6)


def test_tpot_alone_is_the_decode_step(split_plan):
    """A request alone decodes one token a decode step at its growing context: TPOT is the
    mean decode-pool step of batch 1 between contexts P + 1 and P + output − 1."""
    requests = _apart(3, 60.0, 1000, 201)
    _, run = _run(split_plan, requests)
    tpot = (run.records.finish_s - run.records.first_token_s) / 200
    engine = engine_of(pool_view(split_plan.design, "decode"))
    steps = [engine.decode_step(1, 1001 + k).total_s for k in range(200)]
    assert tpot == pytest.approx(np.full(3, np.mean(steps)), rel=1e-3)


def test_two_pools_conserve_every_request_through_crashes_and_cancels(split_plan):
    """Cancels, a prefill and a decode replica crashing, a drain limit: every request ends
    exactly once, and requests in transfer at the end are unfinished, not lost."""
    options = SimOptions(
        replicas=2, decode_replicas=2, qps=60, duration_s=60, cancel_after_s=5.0, drain_limit_s=1
    )
    config = fleet_of(split_plan, options)
    rng = np.random.default_rng(3)
    n = 3000
    requests = Requests(
        np.sort(rng.uniform(0, 60, n)),
        rng.integers(100, 3000, n),
        rng.integers(2, 400, n),
        np.zeros(n, np.int64),
        np.arange(n),
        np.zeros(n, np.int64),
        np.where(rng.random(n) < 0.2, rng.uniform(0, 70, n), np.inf),
    )
    fleet = Fleet(config, steps_of(split_plan), requests)
    fleet.at(20.0, lambda now: fleet.crash(0, now, 5.0))  # a prefill replica
    fleet.at(30.0, lambda now: fleet.crash(3, now, 5.0))  # a decode replica
    run = fleet.run()
    outcomes = np.bincount(run.records.outcome, minlength=7)
    assert outcomes[0] == 0  # nothing pending
    assert outcomes.sum() == n
    assert outcomes[4] > 0 and outcomes[3] > 0  # failed (crashes) and cancelled


def _slice(p, decode: int, seed: int, duration_s: float = 300.0) -> SimOptions:
    """`decode` decode replicas and their share of the prefill pool at peak × headroom."""
    load = _figure(p, "peak_qps") * p.design.deployment.headroom
    return pools_slice(p, decode, load, SimOptions(duration_s=duration_s, seed=seed))


def test_littles_law_holds_per_pool(split_plan):
    s = simulate(split_plan, _slice(split_plan, 10, seed=2)).summary
    assert s["conserved"]
    for stage in ("prefill", "decode"):
        law = s["pools"][stage]
        assert law["mean_in_stage"] == pytest.approx(law["rate_times_time"], rel=0.05), stage


def test_plan_and_simulation_agree_on_a_split_fleet(split_plan):
    """At the planned load (peak × headroom), the simulated TPOT is within 15% of the plan's
    and TTFT p99 between 0.75 and 1.1 × the plan's (measured: 1.04)."""
    f = split_plan.figures
    s = simulate(split_plan, _slice(split_plan, 20, seed=1)).summary
    assert s["tpot_s"]["mean"] == pytest.approx(float(f["step_time_s"].value), rel=0.15)
    planned = float(f["ttft_p99_estimate_s"].value)
    assert 0.75 * planned <= s["ttft_s"]["p99"] <= 1.1 * planned


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (["disaggregation.decode.deployment.ep=2"], "disaggregation.decode.deployment"),
        (["disaggregation.prefill.hardware=Z100"], "disaggregation.prefill.hardware"),
        (["disaggregation.transfer_gb_per_s=-1"], "disaggregation.transfer_gb_per_s"),
    ],
)
def test_bad_pools_are_named(overrides, field):
    with pytest.raises(NapkinError) as error:
        load_design("chatbot", overrides)
    assert field in str(error.value)


def test_only_serving_designs_split():
    with pytest.raises(NapkinError, match="disaggregation"):
        load_design("finetune-service", ["disaggregation.decode.deployment.tp=1"])


def test_a_decode_replica_plans_no_prompt_steps(split_plan):
    """Under a prompts-first engine (SGLang) a prompt's step pauses the decodes, but a
    decode-pool replica receives KV, not prompts: its planned step is the pure decode step
    at the mean context, and its TTFT the step in flight."""
    view = pool_view(split_plan.design, "decode")
    engine = engine_of(
        view.model_copy(
            update={"deployment": view.deployment.model_copy(update={"engine": "sglang"})}
        )
    )
    request = Request(1.0, 300.0, 500.0, 1.0, 300.0)
    prefilled = point_at(ReplicaSetup(engine, prefilled=True), 64, request)
    assert prefilled is not None
    assert prefilled.tpot_s == pytest.approx(engine.decode_step(64, 350).total_s, rel=1e-12)
    assert prefilled.ttft_p50_s == pytest.approx(prefilled.tpot_s / 2, rel=1e-12)
    plain = point_at(ReplicaSetup(engine), 64, request)
    assert plain is not None and plain.tpot_s > 1.05 * prefilled.tpot_s


@pytest.mark.parametrize("pool", ["prefill", "decode"])
def test_a_fixed_pool_too_small_says_which(pool):
    """A count the design fixes is kept; one too small for the load is named, with how far
    over capacity it runs, instead of a fleet that cannot meet the SLA."""
    p = plan(load_design("chatbot", [*SMALL, f"disaggregation.{pool}.replicas=1"]))
    rec = p.recommendation
    assert rec is not None and not rec.feasible
    assert f"1 {pool} replica runs at" in rec.infeasible
    assert f"disaggregation.{pool}.replicas" in rec.infeasible


def test_a_fixed_pool_large_enough_is_kept(split_plan):
    planned = int(_figure(split_plan, "decode_replicas"))
    p = plan(load_design("chatbot", [*SMALL, f"disaggregation.decode.replicas={planned + 5}"]))
    assert _figure(p, "decode_replicas") == planned + 5
    assert p.figures["decode_replicas"].source.value == "assumption"
