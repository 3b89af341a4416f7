"""An accelerator as its datasheet describes it, plus the price of renting one.

Catalog figures keep the datasheet's own units (TFLOP/s, GiB, TB/s, GB/s) in their field
names; the properties convert to SI for the formulas.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from napkin.specs.bounds import at_least, at_most
from napkin.specs.prices import Pricing
from napkin.units import GB, GIB, TB, TERA, Precision

PEAK = "1e-3 (a GFLOP/s) to 1e6 (~450x a B200's dense peak)"


class GPU(BaseModel):
    """One accelerator model. `source` names where its figures come from."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    aliases: tuple[str, ...] = ()
    vendor: str
    bf16_dense_tflops: float = Field(ge=1e-3, le=1e6, description=PEAK)
    fp8_dense_tflops: float | None = Field(default=None, ge=1e-3, le=1e6, description=PEAK)
    int8_dense_tops: float | None = Field(default=None, ge=1e-3, le=1e6, description=PEAK)
    fp4_dense_tflops: float | None = Field(default=None, ge=1e-3, le=1e6, description=PEAK)
    hbm_gib: float = Field(ge=1e-3, le=1e6, description="1 MiB to 1e6 GiB (~5000x an H200)")
    hbm_bandwidth_tb_per_s: float = Field(
        ge=1e-3, le=1e4, description="1 GB/s to 1e4 TB/s (~2000x an H200)"
    )
    interconnect: str
    interconnect_gb_per_s: float = Field(
        ge=1e-3,
        le=1e6,
        description="per GPU, bidirectional; 1 MB/s to 1e6 GB/s (~550x NVLink 5)",
    )
    max_gpus_per_node: int = Field(default=8, gt=0, le=100_000, description="1 to 1e5")
    nvlink_domain_gpus: int | None = Field(
        default=None, gt=0, le=100_000, description="GPUs on one scale-up fabric (NVL72: 72)"
    )
    inter_node_gb_per_s: float | None = Field(
        default=None, ge=1e-3, le=1e6, description="scale-out per GPU, one direction, GB/s"
    )
    inter_node_latency_us: float | None = Field(
        default=None, ge=0, le=1e6, description="small-message latency across nodes, µs"
    )
    scale_out_source: str | None = None
    achievable_flops_fraction: float | None = Field(default=None, ge=1e-3, le=1)
    achievable_bandwidth_fraction: float | None = Field(default=None, ge=1e-3, le=1)
    efficiency_source: str | None = None
    price_per_gpu_hour_usd: Annotated[
        float, at_least(1e-4, "USD per GPU-hour"), at_most(1e4, "USD per GPU-hour")
    ] = Field(gt=0, description="$1e-4 to $1e4 per GPU-hour (~5000x an H100's price)")
    price_source: str
    price_date: str | None = None
    pricing: Pricing = Pricing.on_demand  # the plan the price is for (`specs/prices.py`)
    price_provider: str | None = None  # whose listed price `pricing` takes (default: median)
    reserved_price_fraction: float | None = Field(
        default=None, gt=0, le=1, description="1-year reserved price ÷ on-demand; 0 to 1"
    )
    source: str
    notes: str | None = None

    def peak_tflops(self, precision: Precision) -> float | None:
        """Dense tensor-core peak of the precision's own math, or None where the GPU has
        none (`native`). bf16/fp16/fp32 and int4 (weight-only kernels dequantise to the
        activations' type) run bf16 math."""
        if not self.native(precision):
            return None
        return {
            Precision.fp8: self.fp8_dense_tflops,
            Precision.int8: self.int8_dense_tops,
            Precision.nvfp4: self.fp4_dense_tflops,
            Precision.mxfp4: self.fp4_dense_tflops,
        }.get(precision, self.bf16_dense_tflops)

    def native(self, precision: Precision) -> bool:
        """Whether the GPU's tensor cores compute in the precision: fp8, int8 and FP4
        where the catalog gives their peak; NVFP4 only on NVIDIA parts (AMD's CDNA4
        runs MXFP4). Otherwise weights in it run weight-only, dequantised to bf16."""
        peaks = {
            Precision.fp8: self.fp8_dense_tflops,
            Precision.int8: self.int8_dense_tops,
            Precision.mxfp4: self.fp4_dense_tflops,
            Precision.nvfp4: self.fp4_dense_tflops if self.vendor == "nvidia" else None,
        }
        return precision not in peaks or peaks[precision] is not None

    def math_of(self, precision: Precision) -> str:
        """How weights in `precision` compute here: 'native fp8' or 'weight-only: fp8
        weights, bf16 math (no fp8 tensor cores on A100-80GB)'."""
        if self.native(precision):
            return f"native {precision.value}"
        return (
            f"weight-only: {precision.value} weights, bf16 math "
            f"(no {precision.value} tensor cores on {self.name})"
        )

    def peak_flops_per_s(self, precision: Precision) -> float:
        """Peak FLOP/s for `precision`, falling back to bf16 math where the format has no
        tensor-core path (e.g. fp8 weights on an A100 are upcast)."""
        tflops = self.peak_tflops(precision) or self.bf16_dense_tflops
        return tflops * TERA

    @property
    def memory_bytes(self) -> float:
        return self.hbm_gib * GIB

    @property
    def bandwidth_bytes_per_s(self) -> float:
        return self.hbm_bandwidth_tb_per_s * TB

    @property
    def link_bytes_per_s(self) -> float:
        """One direction of the GPU-to-GPU link: half the datasheet's bidirectional figure."""
        return self.interconnect_gb_per_s * GB / 2

    @property
    def domain_gpus(self) -> int:
        """GPUs that reach each other at `interconnect_gb_per_s`: a node (NVLink or PCIe),
        or a larger NVLink domain (GB200 NVL72: 72 GPUs over 18 trays of 4)."""
        return max(self.nvlink_domain_gpus or 1, self.max_gpus_per_node)
