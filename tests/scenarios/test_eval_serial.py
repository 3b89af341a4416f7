"""The request-serial eval harness: a closed loop of clients against one endpoint replica,
simulated, against its closed form and against arithmetic by hand."""

from __future__ import annotations

import pytest
from tests.samples import GSM8K

from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.scenarios import eval_harness as ev
from napkin.scenarios import eval_serial as es
from napkin.specs.loader import load_design


def _figures(*extra: str) -> dict[str, float]:
    p = plan(load_design("eval-harness", [*GSM8K, *extra]))
    return {k: v.value for k, v in p.figures.items()}


def test_one_client_is_prompts_times_one_request():
    f = _figures()
    assert f["serial_batch"] == 1
    assert f["serial_pass_wall_s"] == pytest.approx(1319 * f["serial_request_s"], rel=1e-12)
    assert f["gpu_seconds_per_pass"] == f["serial_pass_wall_s"] * 1  # one GPU held
    # batched generation of the same suite is over an order of magnitude cheaper
    assert f["serial_slowdown"] > 10
    assert f["model_gpu_hours_per_suite"] == f["gpu_hours_per_suite"]


def test_the_endpoint_holds_every_gpu_of_its_replica():
    f = _figures("deployment.tp=2")
    assert f["gpu_seconds_per_pass"] == pytest.approx(2 * f["serial_pass_wall_s"])


def test_serial_batch_stops_at_memory():
    assert es.serial_batch(512, 390) == 390
    assert es.serial_batch(8, 390) == 8


def test_workers_need_the_serial_harness():
    with pytest.raises(NapkinError, match="workers applies to harness: serial"):
        load_design("eval-harness", ["eval.workers=4"])


def test_the_note_names_the_harness():
    p = plan(load_design("eval-harness", [*GSM8K, "eval.workers=8"]))
    assert p.notes[0].startswith("request-serial harness: 8 client(s)")
    batched = plan(load_design("eval-harness"))
    assert "batched offline generation" in batched.notes[0]


def test_judge_cost_by_hand():
    # 100,000 pairs x 2 calls x 1,000 tokens = 200,000,000 tokens at $3 / M = $600
    assert ev.judge_cost_usd(ev.judge_tokens(100_000, 2, 1000), 3.0) == pytest.approx(600)
    f = {
        k: v.value
        for k, v in plan(
            load_design("eval-harness", ["eval.judge_usd_per_m_tokens=3"])
        ).figures.items()
    }
    assert f["judge_cost_usd"] == pytest.approx(600)
    assert "judge_cost_usd" not in _figures()
