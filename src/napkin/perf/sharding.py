"""How a replica's GPUs share each operation of a step: per-GPU FLOPs and bytes.

Tensor parallelism splits an op evenly over the replica's `tp` GPUs (Shoeybi et al. 2019,
"Megatron-LM"). Under attention data parallelism (`Deployment.dp_attention`, SGLang's
DP-attention) the tp GPUs form dp_attention groups of attention_tp = tp / dp_attention,
each running attention for its own share of the sequences, and experts are split by
expert parallelism (`ep` ranks of `moe_tp` GPUs). Per GPU, with the groups balanced:

- FLOPs and activation bytes of every op: 1 / tp of the replica's;
- weights of "attention" ops (projections, router, output head): 1 / attention_tp, as
  each group reads its own copy;
- "kv" (attention over the KV cache): bytes × kv_replication / tp, as every GPU holding
  a copy of an MLA latent (or of a KV head, when attention_tp > KV heads) reads it;
- other weights (FFNs, experts: num_experts / ep whole experts a rank, cut moe_tp ways):
  1 / tp;
- routed-expert FLOPs and activations: imbalance / tp, as the busiest EP rank, with
  `expert_imbalance` × the mean routed tokens, sets the step.

With dp_attention 1 and at least as many KV heads as GPUs this is the plain split, op / tp.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.capacity.memory import kv_replication
from napkin.perf.ops import Op
from napkin.specs.deployment import Deployment
from napkin.specs.model import Model


@dataclass(frozen=True)
class Shares:
    """A replica's split: GPUs, GPUs per attention group, and the KV cache's copies."""

    tp: int
    attention_tp: int
    kv_copies: float
    imbalance: float = 1.0  # the busiest EP rank's routed tokens over the mean

    @classmethod
    def of(cls, model: Model, deployment: Deployment) -> Shares:
        group = deployment.attention_tp
        spread = deployment.ep > 1 and model.moe is not None
        imbalance = deployment.expert_imbalance if spread else 1.0
        return cls(deployment.tp, group, kv_replication(model, group), imbalance)

    def per_gpu(self, op: Op) -> tuple[float, float]:
        """(FLOPs, bytes) one GPU of the replica does and moves for `op`."""
        if op.group == "kv":
            return op.flops / self.tp, op.bytes * self.kv_copies / self.tp
        if op.group == "experts":  # the busiest rank: its tokens, its (whole) experts
            load = self.imbalance / self.tp
            return op.flops * load, (op.bytes - op.weights) * load + op.weights / self.tp
        weight_share = self.attention_tp if op.group == "attention" else self.tp
        return op.flops / self.tp, (op.bytes - op.weights) / self.tp + op.weights / weight_share
