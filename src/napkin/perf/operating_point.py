"""The batch a replica runs at under chunked prefill, its latencies without queueing, and
the step time the simulator would measure there.

vLLM-style continuous batching with chunked prefill (`token_budget` rows a step, decode
first): a step decoding `b` sequences has C = token_budget − b·r rows left for prompts
(r = 1, or k + 1 verify rows under speculative decoding). In steady state a sequence lives
output / τ steps (τ tokens kept a step), so a = b τ / output new prompts arrive per step
(Little's law on the slots; raised when cancelled requests free their slots early).
Prompts are *not* spread over every step, as a smooth average would assume: each is
prefilled in as few chunks as fit, so a few steps are heavy and the rest are pure decode.
That is what stalls decode on prompt-heavy traffic (Agrawal et al., "Taming
Throughput-Latency Tradeoff in LLM Inference with Sarathi-Serve", OSDI 2024, §3).

- Prompts that fit one chunk (P ≤ C): the number of prompts landing in a step is Poisson
  with mean a, so the mean step is E_N[T(b, min(N·P, C))], N ~ Poisson(a).
- Longer prompts: q = ⌊P / C⌋ full chunks and a remainder; a fraction f = a·(q + [rem>0])
  of steps carry a chunk, and the mean step is (1 − f)·T(b, 0) + a·(q·T(b, C) + T(b, rem)).
The batch is feasible only while the prompts' tokens fit the budget: a·P < C.

An engine that runs prompts first (SGLang's default, `EnginePreset.mixes_prefill_and_decode`
false) gives a step with prompts to the prompts alone, the whole budget C = token_budget,
and the decodes run in the next step: their step is T(0, prompts) + T(b, 0), and a prompt's
own chunks run without decodes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil, erf, exp, floor, lgamma, log, sqrt

from napkin.perf.batching import Engine
from napkin.perf.ops import mixed_batch
from napkin.perf.roofline import StepTime, step_time
from napkin.perf.speculation import Drafting
from napkin.specs.deployment import Deployment

# vLLM's default max_num_batched_tokens with chunked prefill on large GPUs (vLLM engine
# arguments, v0.6+ docs: 8192 for chunked prefill on GPUs with >70 GB); the simulator uses it.
DEFAULT_TOKEN_BUDGET = 8192
# The most sequences napkin lets one replica run whatever the engine allows (4096 bounds the
# search, not a recommendation); the engine's own limit (`specs/engine.py`, max_seqs) is
# usually lower.
BATCH_CAP = 4096
# A cancelled completion is abandoned on average this long after it was sent: the next
# keystroke after the IDE's debounce (an assumption; `simulate --cancel-after` overrides it).
CANCEL_AFTER_S = 0.2


def engine_batch_limit(deployment: Deployment) -> int:
    """The most sequences a replica's engine runs at once (`Deployment.max_seqs`, its limit
    per scheduler × its attention groups), at most BATCH_CAP a scheduler."""
    return min(BATCH_CAP * deployment.dp_attention, deployment.max_seqs)


def batch_cap(replica: ReplicaSetup) -> int:
    """`engine_batch_limit` of the replica's deployment."""
    return engine_batch_limit(replica.engine.deployment)


@dataclass(frozen=True)
class Request:
    """One request's token figures: means, and P99s for the tail latencies. A fraction
    `cancel_fraction` is abandoned after an exponential time of mean `cancel_after_s`."""

    prompt: float
    output: float
    context: float
    prompt_p99: float
    output_p99: float
    cancel_fraction: float = 0.0
    cancel_after_s: float = 1.0

    def hold_s(self, service_s: float) -> float:
        """A slot's mean hold: (1 − f) S + f m (1 − e^(−S/m)), since a cancelled request
        holds it for min(S, X) with X ~ Exp(mean m)."""
        f, m = self.cancel_fraction, self.cancel_after_s
        return (1 - f) * service_s + f * m * (1 - exp(-service_s / m))


@dataclass(frozen=True)
class ReplicaSetup:
    """How a replica runs: the engine, its token budget per step, the regularity of its
    arrivals (`gap_shape` = 1 / c_a²: 1 for Poisson, k for round-robin over k) and
    speculative decoding (`drafting`), exactly as the simulator's replica runs them."""

    engine: Engine
    token_budget: int = DEFAULT_TOKEN_BUDGET
    gap_shape: float = 1.0
    drafting: Drafting | None = None
    prefilled: bool = False  # a disaggregated decode replica: prompts arrive as KV

    @property
    def rows(self) -> int:
        return self.drafting.rows if self.drafting else 1

    @property
    def tokens_per_step(self) -> float:
        return self.drafting.tokens_per_step if self.drafting else 1.0


@dataclass(frozen=True)
class Point:
    """A replica at a decode batch: its mean step, latencies before queueing, service time.

    `ttft_p50_s` / `ttft_p99_s`: the step in flight, then the prompt's own chunk steps (the
    mean or P99 prompt). `tpot_s` is the mean step / tokens kept per step. `request_time_s`
    is a slot's mean hold, TTFT + (output − 1) × tpot_s, shortened by cancellations;
    `e2e_p99_s` uses the P99 prompt and output. `prefill_load` is a·P / C."""

    batch: int
    step: StepTime
    heavy_s: float
    ttft_p50_s: float
    ttft_p99_s: float
    request_time_s: float
    e2e_p99_s: float
    prefill_load: float
    tpot_s: float

    @property
    def replica_qps(self) -> float:
        """Requests a replica completes per second with every slot busy: b / request_time."""
        return self.batch / self.request_time_s


def _step(
    replica: ReplicaSetup, batch: float, context: float, prefill: float, prompt: float
) -> StepTime:
    """One step: `batch` decodes (k + 1 verify rows each under speculation) and `prefill`
    prompt tokens; the draft's k passes are added without their fixed overhead. Under a
    prompts-first engine the decodes' step is the prompts' step alone plus a decode step."""
    if prefill > 0 and batch > 0 and not _mixes(replica):
        alone = _step(replica, 0.0, context, prefill, prompt)
        return _mix([(1.0, alone), (1.0, _step(replica, batch, context, 0.0, prompt))])
    e = replica.engine
    work = mixed_batch(batch, context, prefill, prompt, e.model.sliding_window)
    if replica.rows > 1:
        work = replace(work, tokens=work.tokens + batch * (replica.rows - 1))
    time = step_time(e.model, e.gpu, e.deployment, e.efficiency, work)
    drafting = replica.drafting
    if drafting is None or batch <= 0:
        return time
    d = drafting.draft
    pass_ = step_time(d.model, d.gpu, d.deployment, d.efficiency, mixed_batch(batch, context, 0, 0))
    extra = drafting.draft_tokens * (pass_.total_s - d.efficiency.step_overhead_s)
    return replace(time, total_s=time.total_s + extra)


def _poisson(mean: float) -> list[tuple[int, float]]:
    """(n, P(N = n)) over mean ± 8σ + 5, from the log pmf n ln m − m − ln n! (no underflow
    for large means), renormalised over the range kept."""
    spread = 8 * sqrt(mean) + 5
    low, high = max(0, floor(mean - spread)), ceil(mean + spread)
    if mean <= 0:
        return [(0, 1.0)]
    logs = [(n, n * log(mean) - mean - lgamma(n + 1)) for n in range(low, high + 1)]
    top = max(v for _, v in logs)
    weights = [(n, exp(v - top)) for n, v in logs]
    total = sum(w for _, w in weights)
    stride = max(1, ceil(sqrt(mean) / 5))  # large means: buckets of σ/5 keep ~80 terms
    buckets: dict[int, float] = {}
    for n, w in weights:
        middle = low + (n - low) // stride * stride + stride // 2
        buckets[middle] = buckets.get(middle, 0.0) + w / total
    return [(n, w) for n, w in buckets.items() if w > 1e-9]


def _mixes(replica: ReplicaSetup) -> bool:
    """Whether the engine puts prompts and decodes in one step (vLLM, TensorRT-LLM)."""
    return replica.engine.deployment.preset.mixes_prefill_and_decode


def _chunk(replica: ReplicaSetup, batch: float) -> float:
    """Prompt rows a step has: the budget beside the decodes, or all of it when prompts
    run alone."""
    return replica.token_budget - (batch * replica.rows if _mixes(replica) else 0)


def _mix(parts: list[tuple[float, StepTime]]) -> StepTime:
    """A weighted mean of step times, component by component."""
    fields = ("compute_s", "memory_s", "communication_s", "overhead_s", "total_s")
    fields += ("flops_per_gpu", "bytes_per_gpu")
    first = parts[0][1]
    mean = {f: sum(w * getattr(s, f) for w, s in parts) for f in fields}
    return replace(first, **mean)


def _arrivals_per_step(replica: ReplicaSetup, batch: int, request: Request) -> float:
    """New prompts a step: a = b τ / output (τ tokens kept per step), raised by the faster
    turnover of slots that cancelled requests free early (estimated at the pure decode
    step)."""
    arrivals = batch * replica.tokens_per_step / request.output
    if request.cancel_fraction:
        ctx = request.context - request.output / 2
        service = (
            request.output / replica.tokens_per_step * _step(replica, batch, ctx, 0, 1).total_s
        )
        arrivals *= service / request.hold_s(service)
    return arrivals


def steady_step(
    replica: ReplicaSetup, batch: int, request: Request
) -> tuple[StepTime, float] | None:
    """(mean step, full-chunk step time) at `batch`, or None when prompts overflow the budget.

    See the module docstring for the formula; a `prefilled` replica's steps are pure
    decode."""
    if replica.prefilled:
        decode = _step(replica, batch, request.context - request.output / 2, 0.0, 1.0)
        return decode, decode.total_s
    chunk = _chunk(replica, batch)
    prompt = max(request.prompt, 1.0)
    arrivals = _arrivals_per_step(replica, batch, request)
    if chunk <= 0 or arrivals * prompt >= chunk:
        return None
    ctx = request.context - request.output / 2
    if prompt <= chunk:
        parts = [
            (p, _step(replica, batch, ctx, min(n * prompt, chunk), prompt))
            for n, p in _poisson(arrivals)
        ]
        heavy = _step(replica, batch, ctx, prompt, prompt).total_s
        return _mix(parts), heavy
    full, rest = floor(prompt / chunk), prompt % chunk
    steps = full + (rest > 0)
    if arrivals * steps >= 1:
        return None
    heavy = _step(replica, batch, ctx, chunk, prompt)
    parts = [(1 - arrivals * steps, _step(replica, batch, ctx, 0.0, prompt))]
    parts.append((arrivals * full, heavy))
    if rest:
        parts.append((arrivals, _step(replica, batch, ctx, rest, prompt)))
    return _mix(parts), heavy.total_s


def prefill_s(replica: ReplicaSetup, batch: int, context: float, prompt: float) -> float:
    """A prompt's own chunk steps beside `batch` decodes (none under a prompts-first
    engine): ⌊P / C⌋ full chunks, then the rest."""
    chunk = max(_chunk(replica, batch), 1)
    batch = batch if _mixes(replica) else 0
    full, rest = floor(prompt / chunk), prompt % chunk
    time = full * _step(replica, batch, context, chunk, prompt).total_s
    if rest or not full:
        time += _step(replica, batch, context, max(rest, 1.0), prompt).total_s
    return time


def prefill_busy_s(replica: ReplicaSetup, prompt: float) -> float:
    """Busy time a prompt costs a replica that only prefills with its budget C kept full
    (a disaggregated prefill pool at capacity): prompts of P ≥ C run as their own chunks;
    shorter ones share steps, so each costs P / C of a full C-row step of such prompts."""
    chunk = replica.token_budget
    if prompt >= chunk:
        return prefill_s(replica, 0, 0.0, prompt)
    return prompt / chunk * prompts_step_s(replica, chunk / prompt, prompt)


def prompts_step_s(replica: ReplicaSetup, prompts: float, prompt: float) -> float:
    """One prefill-only step of `prompts` prompts of `prompt` tokens (≤ the budget)."""
    return _step(replica, 0.0, 0.0, prompts * max(prompt, 1.0), max(prompt, 1.0)).total_s


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


def point_at(replica: ReplicaSetup, batch: int, request: Request) -> Point | None:
    """The replica at `batch` sequences, or None when its prompts cannot keep up."""
    steady = steady_step(replica, batch, request)
    if steady is None:
        return None
    step, heavy = steady
    ctx = request.context - request.output / 2
    tokens = replica.tokens_per_step
    # A prompt waits behind the previous prompt's heavy step when it arrives less than that
    # step after it: by heavy − gap. The P99 of that wait is heavy − (1% quantile of the
    # gap), or none when fewer than 1% of gaps are shorter than the step.
    rate = _arrivals_per_step(replica, batch, request) / step.total_s
    in_flight = step.total_s + _overlap_p99(heavy, rate, replica.gap_shape)
    own = 0.0 if replica.prefilled else prefill_s(replica, batch, ctx, request.prompt)
    own_p99 = 0.0 if replica.prefilled else prefill_s(replica, batch, ctx, request.prompt_p99)
    ttft_p50 = step.total_s / 2 + own
    ttft_p99 = in_flight + own_p99
    tpot = step.total_s / tokens
    service = ttft_p50 + (request.output - 1) * tpot
    return Point(
        batch=batch,
        step=step,
        heavy_s=heavy,
        ttft_p50_s=ttft_p50,
        ttft_p99_s=ttft_p99,
        request_time_s=request.hold_s(service),
        e2e_p99_s=ttft_p99 + (request.output_p99 - 1) * tpot,
        prefill_load=rate
        * step.total_s
        * request.prompt
        / (replica.token_budget - batch * replica.rows),
        tpot_s=tpot,
    )


def largest_batch(
    replica: ReplicaSetup, request: Request, limit: int, tpot_s: float | None = None
) -> int:
    """Largest batch ≤ `limit` whose prompts fit the budget and whose time per output token
    meets `tpot_s` (it grows with batch, so bisection); 0 when batch 1 already fails."""

    def ok(batch: int) -> bool:
        point = point_at(replica, batch, request)
        return point is not None and (tpot_s is None or point.tpot_s <= tpot_s)

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
