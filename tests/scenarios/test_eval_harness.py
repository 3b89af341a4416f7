"""Eval-harness arithmetic against the reference's prompt 5, and the power calculation."""

from __future__ import annotations

import pytest

from napkin.scenarios import eval_harness as ev


def test_reference_arithmetic():
    tokens = ev.output_tokens_per_pass(100_000, 500)
    assert tokens == 50e6
    seconds = ev.decode_gpu_seconds_per_pass(tokens, 1000)
    assert seconds == 50_000  # the reference's figure: output tokens only
    hours = ev.gpu_hours_per_pass(seconds)
    assert hours == pytest.approx(13.889, abs=1e-3)
    suite = ev.gpu_hours_per_suite(hours, 100)
    assert suite == pytest.approx(1388.9, abs=0.1)
    assert ev.budget_used_fraction(suite, 10_000) == pytest.approx(0.1389, abs=1e-4)
    assert ev.gpus_for_turnaround(suite, 24, 1) == 58  # ceil(57.87)
    assert ev.gpus_for_turnaround(suite, 24, 8) == 64  # whole TP8 replicas: ceil(7.23) × 8
    assert ev.judge_tokens(100_000, 2, 1000) == 200e6


def test_samples_per_arm_by_hand():
    # p1 = 0.70, p2 = 0.68, mean 0.69; z = 1.95996 and 0.84162
    # (1.95996 x sqrt(2 x 0.69 x 0.31) + 0.84162 x sqrt(0.21 + 0.2176))^2 / 0.02^2 = 8,393.1
    assert ev.samples_per_arm(0.70, 0.02, 0.05, 0.8) == 8394


def test_power_grows_sample_size():
    assert ev.samples_per_arm(0.7, 0.02, 0.05, 0.9) > ev.samples_per_arm(0.7, 0.02, 0.05, 0.8)
    assert ev.samples_per_arm(0.7, 0.05, 0.05, 0.8) < ev.samples_per_arm(0.7, 0.02, 0.05, 0.8)


def test_gates_save():
    # 1,388.9 GPU-h x 5 candidates x (1 - 0.4 - 0.05)
    assert ev.gate_gpu_hours_saved(1388.9, 5, 0.4, 0.05) == pytest.approx(3819.475)


def test_a_long_context_suite_counts_its_prompts():
    """6,500 prompts of 128k tokens are 832,000,000 input tokens; with a decode rule of
    thumb set, the suite's GPU-hours still pay every prompt token at the model's prefill
    rate, so they are nowhere near the 0.09 GPU-hours the output alone would give."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    assert ev.input_tokens_per_pass(6_500, 128_000) == 832_000_000
    p = plan(
        load_design(
            "eval-harness",
            [
                "model=llama-3.1-8b",
                "deployment.tp=1",
                "eval.prompts=6500",
                "eval.input_tokens_per_prompt=128000",
                "eval.output_tokens_per_prompt=50",
                "eval.ablation_multiplier=1",
            ],
        )
    )
    f = {k: v.value for k, v in p.figures.items()}
    assert f["input_tokens_per_pass"] == 832_000_000
    assert f["decode_gpu_seconds_per_pass"] == 6_500 * 50 / 1000  # 325 s
    prefill = 832_000_000 * f["prefill_gpu_s_per_token"]
    assert f["prefill_gpu_seconds_per_pass"] == pytest.approx(prefill, rel=1e-12)
    assert f["gpu_hours_per_suite"] > 100 * 0.09
    assert "rule of thumb" in p.notes[0]


def test_split_phases_agree_with_the_mixed_steady_state():
    """Prefill and decode counted apart (prompt steps at a full budget, pure decode steps)
    land within 5% of the output rate of the steady state that mixes them (the built-in
    suite: 405B on H100 TP8)."""
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    f = {k: v.value for k, v in plan(load_design("eval-harness")).figures.items()}
    mixed = f["output_tokens_per_pass"] * 100 / f["model_tokens_per_s_per_gpu"] / 3600
    assert f["model_gpu_hours_per_suite"] == pytest.approx(mixed, rel=0.05)


def test_the_note_says_whose_throughput():
    from napkin.planner import plan
    from napkin.specs.loader import load_design

    p = plan(load_design("eval-harness", ["eval.tokens_per_s_per_gpu=null"]))
    assert "napkin's batch-inference model" in p.notes[0]
    assert "rule of thumb" not in p.notes[0]
