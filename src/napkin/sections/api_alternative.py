"""Self-hosting against buying the same model's tokens from an API (issue #18).

The design's request, priced by each API in the price list (`specs/prices.py`):
    api_usd_per_request = (prefill × input + cached × cached input + output × output) / 10⁶
and the planned fleet cut into replicas, each serving its share of the design's volume
with the same peak, headroom and diurnal shape:
    requests_per_replica_month = requests_per_day × 30 d / model_replicas_provisioned
    replica_usd_per_month = model_monthly_cost_usd / model_replicas_provisioned
A volume V then costs ⌈V / requests_per_replica_month⌉ replicas (at least one) against
V × api_usd_per_request; `capacity.cost.break_even_requests_per_month` is the volume above
which the fleet stays cheaper. The plan shows the cheapest API; `napkin compare-api` every
API in the list, under each pricing plan and utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf
from typing import Any

from napkin.capacity import cost
from napkin.figures import Sheet, Source
from napkin.specs.prices import ApiPrice, Pricing, api_prices_of, prices_of, typical_price
from napkin.units import DAYS_PER_MONTH


@dataclass(frozen=True)
class Volume:
    """The design's request and volume, and its fleet in replicas (plan figures)."""

    prefill_tokens: float
    cached_tokens: float
    output_tokens: float
    requests_per_month: float
    requests_per_replica_month: float
    replica_usd_per_month: float

    @classmethod
    def of(cls, f: dict[str, Any]) -> Volume:
        cached = f["context_tokens"] - f["prefill_tokens_per_request"]
        cached -= f["output_tokens_per_request"]
        month = f["requests_per_day"] * DAYS_PER_MONTH
        replicas = f["model_replicas_provisioned"]
        return cls(
            f["prefill_tokens_per_request"],
            max(0.0, cached),
            f["output_tokens_per_request"],
            month,
            month / replicas,
            f["model_monthly_cost_usd"] / replicas,
        )

    @property
    def tokens_per_request(self) -> float:
        return self.prefill_tokens + self.cached_tokens + self.output_tokens


@dataclass(frozen=True)
class ApiOption:
    """One API's price of the design's volume, and the break-even against the fleet."""

    price: ApiPrice
    usd_per_request: float
    usd_per_month: float
    break_even_requests_per_month: float
    break_even_tokens_per_month: float

    def to_json(self) -> dict[str, Any]:
        p = self.price
        return {
            "provider": p.provider,
            "usd_per_m_input": p.usd_per_m_input,
            "usd_per_m_cached_input": p.usd_per_m_cached_input,
            "usd_per_m_output": p.usd_per_m_output,
            "date": p.date,
            "source": f"{p.source_repo_or_url} {p.source_path} {p.source_commit}".strip(),
            "usd_per_request": self.usd_per_request,
            "usd_per_month": self.usd_per_month,
            "break_even_requests_per_month": self.break_even_requests_per_month,
            "break_even_tokens_per_month": self.break_even_tokens_per_month,
        }


def option(volume: Volume, price: ApiPrice) -> ApiOption:
    """One API against the fleet at the design's volume."""
    per_request = cost.api_usd_per_request(
        volume.prefill_tokens,
        volume.cached_tokens,
        volume.output_tokens,
        price.usd_per_m_input,
        price.cached_input,
        price.usd_per_m_output,
    )
    even = cost.break_even_requests_per_month(
        per_request, volume.requests_per_replica_month, volume.replica_usd_per_month
    )
    return ApiOption(
        price,
        per_request,
        per_request * volume.requests_per_month,
        even,
        even * volume.tokens_per_request,
    )


def api_options(model: str, f: dict[str, Any]) -> list[ApiOption]:
    """Every listed API for `model`, cheapest at the design's request first."""
    if "model_replicas_provisioned" not in f or "model_monthly_cost_usd" not in f:
        return []
    volume = Volume.of(f)
    return sorted(
        (option(volume, p) for p in api_prices_of(model)), key=lambda o: o.usd_per_request
    )


def add_api_alternative(sheet: Sheet, model: str) -> None:
    """The cheapest listed API for the design's model, its bill at the design's volume and
    the break-even volume (nothing when the list has no API for the model)."""
    f = {key: figure.value for key, figure in sheet.figures.items()}
    options = api_options(model, f)
    if not options:
        return
    sheet.section = "API alternative"
    best = options[0]
    p = best.price
    sheet.add(
        "api_usd_per_request",
        best.usd_per_request,
        "USD",
        Source.catalog,
        detail=f"{p.provider}, the cheapest of {len(options)} listed APIs for {model} "
        f"({p.date}): ${p.usd_per_m_input:g} input, ${p.cached_input:g} cached, "
        f"${p.usd_per_m_output:g} output a million tokens",
        cite=f"{p.source_repo_or_url} {p.source_path} {p.source_commit}".strip(),
    )
    sheet.add(
        "api_monthly_cost_usd",
        best.usd_per_month,
        "USD/month",
        Source.formula,
        formula="api_monthly_cost_usd = api_usd_per_request × requests_per_day × 30 d",
    )
    never = best.break_even_requests_per_month == inf
    sheet.add(
        "api_cheaper_at_every_volume",
        never,
        "yes/no",
        Source.formula,
        detail="a full replica's requests cost less from the cheapest API than the replica",
        formula="api_cheaper_at_every_volume = api_usd_per_request × requests a replica serves "
        "a month ≤ a replica's monthly cost",
    )
    if not never:
        sheet.add(
            "api_break_even_requests_per_month",
            best.break_even_requests_per_month,
            "req/month",
            Source.formula,
            detail="above it the fleet stays cheaper than the cheapest API",
            formula="api_break_even_requests_per_month = max(1, ⌈c / (a·Q − c)⌉) × c / a, a = "
            "api_usd_per_request, Q = requests a replica serves a month, c = a replica's "
            "monthly cost",
        )
    sheet.add(
        "self_hosted_over_api",
        f["model_monthly_cost_usd"] / best.usd_per_month,
        "×",
        Source.formula,
        formula="self_hosted_over_api = model_monthly_cost_usd / api_monthly_cost_usd",
    )


@dataclass(frozen=True)
class Sensitivity:
    """The break-even against one API when the fleet's price or utilisation changes."""

    label: str
    replica_usd_per_month: float
    requests_per_replica_month: float
    break_even_requests_per_month: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def sensitivity(
    volume: Volume, api: ApiOption, gpu: str, price_usd: float, utilisation: float
) -> list[Sensitivity]:
    """The break-even under each pricing plan the price list has for `gpu` (a replica's
    cost scaled by plan price / the design's), and with the fleet busier than planned
    (autoscaling: a replica serves utilisation' / utilisation times the requests)."""
    rows = []
    for plan in Pricing:
        listed = prices_of(gpu, plan)
        if not listed:
            continue
        typical = typical_price(gpu, plan)
        scale = typical.usd_per_gpu_hour / price_usd
        rows.append(
            _at(
                volume,
                api,
                f"{plan.value} ${typical.usd_per_gpu_hour:.2f}/GPU-h "
                f"(median of {len(listed)}, {typical.date})",
                scale,
                1.0,
            )
        )
    for busy in sorted({utilisation, 0.5, 0.8, 1.0}):
        if busy >= utilisation:
            rows.append(_at(volume, api, f"utilisation {busy:.0%}", 1.0, busy / utilisation))
    return rows


def _at(volume: Volume, api: ApiOption, label: str, price: float, capacity: float) -> Sensitivity:
    replica = volume.replica_usd_per_month * price
    served = volume.requests_per_replica_month * capacity
    even = cost.break_even_requests_per_month(api.usd_per_request, served, replica)
    return Sensitivity(label, replica, served, even)
