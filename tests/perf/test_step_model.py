"""The precomputed step model equals the roofline, step by step and summed over segments."""

from __future__ import annotations

import random

import pytest

from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.ops import Batch, decode_batch, mixed_batch
from napkin.perf.roofline import step_time
from napkin.perf.step_model import StepModel, _sum_max, as_vector
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment


def _engine(model="llama-3.1-70b", gpu="H100-SXM", tp=4, precision="bf16"):
    g = find_gpu(gpu)
    return Engine(find_model(model), g, Deployment(tp=tp, precision=precision), resolve(None, g))


# Dense models only: for MoE and sliding-window models `StepModel.time` *is*
# `roofline.step_time` (test_step_paths.py tests those paths against hand arithmetic).
@pytest.mark.parametrize(
    "model, tp", [("llama-3.1-70b", 4), ("llama-3.1-8b", 1), ("mistral-7b", 1)]
)
def test_step_equals_roofline(model, tp):
    engine = _engine(model, tp=tp, precision="fp8")
    fast = StepModel(engine)
    rng = random.Random(1)
    for _ in range(50):
        batch = mixed_batch(
            rng.randint(1, 512),
            rng.uniform(10, 8000),
            rng.choice([0, 64, 900]),
            rng.uniform(1, 4000),
            engine.model.sliding_window,
        )
        exact = step_time(
            engine.model, engine.gpu, engine.deployment, engine.efficiency, batch
        ).total_s
        assert fast.time(batch) == pytest.approx(exact, rel=1e-9)


def test_segment_sum_equals_step_by_step():
    engine = _engine()
    fast = StepModel(engine)
    start, growth = decode_batch(64, 500), Batch(0, 0, 64, 64, 64, 64)
    for steps in (1, 2, 17, 300):
        by_step = sum(
            fast.time(
                Batch(
                    *(
                        getattr(start, f) + k * getattr(growth, f)
                        for f in (
                            "tokens",
                            "sequences",
                            "attended",
                            "kv_read_tokens",
                            "attended_windowed",
                            "kv_read_windowed",
                        )
                    )
                )
            )
            for k in range(steps)
        )
        assert fast.segment_time(start, growth, steps) == pytest.approx(by_step, rel=1e-9)


@pytest.mark.parametrize(
    "c0, c1, m0, m1",
    [
        (1, 0, 2, 0),
        (5, 0, 1, 0.5),
        (0, 1, 3, 0),
        (2, -0.1, 0, 0.2),
        (1, 1, 1, 1),
        (4, 0, 0, 1),
        (1, 0.1, 5, 1.0),
        (5, 2, 1, 0.5),
        (0, 0.5, 2.5, 0),
        (3, -1, 1, -2),
    ],
)
def test_sum_max_by_brute_force(c0, c1, m0, m1):
    for n in range(0, 30):
        brute = sum(max(c0 + c1 * k, m0 + m1 * k) for k in range(n))
        assert _sum_max(c0, c1, m0, m1, n) == pytest.approx(brute)


def test_boundary_after_is_the_first_step_end_at_or_after_a_time():
    fast = StepModel(_engine())
    start = as_vector(decode_batch(32, 1000))
    growth = as_vector(Batch(0, 0, 32, 32, 32, 32))
    whole = fast.segment_time(start, growth, 1000)
    for elapsed in (1e-6, 0.013, 0.5, whole / 3, whole - 1e-9):
        k, duration = fast.boundary_after(start, growth, 1000, elapsed, whole)
        assert duration == pytest.approx(fast.segment_time(start, growth, k))
        assert fast.segment_time(start, growth, k - 1) < elapsed <= duration
    assert fast.boundary_after(start, growth, 1000, whole + 1, whole) == (1000, whole)
