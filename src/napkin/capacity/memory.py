"""Memory: weights, KV cache, and how many sequences a replica can hold at once."""

from __future__ import annotations

from dataclasses import dataclass
from math import floor

from napkin.specs.model import Model
from napkin.units import GIB, Precision


def kv_bytes_per_token_per_layer(model: Model, kv: Precision) -> float:
    """KV-cache bytes one token adds to one layer.

    Standard/GQA/MQA: 2 (K and V) x kv_heads x head_dim x bytes.
    MLA: (kv_lora_rank + qk_rope_head_dim) x bytes — one latent shared by K and V
    (DeepSeek-V2 paper, sec. 2.1.3).
    """
    if model.mla is not None:
        return (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim) * kv.bytes_per_value
    return 2 * model.num_kv_heads * model.head_dim * kv.bytes_per_value


def weight_bytes(params_total: float, bytes_per_weight: float) -> float:
    """weight_bytes = params_total × bytes_per_weight"""
    return params_total * bytes_per_weight


def weight_bytes_per_gpu(
    attention_weight_bytes: float, ffn_weight_bytes: float, attention_tp: int, tp: int, pp: int
) -> float:
    """weight_bytes_per_gpu = (attention_weight_bytes / attention_tp + ffn_weight_bytes / tp) / pp

    Attention, norms, router and embeddings are copied into each of the tp / attention_tp
    attention groups (DP-attention) and sharded within one; FFNs and experts are sharded
    over all tp GPUs (expert parallelism puts num_experts / ep whole experts on a rank,
    each cut moe_tp ways: the same 1 / tp share). Without DP-attention: weight_bytes / tp.
    Pipeline parallelism puts 1 / pp of the layers on each stage (embeddings and LM head
    counted as spread alike, though they sit on the first and last stages).
    """
    return (attention_weight_bytes / attention_tp + ffn_weight_bytes / tp) / pp


def model_weight_bytes_per_gpu(
    model: Model, bytes_per_weight: float, attention_tp: int, tp: int, pp: int = 1
) -> float:
    """`weight_bytes_per_gpu` of a model's two kinds of weights at one precision."""
    return weight_bytes_per_gpu(
        weight_bytes(model.attention_group_params, bytes_per_weight),
        weight_bytes(model.ffn_params, bytes_per_weight),
        attention_tp,
        tp,
        pp,
    )


def gpus_per_replica(tp: int, pp: int) -> int:
    """gpus_per_replica = tp × pp"""
    return tp * pp


def kv_bytes_per_token(model: Model, kv: Precision) -> float:
    """kv_bytes_per_token = 2 × layers × kv_heads × head_dim × bytes
    (MLA: layers × (kv_lora_rank + rope_dim) × bytes)"""
    return model.num_layers * kv_bytes_per_token_per_layer(model, kv)


def kv_replication(model: Model, attention_tp: int) -> float:
    """kv_replication = max(1, attention_tp / kv_heads) (MLA: attention_tp)

    An attention group splits KV heads across its attention_tp GPUs; with fewer KV heads
    than GPUs each GPU keeps a copy of one head, and MLA's single latent is copied to
    every GPU of the group (as vLLM and SGLang do). Groups (DP-attention) hold different
    sequences, so nothing is copied across them: DP-attention 8 × TP1 holds 8× the
    sequences of TP8 for an MLA model.
    """
    if model.mla is not None:
        return float(attention_tp)
    return max(1.0, attention_tp / model.num_kv_heads)


def kv_bytes_per_sequence(
    model: Model, kv: Precision, context_tokens: float, kv_replication: float
) -> float:
    """kv_bytes_per_sequence = (full_layers × context_tokens + window_layers ×
    min(context_tokens, window)) × bytes_per_token_per_layer × kv_replication"""
    windowed = model.windowed_layers
    capped = (
        context_tokens
        if model.sliding_window is None
        else min(context_tokens, model.sliding_window)
    )
    tokens_x_layers = (model.num_layers - windowed) * context_tokens + windowed * capped
    return tokens_x_layers * kv_bytes_per_token_per_layer(model, kv) * kv_replication


def usable_bytes_per_gpu(
    hbm_bytes: float, gpu_memory_utilization: float, reserved_bytes_per_gpu: float
) -> float:
    """usable_bytes_per_gpu = hbm_bytes × gpu_memory_utilization − reserved_bytes_per_gpu"""
    return hbm_bytes * gpu_memory_utilization - reserved_bytes_per_gpu


def kv_cache_bytes_per_replica(
    usable_bytes_per_gpu: float, weight_bytes_per_gpu: float, gpus_per_replica: int
) -> float:
    """kv_cache_bytes_per_replica = gpus_per_replica × (usable_bytes_per_gpu −
    weight_bytes_per_gpu)   (a stage's GPUs hold only its layers' KV, so the pp stages
    together hold each sequence once, as tp GPUs would)"""
    return gpus_per_replica * (usable_bytes_per_gpu - weight_bytes_per_gpu)


def max_sequences_by_memory(kv_cache_bytes_per_replica: float, kv_bytes_per_sequence: float) -> int:
    """max_sequences_by_memory = ⌊kv_cache_bytes_per_replica / kv_bytes_per_sequence⌋"""
    return max(0, floor(kv_cache_bytes_per_replica / kv_bytes_per_sequence))


@dataclass(frozen=True)
class MemoryFit:
    """Whether a model fits a replica, and the reason in one sentence."""

    fits: bool
    reason: str


def fit_verdict(
    weight_bytes_per_gpu: float,
    usable_bytes_per_gpu: float,
    kv_cache_bytes_per_replica: float,
    longest_sequence_bytes: float,
    tp: int,
    gpu_name: str,
    pp: int = 1,
) -> MemoryFit:
    """Fits when the weights leave KV room for at least one longest sequence."""
    gib = GIB
    if weight_bytes_per_gpu >= usable_bytes_per_gpu:
        return MemoryFit(
            False,
            (
                f"weights need {weight_bytes_per_gpu / gib:.1f} GiB per GPU but only "
                f"{usable_bytes_per_gpu / gib:.1f} GiB is usable on a {gpu_name} at tp={tp}"
                + (f" × pp={pp}" if pp > 1 else "")
            ),
        )
    if kv_cache_bytes_per_replica < longest_sequence_bytes:
        return MemoryFit(
            False,
            (
                f"weights fit, but the {kv_cache_bytes_per_replica / gib:.1f} GiB left for KV "
                f"cache cannot hold one longest sequence ({longest_sequence_bytes / gib:.2f} GiB)"
            ),
        )
    return MemoryFit(
        True,
        (
            f"weights take {weight_bytes_per_gpu / gib:.1f} of {usable_bytes_per_gpu / gib:.1f} "
            f"usable GiB per GPU; {kv_cache_bytes_per_replica / gib:.1f} GiB per replica is left "
            "for KV cache"
        ),
    )


def min_tp_to_fit(
    model: Model,
    hbm_bytes: float,
    bytes_per_weight: float,
    kv: Precision,
    gpu_memory_utilization: float,
    reserved_bytes_per_gpu: float,
    longest_tokens: float,
    max_tp: int = 64,
) -> int | None:
    """min_tp_to_fit = smallest power-of-two tp whose KV room holds one longest sequence

    None when even `max_tp` GPUs cannot hold the weights and one longest sequence.
    """
    tp = 1
    while tp <= max_tp:
        usable = usable_bytes_per_gpu(hbm_bytes, gpu_memory_utilization, reserved_bytes_per_gpu)
        per_gpu = model_weight_bytes_per_gpu(model, bytes_per_weight, tp, tp)
        room = kv_cache_bytes_per_replica(usable, per_gpu, tp)
        need = kv_bytes_per_sequence(model, kv, longest_tokens, kv_replication(model, tp))
        if per_gpu < usable and room >= need:
            return tp
        tp *= 2
    return None


def sequences_that_fit(
    model: Model,
    hbm_bytes: float,
    deployment_tp: int,
    bytes_per_weight: float,
    kv: Precision,
    gpu_memory_utilization: float,
    reserved_bytes_per_gpu: float,
    context_tokens: float,
    attention_tp: int | None = None,
    pp: int = 1,
) -> int:
    """max_sequences_by_memory for one replica, composed from the formulas above
    (`attention_tp`: tp / dp_attention; default tp, no DP-attention; `pp` stages)."""
    group = deployment_tp if attention_tp is None else attention_tp
    usable = usable_bytes_per_gpu(hbm_bytes, gpu_memory_utilization, reserved_bytes_per_gpu)
    per_gpu = model_weight_bytes_per_gpu(model, bytes_per_weight, group, deployment_tp, pp)
    room = kv_cache_bytes_per_replica(usable, per_gpu, deployment_tp * pp)
    per_sequence = kv_bytes_per_sequence(model, kv, context_tokens, kv_replication(model, group))
    return max_sequences_by_memory(room, per_sequence)
