"""A transformer's shape: everything napkin needs to count its bytes and FLOPs.

Field names follow Hugging Face `config.json` meanings (see `hf_config.py` for the mapping).
Parameter counts are derived from the shape, so a model's memory and FLOPs always agree
with its layers; the publisher's stated count (`params_b`) is kept only as a cross-check.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

WHY = "a whole number at most 1e5-1e10 per field: past every published model by far"


class MoE(BaseModel):
    """Mixture-of-experts FFN: each token is routed to `num_active_experts` of `num_experts`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    num_experts: int = Field(gt=0, le=1_000_000, description=WHY)
    num_active_experts: int = Field(gt=0, le=1_000_000, description=WHY)
    expert_ffn_size: int = Field(gt=0, le=100_000_000, description=WHY)
    num_shared_experts: int = Field(default=0, ge=0, le=1_000_000, description=WHY)
    first_dense_layers: int = Field(default=0, ge=0, le=100_000, description=WHY)

    @model_validator(mode="after")
    def _active_within_total(self) -> MoE:
        if self.num_active_experts > self.num_experts:
            raise ValueError("num_active_experts must not exceed num_experts")
        return self


class MLA(BaseModel):
    """Multi-head latent attention (DeepSeek-V2/V3): the KV cache holds one compressed latent
    of `kv_lora_rank` plus a shared rotary key of `qk_rope_head_dim` per token and layer."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kv_lora_rank: int = Field(gt=0, le=1_000_000, description=WHY)
    q_lora_rank: int | None = Field(default=None, gt=0, le=1_000_000, description=WHY)
    qk_rope_head_dim: int = Field(gt=0, le=100_000, description=WHY)
    qk_nope_head_dim: int = Field(gt=0, le=100_000, description=WHY)
    v_head_dim: int = Field(gt=0, le=100_000, description=WHY)


class Model(BaseModel):
    """A decoder-only transformer (dense, MoE, GQA/MQA, MLA, sliding window)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    aliases: tuple[str, ...] = ()
    hf_repo: str | None = None
    source: str | None = None
    params_b: float | None = Field(
        default=None, ge=1e-6, le=1e6, description="publisher's stated total; 1e-6 to 1e6 B"
    )
    active_params_b: float | None = Field(
        default=None, ge=1e-6, le=1e6, description="1e-6 to 1e6 B"
    )
    params_source: str | None = None
    num_layers: int = Field(gt=0, le=100_000, description=WHY)
    hidden_size: int = Field(gt=0, le=10_000_000, description=WHY)
    num_attention_heads: int = Field(gt=0, le=1_000_000, description=WHY)
    num_kv_heads: int = Field(gt=0, le=1_000_000, description=WHY)
    head_dim: int = Field(gt=0, le=100_000, description=WHY)
    ffn_size: int = Field(gt=0, le=100_000_000, description=WHY)
    ffn_gated: bool = True
    vocab_size: int = Field(gt=0, le=1_000_000_000, description=WHY)
    tie_word_embeddings: bool = False
    max_context: int = Field(gt=0, le=10_000_000_000, description=WHY)
    sliding_window: int | None = Field(default=None, gt=0, le=10_000_000_000, description=WHY)
    sliding_window_layers: int | None = Field(
        default=None, ge=0, description="layers using the window; default all when set"
    )
    attention_bias: bool = False
    moe: MoE | None = None
    mla: MLA | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Model:
        if self.num_attention_heads % self.num_kv_heads:
            raise ValueError(
                f"num_attention_heads ({self.num_attention_heads}) must be a multiple of "
                f"num_kv_heads ({self.num_kv_heads})"
            )
        if (self.sliding_window_layers or 0) > self.num_layers:
            raise ValueError("sliding_window_layers must not exceed num_layers")
        if self.moe is not None and self.moe.first_dense_layers > self.num_layers:
            raise ValueError("moe.first_dense_layers must not exceed num_layers")
        return self

    @property
    def windowed_layers(self) -> int:
        """Layers whose attention (and KV cache) is limited to `sliding_window` tokens."""
        if self.sliding_window is None:
            return 0
        return self.num_layers if self.sliding_window_layers is None else self.sliding_window_layers

    # --- parameter counts, derived from the shape -------------------------------------

    @property
    def attention_params_per_layer(self) -> float:
        """Q, K, V and output projections of one layer.

        GQA: h*(H*d) + 2*h*(K*d) + (H*d)*h, for hidden h, heads H, KV heads K, head dim d.
        MLA (DeepSeek-V3 paper, sec. 2.1.1): q = h*r_q + r_q*H*(d_nope+d_rope) (or h*H*(...)
        without a query LoRA), kv = h*(r_kv+d_rope) + r_kv*H*(d_nope+d_v), o = H*d_v*h.
        """
        h, n = self.hidden_size, self.num_attention_heads
        if self.mla is None:
            q = h * n * self.head_dim
            kv = 2 * h * self.num_kv_heads * self.head_dim
            bias = (n + 2 * self.num_kv_heads) * self.head_dim if self.attention_bias else 0
            return q + kv + n * self.head_dim * h + bias
        m = self.mla
        qk_dim = m.qk_nope_head_dim + m.qk_rope_head_dim
        if m.q_lora_rank is None:
            q = h * n * qk_dim
        else:
            q = h * m.q_lora_rank + m.q_lora_rank * n * qk_dim
        kv = h * (m.kv_lora_rank + m.qk_rope_head_dim)
        kv += m.kv_lora_rank * n * (m.qk_nope_head_dim + m.v_head_dim)
        return q + kv + n * m.v_head_dim * h

    def _ffn_params(self, width: int) -> float:
        """One FFN block: 3*h*f when gated (gate, up, down), else 2*h*f."""
        return (3 if self.ffn_gated else 2) * self.hidden_size * width

    @property
    def dense_layers(self) -> int:
        return self.num_layers if self.moe is None else self.moe.first_dense_layers

    @property
    def moe_layers(self) -> int:
        return self.num_layers - self.dense_layers

    def ffn_params_per_moe_layer(self, moe: MoE, experts: int) -> float:
        """`experts` routed experts plus the shared ones, plus the router (h * E)."""
        per_expert = self._ffn_params(moe.expert_ffn_size)
        return (experts + moe.num_shared_experts) * per_expert + self.hidden_size * moe.num_experts

    @property
    def embedding_params(self) -> float:
        """Input embedding plus the output head unless tied: V*h*(1 if tied else 2)."""
        return self.vocab_size * self.hidden_size * (1 if self.tie_word_embeddings else 2)

    def _params(self, routed_experts: int) -> float:
        per_layer_norms = 2 * self.hidden_size
        total = self.embedding_params + self.hidden_size  # final norm
        total += self.num_layers * (self.attention_params_per_layer + per_layer_norms)
        total += self.dense_layers * self._ffn_params(self.ffn_size)
        if self.moe is not None:
            total += self.moe_layers * self.ffn_params_per_moe_layer(self.moe, routed_experts)
        return total

    @property
    def total_params(self) -> float:
        """All weights: embeddings + layers x (attention + norms + FFN or all experts)."""
        return self._params(self.moe.num_experts if self.moe else 0)

    @property
    def ffn_params(self) -> float:
        """FFN weights, sharded over every GPU of a replica: dense layers' FFNs plus every
        MoE layer's routed and shared experts (not the router)."""
        total = self.dense_layers * self._ffn_params(self.ffn_size)
        if self.moe is not None:
            moe = self.moe
            experts = moe.num_experts + moe.num_shared_experts
            total += self.moe_layers * experts * self._ffn_params(moe.expert_ffn_size)
        return total

    @property
    def attention_group_params(self) -> float:
        """Weights each attention group holds whole or shards over its own GPUs: attention,
        norms, router, embeddings and output head (total_params − ffn_params)."""
        return self.total_params - self.ffn_params

    @property
    def active_params(self) -> float:
        """Weights one token touches: as `total_params` with only the routed-to experts."""
        return self._params(self.moe.num_active_experts if self.moe else 0)

    @property
    def kv_heads_or_latent(self) -> str:
        """A short label of the attention type, for reports."""
        if self.mla is not None:
            return f"MLA (latent {self.mla.kv_lora_rank}+{self.mla.qk_rope_head_dim})"
        if self.num_kv_heads == 1:
            return "MQA"
        if self.num_kv_heads < self.num_attention_heads:
            return f"GQA ({self.num_attention_heads}/{self.num_kv_heads})"
        return "MHA"
