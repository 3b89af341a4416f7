"""How much of a GPU's datasheet peak real kernels reach: the performance model's knobs.

These few parameters are the only non-physical inputs to the roofline. Each resolves, in
order, from the design file (an assumption the user made), a fitted profile (the user's
own, `--profile`, or the one shipped for the GPU, fitted on published serving measurements),
the GPU's catalog microbenchmark, or napkin's default below (whose source is stated here).
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.errors import NapkinError
from napkin.figures import Source
from napkin.specs.hardware import GPU
from napkin.specs.profile import Efficiency, Profile

# Median of the large-GEMM fractions measured in shared/calibration (rows 159/162/164/166:
# 0.70 H100 fp8, 0.69 H200 fp8, 0.82 A100 bf16, 0.44 MI300X fp8), used for GPUs without
# a measurement of their own.
DEFAULT_COMPUTE_FRACTION = 0.70
# Median STREAM-Triad fraction in the same set (rows 160/163/165/167: 0.89, 0.86, 0.83, 0.77).
DEFAULT_BANDWIDTH_FRACTION = 0.85
# A fixed part per step (scheduling it), apart from the per-layer part: the fitted profiles
# put it at 0 when the per-layer part is free (RESULTS.md, calibration), so none is assumed.
DEFAULT_STEP_OVERHEAD_S = 0.0
# CPU work per running sequence per step (scheduling, sampling, detokenizing, output
# processing): vLLM's V1 rewrite names it the cost that grows with the batch while GPU
# steps shrink (vLLM blog, "vLLM V1", 2025-01-27). 0 until fitted: the fitted profiles
# (calibrations.yaml) measure it together with the fixed part.
DEFAULT_SEQUENCE_OVERHEAD_S = 0.0
# Kernel time that does not shrink with the work: every layer runs the same dozen or so
# kernels whatever the batch, and each pays a launch (replayed from a CUDA graph in decode)
# and a ramp before it reaches the memory roof. Single-stream decode of GPT-J 6B (28 layers)
# takes 5.4 ms/token on H100 fp8 and 9.0 ms on A100 fp16 (calibration rows 115/116) while
# its weights read in 2.0 ms and 7.1 ms: 121 and 68 µs a layer, about 90 µs. The fitted
# profiles measure it from models of different depth (8B: 32 layers, 70B: 80, 405B: 126).
DEFAULT_LAYER_OVERHEAD_S = 9.0e-5
# Per-collective latency of a small all-reduce inside an NVLink node (a one-shot custom
# all-reduce, as vLLM uses for decode-sized messages): an assumption until calibrated.
DEFAULT_ALLREDUCE_LATENCY_S = 8.0e-6
# NCCL reaches ~479 GB/s bus bandwidth on 8xH100 NVLink (row 161) vs 450 GB/s per direction
# on the datasheet: large messages reach the link rate; 0.8 leaves room for smaller ones.
DEFAULT_LINK_FRACTION = 0.8


# One line per default: where it comes from, as printed beside the figure.
DEFAULT_SOURCES = {
    "compute_fraction": "median large-GEMM fraction of the calibration set (rows 159-166)",
    "bandwidth_fraction": "median STREAM-Triad fraction of the calibration set (rows 160-167)",
    "link_fraction": "assumption below NCCL's 479 GB/s bus bandwidth on 8xH100 (row 161)",
    "step_overhead_s": "none assumed: fitted profiles put it at 0 beside the per-layer part",
    "sequence_overhead_s": "none assumed: only a fitted profile measures it",
    "layer_overhead_s": "GPT-J 6B batch-1 decode minus its weight reads, per layer (rows 115-116)",
    "allreduce_latency_s": "assumption for a one-shot NVLink all-reduce, not yet measured",
}


@dataclass(frozen=True)
class Origin:
    """Where one knob's value came from: kind, a short detail, and the full citation."""

    source: Source
    detail: str
    cite: str | None = None


@dataclass(frozen=True)
class ResolvedEfficiency:
    """Every knob with a value, and where each value came from."""

    compute_fraction: float
    bandwidth_fraction: float
    link_fraction: float
    step_overhead_s: float
    allreduce_latency_s: float
    origins: dict[str, Origin]
    sequence_overhead_s: float = 0.0  # after origins: positional callers predate it
    layer_overhead_s: float = 0.0

    def overhead_s(self, sequences: float, layers: int) -> float:
        """Per-step overhead = step_overhead_s + layer_overhead_s × layers +
        sequence_overhead_s × sequences: a fixed part (scheduling a step), a part per layer
        the GPU runs (kernels that take a minimum time however small the batch) and a part
        per running sequence (sampling, output processing)."""
        return (
            self.step_overhead_s
            + self.layer_overhead_s * layers
            + self.sequence_overhead_s * sequences
        )


def resolve(
    overrides: Efficiency | None,
    gpu: GPU,
    profile: Profile | None = None,
    engine: str | None = None,
) -> ResolvedEfficiency:
    """Pick each knob from the design, else the given profile, else the GPU's shipped
    calibration for the engine (a preset name; else the GPU's default profile), else its
    catalog microbenchmark, else napkin's default."""
    from napkin.specs.catalog import calibration_for

    if profile is not None and profile.gpu != gpu.name:
        raise NapkinError(
            f"profile {profile.name!r} was fitted on {profile.gpu}, but the design uses {gpu.name}",
            field="--profile",
        )
    given = overrides or Efficiency()
    fitted = profile or calibration_for(gpu.name, engine=engine)
    microbenchmark = {
        "compute_fraction": gpu.achievable_flops_fraction,
        "bandwidth_fraction": gpu.achievable_bandwidth_fraction,
    }
    defaults = {
        "compute_fraction": DEFAULT_COMPUTE_FRACTION,
        "bandwidth_fraction": DEFAULT_BANDWIDTH_FRACTION,
        "link_fraction": DEFAULT_LINK_FRACTION,
        "step_overhead_s": DEFAULT_STEP_OVERHEAD_S,
        "sequence_overhead_s": DEFAULT_SEQUENCE_OVERHEAD_S,
        "layer_overhead_s": DEFAULT_LAYER_OVERHEAD_S,
        "allreduce_latency_s": DEFAULT_ALLREDUCE_LATENCY_S,
    }
    values: dict[str, float] = {}
    origins: dict[str, Origin] = {}
    for key, default in defaults.items():
        if getattr(given, key) is not None:
            values[key] = getattr(given, key)
            origins[key] = Origin(Source.assumption, f"design field efficiency.{key}")
        elif fitted is not None and hasattr(fitted, key):
            values[key] = getattr(fitted, key)
            origins[key] = Origin(Source.calibration, fitted.description, fitted.fitted_on)
        elif microbenchmark.get(key) is not None:
            values[key] = microbenchmark[key]  # type: ignore[assignment]
            origins[key] = Origin(
                Source.catalog, f"{gpu.name} microbenchmark", gpu.efficiency_source
            )
        else:
            values[key] = default
            origins[key] = Origin(Source.default, DEFAULT_SOURCES[key])
    return ResolvedEfficiency(**values, origins=origins)
