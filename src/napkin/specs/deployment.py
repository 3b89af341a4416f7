"""How the model is laid onto GPUs: parallelism, number formats, memory policy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from napkin.errors import NapkinError
from napkin.specs.engine import (
    DEFAULT_ENGINE,
    FREE_AFTER_WEIGHTS_RESERVED_GIB,
    EnginePreset,
    KVMemoryOf,
    find_engine,
)
from napkin.units import Precision

# The busiest expert-parallel rank's routed tokens over the mean, with a load balancer and
# redundant experts (EPLB): (max − mean) / mean = 0.109 for DeepSeek-R1 at EP32 on GB200
# (NVIDIA, "Scaling Expert Parallelism in TensorRT-LLM (Part 1)", 2025, Table 1), so 1.1.
# Without EPLB the same table gives 1.564, a factor of 2.56: set expert_imbalance: 2.5.
EXPERT_IMBALANCE = 1.1
EXPERT_IMBALANCE_SOURCE = (
    "NVIDIA TensorRT-LLM blog 'Scaling Expert Parallelism in TensorRT-LLM (Part 1)' (2025), "
    "Table 1: DeepSeek-R1 at EP32 with EPLB, (max - mean) / mean = 0.109; 1.564 without"
)


class Deployment(BaseModel):
    """One serving replica's configuration (vLLM-style continuous batching).

    - `tp`: GPUs per pipeline stage (SGLang's `--tp`; the whole replica without pipeline
      parallelism): the tensor-parallel world the dense layers are sharded over.
    - `pp`: pipeline stages (vLLM `--pipeline-parallel-size`): the layers split into `pp`
      consecutive groups, each on its own `tp` GPUs, so a replica has tp × pp GPUs.
    - `dp_attention`: attention data parallelism (SGLang `--dp` with `--enable-dp-attention`,
      vLLM `--data-parallel-size`): the `tp` GPUs form `dp_attention` groups of
      `attention_tp = tp / dp_attention`; each group runs attention for its own sequences
      with its own copy of the attention weights and its own KV cache, so an MLA latent
      is copied only within a group.
    - `ep`, `moe_tp`: the routed experts are split over `ep` expert-parallel ranks, each
      expert sharded `moe_tp` ways; `ep × moe_tp = tp` (default `ep` 1, `moe_tp` tp).
    - `expert_imbalance`: the busiest EP rank's routed tokens over the mean (it sets the
      step); default 1.1, with a load balancer (see `EXPERT_IMBALANCE`).
    - `two_batch_overlap`: split each step's batch in two and run one half's compute while
      the other's all-to-alls are in flight (SGLang `--enable-two-batch-overlap`); needs
      `ep` > 1.
    - `precision`: weight format; `kv_precision`: KV-cache format (default: bf16 unless the
      weights are fp8 or FP4, which usually pair with an fp8 KV cache).
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

    tp: int = Field(default=1, ge=1, le=1024, description="1 to 1024 GPUs per stage")
    pp: int = Field(default=1, ge=1, le=128, description="1 to 128 pipeline stages")
    dp_attention: int = Field(default=1, ge=1, le=1024, description="a divisor of tp")
    ep: int = Field(default=1, ge=1, le=1024, description="a divisor of tp")
    moe_tp: int | None = Field(default=None, ge=1, le=1024, description="tp / ep (the default)")
    expert_imbalance: float = Field(
        default=EXPERT_IMBALANCE, ge=1, le=100, description="1 (even) to 100x the mean load"
    )
    two_batch_overlap: bool = False
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

    @model_validator(mode="after")
    def _layout(self) -> Deployment:
        """Each split must divide the replica's GPUs, and experts fill them exactly."""
        if self.tp * self.pp > 1024:
            raise ValueError(
                f"tp × pp = {self.tp} × {self.pp} = {self.tp * self.pp} GPUs a replica; "
                "napkin plans replicas of at most 1,024 GPUs"
            )
        if self.tp % self.dp_attention:
            raise ValueError(
                f"dp_attention {self.dp_attention} must divide tp {self.tp}: each of the "
                "attention groups gets tp / dp_attention GPUs"
            )
        if self.tp % self.ep:
            raise ValueError(f"ep {self.ep} must divide tp {self.tp}")
        if self.two_batch_overlap and self.ep <= 1:
            raise ValueError(
                "two_batch_overlap hides the expert-parallel all-to-alls behind compute: "
                "it needs ep > 1"
            )
        if self.moe_tp is not None and self.ep * self.moe_tp != self.tp:
            raise ValueError(
                f"ep × moe_tp must equal tp: {self.ep} × {self.moe_tp} ≠ {self.tp} "
                f"(leave moe_tp out for tp / ep = {self.tp // self.ep})"
            )
        return self

    @property
    def gpus(self) -> int:
        """GPUs a replica takes: tp × pp."""
        return self.tp * self.pp

    @property
    def attention_tp(self) -> int:
        """GPUs one attention group shards its heads over: tp / dp_attention."""
        return self.tp // self.dp_attention

    @property
    def expert_tp(self) -> int:
        """Ways each routed expert is sharded: moe_tp, else tp / ep."""
        return self.moe_tp if self.moe_tp is not None else self.tp // self.ep

    @property
    def layout(self) -> str:
        """A short label: 'TP8', 'TP8 (DP-attention 8 × TP1, EP8)'."""
        parts = []
        if self.dp_attention > 1:
            parts.append(f"DP-attention {self.dp_attention} × TP{self.attention_tp}")
        if self.ep > 1:
            parts.append(f"EP{self.ep}" + (f" × TP{self.expert_tp}" if self.expert_tp > 1 else ""))
        if self.two_batch_overlap:
            parts.append("two-batch overlap")
        stages = f" × PP{self.pp}" if self.pp > 1 else ""
        return f"TP{self.tp}{stages}" + (f" ({', '.join(parts)})" if parts else "")

    @property
    def max_seqs(self) -> int:
        """Sequences the replica's engine runs at once: the preset's limit per scheduler ×
        dp_attention, as each attention group schedules its own batch (vLLM's data-parallel
        engine cores, SGLang's DP-attention workers)."""
        return self.preset.max_seqs * self.dp_attention

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
        low = (Precision.fp8, Precision.nvfp4, Precision.mxfp4)
        return Precision.fp8 if self.precision in low else Precision.bf16
