"""Demand: from daily users to requests and tokens per second at peak."""

from __future__ import annotations

from napkin.units import SECONDS_PER_DAY


def turns_per_day(dau: float, sessions_per_user_per_day: float, turns_per_session: float) -> float:
    """turns_per_day = dau × sessions_per_user_per_day × turns_per_session

    Every turn is one request to the model.
    """
    return dau * sessions_per_user_per_day * turns_per_session


def avg_qps(turns_per_day: float) -> float:
    """avg_qps = turns_per_day / 86,400 s"""
    return turns_per_day / SECONDS_PER_DAY


def peak_qps(avg_qps: float, peak_to_average: float) -> float:
    """peak_qps = avg_qps × peak_to_average"""
    return avg_qps * peak_to_average


def peak_input_tokens_per_s(peak_qps: float, input_tokens_per_turn: float) -> float:
    """peak_input_tokens_per_s = peak_qps × input_tokens_per_turn"""
    return peak_qps * input_tokens_per_turn


def peak_output_tokens_per_s(peak_qps: float, output_tokens_per_turn: float) -> float:
    """peak_output_tokens_per_s = peak_qps × output_tokens_per_turn"""
    return peak_qps * output_tokens_per_turn


def output_tokens_per_day(turns_per_day: float, output_tokens_per_turn: float) -> float:
    """output_tokens_per_day = turns_per_day × output_tokens_per_turn"""
    return turns_per_day * output_tokens_per_turn
