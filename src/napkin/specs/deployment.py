"""How the model is laid onto GPUs: parallelism, number formats, memory policy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from napkin.errors import NapkinError
from napkin.specs.engine import (
    DEFAULT_ENGINE,
    FREE_AFTER_WEIGHTS_RESERVED_GIB,
    EnginePreset,
    KVMemoryOf,
    find_engine,
)
from napkin.units import Precision


class Deployment(BaseModel):
    """One serving replica's configuration (vLLM-style continuous batching).

    - `tp`: tensor-parallel degree, GPUs per replica.
    - `precision`: weight format; `kv_precision`: KV-cache format (default: bf16 unless the
      weights are fp8, which usually pairs with an fp8 KV cache).
    - `gpu_memory_utilization`: fraction of each GPU's memory the engine may use (vLLM's
      default is 0.9).
    - `reserved_gib_per_gpu`: memory held back for activations, CUDA graphs and allocator
      slack, before the KV cache gets the rest.
    - `max_batch`: concurrent sequences per replica; when omitted the plan derives it from
      KV-cache capacity and the time-per-token budget.
    - `headroom`: provisioned / needed capacity at peak.
    - `engine`: the serving engine (`catalog/engines.yaml`: vllm, sglang, tensorrt-llm,
      trtllm-bench): its batch limit, KV admission and step policy, and its fitted profile.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    tp: int = Field(default=1, ge=1, le=64)
    precision: Precision = Precision.bf16
    kv_precision: Precision | None = None
    gpu_memory_utilization: float = Field(
        default=0.9, ge=0.01, le=1, description="0.01 to 1 of each GPU's memory"
    )
    reserved_gib_per_gpu: float = Field(
        default=2.0, ge=0, le=1e5, description="0 to 1e5 GiB (past any GPU's memory)"
    )
    max_batch: int | None = Field(
        default=None,
        gt=0,
        description="at least 1; above what memory holds, the plan uses what fits and says so",
    )
    headroom: float = Field(
        default=1.25, ge=1, le=100, description="1 (none) to 100x the peak need"
    )
    engine: str = Field(default=DEFAULT_ENGINE, description="an engine preset's name")

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, name: str) -> str:
        try:
            return find_engine(name).name
        except NapkinError as error:
            raise ValueError(error.message) from None

    @property
    def preset(self) -> EnginePreset:
        return find_engine(self.engine)

    @property
    def memory_set_by_engine(self) -> bool:
        """True when the design leaves gpu_memory_utilization to its engine's default."""
        return "gpu_memory_utilization" not in self.model_fields_set

    @property
    def memory_utilization(self) -> float:
        """The design's gpu_memory_utilization, else its engine's KV memory fraction
        (vLLM 0.9 of the card, SGLang 0.835, TensorRT-LLM 0.9 of what the weights leave)."""
        if self.memory_set_by_engine:
            return self.preset.kv_memory_fraction
        return self.gpu_memory_utilization

    @property
    def reserved_gib(self) -> float:
        """The design's reserved_gib_per_gpu, else 1 GiB for an engine whose fraction is of
        the memory the weights leave (its fraction already excludes activations), else 2."""
        free_after = self.preset.kv_memory_of is KVMemoryOf.free_after_weights
        if "reserved_gib_per_gpu" not in self.model_fields_set and free_after:
            return FREE_AFTER_WEIGHTS_RESERVED_GIB
        return self.reserved_gib_per_gpu

    @property
    def kv_format(self) -> Precision:
        if self.kv_precision is not None:
            return self.kv_precision
        return Precision.fp8 if self.precision == Precision.fp8 else Precision.bf16
