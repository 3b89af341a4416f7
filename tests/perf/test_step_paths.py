"""The MoE and sliding-window paths of the step model, against hand arithmetic (issue #14).

For these models `StepModel.time` evaluates `roofline.step_time` itself, and a segment is
the trapezoid between its exact ends; these tests check what that must get right."""

from __future__ import annotations

import pytest

from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.ops import Batch, decode_batch
from napkin.perf.roofline import step_time
from napkin.perf.step_model import StepModel, as_vector
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment

H100 = find_gpu("H100-SXM")


def _engine(model, tp: int, precision: str) -> Engine:
    return Engine(model, H100, Deployment(tp=tp, precision=precision), resolve(None, H100))


def test_moe_decode_at_batch_one_reads_the_active_experts_not_all():
    # DeepSeek-V3 in fp8 on 8 H100s, one sequence, 1,000 tokens of context:
    #   active parameters ≈ 37.6e9 (8 of 256 routed experts + 1 shared, 61 layers, MLA)
    #   bytes read ≈ 37.6e9 params × 1 byte (fp8) + a small KV read ≈ 37.6 GB over 8 GPUs
    #   ≈ 4.7e9 bytes a GPU — not the 671e9 × 1 B / 8 ≈ 84e9 of every expert.
    model = find_model("deepseek-v3")
    engine = _engine(model, 8, "fp8")
    step = step_time(model, H100, engine.deployment, engine.efficiency, decode_batch(1, 1000))
    assert step.bytes_per_gpu * 8 == pytest.approx(model.active_params, rel=0.05)
    assert step.bytes_per_gpu * 8 < model.total_params / 10


@pytest.mark.parametrize("name, tp", [("deepseek-v3", 8), ("mixtral-8x7b", 2)])
def test_moe_decode_segment_equals_its_steps(name: str, tp: int):
    # In a decode segment rows and sequences are fixed, so the experts touched are too and
    # each step's time is linear in the context: the trapezoid of the ends is exact.
    model = find_model(name)
    steps_model = StepModel(_engine(model, tp, "fp8"))
    start, growth = decode_batch(64, 500), Batch(0, 0, 64, 64, 64, 64)
    v0, dv = as_vector(start), as_vector(growth)
    for steps in (1, 17, 300):
        by_step = sum(
            steps_model.time(tuple(a + k * d for a, d in zip(v0, dv, strict=True)))
            for k in range(steps)
        )
        assert steps_model.segment_time(start, growth, steps) == pytest.approx(by_step, 1e-9)


def test_sliding_window_stops_attention_growing_at_the_window():
    # Mistral-7B with a 4,096-token window on every layer: attention at 10,000 tokens of
    # context costs what it costs at 4,096; at 2,000 it costs less.
    model = find_model("mistral-7b").model_copy(update={"sliding_window": 4096})
    steps_model = StepModel(_engine(model, 1, "bf16"))
    at = {ctx: steps_model.time(decode_batch(8, ctx, 4096)) for ctx in (2000, 4096, 10_000)}
    assert at[10_000] == at[4096]
    assert at[2000] < at[4096]
    # and the window is what caps it: without one, 10,000 tokens cost more
    dense = StepModel(_engine(find_model("mistral-7b"), 1, "bf16"))
    assert dense.time(decode_batch(8, 10_000)) > at[10_000]
