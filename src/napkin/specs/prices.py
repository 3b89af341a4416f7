"""Dated price lists: GPU-hours by pricing plan, and API tokens by model (issue #18).

Two files in `catalog/`, a row a published price with its provider, date and source (the
repository, path and commit it was read at, kept whole; `catalog/PRICES.md` describes each
source and its caveats):
- `gpu_prices.csv`: USD a GPU-hour, by GPU and plan (on-demand, 1- and 3-year reserved, spot);
- `api_prices.csv`: USD a million input, cached-input and output tokens, by model and provider.
Prices age: every figure napkin takes from them carries its date.
"""

from __future__ import annotations

import csv
from enum import Enum
from functools import cache
from pathlib import Path
from statistics import median_low

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from napkin.errors import NapkinError

CATALOG_DIR = Path(__file__).parent / "catalog"
GPU_PRICES_FILE = CATALOG_DIR / "gpu_prices.csv"
API_PRICES_FILE = CATALOG_DIR / "api_prices.csv"


class Pricing(str, Enum):
    """How GPU-hours are bought."""

    on_demand = "on_demand"
    reserved_1y = "reserved_1y"
    reserved_3y = "reserved_3y"
    spot = "spot"


class Listed(BaseModel):
    """A price list's row: who charges it, when, and where it was read."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    provider: str
    date: str
    source_repo_or_url: str
    source_path: str = ""
    source_commit: str = ""
    note: str = ""

    @property
    def source(self) -> str:
        """Where the row was read: repository or page, path and commit."""
        parts = [self.source_repo_or_url, self.source_path, self.source_commit[:12]]
        return " ".join(p for p in parts if p)


class GpuPrice(Listed):
    gpu: str
    pricing: Pricing
    usd_per_gpu_hour: float = Field(gt=0)
    region_or_sku: str = ""


class ApiPrice(Listed):
    model: str
    usd_per_m_input: float = Field(ge=0)
    usd_per_m_cached_input: float | None = Field(default=None, ge=0)
    usd_per_m_output: float = Field(ge=0)

    @property
    def cached_input(self) -> float:
        """USD a million cached input tokens: the list's, else the input price (no discount)."""
        return (
            self.usd_per_m_input
            if self.usd_per_m_cached_input is None
            else (self.usd_per_m_cached_input)
        )


def _rows(path: Path, kind: type[BaseModel]) -> tuple[BaseModel, ...]:
    with path.open(newline="") as handle:
        raw = list(csv.DictReader(handle))
    rows = []
    for line, row in enumerate(raw, start=2):
        cleaned = {k: v for k, v in row.items() if v not in ("", None)}
        try:
            rows.append(kind.model_validate(cleaned))
        except ValidationError as error:  # a broken shipped list is our bug: say where
            raise NapkinError(str(error), file=str(path), field=f"line {line}") from None
    return tuple(rows)


@cache
def gpu_prices() -> tuple[GpuPrice, ...]:
    return _rows(GPU_PRICES_FILE, GpuPrice)  # type: ignore[return-value]


@cache
def api_prices() -> tuple[ApiPrice, ...]:
    return _rows(API_PRICES_FILE, ApiPrice)  # type: ignore[return-value]


def prices_of(gpu: str, pricing: Pricing, provider: str | None = None) -> list[GpuPrice]:
    """The list's prices of one GPU on one plan (from one provider), cheapest first."""
    rows = [
        p
        for p in gpu_prices()
        if p.gpu == gpu
        and p.pricing == pricing
        and (provider is None or p.provider.lower() == provider.lower())
    ]
    return sorted(rows, key=lambda p: p.usd_per_gpu_hour)


def typical_price(
    gpu: str, pricing: Pricing, provider: str | None = None, field: str = "hardware.pricing"
) -> GpuPrice:
    """The median row (the lower of the middle two) of a GPU's prices on a plan, from one
    provider when named (plans compare fairly only within one provider: the hyperscalers'
    prices are whole VMs); an error naming what the list has when it has none."""
    rows = prices_of(gpu, pricing, provider)
    if not rows:
        have = sorted({f"{p.pricing.value} ({p.provider})" for p in gpu_prices() if p.gpu == gpu})
        wanted = pricing.value + (f" price from {provider}" if provider else " price")
        raise NapkinError(
            f"the price list has no {wanted} for {gpu} (it has: {', '.join(have) or 'none'}); "
            "give hardware.price_per_gpu_hour_usd or --price",
            field=field,
        )
    middle = median_low([p.usd_per_gpu_hour for p in rows])
    return next(p for p in rows if p.usd_per_gpu_hour == middle)


def api_prices_of(model: str) -> list[ApiPrice]:
    """The list's API prices for a model, cheapest output first."""
    rows = [p for p in api_prices() if p.model == model]
    return sorted(rows, key=lambda p: (p.usd_per_m_output, p.usd_per_m_input))
