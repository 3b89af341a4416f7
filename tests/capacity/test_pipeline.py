"""Pipeline parallelism (issue #16): memory per GPU, the pass of micro-batches through the
stages and its bubble, the simulator's step model, and the plan against the simulation."""

from __future__ import annotations

import pytest

from napkin.errors import NapkinError
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.ops import Batch
from napkin.perf.roofline import step_time
from napkin.perf.step_model import StepModel
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.deployment import Deployment
from napkin.specs.loader import load_design

TP4_PP2 = ["deployment.tp=4", "deployment.pp=2"]


def test_memory_by_hand():
    """Llama-3.1-70B in bf16: 70,553,706,496 × 2 B = 141,107,412,992 B of weights; over
    TP4 × PP2 each of 8 GPUs holds 1/8: 17,638,426,624 B. vLLM's 0.9 of 80 GiB less 2 GiB
    leaves 75,161,927,680 B usable a GPU, so the replica's KV room is
    8 × (75,161,927,680 − 17,638,426,624) = 460,188,008,448 B."""
    f = plan(load_design("chatbot", TP4_PP2)).figures
    assert f["gpus_per_replica"].value == 8
    assert f["weight_bytes_per_gpu"].value == 17_638_426_624
    assert f["usable_bytes_per_gpu"].value == 75_161_927_680
    assert f["kv_cache_bytes_per_replica"].value == 460_188_008_448
    assert f["model_gpus_provisioned"].value == 8 * f["model_replicas_provisioned"].value


def _engine(llama70b, h100, **deployment: int) -> Engine:
    dep = Deployment(**deployment)
    return Engine(llama70b, h100, dep, resolve(None, h100, None, dep.engine))


def test_a_pass_is_the_micro_batch_through_every_stage(llama70b, h100):
    """64 decodes on TP4 × PP2 run as 2 micro-batches of 32; a step (every sequence a token)
    is the whole model on 4 GPUs for 32 sequences plus one stage-to-stage hop of
    32 × 8,192 × 2 B = 524,288 B over NVLink."""
    piped, flat = _engine(llama70b, h100, tp=4, pp=2), _engine(llama70b, h100, tp=4)
    batch = Batch(64, 64, 64 * 2000, 64 * 2000, 0, 0)
    half = Batch(32, 32, 32 * 2000, 32 * 2000, 0, 0)
    eff = piped.efficiency
    hop = eff.allreduce_latency_s + 524_288 / (h100.link_bytes_per_s * eff.link_fraction)
    pass_s = step_time(llama70b, h100, piped.deployment, eff, batch).total_s
    alone_s = step_time(llama70b, h100, flat.deployment, eff, half).total_s
    assert pass_s == pytest.approx(alone_s + hop, rel=1e-12)


def test_one_sequence_sits_in_the_bubble(llama70b, h100):
    """One sequence cannot be split: it crosses both stages alone, so a step takes at least
    the unpipelined step (one stage idles while the other works)."""
    piped, flat = _engine(llama70b, h100, tp=4, pp=2), _engine(llama70b, h100, tp=4)
    one = Batch(1, 1, 2000, 2000, 0, 0)
    eff = piped.efficiency
    assert step_time(llama70b, h100, piped.deployment, eff, one).total_s > (
        step_time(llama70b, h100, flat.deployment, eff, one).total_s
    )


def test_the_simulators_step_model_agrees(llama70b, h100):
    engine = _engine(llama70b, h100, tp=4, pp=4)
    steps = StepModel(engine)
    for batch in (Batch(1, 1, 500, 500, 0, 0), Batch(300, 3, 9e4, 9e4, 0, 0)):
        exact = step_time(llama70b, h100, engine.deployment, engine.efficiency, batch)
        assert steps.time(batch) == pytest.approx(exact.total_s, rel=1e-9)
    start, growth = (96.0, 96.0, 96 * 800.0, 96 * 800.0, 0.0, 0.0), (0, 0, 96.0, 96.0, 0, 0)
    summed = sum(
        step_time(
            llama70b,
            h100,
            engine.deployment,
            engine.efficiency,
            Batch(*(a + k * d for a, d in zip(start, growth, strict=True))),
        ).total_s
        for k in range(50)
    )
    assert steps.segment_time(start, growth, 50) == pytest.approx(summed, rel=1e-9)


def test_plan_and_simulation_agree_on_a_pipeline():
    """TP1 × PP2 of Llama-3.1-8B: the simulated mean TPOT at peak × headroom is within 15%
    of the plan's."""
    p = plan(load_design("chatbot", ["model=llama-3.1-8b", "deployment.tp=1", "deployment.pp=2"]))
    f = p.figures
    replicas = 4
    qps = f["peak_qps"].value * 1.25 * replicas / f["model_replicas_provisioned"].value
    s = simulate(p, SimOptions(replicas=replicas, qps=qps, duration_s=300, seed=1)).summary
    assert s["conserved"]
    assert s["tpot_s"]["mean"] == pytest.approx(f["step_time_s"].value, rel=0.15)


@pytest.mark.parametrize(
    ("design", "overrides", "message"),
    [
        ("chatbot", ["deployment.tp=64", "deployment.pp=32"], "at most 1,024 GPUs"),
        ("finetune-service", ["deployment.pp=2"], "deployment.pp"),
        ("chatbot", ["deployment.pp=0"], "deployment.pp"),
    ],
)
def test_bad_pipelines_are_refused(design, overrides, message):
    with pytest.raises(NapkinError, match=message):
        load_design(design, overrides)


def test_layout_names_the_stages():
    assert Deployment(tp=4, pp=2).layout == "TP4 × PP2"
    assert Deployment(tp=4, pp=2).gpus == 8
