"""One training step on the serving roofline's operations: MFU as an output.

A step trains `global_batch` sequences of `seq_len` tokens on tp × pp × dp × cp GPUs. Each
micro-batch of `micro_batch` sequences runs, per GPU of a pipeline stage (1 / pp of the
layers, 1 / tp of each op, `perf.sharding`, 1 / cp of each sequence's tokens):

- forward: the ops of `perf.ops.forward_ops` with every token through the LM head, each
  op max(FLOPs / achievable FLOP/s, bytes / achievable bandwidth), GEMMs at the fraction of
  peak their size reaches (`GemmCurve`); attention scores over
  the whole s × s square (the benchmarked kernels do not skip the causal half: without
  that, llm-foundry's 16k-65k-token rows came out 1.2-2.2× too fast) at FlashAttention's
  own fraction of peak (`ATTENTION_FRACTION`), its backward 2.5×;
- backward: 2 × forward (gradients of activations and of weights; Kaplan et al. 2020's
  4N), 1 × forward for a frozen base (LoRA: activation gradients only);
- recomputation: 1 × forward more with activation checkpointing;
- tensor parallelism: 2 all-reduces of the micro-batch's activations a layer in each of
  forward, backward and recomputation (Megatron-LM, Shoeybi et al. 2019);
- context parallelism: ring attention's K and V transfers, hidden behind the attention
  they feed up to its length;
- the per-layer step overhead of the efficiency profile, once a pass.

The pipeline runs the step's n = global_batch / (dp × micro_batch) micro-batches 1F1B:
(n + pp − 1) micro-batch times (Narayanan et al. 2021, sec. 2.2: bubble (pp − 1) / n).
Data parallelism (over the dp × cp ranks that hold the same weights) then synchronises
gradients, a ring all-reduce of the trainable weights' 16-bit gradients (under ZeRO-3 a
reduce-scatter and two all-gathers of the weights), hidden behind the step's compute up to
its length (FSDP prefetches and overlaps them). Adam's
update reads and writes 28 B a trainable parameter (gradient 2, master, two moments 12,
written back with the 16-bit weight 14), sharded by ZeRO stage 1 and above.

MFU = tokens × (6 N + 12 L h s) / (time × peak × GPUs), N the active parameters less the
input embedding (a lookup, not a GEMM), 12 L h s the attention scores' forward and
backward counted without the causal mask's halving: PaLM's convention (Chowdhery et al.
2022, appendix B), which torchtitan reports too.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.capacity.memory import kv_bytes_per_token_per_layer
from napkin.perf.communication import allreduce_time_s, ring_link
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import ACTIVATION_BYTES, Batch, forward_ops
from napkin.perf.sharding import Shares
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.units import Precision

ADAM_UPDATE_BYTES = 28.0  # read 2 + 12, write 12 + 2, a trainable parameter
# FlashAttention-2 reaches 50-73% of an A100's peak forward and less backward (Dao 2023,
# "FlashAttention-2", sec. 4.1); its backward does 2.5x the forward's FLOPs (5 matmuls to 2).
ATTENTION_FRACTION = 0.5
ATTENTION_BACKWARD = 2.5


@dataclass(frozen=True)
class GemmCurve:
    """How much of peak a training step's matrix multiplies reach, by their size:

        fraction = peak × m / (m + m_half) × k / (k + k_half)

    m the rows of each GEMM (a micro-batch's tokens), k the model's width (hidden; tensor
    parallelism splits the other dimension): small GEMMs fill fewer of the GPU's tiles and
    waves, and the faster the GPU the larger the GEMM it needs. `attention` is
    FlashAttention's own fraction of peak."""

    peak: float
    m_half: float
    k_half: float
    attention: float = ATTENTION_FRACTION

    def fraction(self, rows: float, width: float) -> float:
        return self.peak * rows / (rows + self.m_half) * width / (width + self.k_half)


# Fitted per GPU on llm-foundry's bf16 MPT rows (capped absolute errors, the rest of the
# model as above): `python tools/fit_training.py benchmarks/training_rows.csv`. The H100's
# attention fraction is FlashAttention-2's on Hopper, which those runs used (FA-3 is faster).
GEMM_CURVES = {
    "A100-80GB": GemmCurve(peak=0.95, m_half=1024.0, k_half=1024.0, attention=0.7),
    "H100-SXM": GemmCurve(peak=0.8, m_half=2048.0, k_half=1536.0, attention=0.4),
}
GEMM_CURVES_SOURCE = (
    "fitted on mosaicml/llm-foundry scripts/train/benchmarking/README.md @ 8c8dd48f "
    "(bf16 MPT rows: 61 A100-80GB, 70 H100), tools/fit_training.py"
)


@dataclass(frozen=True)
class Training:
    """A training job's layout and batch."""

    model: Model
    gpu: GPU
    efficiency: ResolvedEfficiency
    precision: Precision = Precision.bf16
    tp: int = 1
    pp: int = 1
    dp: int = 1
    cp: int = 1  # context parallel: each sequence split over cp GPUs (ring attention)
    micro_batch: int = 1
    global_batch: int = 1
    seq_len: int = 2048
    checkpointing: bool = False
    zero_stage: int = 1
    frozen_base: bool = False  # LoRA: no weight gradients, no optimizer for the base
    curve: GemmCurve | None = None  # None: efficiency.compute_fraction, ATTENTION_FRACTION

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp * self.cp

    @property
    def local_tokens(self) -> float:
        """A micro-batch's tokens on one GPU: micro_batch × seq_len / cp."""
        return self.micro_batch * self.seq_len / self.cp

    @property
    def micro_batches(self) -> float:
        """n = global_batch / (dp × micro_batch), a pipeline's micro-batches a step."""
        return max(1.0, self.global_batch / (self.dp * self.micro_batch))


@dataclass(frozen=True)
class TrainingStep:
    """Where a step's time goes (seconds) and the MFU it reaches; `bound` is the largest
    part: compute, memory, communication or the pipeline bubble."""

    compute_s: float
    memory_s: float
    communication_s: float
    bubble_s: float
    optimizer_s: float
    total_s: float
    tokens: float
    model_flops: float
    mfu: float
    bound: str


def _forward(t: Training) -> tuple[float, float, float]:
    """(GEMM compute, attention compute, memory) seconds of one micro-batch's forward on
    one GPU of a stage."""
    tokens = t.local_tokens  # each attends to the whole sequence (its KV passed round the ring)
    work = Batch(tokens, tokens, tokens * t.seq_len, tokens, 0.0, 0.0)
    shares = Shares.of(t.model, Deployment(tp=t.tp))
    peak = t.gpu.peak_flops_per_s(t.precision)
    flops_per_s = peak * gemm_fraction(t)
    bytes_per_s = t.gpu.bandwidth_bytes_per_s * t.efficiency.bandwidth_fraction
    attention_per_s = peak * (t.curve.attention if t.curve else ATTENTION_FRACTION)
    compute = attention = memory = 0.0
    for op in forward_ops(t.model, work, t.precision, Precision.bf16):
        flops, moved = shares.per_gpu(op)
        if op.name == "attention":  # FlashAttention: on-chip, its own efficiency
            attention += flops / attention_per_s
            continue
        c, m = flops / flops_per_s, moved / bytes_per_s
        compute, memory = (compute + c, memory) if c >= m else (compute, memory + m)
    return compute / t.pp, attention / t.pp, memory / t.pp


def gemm_fraction(t: Training) -> float:
    """The job's GEMM fraction of peak: its curve at a micro-batch's tokens and the hidden
    size, else the efficiency profile's compute fraction."""
    if t.curve is None:
        return t.efficiency.compute_fraction
    return t.curve.fraction(t.local_tokens, t.model.hidden_size)


def model_flops_per_token(model: Model, seq_len: float) -> float:
    """model_flops_per_token = 6 (N − vocab × hidden, unless tied) + 12 L h s"""
    embedding = 0 if model.tie_word_embeddings else model.vocab_size * model.hidden_size
    weights = model.active_params - embedding
    return 6 * weights + 12 * model.num_layers * model.hidden_size * seq_len


def training_step(t: Training) -> TrainingStep:
    """One step's time and MFU; see the module docstring."""
    gemm, attention, memory = _forward(t)
    passes = (2 if t.frozen_base else 3) + (1 if t.checkpointing else 0)
    attention_passes = 1 + ATTENTION_BACKWARD + (1 if t.checkpointing else 0)
    message = t.local_tokens * t.model.hidden_size * ACTIVATION_BYTES
    layers = t.model.num_layers / t.pp
    tp_comm = 2 * layers * (passes - 1) * allreduce_time_s(message, t.tp, t.gpu, t.efficiency)
    tp_comm += _ring_attention_exposed_s(t, passes - 1, attention * attention_passes)
    overhead = t.efficiency.layer_overhead_s * layers * passes
    compute = gemm * passes + attention * attention_passes
    per_micro = compute + memory * passes + tp_comm + overhead
    n = t.micro_batches
    pipeline = (n + t.pp - 1) * per_micro
    bubble = (t.pp - 1) * per_micro
    trainable = 0.0 if t.frozen_base else t.model.total_params / (t.tp * t.pp)
    dp_comm = _data_parallel_s(t, trainable)
    exposed = max(0.0, dp_comm - n * compute)  # prefetched and reduced under compute
    shard = t.dp * t.cp if t.zero_stage >= 1 else 1
    optimizer = (
        trainable
        / shard
        * ADAM_UPDATE_BYTES
        / (t.gpu.bandwidth_bytes_per_s * t.efficiency.bandwidth_fraction)
    )
    total = pipeline + exposed + optimizer
    tokens = t.global_batch * t.seq_len
    flops = tokens * model_flops_per_token(t.model, t.seq_len)
    mfu = flops / (total * t.gpu.peak_flops_per_s(t.precision) * t.gpus)
    parts = {
        "compute": n * compute,
        "memory": n * memory * passes,
        "communication": n * tp_comm + exposed,
        "pipeline bubble": bubble,
    }
    bound = max(parts, key=parts.__getitem__)
    return TrainingStep(
        parts["compute"],
        parts["memory"],
        parts["communication"],
        bubble,
        optimizer,
        total,
        tokens,
        flops,
        mfu,
        bound,
    )


def _ring_attention_exposed_s(t: Training, passes: int, attention_s: float) -> float:
    """Context parallelism's ring attention: each layer passes the other cp − 1 chunks' K
    and V round the ring in the forward, and K, V and their gradients in the backward
    (2×), one more forward with recomputation (`passes` − 1 of them beyond the first);
    bytes = (cp − 1) / cp × micro_batch × seq_len × KV bytes a token a layer (16-bit).
    The transfers overlap the attention they feed (Liu et al. 2023, "Ring Attention"), so
    only what exceeds the micro-batch's attention time shows."""
    if t.cp <= 1:
        return 0.0
    rate, latency = ring_link(t.gpu, t.efficiency, t.cp)
    per_layer = kv_bytes_per_token_per_layer(t.model, Precision.bf16) * t.micro_batch * t.seq_len
    moved = (t.cp - 1) / t.cp * per_layer * (1 + passes)  # forward 1, backward 2, recompute 1
    layers = t.model.num_layers / t.pp
    return max(0.0, layers * (latency * (t.cp - 1) + moved / rate) - attention_s)


def _data_parallel_s(t: Training, trainable: float) -> float:
    """Gradient all-reduce over the d = dp × cp ranks that hold the same weights (ring:
    2 (d − 1) / d × bytes), plus two all-gathers of the 16-bit weights under ZeRO-3, at the
    ring rate of the GPUs the job spans (`communication.ring_link`: across nodes, every NIC
    of a node at once)."""
    ranks = t.dp * t.cp
    if ranks <= 1 or trainable <= 0:
        return 0.0
    rate, latency = ring_link(t.gpu, t.efficiency, t.gpus)
    grads = trainable * 2
    share = (ranks - 1) / ranks
    # ZeRO-3: reduce-scatter the gradients, all-gather the weights for forward and backward
    moved = (3 if t.zero_stage >= 3 else 2) * share * grads
    return latency + moved / rate
