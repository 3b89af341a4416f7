"""The README's design-file example and set-up commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from napkin.planner import plan
from napkin.specs.loader import load_design

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_design_file_example_plans(tmp_path):
    block = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert block, "README has a yaml example"
    path = tmp_path / "example.yaml"
    path.write_text(block.group(1))
    result = plan(load_design(path))
    assert result.fits and result.design.model.name == "llama-3.1-8b"
    stated = {c.name for c in result.claims if not c.name.startswith("rule of thumb")}
    assert stated == {"peak_qps", "single_stream"}


def test_ci_runs_the_readme_test_command():
    test_command = (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest"
    )
    assert test_command in README
    assert test_command in (ROOT / ".ci" / "run").read_text()


def _money_m(value: float) -> str:
    return f"${value / 1e6:.2f}M"


def test_readme_figures_match_the_current_output():
    """Every number the README quotes from `napkin plan` is the one napkin prints now."""
    chatbot = plan(load_design("chatbot"))
    rec, f = chatbot.recommendation, chatbot.figures
    quoted = [
        f"{rec.replicas} TP=8 replicas",
        f"{rec.gpus:,} GPUs, {_money_m(rec.monthly_cost_usd.value)}/month",
        f"(P10–P90 {_money_m(rec.monthly_cost_usd.low)}–{_money_m(rec.monthly_cost_usd.high)}",
        f"{f['turns_per_day'].value / 1e6:.0f}M turns/day",
        f"{f['peak_qps'].value:,.0f} peak QPS",
        f"{f['gpus_needed'].value:,} GPUs at 1,500 tokens/s/GPU",
        f"{f['replicas_provisioned'].value} TP=8 replicas ({f['gpus_provisioned'].value:,} GPUs)",
        f"is ${f['monthly_cost_usd'].value / 1e6:.1f}M at",
        f"{f['gpus_provisioned'].value / rec.gpus:.2f}× the {rec.gpus:,} that meet the SLA",
    ]
    text = " ".join(README.split())  # line breaks are layout, not content
    for phrase in quoted:
        assert " ".join(phrase.split()) in text, phrase
    assert f["turns_per_day"].value == 400e6
    assert "time-per-token budget" in rec.binding and "slot utilisation" in rec.binding
    completion = plan(load_design("code-completion")).figures
    ms = 1000 / completion["single_stream_tokens_per_s"].value
    assert f"~{ms:.1f} ms for one stream" in text
    finetune = plan(load_design("finetune-service")).figures
    assert f"is ~{finetune['gpu_hours_per_job_7b'].value:.1f} at" in text


def test_readme_cost_figures_match_the_current_output():
    """The token-cost paragraph's numbers are the chatbot plan's."""
    f = {k: v.value for k, v in plan(load_design("chatbot")).figures.items()}
    quoted = [
        f"{f['model_fleet_utilisation']:.0%} utilised over the day",
        f"input at ${f['model_input_usd_per_million_tokens']:.2f} and output at "
        f"${f['model_output_usd_per_million_tokens']:.2f} a million tokens",
        f"(${f['model_usd_per_million_output_tokens_at_full_load']:.2f} a million output",
        f"costs ${f['api_monthly_cost_usd'] / 1e6:.2f}M a month, a fifth of",
        f"on demand would cost ${f['model_autoscaled_monthly_cost_usd'] / 1e6:.2f}M a month",
        f"reserving {f['mixed_reserved_replicas']} replicas for a year",
        f"on demand ${f['model_mixed_monthly_cost_usd'] / 1e6:.2f}M.",
    ]
    assert 4.5 < f["self_hosted_over_api"] < 5.5  # "a fifth of the fleet's bill"
    text = " ".join(README.split())
    for phrase in quoted:
        assert " ".join(phrase.split()) in text, phrase


def test_design_doc_ratio_matches_the_current_output():
    """DESIGN.md quotes the closed form's 6 s vs 15 s fleet ratio."""
    design_doc = " ".join((ROOT / "DESIGN.md").read_text().split())
    six = plan(load_design("chatbot", ["sla.e2e_p99_s=6"])).recommendation.gpus
    fifteen = plan(load_design("chatbot")).recommendation.gpus
    assert f"closed form now gives {six / fifteen:.2f}×" in design_doc


def test_readme_validation_figures_match_the_current_output():
    """The README's queueing figure: TTFT at 8 or more clients, simulated vs closed form."""
    from statistics import median

    from napkin.calibration.measurement import Metric, read_csv
    from napkin.cli.shell import PUBLISHED, UNDER_LOAD
    from napkin.validate.scores import compare

    rows = [
        m
        for m in read_csv(PUBLISHED) + read_csv(UNDER_LOAD)
        if m.metric is Metric.ttft_s and (m.concurrency or 0) >= 8
    ]
    scored = compare(rows)
    simulated = median(abs(r.error) for r in scored)
    closed = median(abs(r.closed_form_error) for r in scored)
    text = " ".join(README.split())
    assert f"off by a median of {simulated:.1%}, the closed form's by {closed:.1%}" in text


def test_design_doc_single_stream_figures_match_the_current_output():
    """DESIGN.md's batch-1 figure: Llama-3.1-8B on one H100 (bf16, 100 prompt + 200 output
    tokens, so 200 of context at mid-output), as napkin predicts it, and the per-layer
    overhead: 32 layers × 83 µs = 2.7 ms of the 7.7 ms step."""
    from napkin.calibration.measurement import Measurement
    from napkin.calibration.predict import engine_for
    from napkin.perf.efficiency import resolve
    from napkin.specs.catalog import find_gpu

    row = Measurement(
        id="d",
        gpu="H100-SXM",
        model="llama-3.1-8b",
        tp=1,
        precision="bf16",
        input_tokens=100,
        output_tokens=200,
        concurrency=1,
        metric="tpot_s",
        value=1.0,
    )
    eff = resolve(None, find_gpu("H100-SXM"))
    step_ms = engine_for(row, eff).decode_step(1, 200).total_s * 1e3
    text = " ".join((ROOT / "DESIGN.md").read_text().split())
    per_layer_us = eff.layer_overhead_s * 1e6
    phrase = f"TensorRT-LLM's fitted {per_layer_us:.0f} µs per layer, says {step_ms:.1f} ms"
    assert phrase in text
    # By hand: (16.06 GB of weights − 1.05 GB of embedding table, not read in decode)
    # / (3.35 TB/s × 0.883) = 5.08 ms, plus 32 layers × 83.1 µs = 2.66 ms: 7.7 ms.
    assert eff.step_overhead_s == 0.0
    assert step_ms == pytest.approx(
        15.01e9 / (3.35e12 * eff.bandwidth_fraction) * 1e3 + 32 * eff.layer_overhead_s * 1e3,
        rel=0.01,
    )


def test_readme_streaming_and_autoscaling_figures_are_the_code_s():
    """The day slice is 1/32 of the planned fleet at its share of the peak, and the stated
    defaults are those of SimOptions, `sim.run` and `sim.autoscaler`."""
    from math import ceil

    from napkin.sim.autoscaler import INTERVAL_S, STABILIZE_S
    from napkin.sim.options import SimOptions
    from napkin.sim.run import RECORDS_UP_TO

    f = plan(load_design("chatbot")).figures
    fleet = f["model_replicas_provisioned"].value
    replicas = ceil(fleet / 32)
    qps = f["peak_qps"].value * replicas / fleet
    text = " ".join(README.replace("\\\n", " ").split())  # a shell line continued
    assert f"--replicas {replicas} --qps {qps:.0f} --router random" in text
    defaults = SimOptions()
    assert f"`--scale-lag` ({defaults.scale_lag_s:.0f} s)" in text
    assert f"`--cold-start` ({defaults.cold_start_s:.0f} s)" in text
    assert f"waits {STABILIZE_S / 60:.0f} minutes" in text and INTERVAL_S == 60
    assert f"up to {RECORDS_UP_TO / 1e6:.0f}M requests" in text
