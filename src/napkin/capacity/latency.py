"""Latency estimates at the operating point, before any queueing delay.

A new request's prompt joins the next engine step: it waits on average for the step in
flight and then for its own prefill, so TTFT ≈ prefill time + one loaded step. Each later
token takes one loaded step (vLLM's TPOT definition: (E2E − TTFT) / (n − 1)).
"""

from __future__ import annotations


def tpot_budget_s(e2e_p99_s: float, ttft_p99_s: float, output_tokens_p99: float) -> float:
    """tpot_budget_s = (e2e_p99_s − ttft_p99_s) / (output_tokens_p99 − 1)

    What is left of the end-to-end target after the first token, spread over the rest.
    """
    return (e2e_p99_s - ttft_p99_s) / (output_tokens_p99 - 1)


def tpot_budget_s_given(tpot_s: float) -> float:
    """tpot_budget_s = tpot_s"""
    return tpot_s


def ttft_estimate_s(ttft_idle_s: float, step_time_s: float) -> float:
    """ttft_estimate_s = ttft_idle_s + step_time_s"""
    return ttft_idle_s + step_time_s


def request_time_s(
    ttft_estimate_s: float, step_time_s: float, output_tokens_per_request: float
) -> float:
    """request_time_s = ttft_estimate_s + (output_tokens_per_request − 1) × step_time_s"""
    return ttft_estimate_s + (output_tokens_per_request - 1) * step_time_s


def e2e_p99_estimate_s(
    ttft_p99_estimate_s: float, step_time_s: float, output_tokens_p99: float
) -> float:
    """e2e_p99_estimate_s = ttft_p99_estimate_s + (output_tokens_p99 − 1) × step_time_s"""
    return ttft_p99_estimate_s + (output_tokens_p99 - 1) * step_time_s
