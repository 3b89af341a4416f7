"""Cost section: GPU-hours and dollars for both views."""

from __future__ import annotations

from napkin.capacity import cost
from napkin.figures import Sheet, Source
from napkin.specs.design import DesignBase
from napkin.specs.hardware import GPU


def add_price(
    sheet: Sheet,
    design: DesignBase,
    gpu: GPU | None = None,
    key: str = "price_per_gpu_hour_usd",
    field: str = "hardware",
) -> None:
    """The GPU-hour price (of `gpu`, default the design's): the design's assumption, else
    the catalog's with its source."""
    gpu = gpu or design.hardware
    if gpu.price_source.startswith("assumption"):
        sheet.assume(
            key, gpu.price_per_gpu_hour_usd, "USD/GPU-h", f"{field}.price_per_gpu_hour_usd"
        )
    else:
        sheet.add(
            key,
            gpu.price_per_gpu_hour_usd,
            "USD/GPU-h",
            Source.catalog,
            detail=f"{gpu.name} {gpu.pricing.value.replace('_', '-')} price ({gpu.price_date})",
            cite=gpu.price_source,
        )


def add_cost(sheet: Sheet, design: DesignBase) -> None:
    sheet.section = "cost"
    add_price(sheet, design)
    for prefix in ("", "model_"):
        gpus = f"{prefix}gpus_provisioned"
        if gpus not in sheet:
            continue  # no rule of thumb: only the model's fleet is priced
        hours, monthly = f"{prefix}gpu_hours_per_month", f"{prefix}monthly_cost_usd"
        sheet.derive(cost.gpu_hours_per_month, "GPU-h", key=hours, bind={"gpus": gpus})
        sheet.derive(
            cost.monthly_cost_usd, "USD/month", key=monthly, bind={"gpu_hours_per_month": hours}
        )
        sheet.derive(
            cost.usd_per_million_output_tokens,
            "USD/Mtok",
            key=f"{prefix}usd_per_million_output_tokens",
            bind={"monthly_cost_usd": monthly},
        )
        sheet.derive(
            cost.usd_per_request,
            "USD",
            key=f"{prefix}usd_per_request",
            bind={"monthly_cost_usd": monthly},
        )
    if "gpus_provisioned" in sheet:  # the design's rule of thumb, at full load
        sheet.derive(cost.usd_per_million_output_tokens_at_full_load, "USD/Mtok")
