"""Eval-harness arithmetic against the reference's prompt 5, and the power calculation."""

from __future__ import annotations

import pytest

from napkin.scenarios import eval_harness as ev


def test_reference_arithmetic():
    tokens = ev.output_tokens_per_pass(100_000, 500)
    assert tokens == 50e6
    seconds = ev.gpu_seconds_per_pass(tokens, 1000)
    assert seconds == 50_000
    hours = ev.gpu_hours_per_pass(seconds)
    assert hours == pytest.approx(13.889, abs=1e-3)
    suite = ev.gpu_hours_per_suite(hours, 100)
    assert suite == pytest.approx(1388.9, abs=0.1)
    assert ev.budget_used_fraction(suite, 10_000) == pytest.approx(0.1389, abs=1e-4)
    assert ev.gpus_for_turnaround(suite, 24) == 58  # ceil(57.87)
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
