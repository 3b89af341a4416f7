"""SI units and the few calendar constants napkin uses.

Inside napkin every quantity is SI (seconds, bytes, FLOP, FLOP/s, bytes/s, US dollars).
Conversions from the units people type (GiB, TB/s, TFLOP/s, ms) happen here, at the edges.
"""

from __future__ import annotations

from enum import Enum

KB = 1e3
MB = 1e6
GB = 1e9
TB = 1e12
GIB = 2.0**30
TERA = 1e12
MILLI = 1e-3

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
# A billing month is 30 days, as the reference design and most cloud calculators assume.
DAYS_PER_MONTH = 30.0


class Precision(str, Enum):
    """Numeric formats for weights and KV cache, with their storage size."""

    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"
    fp8 = "fp8"
    int8 = "int8"
    int4 = "int4"
    nvfp4 = "nvfp4"
    mxfp4 = "mxfp4"

    @property
    def bytes_per_value(self) -> float:
        return _BYTES[self]


_BYTES = {
    Precision.fp32: 4.0,
    Precision.bf16: 2.0,
    Precision.fp16: 2.0,
    Precision.fp8: 1.0,
    Precision.int8: 1.0,
    Precision.int4: 0.5,
    # 4-bit E2M1 values with one FP8 E4M3 scale per 16 (NVIDIA, "Introducing NVFP4 for
    # Efficient and Accurate Low-Precision Inference", 2025): 4 + 8 / 16 = 4.5 bits.
    Precision.nvfp4: 0.5625,
    # 4-bit E2M1 values with one E8M0 scale per 32 (OCP "Microscaling Formats (MX)
    # Specification" v1.0, 2023): 4 + 8 / 32 = 4.25 bits.
    Precision.mxfp4: 0.53125,
}


def si_prefix(value: float, digits: int = 3) -> str:
    """Format a number with an SI-style suffix: 4_166_666 -> '4.17M'."""
    magnitude = abs(value)
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= factor:
            return f"{value / factor:.{digits}g}{suffix}"
    if magnitude and magnitude < 1e-2:
        return f"{value:.{digits}g}"
    return f"{value:.{digits}g}"
