"""Reserved capacity for the base of the day's load, on-demand for the rest (issue #18).

The planned fleet is provisioned for the peak all day: R = model_replicas_provisioned for
24 hours. An autoscaler following the day's curve c(h) (`capacity.diurnal`, peak 1) needs

    need(h) = max(min_replicas, ⌈R × max(c(h), c(h + 1))⌉)

replicas in hour h: each hour is provisioned for the larger of it and the next, so a
scale-up that takes up to an hour (cold start included) is ready before the load. With b
replicas reserved around the clock at the reserved price p_r and the rest on demand at the
design's price p:

    cost(b) = 30 d × gpus_per_replica × (24 h × b × p_r + Σ_h max(0, need(h) − b) × p)

minimised over b = 0..R (a replica is worth reserving when it is busy more than
24 × p_r / p of the hours). p_r / p is the design's `hardware.reserved_price_fraction`, else
the price list's 1-year reserved over on-demand, per provider that lists both (the median).
"""

from __future__ import annotations

from math import ceil, floor
from statistics import median

from napkin.capacity.diurnal import daily_curve
from napkin.figures import Sheet, Source
from napkin.specs.hardware import GPU
from napkin.specs.prices import Pricing, gpu_prices
from napkin.units import DAYS_PER_MONTH

MIN_REPLICAS = 1
HOURS = 24  # the curve's hours


def hourly_need(replicas: int, peak_to_average: float) -> list[int]:
    """need(h) for h = 0..23 (see the module docstring); flat at a peak / average of 1."""
    if peak_to_average <= 1:
        return [replicas] * HOURS
    curve = daily_curve(peak_to_average)
    ahead = [max(curve[h], curve[(h + 1) % HOURS]) for h in range(HOURS)]
    return [max(MIN_REPLICAS, min(replicas, ceil(replicas * c - 1e-9))) for c in ahead]


def mixed_cost_usd(
    need: list[int], reserved: int, reserved_fraction: float, hourly_usd: float
) -> float:
    """cost(b) a month, `hourly_usd` a replica-hour on demand."""
    on_demand = sum(max(0, n - reserved) for n in need)
    day = HOURS * reserved * reserved_fraction + on_demand
    return DAYS_PER_MONTH * hourly_usd * day


def best_reserved(need: list[int], reserved_fraction: float) -> int:
    """The b that minimises cost(b): raising b by one adds 24 h × p_r and saves p in every
    hour whose need is above b, so it pays while more than 24 × p_r / p hours need more than
    b; the optimum is the m-th largest hourly need, m = ⌊24 × p_r / p⌋ + 1 (0 past 24)."""
    m = floor(HOURS * reserved_fraction) + 1
    return sorted(need, reverse=True)[m - 1] if m <= len(need) else 0


def listed_reserved_fraction(gpu: str) -> tuple[float, str] | None:
    """The list's 1-year reserved price over on-demand for `gpu`: per provider listing both
    (median of each), the median over providers; with the providers named."""
    ratios = {}
    for provider in sorted({p.provider for p in gpu_prices() if p.gpu == gpu}):
        rows = [p for p in gpu_prices() if p.gpu == gpu and p.provider == provider]
        reserved = [p.usd_per_gpu_hour for p in rows if p.pricing is Pricing.reserved_1y]
        on_demand = [p.usd_per_gpu_hour for p in rows if p.pricing is Pricing.on_demand]
        if reserved and on_demand:
            ratios[provider] = median(reserved) / median(on_demand)
    if not ratios:
        return None
    named = ", ".join(f"{name} {value:.3f}" for name, value in ratios.items())
    return median(ratios.values()), named


def add_pricing_mix(sheet: Sheet, gpu: GPU) -> None:
    """The autoscaled and the reserved-plus-on-demand monthly costs (nothing when neither
    the design nor the price list gives a reserved price)."""
    if gpu.reserved_price_fraction is not None:
        fraction, where = gpu.reserved_price_fraction, "design field"
    else:
        listed = listed_reserved_fraction(gpu.name)
        if listed is None:
            return
        fraction, where = listed
    sheet.section = "pricing mix"
    replicas = int(sheet["model_replicas_provisioned"])
    hourly = sheet["price_per_gpu_hour_usd"] * sheet["gpus_per_replica"]
    ratio = sheet["peak_to_average"] if "peak_to_average" in sheet else 1.0  # noqa: SIM401
    need = hourly_need(replicas, ratio)
    sheet.add(
        "reserved_price_fraction",
        fraction,
        "fraction",
        Source.assumption if gpu.reserved_price_fraction is not None else Source.catalog,
        detail=f"1-year reserved ÷ on-demand ({where})",
    )
    sheet.add(
        "model_autoscaled_monthly_cost_usd",
        mixed_cost_usd(need, 0, fraction, hourly),
        "USD/month",
        Source.formula,
        detail=f"hourly replicas {min(need):,}-{max(need):,} of {replicas:,}",
        formula="model_autoscaled_monthly_cost_usd = 30 d × Σ_h need(h) × price_per_gpu_hour_usd "
        "× gpus_per_replica, need(h) = ⌈replicas × max(curve(h), curve(h + 1))⌉",
    )
    best = best_reserved(need, fraction)
    sheet.add(
        "mixed_reserved_replicas",
        best,
        "replicas",
        Source.formula,
        formula="mixed_reserved_replicas = the b that minimises 30 d × (24 h × b × "
        "reserved_price_fraction + Σ_h max(0, need(h) − b)) × a replica-hour's price",
    )
    mixed = mixed_cost_usd(need, best, fraction, hourly)
    sheet.add(
        "model_mixed_monthly_cost_usd",
        mixed,
        "USD/month",
        Source.formula,
        formula="model_mixed_monthly_cost_usd = 30 d × (24 h × mixed_reserved_replicas × "
        "reserved_price_fraction + Σ_h on-demand replicas) × a replica-hour's price",
    )
    sheet.add(
        "mixed_saving_usd_per_month",
        sheet["model_monthly_cost_usd"] - mixed,
        "USD/month",
        Source.formula,
        formula="mixed_saving_usd_per_month = model_monthly_cost_usd − "
        "model_mixed_monthly_cost_usd",
    )
