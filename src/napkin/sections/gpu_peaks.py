"""Catalog figures of the GPU that several sections need, added once with their source."""

from __future__ import annotations

from napkin.figures import Sheet, Source
from napkin.specs.hardware import GPU
from napkin.units import Precision


def add_hbm(sheet: Sheet, gpu: GPU) -> None:
    if "hbm_bytes" not in sheet:
        sheet.add(
            "hbm_bytes",
            gpu.memory_bytes,
            "B",
            Source.catalog,
            detail=f"{gpu.name}: {gpu.hbm_gib:g} GiB",
            cite=gpu.source,
        )


def add_peak_flops(sheet: Sheet, gpu: GPU, precision: Precision) -> None:
    if "peak_flops_per_gpu" not in sheet:
        sheet.add(
            "peak_flops_per_gpu",
            gpu.peak_flops_per_s(precision),
            "FLOP/s",
            Source.catalog,
            detail=f"{gpu.name} dense, {gpu.math_of(precision)}",
            cite=gpu.source,
        )
