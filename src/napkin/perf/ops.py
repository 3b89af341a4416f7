"""A forward pass as a list of operations, each with its FLOPs and HBM bytes.

The roofline (`roofline.py`) turns these into time. One engine step is described by a
`Batch`: how many token rows pass through the GEMMs, how many sequences emit a token, and how
much KV cache the attention reads. The same description serves prefill, decode and the
mixed steps of chunked prefill, so planner and simulator share one performance model.

FLOP counts follow the usual 2 x (multiply-adds) convention (Kaplan et al. 2020, "Scaling
Laws", sec. 2.1: forward ~ 2N per token plus attention 2 x n_layer x n_ctx x d_attn).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from napkin.capacity.memory import kv_bytes_per_token_per_layer
from napkin.specs.model import Model
from napkin.units import Precision

# Activations travel in 16-bit in every engine napkin models; only weights and KV vary.
ACTIVATION_BYTES = 2.0


@dataclass(frozen=True)
class Batch:
    """One engine step's work.

    - `tokens`: rows through the GEMMs (decode sequences + prefill tokens this step).
    - `sequences`: sequences that produce a token this step (rows through the LM head).
    - `attended`: sum over the step's tokens of the context each attends to (attention FLOPs).
    - `kv_read_tokens`: KV-cache entries read from HBM per layer.
    - `attended_windowed`, `kv_read_windowed`: the same for sliding-window layers, where no
      token looks back further than the window.
    """

    tokens: float
    sequences: float
    attended: float
    kv_read_tokens: float
    attended_windowed: float
    kv_read_windowed: float


def _cap(context: float, window: int | None) -> float:
    return context if window is None else min(context, float(window))


def _causal_mean(prompt: float, window: int | None) -> float:
    """Mean context a prompt token attends to: (n + 1) / 2, or less under a window w < n:
    (sum_{i<=w} i + (n - w) * w) / n."""
    if window is None or prompt <= window:
        return (prompt + 1) / 2
    return (window * (window + 1) / 2 + (prompt - window) * window) / prompt


def mixed_batch(
    batch: float,
    context_tokens: float,
    prefill_tokens: float,
    prompt_tokens: float,
    window: int | None = None,
) -> Batch:
    """Chunked prefill: `batch` decodes at `context_tokens` each, plus `prefill_tokens` of
    prompts `prompt_tokens` long."""
    return Batch(
        tokens=batch + prefill_tokens,
        sequences=batch,
        attended=batch * context_tokens + prefill_tokens * _causal_mean(prompt_tokens, None),
        kv_read_tokens=batch * context_tokens + prefill_tokens,
        attended_windowed=batch * _cap(context_tokens, window)
        + prefill_tokens * _causal_mean(prompt_tokens, window),
        kv_read_windowed=batch * _cap(context_tokens, window) + prefill_tokens,
    )


def decode_batch(batch: float, context_tokens: float, window: int | None = None) -> Batch:
    """`batch` sequences each generate one token, attending to `context_tokens` each."""
    return mixed_batch(batch, context_tokens, 0.0, 0.0, window)


def prefill_batch(prompt_tokens: float, window: int | None = None) -> Batch:
    """One prompt processed whole; it emits its first token at the end."""
    return replace(mixed_batch(0.0, 0.0, prompt_tokens, prompt_tokens, window), sequences=1.0)


@dataclass(frozen=True)
class Op:
    """One operation of a step, summed over the layers it repeats in (whole replica).

    `weights` is the part of `bytes` that is weights; `group` says how a replica's GPUs
    share the op (`perf.sharding`): "tp" over all of them, "attention" per attention group
    (its weights copied in each group), "kv" per group with the KV cache's copies,
    "experts" over the expert-parallel ranks, the busiest of which sets the time."""

    name: str
    flops: float
    bytes: float
    weights: float = 0.0
    group: str = "tp"


def _gemm(
    name: str,
    rows: float,
    k: float,
    n: float,
    copies: float,
    weight_bytes: float,
    group: str = "tp",
) -> Op:
    """rows x k @ k x n, `copies` times: 2*rows*k*n FLOPs; weights k*n plus activations."""
    flops = 2 * rows * k * n * copies
    weights = k * n * copies * weight_bytes
    moved = weights + rows * (k + n) * copies * ACTIVATION_BYTES
    return Op(name, flops, moved, weights, group)


def _attention_projections(model: Model, b: Batch, w: float) -> list[Op]:
    h, heads, layers = model.hidden_size, model.num_attention_heads, model.num_layers
    if model.mla is None:
        qkv_out = (heads + 2 * model.num_kv_heads) * model.head_dim
        return [
            _gemm("attn_qkv", b.tokens, h, qkv_out, layers, w, "attention"),
            _gemm("attn_out", b.tokens, heads * model.head_dim, h, layers, w, "attention"),
        ]
    # MLA: count its projections as one GEMM with the same weight count and FLOPs per token.
    per_layer = model.attention_params_per_layer
    weights = per_layer * layers * w
    return [Op("attn_mla_proj", 2 * b.tokens * per_layer * layers, weights, weights, "attention")]


def _attention_core(model: Model, b: Batch, kv: Precision) -> Op:
    """QK^T and PV: 4 x attended x heads x head_dim FLOPs (MLA with absorbed projections:
    2 x attended x heads x (2 x kv_lora_rank + rope_dim)); bytes = KV read + written."""
    if model.mla is None:
        flops_per_pair = 4 * model.num_attention_heads * model.head_dim
    else:
        latent = 2 * model.mla.kv_lora_rank + model.mla.qk_rope_head_dim
        flops_per_pair = 2 * model.num_attention_heads * latent
    kv_token = kv_bytes_per_token_per_layer(model, kv)
    windowed = model.windowed_layers
    full = model.num_layers - windowed
    attended = full * b.attended + windowed * b.attended_windowed
    read = full * b.kv_read_tokens + windowed * b.kv_read_windowed
    written = model.num_layers * b.tokens
    return Op("attention", flops_per_pair * attended, (read + written) * kv_token, group="kv")


def _ffn(model: Model, b: Batch, w: float) -> list[Op]:
    h = model.hidden_size
    mats = 3 if model.ffn_gated else 2
    ops = []
    if model.dense_layers:
        ops.append(_gemm("ffn", b.tokens, h, model.ffn_size * mats, model.dense_layers, w))
    if model.moe is not None:
        moe = model.moe
        per_expert = h * moe.expert_ffn_size * mats
        # Each token picks k of E experts; E * (1 - (1 - k/E)^T) distinct experts get read.
        touched = moe.num_experts * (1 - (1 - moe.num_active_experts / moe.num_experts) ** b.tokens)
        for name, experts, rows, group in (
            ("ffn_moe", touched, moe.num_active_experts, "experts"),
            ("ffn_shared", moe.num_shared_experts, moe.num_shared_experts, "tp"),
        ):
            if not rows:
                continue
            weights = experts * per_expert * w * model.moe_layers
            acts = b.tokens * rows * h * 2 * ACTIVATION_BYTES * model.moe_layers
            flops = 2 * b.tokens * rows * per_expert * model.moe_layers
            ops.append(Op(name, flops, weights + acts, weights, group))
        router = _gemm("moe_router", b.tokens, h, moe.num_experts, model.moe_layers, w)
        ops.append(replace(router, group="attention"))
    return ops


def forward_ops(model: Model, batch: Batch, weights: Precision, kv: Precision) -> list[Op]:
    """Every operation of one step over the whole replica (before tensor-parallel split)."""
    w = weights.bytes_per_value
    return [
        *_attention_projections(model, batch, w),
        _attention_core(model, batch, kv),
        *_ffn(model, batch, w),
        _gemm("lm_head", batch.sequences, model.hidden_size, model.vocab_size, 1, w, "attention"),
    ]
