"""Memory per GPU of a training or fine-tuning job: frozen weights, trainable weights with
their gradients and optimizer state, and activations, over the job's data-parallel GPUs.

Mixed-precision Adam keeps, per trainable parameter, 16-bit weights (2 B) and gradients
(2 B) and fp32 master weights, momentum and variance (12 B): 16 B (Rajbhandari et al.
2020, "ZeRO", sec. 3.1, K = 12). ZeRO stage 1 shards the optimizer state over the d
data-parallel GPUs, stage 2 the gradients too, stage 3 (FSDP's full shard) the weights as
well, frozen ones included (ibid., Fig. 1). 8-bit Adam stores both moments in 1 B each
(Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization"); a paged optimizer
keeps its state in unified memory that is evicted to the host under pressure (Dettmers
et al. 2023, "QLoRA", sec. 3), so none of it is counted on the GPU.

QLoRA stores the frozen base in NF4: 4 bits a weight plus its quantisation constants,
0.127 bits a weight after double quantisation (blocks of 64 weights, fp8 constants in
blocks of 256: 8/64 + 32/(64·256); QLoRA sec. 3).

Activations: a transformer layer keeps about 34 s·b·h bytes in 16 bits for its backward
pass with FlashAttention (no s × s scores kept; Korthikanti et al. 2022, "Reducing
Activation Recomputation in Large Transformer Models", eq. 1 without its 5as/h term).
With full activation checkpointing only each layer's input, 2 s·b·h bytes, is kept, and
one layer is recomputed at a time (ibid., sec. 4).
"""

from __future__ import annotations

from napkin.specs.finetune_workload import Method, Optimizer
from napkin.specs.model import Model

TRAINABLE_WEIGHT_BYTES = 2.0  # bf16 weights being trained
GRADIENT_BYTES = 2.0  # bf16 gradients
NF4_BYTES = (4 + 0.127) / 8  # NF4 weight with double-quantised constants (QLoRA sec. 3)
LAYER_ACTIVATION_BYTES = 34.0  # × s·b·h per layer, 16-bit, FlashAttention (Korthikanti eq. 1)
CHECKPOINT_BYTES = 2.0  # × s·b·h per layer: the layer input kept under full checkpointing


def frozen_weight_bytes(method: Method, params_total: float, bytes_per_weight: float) -> float:
    """frozen_weight_bytes = params_total × (bytes_per_weight for LoRA, 4.127 / 8 for
    QLoRA's NF4; 0 for a full fine-tune, whose weights are all trainable)"""
    if method is Method.full:
        return 0.0
    return params_total * (NF4_BYTES if method is Method.qlora else bytes_per_weight)


def trainable_params(method: Method, params_total: float, adapter_params: float) -> float:
    """trainable_params = params_total (full) or the adapters' parameters (LoRA, QLoRA)"""
    return params_total if method is Method.full else adapter_params


def trainable_bytes_per_gpu(
    trainable_params: float, optimizer: Optimizer, zero_stage: int, gpus: int
) -> float:
    """trainable_bytes_per_gpu = trainable_params × (2 / d₃ + 2 / d₂ + state / d₁), where
    d_k = gpus when zero_stage ≥ k, else 1 (weights, gradients, optimizer state)"""

    def share(stage: int) -> float:
        return gpus if zero_stage >= stage else 1

    per_param = (
        TRAINABLE_WEIGHT_BYTES / share(3)
        + GRADIENT_BYTES / share(2)
        + optimizer.state_bytes / share(1)
    )
    return trainable_params * per_param


def activation_bytes_per_gpu(
    model: Model, micro_batch: float, seq_len: float, checkpointing: bool
) -> float:
    """activation_bytes_per_gpu = s·b·h × (layers × 2 + 34) with checkpointing, or
    s·b·h × layers × 34 without (s tokens, b sequences a GPU, h hidden)"""
    sbh = seq_len * micro_batch * model.hidden_size
    if checkpointing:
        return sbh * (model.num_layers * CHECKPOINT_BYTES + LAYER_ACTIVATION_BYTES)
    return sbh * model.num_layers * LAYER_ACTIVATION_BYTES


def job_bytes_per_gpu(
    frozen_weight_bytes: float,
    trainable_bytes_per_gpu: float,
    activation_bytes_per_gpu: float,
    zero_stage: int,
    gpus: int,
) -> float:
    """job_bytes_per_gpu = frozen_weight_bytes / (gpus if ZeRO-3 else 1) +
    trainable_bytes_per_gpu + activation_bytes_per_gpu"""
    frozen = frozen_weight_bytes / (gpus if zero_stage >= 3 else 1)
    return frozen + trainable_bytes_per_gpu + activation_bytes_per_gpu
