"""An engine that runs prompts first (SGLang's default) in the closed form, as the
simulator's replica runs it: a step with prompts runs them alone, and decodes wait."""

from __future__ import annotations

import pytest

from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.perf.operating_point import ReplicaSetup, _step, prefill_s
from napkin.perf.ops import mixed_batch
from napkin.perf.roofline import step_time
from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.deployment import Deployment


def _replica(engine: str) -> ReplicaSetup:
    gpu = find_gpu("H100-SXM")
    dep = Deployment(tp=4, engine=engine)
    return ReplicaSetup(Engine(find_model("llama-3.1-70b"), gpu, dep, resolve(None, gpu)))


def _alone(replica: ReplicaSetup, batch: float, prefill: float, prompt: float = 2000) -> float:
    e = replica.engine
    work = mixed_batch(batch, 1000, prefill, prompt)
    return step_time(e.model, e.gpu, e.deployment, e.efficiency, work).total_s


def test_decodes_wait_for_a_step_of_prompts_alone():
    # SGLang: T(64 decodes, 2,000 prompt tokens) = T(0, 2,000) + T(64, 0).
    sglang, vllm = _replica("sglang"), _replica("vllm")
    both = _step(sglang, 64, 1000, 2000, 2000).total_s
    assert both == pytest.approx(_alone(sglang, 0, 2000) + _alone(sglang, 64, 0), rel=1e-12)
    # vLLM mixes them in one step, which is cheaper than two.
    assert _step(vllm, 64, 1000, 2000, 2000).total_s == pytest.approx(_alone(vllm, 64, 2000))
    assert _step(vllm, 64, 1000, 2000, 2000).total_s < both


def test_a_prompt_runs_without_decodes_and_with_the_whole_budget():
    # SGLang's prompt of 12,000 tokens: one full 8,192 chunk and 3,808 more, no decodes in
    # either; vLLM's shares the budget with 64 decodes (8,128 rows a chunk).
    sglang, vllm = _replica("sglang"), _replica("vllm")
    expected = _alone(sglang, 0, 8192, 12000) + _alone(sglang, 0, 12000 - 8192, 12000)
    assert prefill_s(sglang, 64, 1000, 12000) == pytest.approx(expected, rel=1e-12)
    mixed = _alone(vllm, 64, 8128, 12000) + _alone(vllm, 64, 12000 - 8128, 12000)
    assert prefill_s(vllm, 64, 1000, 12000) == pytest.approx(mixed, rel=1e-12)
