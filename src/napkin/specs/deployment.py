"""How the model is laid onto GPUs: parallelism, number formats, memory policy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from napkin.errors import NapkinError
from napkin.specs.engine import DEFAULT_ENGINE, EnginePreset, find_engine
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
    def kv_format(self) -> Precision:
        if self.kv_precision is not None:
            return self.kv_precision
        return Precision.fp8 if self.precision == Precision.fp8 else Precision.bf16
