"""The collectives a sharded forward pass needs, per engine step.

- Tensor parallelism reduces activations twice per layer, after attention's output
  projection and after the FFN's down projection (Shoeybi et al. 2019, "Megatron-LM",
  sec. 3). Under DP-attention the first is within an attention group (its own tokens), and
  the dense FFN gathers every group's tokens and scatters them back, which moves the bytes
  of one all-reduce of all tokens over the replica.
- Expert parallelism sends each token's hidden state to the ranks of its top-k experts and
  back (dispatch and combine all-to-alls; DeepSeek-V3 technical report, arXiv 2412.19437,
  sec. 3.2; DeepEP). Both carry 16-bit activations here; DeepEP's FP8 dispatch halves
  the first.

Inside a node or NVLink domain a collective runs at the catalog's link rate with the
one-shot all-reduce latency; a replica larger than that crosses nodes at the GPU's
scale-out bandwidth and latency (`GPU.inter_node_gb_per_s`, `inter_node_latency_us`).
"""

from __future__ import annotations

from napkin.errors import NapkinError
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import ACTIVATION_BYTES
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.units import GB

ALLREDUCES_PER_LAYER = 2  # dense layers under plain tensor parallelism
ALLTOALLS_PER_MOE_LAYER = 2  # dispatch and combine


def link(gpu: GPU, eff: ResolvedEfficiency, span: int) -> tuple[float, float]:
    """(bytes/s one way, latency s) of a collective over `span` GPUs: the scale-up link
    within `gpu.domain_gpus`, else the scale-out network."""
    if span <= gpu.domain_gpus:
        return gpu.link_bytes_per_s * eff.link_fraction, eff.allreduce_latency_s
    if gpu.inter_node_gb_per_s is None or gpu.inter_node_latency_us is None:
        raise NapkinError(
            f"a replica of {span} GPUs spans more than one {gpu.name} node "
            f"({gpu.domain_gpus} GPUs), and the catalog has no scale-out bandwidth for it: "
            "set hardware.inter_node_gb_per_s and hardware.inter_node_latency_us",
            field="deployment.tp",
        )
    return gpu.inter_node_gb_per_s * GB * eff.link_fraction, gpu.inter_node_latency_us * 1e-6


def ring_link(gpu: GPU, eff: ResolvedEfficiency, span: int) -> tuple[float, float]:
    """`link` for a ring collective (all-reduce, all-gather, reduce-scatter) over `span`
    GPUs. Across nodes NCCL runs one ring per NIC, each carrying its share of the data over
    its own NIC, so a node's data crosses at its GPUs' scale-out bandwidth together:
    rate = min(scale-up, domain_gpus × scale-out per GPU)."""
    rate, latency = link(gpu, eff, span)
    if span <= gpu.domain_gpus:
        return rate, latency
    scale_up = gpu.link_bytes_per_s * eff.link_fraction
    return min(scale_up, gpu.domain_gpus * rate), latency


def allreduce_time_s(message_bytes: float, tp: int, gpu: GPU, eff: ResolvedEfficiency) -> float:
    """Ring all-reduce: t = latency + 2 (p - 1) / p x bytes / (link bandwidth x efficiency).

    Each of p ranks sends and receives 2 (p - 1) / p of the message (reduce-scatter then
    all-gather; Patarasuk & Yuan 2009). One direction of the link carries it.
    """
    if tp <= 1:
        return 0.0
    rate, latency = link(gpu, eff, tp)
    return latency + 2 * (tp - 1) / tp * message_bytes / rate


def alltoall_time_s(
    tokens: float, model: Model, deployment: Deployment, gpu: GPU, eff: ResolvedEfficiency
) -> float:
    """One all-to-all of routed tokens over `ep` ranks: t = latency + bytes / link, where
    the busiest rank moves bytes = imbalance × (tokens / ep) × top_k × hidden × 2 B ×
    (ep − 1) / ep (its share of the tokens' copies, to or from other ranks)."""
    ep, moe = deployment.ep, model.moe
    if ep <= 1 or moe is None:
        return 0.0
    rate, latency = link(gpu, eff, deployment.tp)
    sent = tokens / ep * moe.num_active_experts * model.hidden_size * ACTIVATION_BYTES
    return latency + deployment.expert_imbalance * sent * (ep - 1) / ep / rate


def pipeline_hops_s(
    tokens: float, model: Model, deployment: Deployment, gpu: GPU, eff: ResolvedEfficiency
) -> float:
    """The activations of one micro-batch of `tokens` rows crossing the pp − 1 stage
    boundaries: (pp − 1) × (latency + tokens × hidden × 2 B / link), point to point, over
    NVLink while the replica's tp × pp GPUs fit one domain, else the scale-out network."""
    if deployment.pp <= 1:
        return 0.0
    rate, latency = link(gpu, eff, deployment.gpus)
    sent = tokens * model.hidden_size * ACTIVATION_BYTES
    return (deployment.pp - 1) * (latency + sent / rate)


def step_communication_s(
    model: Model, tokens: float, deployment: Deployment, gpu: GPU, eff: ResolvedEfficiency
) -> float:
    """Collective time of one step of `tokens` rows:

    layers × all-reduce(tokens / dp_attention × hidden × 2 B over attention_tp)
    + dense layers × all-reduce(tokens × hidden × 2 B over tp)
    + MoE layers × (2 all-to-alls over ep, plus an all-reduce over moe_tp of each rank's
      tokens when experts are also cut; without EP, an all-reduce over tp).
    With dp_attention = ep = 1 this is 2 × layers all-reduces over tp, as Megatron-LM."""
    tp, group = deployment.tp, deployment.attention_tp
    hidden_bytes = model.hidden_size * ACTIVATION_BYTES
    attention = allreduce_time_s(tokens / deployment.dp_attention * hidden_bytes, group, gpu, eff)
    dense = allreduce_time_s(tokens * hidden_bytes, tp, gpu, eff)
    if model.moe is None or deployment.ep <= 1:
        moe = dense
    else:
        cut = tokens / deployment.ep * hidden_bytes
        moe = ALLTOALLS_PER_MOE_LAYER * alltoall_time_s(tokens, model, deployment, gpu, eff)
        moe += allreduce_time_s(cut, deployment.expert_tp, gpu, eff)
    return model.num_layers * attention + model.dense_layers * dense + model.moe_layers * moe
