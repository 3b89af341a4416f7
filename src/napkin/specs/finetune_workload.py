"""A multi-tenant LoRA fine-tuning service: a job mix over base models, and its prices."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from napkin.specs.model import Model
from napkin.specs.workload import MAX_TOKENS


class Method(str, Enum):
    """- full: every weight trained (mixed-precision Adam).
    - lora: a frozen 16-bit base (the deployment's precision) and low-rank adapters.
    - qlora: a frozen NF4 base and low-rank adapters (Dettmers et al. 2023)."""

    full = "full"
    lora = "lora"
    qlora = "qlora"


class Optimizer(str, Enum):
    """Optimizer state a trainable parameter keeps on the GPU, in bytes:
    adamw 12 (fp32 master, momentum, variance), adamw_8bit 6 (fp32 master, 1 B moments),
    paged_adamw_8bit 0 (paged to the host under pressure)."""

    adamw = "adamw"
    adamw_8bit = "adamw_8bit"
    paged_adamw_8bit = "paged_adamw_8bit"

    @property
    def state_bytes(self) -> float:
        return {"adamw": 12.0, "adamw_8bit": 6.0, "paged_adamw_8bit": 0.0}[self.value]


class BaseShare(BaseModel):
    """One base model of the mix, its share of jobs and the list price of a job on it.
    `model` is a catalog name, or in a file `{hf_config: path}` (its shape, read whole)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    model: str | Model

    @property
    def name(self) -> str:
        return self.model if isinstance(self.model, str) else self.model.name

    label: str = Field(pattern=r"^[a-z0-9_]+$", description="short key suffix, e.g. 7b")
    share: float = Field(gt=0, le=1)
    price_per_job_usd: float = Field(ge=1e-6, le=1e9, description="$1e-6 to $1e9")


class FinetuneWorkload(BaseModel):
    """Jobs arrive at `jobs_per_hour`; each trains `examples x seq_len x epochs` tokens.

    - `flops_per_param_token`: 6 for a full fine-tune (2 forward + 4 backward), about 4 for
      LoRA (the backward pass still computes activation gradients through frozen weights,
      but no weight gradients: Hu et al. 2021; Kaplan et al. 2020 for the 6N rule).
    - `mfu`: model FLOP utilisation reached by the trainer; omitted, napkin predicts it
      from the job's layout (`perf.training`).
    - `lora_rank` and `lora_targets` size each adapter.
    - `method`: lora (a 16-bit frozen base), qlora (an NF4 base) or full; `optimizer`:
      adamw, adamw_8bit or paged_adamw_8bit; `zero_stage` 0-3 (3 = FSDP's full shard)
      over a job's GPUs; `activation_checkpointing`: keep only each layer's input
      (`capacity.training_memory`).
    - `start_sla_s` / `start_sla_quantile`: e.g. 99% of jobs start within 5 minutes.
    - `spot_price_fraction`: spot price / on-demand price; `spot_eligible_fraction`: jobs
      that can checkpoint and run on spot.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    bases: tuple[BaseShare, ...] = Field(min_length=1)
    customers: float = Field(ge=1, le=1e11, description="1 to 1e11 (world population x10)")
    adapters_per_customer: float = Field(default=1, ge=1e-3, le=1e6, description="1e-3 to 1e6")
    examples_per_job: float = Field(ge=1, le=1e12, description="1 to 1e12")
    seq_len: float = Field(ge=1, le=MAX_TOKENS, description="1 to 1e8 tokens")
    epochs: float = Field(ge=1e-3, le=1e4, description="1e-3 to 1e4")
    batch_size: int = Field(default=8, ge=1, le=1_000_000, description="1 to 1e6")
    flops_per_param_token: float | None = Field(
        default=None, ge=1, le=100, description="1 to 100 (default 6 full, 4 LoRA)"
    )
    mfu: float | None = Field(
        default=None, ge=1e-4, le=1, description="1e-4 to 1; omit to predict it"
    )
    jobs_per_hour: float = Field(ge=1e-4, le=1e9, description="1e-4 to 1e9")
    start_sla_s: float = Field(ge=1e-3, le=1e8, description="1 ms to 1e8 s (~3 years)")
    start_sla_quantile: float = Field(default=0.99, ge=1e-6, le=1 - 1e-9)
    lora_rank: int = Field(ge=1, le=1_000_000, description="1 to 1e6")
    lora_targets: tuple[str, ...] = ("q", "k", "v", "o", "gate", "up", "down")
    method: Method = Method.lora
    optimizer: Optimizer = Optimizer.adamw
    zero_stage: int = Field(default=3, ge=0, le=3, description="0 to 3 (3: FSDP full shard)")
    activation_checkpointing: bool = True
    spot_price_fraction: float = Field(ge=1e-4, le=1, description="1e-4 to 1")
    spot_eligible_fraction: float = Field(ge=0, le=1)

    @property
    def flops_per_param(self) -> float:
        """The design's flops_per_param_token, else 6 for a full fine-tune (2 forward + 4
        backward) and 4 for LoRA and QLoRA (no weight gradients of the frozen base)."""
        if self.flops_per_param_token is not None:
            return self.flops_per_param_token
        return 6.0 if self.method is Method.full else 4.0

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> FinetuneWorkload:
        total = sum(b.share for b in self.bases)
        if abs(total - 1) > 1e-6:
            raise ValueError(f"bases' shares must sum to 1 (they sum to {total:g})")
        allowed = {"q", "k", "v", "o", "gate", "up", "down"}
        if not set(self.lora_targets) <= allowed:
            raise ValueError(f"lora_targets must be among {sorted(allowed)}")
        return self
