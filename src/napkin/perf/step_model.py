"""The roofline of `roofline.step_time`, precomputed for the simulator.

Every operation's FLOPs and bytes are affine in a `Batch`'s fields (rows through a GEMM,
sequences, attended context, KV read), so each op's compute and memory time are straight
lines in them. Precomputing those lines makes one step a few multiply-adds, and lets a run of
n steps whose context grows by a fixed amount per step be summed in closed form: per op,
Σ_k max(c₀ + c₁k, m₀ + m₁k) splits at the one point where the lines cross.

MoE models (experts touched grow non-linearly with tokens) and sliding windows (attention
stops growing at the window) fall back to evaluating the exact roofline at the segment's ends.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from math import ceil, floor

from napkin.perf.batching import Engine
from napkin.perf.communication import step_communication_s
from napkin.perf.ops import Batch, Op, forward_ops
from napkin.perf.roofline import step_time

FIELDS = tuple(f.name for f in fields(Batch))


@dataclass(frozen=True)
class Line:
    """time = base + Σ slope_i × field_i, in seconds."""

    base: float
    slopes: tuple[float, ...]

    def at(self, values: tuple[float, ...]) -> float:
        return self.base + sum(s * v for s, v in zip(self.slopes, values, strict=True))


def _sum_max(c0: float, c1: float, m0: float, m1: float, n: int) -> float:
    """Σ_{k=0}^{n−1} max(c0 + c1 k, m0 + m1 k), exactly.

    With d(k) = (c0 − m0) + (c1 − m1) k, compute leads where d(k) ≥ 0: from
    k = ⌈−d0/d1⌉ on when d1 > 0, up to k = ⌊−d0/d1⌋ when d1 < 0.
    """

    def linear(a: float, b: float, lo: int, hi: int) -> float:  # Σ_{k=lo}^{hi−1} a + b k
        count = hi - lo
        return a * count + b * (lo + hi - 1) * count / 2 if count > 0 else 0.0

    d0, d1 = c0 - m0, c1 - m1
    if d1 == 0:
        return linear(c0, c1, 0, n) if d0 >= 0 else linear(m0, m1, 0, n)
    root = -d0 / d1
    if d1 > 0:  # memory first, compute from `split` on
        split = min(max(ceil(root), 0), n)
        return linear(m0, m1, 0, split) + linear(c0, c1, split, n)
    split = min(max(floor(root) + 1, 0), n)  # compute first, memory from `split` on
    return linear(c0, c1, 0, split) + linear(m0, m1, split, n)


class StepModel:
    """Per-op compute and memory lines of one engine (model on a replica)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        model, dep = engine.model, engine.deployment
        self.exact = model.moe is not None or model.sliding_window is not None
        gpu, eff = engine.gpu, engine.efficiency
        flops_per_s = gpu.peak_flops_per_s(dep.precision) * eff.compute_fraction * dep.tp
        bytes_per_s = gpu.bandwidth_bytes_per_s * eff.bandwidth_fraction * dep.tp

        def ops(values: tuple[float, ...]) -> list[Op]:
            return forward_ops(model, Batch(*values), dep.precision, dep.kv_format)

        zero = (0.0,) * len(FIELDS)
        base_ops = ops(zero)
        units = [
            ops(tuple(1.0 if j == i else 0.0 for j in range(len(FIELDS))))
            for i in range(len(FIELDS))
        ]
        self.lines: list[tuple[Line, Line]] = []
        for index, op in enumerate(base_ops):
            compute = Line(
                op.flops / flops_per_s,
                tuple((u[index].flops - op.flops) / flops_per_s for u in units),
            )
            memory = Line(
                op.bytes / bytes_per_s,
                tuple((u[index].bytes - op.bytes) / bytes_per_s for u in units),
            )
            self.lines.append((compute, memory))
        comm0 = step_communication_s(model, 0.0, dep.tp, gpu, eff)
        comm1 = step_communication_s(model, 1.0, dep.tp, gpu, eff) - comm0
        self.fixed = Line(comm0 + eff.step_overhead_s, (comm1,) + (0.0,) * (len(FIELDS) - 1))

    def time(self, batch: Batch) -> float:
        """One step's time; equals `roofline.step_time(...).total_s`."""
        if self.exact:
            e = self.engine
            return step_time(e.model, e.gpu, e.deployment, e.efficiency, batch).total_s
        values = tuple(getattr(batch, name) for name in FIELDS)
        return self.fixed.at(values) + sum(max(c.at(values), m.at(values)) for c, m in self.lines)

    def segment_time(self, start: Batch, growth: Batch, steps: int) -> float:
        """Σ over k < steps of the time of `start + k × growth`."""
        if steps <= 0:
            return 0.0
        if self.exact:  # trapezoid between the exact ends
            last = Batch(*(getattr(start, f) + (steps - 1) * getattr(growth, f) for f in FIELDS))
            return steps * (self.time(start) + self.time(last)) / 2
        v0 = tuple(getattr(start, name) for name in FIELDS)
        dv = tuple(getattr(growth, name) for name in FIELDS)
        total = steps * self.fixed.at(v0)  # communication depends on tokens, fixed here
        for compute, memory in self.lines:
            c0, m0 = compute.at(v0), memory.at(v0)
            c1 = compute.at(dv) - compute.base
            m1 = memory.at(dv) - memory.base
            total += _sum_max(c0, c1, m0, m1, steps)
        return total

    def steps_within(self, start: Batch, growth: Batch, limit: int, budget_s: float) -> int:
        """Largest k ≤ limit with segment_time(k) ≤ budget_s (bisection: the sum grows)."""
        if self.segment_time(start, growth, limit) <= budget_s:
            return limit
        low, high = 0, limit  # time(low) ≤ budget < time(high)
        while high - low > 1:
            middle = (low + high) // 2
            if self.segment_time(start, growth, middle) <= budget_s:
                low = middle
            else:
                high = middle
        return low
