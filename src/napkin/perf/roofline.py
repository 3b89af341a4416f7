"""The roofline: operations with FLOPs and bytes become time on one GPU of a replica.

Each op takes max(FLOPs / achievable FLOP/s, bytes / achievable bandwidth) (Williams,
Waterman & Patterson 2009, "Roofline"). `perf.sharding` says what one GPU of the replica
does of each op (tensor, attention-data and expert parallelism), and `perf.communication`
adds the collectives; each engine step also pays an overhead, fixed
plus a part per layer and a part per running sequence (`ResolvedEfficiency.overhead_s`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from napkin.perf.communication import pipeline_hops_s, step_communication_s
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import Batch, forward_ops
from napkin.perf.sharding import Shares
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model


@dataclass(frozen=True)
class StepTime:
    """Where one engine step's time goes, in seconds."""

    compute_s: float
    memory_s: float
    communication_s: float
    overhead_s: float
    total_s: float
    flops_per_gpu: float
    bytes_per_gpu: float

    @property
    def bound(self) -> str:
        """Which roof dominates: 'compute', 'memory bandwidth', 'communication' or 'overhead'."""
        parts = {
            "compute": self.compute_s,
            "memory bandwidth": self.memory_s,
            "communication": self.communication_s,
            "overhead": self.overhead_s,
        }
        return max(parts, key=parts.__getitem__)


def micro_batches(pp: int, sequences: float) -> float:
    """m = min(pp, max(1, sequences)): micro-batches a pipeline keeps in flight (one a
    stage, while there are sequences to split)."""
    return float(min(pp, max(1.0, sequences)))


def step_time(
    model: Model, gpu: GPU, deployment: Deployment, eff: ResolvedEfficiency, batch: Batch
) -> StepTime:
    """Time of one engine step: sum over ops of max(compute, memory), plus all-reduces and
    the per-step overhead. `compute_s` / `memory_s` report the time of ops on each roof.

    With pp pipeline stages the batch runs as m = `micro_batches` micro-batches, staggered
    a stage apart; a step is one pass of each through every stage, so every sequence
    advances a token in T = T₁(batch / m) + (pp − 1) hops(batch / m), T₁ the time of the
    whole model on one stage's tp GPUs (a stage does 1 / pp of it, pp times over). With
    fewer sequences than stages, stages idle: the pipeline bubble (Huang et al. 2019,
    "GPipe", sec. 2.2)."""
    if deployment.pp > 1:
        return _pipelined(model, gpu, deployment, eff, batch)
    if deployment.two_batch_overlap and batch.sequences >= 2:
        return _overlapped(model, gpu, deployment, eff, batch)
    shares = Shares.of(model, deployment)
    flops_per_s = gpu.peak_flops_per_s(deployment.precision) * eff.compute_fraction
    bytes_per_s = gpu.bandwidth_bytes_per_s * eff.bandwidth_fraction
    compute_s = memory_s = flops = moved = 0.0
    for op in forward_ops(model, batch, deployment.precision, deployment.kv_format):
        op_flops, op_bytes = shares.per_gpu(op)
        t_compute, t_memory = op_flops / flops_per_s, op_bytes / bytes_per_s
        if t_compute >= t_memory:
            compute_s += t_compute
        else:
            memory_s += t_memory
        flops += op_flops
        moved += op_bytes
    comm = step_communication_s(model, batch.tokens, deployment, gpu, eff)
    overhead = eff.overhead_s(batch.sequences, model.num_layers)
    return StepTime(
        compute_s, memory_s, comm, overhead, compute_s + memory_s + comm + overhead, flops, moved
    )


def _pipelined(
    model: Model, gpu: GPU, deployment: Deployment, eff: ResolvedEfficiency, batch: Batch
) -> StepTime:
    m = micro_batches(deployment.pp, batch.sequences)
    micro = Batch(*(getattr(batch, f.name) / m for f in fields(Batch)))
    one = step_time(model, gpu, deployment.model_copy(update={"pp": 1}), eff, micro)
    hops = pipeline_hops_s(micro.tokens, model, deployment, gpu, eff)
    share = m / deployment.pp  # a GPU runs 1 / pp of the layers for each micro-batch
    return replace(
        one,
        communication_s=one.communication_s + hops,
        total_s=one.total_s + hops,
        flops_per_gpu=one.flops_per_gpu * share,
        bytes_per_gpu=one.bytes_per_gpu * share,
    )


def _overlapped(
    model: Model, gpu: GPU, deployment: Deployment, eff: ResolvedEfficiency, batch: Batch
) -> StepTime:
    """Two-batch overlap: two half batches, each running its ops while the other's
    dispatch and combine are in flight, so T = overhead + max(2 × ops(batch / 2),
    collectives(batch)); each half reads the weights again (SGLang, "Deploying DeepSeek
    with PD Disaggregation and Large-scale Expert Parallelism on 96 H100 GPUs", 2025, on
    two-batch overlap)."""
    half = Batch(*(getattr(batch, f.name) / 2 for f in fields(Batch)))
    plain = deployment.model_copy(update={"two_batch_overlap": False})
    one = step_time(model, gpu, plain, eff, half)
    ops = 2 * (one.compute_s + one.memory_s)
    comm = step_communication_s(model, batch.tokens, plain, gpu, eff)
    overhead = eff.overhead_s(batch.sequences, model.num_layers)
    hidden = min(ops, comm)  # the collectives' time spent under compute
    return StepTime(
        2 * one.compute_s,
        2 * one.memory_s,
        comm - hidden,
        overhead,
        overhead + max(ops, comm),
        2 * one.flops_per_gpu,
        2 * one.bytes_per_gpu,
    )
