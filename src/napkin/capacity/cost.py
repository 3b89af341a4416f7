"""Cost: GPU-hours and dollars, per month, per million tokens of each class and per request;
the break-even against an API's token prices."""

from __future__ import annotations

from math import ceil, inf

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


def usd_per_million_tokens(
    price_per_gpu_hour_usd: float, gpu_s_per_token: float, utilisation: float
) -> float:
    """usd_per_million_tokens = price_per_gpu_hour_usd × gpu_s_per_token / 3,600 s /
    utilisation × 10⁶

    A token's own GPU time, marked up by the idle time around it: at 20% utilisation a
    token costs 5× what it costs with every GPU busy. Equivalently, with a GPU's throughput
    r = 1 / gpu_s_per_token: price / (r × 3,600 s × utilisation) × 10⁶.
    """
    return price_per_gpu_hour_usd * gpu_s_per_token / 3600 / utilisation * 1e6


def fleet_utilisation(busy_gpu_s_per_day: float, gpus_provisioned: float) -> float:
    """fleet_utilisation = busy_gpu_s_per_day / (gpus_provisioned × 86,400 s)"""
    return busy_gpu_s_per_day / (gpus_provisioned * 86_400)


def api_usd_per_request(
    prefill_tokens: float,
    cached_tokens: float,
    output_tokens: float,
    usd_per_m_input: float,
    usd_per_m_cached_input: float,
    usd_per_m_output: float,
) -> float:
    """api_usd_per_request = (prefill × input price + cached × cached-input price + output ×
    output price) / 10⁶, prices in USD a million tokens (reasoning tokens are output)"""
    return (
        prefill_tokens * usd_per_m_input
        + cached_tokens * usd_per_m_cached_input
        + output_tokens * usd_per_m_output
    ) / 1e6


def self_hosted_usd_per_month(
    requests_per_month: float, requests_per_replica_month: float, replica_usd_per_month: float
) -> float:
    """self_hosted_usd_per_month = max(1, ⌈requests_per_month / requests_per_replica_month⌉)
    × replica_usd_per_month   (a staircase: whole replicas, at least one)"""
    replicas = max(1, ceil(requests_per_month / requests_per_replica_month - 1e-9))
    return replicas * replica_usd_per_month


def break_even_requests_per_month(
    api_usd_per_request: float, requests_per_replica_month: float, replica_usd_per_month: float
) -> float:
    """The volume above which self-hosting stays cheaper than the API (inf if never):

    With a = api_usd_per_request, Q = requests_per_replica_month, c = replica_usd_per_month,
    the API costs a·V and the fleet ⌈V / Q⌉·c. If a·Q ≤ c a full replica's requests cost
    less from the API: never. Else, just past k·Q the fleet's (k + 1)·c exceeds a·k·Q while
    k < c / (a·Q − c); past the last such step the API's line overtakes the staircase at
    break_even = max(1, ⌈c / (a·Q − c)⌉) × c / a.
    """
    margin = api_usd_per_request * requests_per_replica_month - replica_usd_per_month
    if margin <= 0:
        return inf
    steps = max(1, ceil(replica_usd_per_month / margin - 1e-12))
    return steps * replica_usd_per_month / api_usd_per_request
