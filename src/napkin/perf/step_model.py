"""The roofline of `roofline.step_time`, precomputed for the simulator.

Every operation's FLOPs and bytes are affine in a `Batch`'s fields (rows through a GEMM,
sequences, attended context, KV read), so each op's compute and memory time are straight
lines in them. Precomputing those lines makes one step a few multiply-adds, and lets a run of
n steps whose context grows by a fixed amount per step be summed in closed form: per op,
Σ_k max(c₀ + c₁k, m₀ + m₁k) splits at the one point where the lines cross.

MoE models (experts touched grow non-linearly with tokens) and sliding windows (attention
stops growing at the window) fall back to evaluating the exact roofline at the segment's ends.
A pipeline of pp stages evaluates its lines at the micro-batch, batch / m
(`roofline.micro_batches`; m is fixed within a segment, as rows and sequences are).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from math import ceil, floor

from napkin.perf.batching import Engine
from napkin.perf.communication import pipeline_hops_s, step_communication_s
from napkin.perf.ops import Batch, forward_ops
from napkin.perf.roofline import micro_batches, step_time
from napkin.perf.sharding import Shares

FIELDS = tuple(f.name for f in fields(Batch))


Vector = tuple[float, ...]  # a Batch's fields in FIELDS order


@dataclass(frozen=True)
class Line:
    """time = base + Σ slope × field over the fields the op depends on, in seconds."""

    base: float
    terms: tuple[tuple[int, float], ...]  # (field index, seconds per unit), non-zero only

    def at(self, values: Vector) -> float:
        return self.base + self.slope_along(values)

    def slope_along(self, direction: Vector) -> float:
        return _total([slope * direction[i] for i, slope in self.terms])


def _total(values: list[float]) -> float:
    """Σ values, added left to right from 0. Not `sum`: from Python 3.12 it compensates
    float rounding, and compiled code adds plainly, so the two cores would differ."""
    total = 0.0
    for value in values:
        total += value
    return total


def _linear(a: float, b: float, lo: int, hi: int) -> float:
    """Σ_{k=lo}^{hi−1} a + b k."""
    count = hi - lo
    return a * count + b * (lo + hi - 1) * count / 2 if count > 0 else 0.0


def _sum_max(c0: float, c1: float, m0: float, m1: float, n: int) -> float:
    """Σ_{k=0}^{n−1} max(c0 + c1 k, m0 + m1 k), exactly.

    With d(k) = (c0 − m0) + (c1 − m1) k, compute leads where d(k) ≥ 0: from
    k = ⌈−d0/d1⌉ on when d1 > 0, up to k = ⌊−d0/d1⌋ when d1 < 0.
    """
    d0, d1 = c0 - m0, c1 - m1
    if d1 == 0:
        return _linear(c0, c1, 0, n) if d0 >= 0 else _linear(m0, m1, 0, n)
    root = -d0 / d1
    if d1 > 0:  # memory first, compute from `split` on
        split = min(max(ceil(root), 0), n)
        return _linear(m0, m1, 0, split) + _linear(c0, c1, split, n)
    split = min(max(floor(root) + 1, 0), n)  # compute first, memory from `split` on
    return _linear(c0, c1, 0, split) + _linear(m0, m1, split, n)


def as_vector(batch: Batch) -> Vector:
    return tuple(getattr(batch, name) for name in FIELDS)


class StepModel:
    """Per-op compute and memory lines of one engine (model on a replica)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        model, whole = engine.model, engine.deployment
        self.pp = whole.pp
        dep = whole.model_copy(update={"pp": 1}) if whole.pp > 1 else whole
        self.exact = model.moe is not None or model.sliding_window is not None
        gpu, eff = engine.gpu, engine.efficiency
        flops_per_s = gpu.peak_flops_per_s(dep.precision) * eff.compute_fraction
        bytes_per_s = gpu.bandwidth_bytes_per_s * eff.bandwidth_fraction
        shares = Shares.of(model, dep)

        def ops(values: Vector) -> list[tuple[float, float]]:  # per GPU: (FLOPs, bytes)
            work = forward_ops(model, Batch(*values), dep.precision, dep.kv_format)
            return [shares.per_gpu(op) for op in work]

        def line(base: float, unit_values: list[float], scale: float) -> Line:
            terms = tuple((i, (v - base) / scale) for i, v in enumerate(unit_values) if v != base)
            return Line(base / scale, terms)

        zero = (0.0,) * len(FIELDS)
        base_ops = ops(zero)
        units = [
            ops(tuple(1.0 if j == i else 0.0 for j in range(len(FIELDS))))
            for i in range(len(FIELDS))
        ]
        self.lines: list[tuple[Line, Line]] = [
            (
                line(flops, [u[k][0] for u in units], flops_per_s),
                line(moved, [u[k][1] for u in units], bytes_per_s),
            )
            for k, (flops, moved) in enumerate(base_ops)
        ]
        comm0 = step_communication_s(model, 0.0, dep, gpu, eff)
        comm0 += pipeline_hops_s(0.0, model, whole, gpu, eff)
        comm1 = step_communication_s(model, 1.0, dep, gpu, eff)
        comm1 += pipeline_hops_s(1.0, model, whole, gpu, eff) - comm0
        per_token = ((0, comm1),) if comm1 else ()  # field 0: tokens; field 1: sequences
        per_sequence = ((1, eff.sequence_overhead_s),) if eff.sequence_overhead_s else ()
        fixed = eff.overhead_s(0.0, model.num_layers)
        self.fixed = Line(comm0 + fixed, per_token + per_sequence)
        # Ops that depend only on rows and sequences (every GEMM) cost the same for the same
        # (rows, sequences): memoised. The rest (attention) become dense rows for the loop.
        context = {2, 3, 4, 5}
        self._static = [
            (c, m) for c, m in self.lines if not {i for i, _ in (*c.terms, *m.terms)} & context
        ]
        self._rows = [
            (self._dense(c), self._dense(m)) for c, m in self.lines if (c, m) not in self._static
        ]
        self._memo: dict[tuple[float, float], float] = {}

    @staticmethod
    def _dense(line: Line) -> tuple[float, ...]:
        slopes = [0.0] * len(FIELDS)
        for i, slope in line.terms:
            slopes[i] = slope
        return (line.base, *slopes)

    def _micro(self, values: Vector) -> Vector:
        """A pipeline's micro-batch: the step's batch / m."""
        if self.pp <= 1:
            return values
        m = micro_batches(self.pp, values[1])
        return tuple(v / m for v in values)

    def time(self, batch: Batch | Vector) -> float:
        """One step's time; equals `roofline.step_time(...).total_s`."""
        values = batch if isinstance(batch, tuple) else as_vector(batch)
        if self.exact:
            e = self.engine
            return step_time(e.model, e.gpu, e.deployment, e.efficiency, Batch(*values)).total_s
        values = self._micro(values)
        return self.fixed.at(values) + _total(
            [max(c.at(values), m.at(values)) for c, m in self.lines]
        )

    def segment_time(self, start: Batch | Vector, growth: Batch | Vector, steps: int) -> float:
        """Σ over k < steps of the time of `start + k × growth`."""
        if steps <= 0:
            return 0.0
        v0 = start if isinstance(start, tuple) else as_vector(start)
        dv = growth if isinstance(growth, tuple) else as_vector(growth)
        if self.exact:  # trapezoid between the exact ends
            last = tuple(a + (steps - 1) * d for a, d in zip(v0, dv, strict=True))
            return steps * (self.time(v0) + self.time(last)) / 2
        if self.pp > 1:
            m = micro_batches(self.pp, v0[1])
            v0, dv = tuple(v / m for v in v0), tuple(d / m for d in dv)
        t, q, a, r, aw, rw = v0
        per_step = self._memo.get((t, q))
        if per_step is None:
            per_step = self.fixed.at(v0) + _total(
                [max(c.at(v0), m.at(v0)) for c, m in self._static]
            )
            self._memo[(t, q)] = per_step
        total = steps * per_step
        _, _, da, dr, daw, drw = dv  # rows and sequences stay fixed within a segment
        for (cb, ct, cq, ca, cr, caw, crw), (mb, mt, mq, ma, mr, maw, mrw) in self._rows:
            c0 = cb + ct * t + cq * q + ca * a + cr * r + caw * aw + crw * rw
            m0 = mb + mt * t + mq * q + ma * a + mr * r + maw * aw + mrw * rw
            c1 = ca * da + cr * dr + caw * daw + crw * drw
            m1 = ma * da + mr * dr + maw * daw + mrw * drw
            if c1 == 0 and m1 == 0:
                total += steps * (c0 if c0 > m0 else m0)
            else:
                total += _sum_max(c0, c1, m0, m1, steps)
        return total

    def boundary_after(
        self, start: Vector, growth: Vector, limit: int, elapsed_s: float, whole_s: float
    ) -> tuple[int, float]:
        """The first step boundary at or after `elapsed_s` into a segment of `limit` steps
        lasting `whole_s`: (steps done by then, their duration). The sum grows with k and
        nearly linearly, so a proportional guess is corrected step by step."""
        if elapsed_s >= whole_s:
            return limit, whole_s
        k = min(limit, max(1, ceil(elapsed_s / whole_s * limit)))
        duration = self.segment_time(start, growth, k)
        while k > 1:
            shorter = self.segment_time(start, growth, k - 1)
            if shorter < elapsed_s:
                break
            k, duration = k - 1, shorter
        while duration < elapsed_s:
            k += 1
            duration = whole_s if k == limit else self.segment_time(start, growth, k)
        return k, duration
