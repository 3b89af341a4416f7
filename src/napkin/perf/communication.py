"""Tensor-parallel communication: the all-reduces a sharded forward pass needs."""

from __future__ import annotations

from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import ACTIVATION_BYTES
from napkin.specs.hardware import GPU
from napkin.specs.model import Model

# Megatron-style tensor parallelism reduces activations twice per layer: after attention's
# output projection and after the FFN's down projection (Shoeybi et al. 2019, sec. 3).
ALLREDUCES_PER_LAYER = 2


def allreduce_time_s(message_bytes: float, tp: int, gpu: GPU, eff: ResolvedEfficiency) -> float:
    """Ring all-reduce: t = latency + 2 (p - 1) / p x bytes / (link bandwidth x efficiency).

    Each of p ranks sends and receives 2 (p - 1) / p of the message (reduce-scatter then
    all-gather; Patarasuk & Yuan 2009). One direction of the link carries it.
    """
    if tp <= 1:
        return 0.0
    link = gpu.link_bytes_per_s * eff.link_fraction
    return eff.allreduce_latency_s + 2 * (tp - 1) / tp * message_bytes / link


def step_communication_s(
    model: Model, tokens: float, tp: int, gpu: GPU, eff: ResolvedEfficiency
) -> float:
    """All-reduce time of one step: 2 x layers all-reduces of tokens x hidden activations."""
    message = tokens * model.hidden_size * ACTIVATION_BYTES
    per_layer = ALLREDUCES_PER_LAYER * allreduce_time_s(message, tp, gpu, eff)
    return model.num_layers * per_layer
