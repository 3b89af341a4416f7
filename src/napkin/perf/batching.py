"""The operating point of one replica under continuous batching with chunked prefill.

In steady state each request contributes `input` prefill tokens and `output` decode tokens,
so a step that decodes `batch` sequences also carries batch x input / output prefill tokens
(vLLM's chunked prefill mixes both into one step). Sequences are, on average, half-way
through their output, so each attends to input + output / 2 tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.perf.efficiency import ResolvedEfficiency
from napkin.perf.ops import mixed_batch, prefill_batch
from napkin.perf.roofline import StepTime, step_time
from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU
from napkin.specs.model import Model


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


@dataclass(frozen=True)
class OperatingPoint:
    """The batch a replica runs at, its step, and what stopped the batch from growing."""

    batch: int
    step: StepTime
    limit: str


def choose_batch(
    engine: Engine,
    input_tokens: float,
    output_tokens: float,
    context_tokens: float,
    memory_limit: int,
    tpot_budget_s: float | None,
    cap: int = 4096,
) -> OperatingPoint:
    """Largest batch whose mixed step meets the time-per-token budget and whose KV fits.

    Step time grows monotonically with batch, so a bisection finds the largest batch with
    step <= budget. With no budget, the batch is memory-limited (or `cap`).
    """
    fixed = engine.deployment.max_batch
    if fixed is not None:
        return OperatingPoint(
            fixed,
            engine.mixed_step(fixed, input_tokens, output_tokens, context_tokens),
            "deployment.max_batch",
        )
    upper = min(memory_limit, cap)
    limit = "KV-cache memory" if memory_limit <= cap else f"napkin's batch cap ({cap})"
    if upper < 1:
        return OperatingPoint(
            0, engine.mixed_step(1, input_tokens, output_tokens, context_tokens), "KV-cache memory"
        )

    def meets(batch: int) -> bool:
        return tpot_budget_s is None or (
            engine.mixed_step(batch, input_tokens, output_tokens, context_tokens).total_s
            <= tpot_budget_s
        )

    if meets(upper):
        best = upper
    elif not meets(1):
        return OperatingPoint(
            1,
            engine.mixed_step(1, input_tokens, output_tokens, context_tokens),
            "time-per-token SLA (missed even at batch 1)",
        )
    else:
        low, high = 1, upper  # meets(low) and not meets(high)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if meets(middle) else (low, middle)
        best, limit = low, "time-per-token SLA"
    return OperatingPoint(
        best, engine.mixed_step(best, input_tokens, output_tokens, context_tokens), limit
    )
