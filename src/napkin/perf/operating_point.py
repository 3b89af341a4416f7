"""The batch a replica runs at under chunked prefill, its latencies without queueing, and
the step time the simulator would measure there.

vLLM-style continuous batching with chunked prefill (`token_budget` rows a step, decode
first): a step decoding `b` sequences has C = token_budget − b rows left for prompts. In
steady state a sequence lives `output` steps, so a = b / output new prompts arrive per step
(Little's law on the slots). Prompts are *not* spread over every step, as a smooth average
would assume: each is prefilled in as few chunks as fit, so a few steps are heavy and the
rest are pure decode. That is what stalls decode on prompt-heavy traffic (Agrawal et al.,
"Taming Throughput-Latency Tradeoff in LLM Inference with Sarathi-Serve", OSDI 2024, §3).

- Prompts that fit one chunk (P ≤ C): the number of prompts landing in a step is Poisson
  with mean a, so the mean step is E_N[T(b, min(N·P, C))], N ~ Poisson(a).
- Longer prompts: q = ⌊P / C⌋ full chunks and a remainder r; a fraction f = a·(q + [r>0])
  of steps carry a chunk, and the mean step is (1 − f)·T(b, 0) + a·(q·T(b, C) + T(b, r)).
The batch is feasible only while the prompts' tokens fit the budget: a·P < C.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import erf, exp, floor, sqrt

from napkin.perf.batching import Engine
from napkin.perf.ops import mixed_batch
from napkin.perf.roofline import StepTime, step_time

# vLLM's default max_num_batched_tokens with chunked prefill on large GPUs (vLLM engine
# arguments, v0.6+ docs: 8192 for chunked prefill on GPUs with >70 GB); the simulator uses it.
DEFAULT_TOKEN_BUDGET = 8192
# The most sequences napkin lets one replica run (vLLM's max_num_seqs is 256 by default;
# engines tuned for throughput raise it; 4096 bounds the search, not a recommendation).
BATCH_CAP = 4096


@dataclass(frozen=True)
class Request:
    """One request's token figures: means, and P99s for the tail latencies."""

    prompt: float
    output: float
    context: float
    prompt_p99: float
    output_p99: float


@dataclass(frozen=True)
class Point:
    """A replica at a decode batch: its mean step, latencies before queueing, service time.

    `ttft_p50_s` / `ttft_p99_s`: the step in flight, then the prompt's own chunk steps (the
    mean or P99 prompt). `request_time_s` is a slot's mean hold time, TTFT + (output − 1) ×
    mean step; `e2e_p99_s` uses the P99 prompt and output. `prefill_load` is a·P / C."""

    batch: int
    step: StepTime
    heavy_s: float
    ttft_p50_s: float
    ttft_p99_s: float
    request_time_s: float
    e2e_p99_s: float
    prefill_load: float

    @property
    def replica_qps(self) -> float:
        """Requests a replica completes per second with every slot busy: b / request_time."""
        return self.batch / self.request_time_s


def _step(engine: Engine, batch: float, context: float, prefill: float, prompt: float) -> StepTime:
    work = mixed_batch(batch, context, prefill, prompt, engine.model.sliding_window)
    return step_time(engine.model, engine.gpu, engine.deployment, engine.efficiency, work)


def _poisson(mean: float) -> list[float]:
    """P(N = n) for n = 0.. until the tail is below 1e-6 of the mass."""
    terms, term, total = [exp(-mean)], exp(-mean), exp(-mean)
    n = 0
    while total < 1 - 1e-6 and n < mean + 10 * sqrt(mean) + 10:
        n += 1
        term *= mean / n
        terms.append(term)
        total += term
    return [t / total for t in terms]


def _mix(parts: list[tuple[float, StepTime]]) -> StepTime:
    """A weighted mean of step times, component by component."""
    fields = ("compute_s", "memory_s", "communication_s", "overhead_s", "total_s")
    fields += ("flops_per_gpu", "bytes_per_gpu")
    first = parts[0][1]
    mean = {f: sum(w * getattr(s, f) for w, s in parts) for f in fields}
    return replace(first, **mean)


def steady_step(
    engine: Engine, batch: int, request: Request, token_budget: int = DEFAULT_TOKEN_BUDGET
) -> tuple[StepTime, float] | None:
    """(mean step, full-chunk step time) at `batch`, or None when prompts overflow the budget.

    See the module docstring for the formula."""
    chunk = token_budget - batch
    prompt = max(request.prompt, 1.0)
    arrivals = batch / request.output
    if chunk <= 0 or arrivals * prompt >= chunk:
        return None
    ctx = request.context - request.output / 2
    if prompt <= chunk:
        parts = [
            (p, _step(engine, batch, ctx, min(n * prompt, chunk), prompt))
            for n, p in enumerate(_poisson(arrivals))
        ]
        heavy = _step(engine, batch, ctx, prompt, prompt).total_s
        return _mix(parts), heavy
    full, rest = floor(prompt / chunk), prompt % chunk
    steps = full + (rest > 0)
    if arrivals * steps >= 1:
        return None
    heavy = _step(engine, batch, ctx, chunk, prompt)
    parts = [(1 - arrivals * steps, _step(engine, batch, ctx, 0.0, prompt))]
    parts.append((arrivals * full, heavy))
    if rest:
        parts.append((arrivals, _step(engine, batch, ctx, rest, prompt)))
    return _mix(parts), heavy.total_s


def prefill_s(
    engine: Engine, batch: int, context: float, prompt: float, token_budget: int
) -> float:
    """A prompt's own chunk steps beside `batch` decodes: ⌊P / C⌋ full chunks, then the rest."""
    chunk = max(token_budget - batch, 1)
    full, rest = floor(prompt / chunk), prompt % chunk
    time = full * _step(engine, batch, context, chunk, prompt).total_s
    if rest or not full:
        time += _step(engine, batch, context, max(rest, 1.0), prompt).total_s
    return time


def gap_below(time_s: float, rate: float, shape: float) -> float:
    """P(an inter-arrival gap < time_s) for Gamma gaps of mean 1 / rate and shape k = 1 / c_a²
    (k = 1: Poisson; round-robin over n replicas gives Erlang-n gaps, k = n):
    P = P(Poisson(k λ t) ≥ k) for whole k; a normal approximation above k = 200."""
    k = max(1, round(shape))
    mean = k * rate * time_s
    if k > 200:
        z = (k - mean) / sqrt(max(mean, 1e-12))
        return 0.5 * (1 - erf(z / sqrt(2)))
    term = total = exp(-mean)
    for i in range(1, k):
        term *= mean / i
        total += term
    return max(0.0, 1 - total)


def _overlap_p99(heavy_s: float, rate: float, shape: float) -> float:
    """heavy_s − the gap's 1% quantile, found by bisection on `gap_below`; 0 if above."""
    if gap_below(heavy_s, rate, shape) <= 0.01:
        return 0.0
    low, high = 0.0, heavy_s
    for _ in range(30):
        middle = (low + high) / 2
        low, high = (middle, high) if gap_below(middle, rate, shape) <= 0.01 else (low, middle)
    return heavy_s - low


def point_at(
    engine: Engine,
    batch: int,
    request: Request,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
    gap_shape: float = 1.0,
) -> Point | None:
    """The replica at `batch` sequences, or None when its prompts cannot keep up.
    `gap_shape` is 1 / c_a² of the replica's arrivals (1 for Poisson)."""
    steady = steady_step(engine, batch, request, token_budget)
    if steady is None:
        return None
    step, heavy = steady
    ctx = request.context - request.output / 2
    # A prompt waits behind the previous prompt's heavy step when it arrives less than that
    # step after it: by heavy − gap. The P99 of that wait is heavy − (1% quantile of the
    # gap), or none when fewer than 1% of gaps are shorter than the step.
    rate = batch / request.output / step.total_s
    in_flight = step.total_s + _overlap_p99(heavy, rate, gap_shape)
    own = prefill_s(engine, batch, ctx, request.prompt, token_budget)
    own_p99 = prefill_s(engine, batch, ctx, request.prompt_p99, token_budget)
    ttft_p50 = step.total_s / 2 + own
    ttft_p99 = in_flight + own_p99
    return Point(
        batch=batch,
        step=step,
        heavy_s=heavy,
        ttft_p50_s=ttft_p50,
        ttft_p99_s=ttft_p99,
        request_time_s=ttft_p50 + (request.output - 1) * step.total_s,
        e2e_p99_s=ttft_p99 + (request.output_p99 - 1) * step.total_s,
        prefill_load=batch / request.output * request.prompt / (token_budget - batch),
    )


def largest_batch(
    engine: Engine,
    request: Request,
    limit: int,
    tpot_s: float | None = None,
    token_budget: int = DEFAULT_TOKEN_BUDGET,
) -> int:
    """Largest batch ≤ `limit` whose prompts fit the budget and whose mean step meets `tpot_s`
    (step time grows with batch, so bisection); 0 when batch 1 already fails."""

    def ok(batch: int) -> bool:
        point = point_at(engine, batch, request, token_budget)
        return point is not None and (tpot_s is None or point.step.total_s <= tpot_s)

    if limit < 1 or not ok(1):
        return 0
    if ok(limit):
        return limit
    low, high = 1, limit
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return low


def candidate_batches(upper: int) -> list[int]:
    """Every batch up to 64, then steps of 3% up to `upper`. The grid depends on `upper`
    only (memory and the engine cap), never on an SLA target, so a tighter target searches
    a subset of the same points and can never find a cheaper fleet."""
    out = set(range(1, min(upper, 64) + 1))
    value = 64.0
    while value < upper:
        value *= 1.03
        out.add(min(upper, round(value)))
    return sorted(out)
