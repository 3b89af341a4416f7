"""Cost: GPU-hours and dollars, per month, per million output tokens and per request."""

from __future__ import annotations

from napkin.units import DAYS_PER_MONTH, HOURS_PER_DAY


def gpu_hours_per_month(gpus: float) -> float:
    """gpu_hours_per_month = gpus × 24 h × 30 d"""
    return gpus * HOURS_PER_DAY * DAYS_PER_MONTH


def monthly_cost_usd(gpu_hours_per_month: float, price_per_gpu_hour_usd: float) -> float:
    """monthly_cost_usd = gpu_hours_per_month × price_per_gpu_hour_usd"""
    return gpu_hours_per_month * price_per_gpu_hour_usd


def usd_per_million_output_tokens(monthly_cost_usd: float, output_tokens_per_day: float) -> float:
    """usd_per_million_output_tokens = monthly_cost_usd / (output_tokens_per_day × 30 d) × 10⁶"""
    return monthly_cost_usd / (output_tokens_per_day * DAYS_PER_MONTH) * 1e6


def usd_per_request(monthly_cost_usd: float, requests_per_day: float) -> float:
    """usd_per_request = monthly_cost_usd / (requests_per_day × 30 d)"""
    return monthly_cost_usd / (requests_per_day * DAYS_PER_MONTH)


def usd_per_million_output_tokens_at_full_load(
    price_per_gpu_hour_usd: float, tokens_per_s_per_gpu: float
) -> float:
    """usd_per_million_output_tokens_at_full_load =
    price_per_gpu_hour_usd / (tokens_per_s_per_gpu × 3,600 s) × 10⁶

    The floor on unit cost: every provisioned GPU busy all the time.
    """
    return price_per_gpu_hour_usd / (tokens_per_s_per_gpu * 3600) * 1e6
