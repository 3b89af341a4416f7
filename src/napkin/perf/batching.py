"""A model on a replica (`Engine`): the step-time questions every caller asks.

`mixed_step` is the smooth steady state — a step decoding `batch` sequences also carries
batch x input / output prefill tokens, as if prompts were spread over every step — which
calibration uses for its max-load rows. The planner's operating point, with prompts in
whole chunks as the engine schedules them, is `perf/operating_point.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.capacity.memory import (
    kv_bytes_per_token,
    kv_cache_bytes_per_replica,
    kv_replication,
    model_weight_bytes_per_gpu,
    sequences_that_fit,
    usable_bytes_per_gpu,
)
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import mixed_batch, prefill_batch
from napkin.perf.roofline import StepTime, step_time
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.units import GIB


@dataclass(frozen=True)
class Engine:
    """A model on a replica: everything a step-time question needs."""

    model: Model
    gpu: GPU
    deployment: Deployment
    efficiency: ResolvedEfficiency

    def mixed_step(
        self, batch: float, prefill_tokens: float, output_tokens: float, context_tokens: float
    ) -> StepTime:
        """One steady-state step decoding `batch` sequences plus their share of prefill.

        `context_tokens` is a request's KV at its end (cached prefix + prompt + output), so a
        sequence half-way through its output attends to context - output / 2 tokens.
        """
        context = context_tokens - output_tokens / 2
        prefill = batch * prefill_tokens / output_tokens
        work = mixed_batch(batch, context, prefill, prefill_tokens, self.model.sliding_window)
        return step_time(self.model, self.gpu, self.deployment, self.efficiency, work)

    def decode_step(self, batch: float, context_tokens: float) -> StepTime:
        """A pure decode step (no prefill riding along)."""
        work = mixed_batch(batch, context_tokens, 0.0, 0.0, self.model.sliding_window)
        return step_time(self.model, self.gpu, self.deployment, self.efficiency, work)

    def prefill(self, prompt_tokens: float) -> StepTime:
        """One prompt alone on an idle replica: the time to its first token."""
        work = prefill_batch(prompt_tokens, self.model.sliding_window)
        return step_time(self.model, self.gpu, self.deployment, self.efficiency, work)

    def sequences_that_fit(self, context_tokens: float) -> int:
        """`capacity.memory.sequences_that_fit` for this replica's layout and its engine's
        memory defaults: sequences of `context_tokens` its KV cache holds."""
        dep = self.deployment
        return sequences_that_fit(
            self.model,
            self.gpu.memory_bytes,
            dep.tp,
            dep.precision.bytes_per_value,
            dep.kv_format,
            dep.memory_utilization,
            dep.reserved_gib * GIB,
            context_tokens,
            attention_tp=dep.attention_tp,
            pp=dep.pp,
        )

    def kv_capacity_tokens(self) -> int:
        """Tokens (all layers) the replica's KV cache holds: kv_cache_bytes_per_replica /
        (kv_bytes_per_token × kv_replication), as the simulator's paged cache counts them."""
        dep, model = self.deployment, self.model
        usable = usable_bytes_per_gpu(
            self.gpu.memory_bytes, dep.memory_utilization, dep.reserved_gib * GIB
        )
        weights = model_weight_bytes_per_gpu(
            model, dep.precision.bytes_per_value, dep.attention_tp, dep.tp, dep.pp
        )
        room = kv_cache_bytes_per_replica(usable, weights, dep.gpus)
        per_token = kv_bytes_per_token(model, dep.kv_format) * kv_replication(
            model, dep.attention_tp
        )
        return max(0, int(room / per_token))
