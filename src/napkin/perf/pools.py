"""A disaggregated fleet sized pool by pool: prefill to time to first token, decode to time
per output token, with the KV transfer between them.

- **KV transfer**: t = latency + P × kv_bytes_per_token / rate, for a prompt of P tokens
  (the whole cache of every layer, sent once).
- **Decode pool**: a decode replica is a serving replica whose requests arrive with their
  prompt already cached, so `perf.sizing.size_fleet` sizes it with the request
  (prompt 1, output, context): batch limit and replicas for the TPOT target and for the
  E2E target less the prefill side alone (own prefill + transfer at the P99 prompt),
  slot queueing included. Its TTFT (a step, plus any wait for a slot) is its share of TTFT.
- **Prefill pool**: arrivals are λ / n per replica, Erlang-k under round robin
  (c_a² = 1 / min(n, SLICE_REPLICAS)). A prompt longer than the token budget C runs as
  its own chunks: the replica is one first-come-first-served server with service
  S = `prefill_busy_s(P)`, and the wait quantile W_q is G/G/1 by Hayward's approximation
  with peakedness (c_a² + c_s²) / 2 (`capacity.queueing`). Shorter prompts share steps:
  each step takes the prompts that arrived during the one before (`_gated`), so the
  step, not a per-prompt service, sets the wait. Utilisation is λ S / n with S the busy
  time at a full budget. Then

      TTFT_q = own prefill of the q-quantile prompt alone + W_q + transfer_q + decode TTFT_q
      E2E p99 = TTFT p99 + decode E2E p99 − decode TTFT p99

  and the pool is the fewest n meeting every TTFT and E2E target with utilisation
  λ S / n ≤ MAX_UTILIZATION (bisection: every latency falls as n grows).
  When the decode pool's own TTFT share leaves no room, decode replicas are added
  (10% at a time) until it does.

Splitting the phases this way is DistServe's (Zhong et al. 2024, OSDI, sec. 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from math import ceil, inf, sqrt

from napkin.capacity.queueing import gg_wait_quantile_s
from napkin.perf.operating_point import (
    Point,
    ReplicaSetup,
    Request,
    prefill_busy_s,
    prefill_s,
    prompts_step_s,
)
from napkin.perf.sizing import (
    MAX_UTILIZATION,
    SLICE_REPLICAS,
    Search,
    Sizing,
    Targets,
    evaluate,
    points,
    size_fleet,
)

DECODE_GROWTH = 1.1  # decode replicas added per round when TTFT has no room left
DECODE_ROUNDS = 40
FIXED_POINT_ROUNDS = 200
Z_99 = 2.326  # the standard normal's 99th percentile


@dataclass(frozen=True)
class Transfer:
    """The prefill-to-decode KV link: bytes a prompt token leaves, rate and latency."""

    bytes_per_token: float
    rate_bytes_per_s: float
    latency_s: float

    def time_s(self, prompt_tokens: float) -> float:
        """t = latency + prompt_tokens × bytes_per_token / rate"""
        return self.latency_s + prompt_tokens * self.bytes_per_token / self.rate_bytes_per_s


@dataclass(frozen=True)
class PrefillSizing:
    """The prefill pool at `replicas`: busy time per mean prompt, own latencies alone,
    queue waits, utilisation λ S / n."""

    replicas: int
    service_s: float
    own_p50_s: float
    own_p99_s: float
    wait_p50_s: float
    wait_p99_s: float
    utilization: float


@dataclass(frozen=True)
class PoolSizing:
    """Both pools and what a request sees end to end (seconds)."""

    prefill: PrefillSizing
    decode: Sizing
    transfer_p50_s: float
    transfer_p99_s: float

    @property
    def ttft_p50_s(self) -> float:
        p = self.prefill
        return p.own_p50_s + p.wait_p50_s + self.transfer_p50_s + self.decode.ttft_p50_s

    @property
    def ttft_p99_s(self) -> float:
        p = self.prefill
        return p.own_p99_s + p.wait_p99_s + self.transfer_p99_s + self.decode.ttft_p99_s

    @property
    def tpot_s(self) -> float:
        return self.decode.tpot_s

    @property
    def e2e_p99_s(self) -> float:
        return self.ttft_p99_s + self.decode.e2e_p99_s - self.decode.ttft_p99_s

    def meets(self, targets: Targets) -> bool:
        pairs = (
            (self.ttft_p50_s, targets.ttft_p50_s),
            (self.ttft_p99_s, targets.ttft_p99_s),
            (self.tpot_s, targets.tpot_s),
            (self.e2e_p99_s, targets.e2e_p99_s),
        )
        loaded = max(self.prefill.utilization, self.decode.utilization) <= MAX_UTILIZATION
        return loaded and all(v <= limit for v, limit in pairs if limit is not None)


@dataclass(frozen=True)
class PoolSearch:
    """The pools found (None with `infeasible` saying why) and the decode pool's search."""

    sizing: PoolSizing | None
    decode: Search
    infeasible: str = ""


@dataclass(frozen=True)
class Pools:
    """What the two pools run: each replica's setup, the request, the link."""

    prefill: ReplicaSetup
    decode: ReplicaSetup
    request: Request
    transfer: Transfer
    prompt_cv2: float = 0.0
    output_cv2: float = 0.0


def decode_request(request: Request) -> Request:
    """The request as a decode replica sees it: its prompt already cached (1 row)."""
    return replace(request, prompt=1.0, prompt_p99=1.0)


def prefill_at(pools: Pools, replicas: int, load_qps: float) -> PrefillSizing:
    """The prefill pool's latencies and load at `replicas` (see the module docstring)."""
    request, replica = pools.request, pools.prefill
    rate = load_qps / replicas
    service = prefill_busy_s(replica, request.prompt)
    own = prefill_s(replica, 0, 0.0, request.prompt)
    own_p99 = prefill_s(replica, 0, 0.0, request.prompt_p99)
    arrival_cv2 = 1 / min(replicas, SLICE_REPLICAS)
    if request.prompt >= replica.token_budget:
        peakedness = (arrival_cv2 + pools.prompt_cv2) / 2
        w50 = gg_wait_quantile_s(1, rate, 1 / service, 0.50, peakedness)
        w99 = gg_wait_quantile_s(1, rate, 1 / service, 0.99, peakedness)
    else:
        stage50, stage99 = _gated(replica, request.prompt, rate, arrival_cv2 + pools.prompt_cv2)
        w50, w99 = stage50 - own, stage99 - own
    return PrefillSizing(replicas, service, own, own_p99, w50, w99, rate * service)


def _gated(
    replica: ReplicaSetup, prompt: float, rate: float, dispersion: float
) -> tuple[float, float]:
    """(mean, P99) time from arrival to the end of a short prompt's step, when each step
    takes every prompt that arrived during the one before (up to the budget C): the batch
    k solves k = max(1, λ T(k)); an arrival waits out the step in flight (T/2 on average,
    when busy) and then its own. The batch wanders with the arrivals: k_{n+1} ≈ λ T(k_n) +
    noise of variance k c², an AR(1) of coefficient g = λ dT/dk, so Var k = k c² / (1 − g²)
    and the P99 step is T(k + 2.326 √Var k). Unstable (infinite) when g ≥ 1 or k > C / P."""
    most = replica.token_budget / prompt

    def step(k: float) -> float:
        return prompts_step_s(replica, min(max(k, 1.0), most), prompt)

    k = 1.0
    for _ in range(FIXED_POINT_ROUNDS):
        nxt = max(1.0, rate * step(k))
        if nxt > most:
            return inf, inf
        converged = abs(nxt - k) <= 1e-9 * k
        k = nxt
        if converged:
            break
    busy_step = step(k)
    busy = min(1.0, rate * busy_step / k)
    gain = rate * (step(k + 1) - busy_step)
    if gain >= 1:
        return inf, inf
    spread = Z_99 * sqrt(k * dispersion / (1 - gain * gain))
    in_flight = busy_step if busy >= 0.01 else 0.0
    return busy * busy_step / 2 + busy_step, in_flight + step(k + spread)


def _decode(
    pools: Pools, targets: Targets, load_qps: float, memory_limit: int, fixed_batch: int | None
) -> Search:
    """The decode pool sized to TPOT and to E2E less the unqueued prefill side."""
    request = pools.request
    alone = prefill_s(pools.prefill, 0, 0.0, request.prompt_p99)
    side = alone + pools.transfer.time_s(request.prompt_p99)
    e2e = targets.e2e_p99_s - side if targets.e2e_p99_s is not None else None
    own = Targets(tpot_s=targets.tpot_s, e2e_p99_s=e2e)
    return size_fleet(
        pools.decode,
        decode_request(request),
        own,
        load_qps,
        memory_limit,
        fixed_batch,
        output_cv2=pools.output_cv2,
    )


def size_pools(
    pools: Pools,
    targets: Targets,
    load_qps: tuple[float, float],
    memory_limit: int,
    fixed_batch: int | None = None,
    fixed_replicas: tuple[int | None, int | None] = (None, None),
) -> PoolSearch:
    """Both pools at (prefill, decode) loads; `fixed_replicas` keeps a pool's count as given.
    `targets` are the limits already less the SLA margin."""
    prefill_load, decode_load = load_qps
    search = _decode(pools, targets, decode_load, memory_limit, fixed_batch)
    if search.sizing is None:
        return PoolSearch(None, search, "no decode batch meets the time-per-token target")
    at = points(replace(pools.decode, gap_shape=SLICE_REPLICAS), decode_request(pools.request))
    decode = search.sizing
    fixed_p, fixed_d = fixed_replicas
    request = pools.request
    for _ in range(DECODE_ROUNDS):
        if fixed_d is not None:
            decode = _decode_at(at, decode, fixed_d, decode_load, pools)
        sizing = _prefill_pool(pools, decode, targets, prefill_load, fixed_p)
        if sizing is not None or fixed_d is not None:
            break
        decode = _decode_at(at, decode, ceil(decode.replicas * DECODE_GROWTH), decode_load, pools)
    if sizing is None and fixed_d is not None:  # the decode pool's fixed count is short
        transfer = (
            pools.transfer.time_s(request.prompt),
            pools.transfer.time_s(request.prompt_p99),
        )
        probe = PoolSizing(prefill_at(pools, fixed_p or 10**9, prefill_load), decode, *transfer)
        return PoolSearch(None, search, _short(probe, targets))
    if sizing is None:
        return PoolSearch(None, search, _why(pools, decode, targets, request))
    if not sizing.meets(targets):  # a count the design fixed is too small
        return PoolSearch(None, search, _short(sizing, targets))
    return PoolSearch(sizing, search)


def _short(sizing: PoolSizing, targets: Targets) -> str:
    """Why pools of the counts a design fixed miss: a pool over capacity, or a target."""
    missed = []
    for pool, load in (("prefill", sizing.prefill), ("decode", sizing.decode)):
        if load.utilization > MAX_UTILIZATION:
            count = f"{load.replicas:,} {pool} replica" + (
                "s run" if load.replicas != 1 else " runs"
            )
            missed.append(
                f"{count} at {load.utilization:.0%} of capacity at peak × headroom (at most "
                f"{MAX_UTILIZATION:.0%}; disaggregation.{pool}.replicas)"
            )
    reach = (
        ("TTFT p50", sizing.ttft_p50_s, targets.ttft_p50_s),
        ("TTFT p99", sizing.ttft_p99_s, targets.ttft_p99_s),
        ("time per output token", sizing.tpot_s, targets.tpot_s),
        ("E2E p99", sizing.e2e_p99_s, targets.e2e_p99_s),
    )
    missed += [
        f"{name} {value:.3g} s over {limit:.3g} s (the target less its margin)"
        for name, value, limit in reach
        if limit is not None and value > limit
    ]
    return "; ".join(missed)


def _decode_at(
    at: Callable[[int], Point | None], decode: Sizing, replicas: int, load: float, pools: Pools
) -> Sizing:
    """The decode pool at `replicas`, its batch limit kept."""
    arrival_cv2 = 1 / min(replicas, SLICE_REPLICAS)
    out = evaluate(
        at,
        decode.limit,
        replicas,
        load,
        pools.output_cv2,
        pools.request.output_p99,
        arrival_cv2,
    )
    return replace(out, tpot_budget_s=decode.tpot_budget_s)


def _prefill_pool(
    pools: Pools, decode: Sizing, targets: Targets, load: float, fixed: int | None
) -> PoolSizing | None:
    """The fewest prefill replicas meeting every target beside `decode` (or `fixed`)."""
    transfer = pools.transfer
    request = pools.request

    def run(n: int) -> PoolSizing:
        return PoolSizing(
            prefill_at(pools, n, load),
            decode,
            transfer.time_s(request.prompt),
            transfer.time_s(request.prompt_p99),
        )

    if fixed is not None:
        return run(fixed)
    if not run(10**9).meets(targets):
        return None
    low = max(1, ceil(load * prefill_busy_s(pools.prefill, request.prompt) / MAX_UTILIZATION))
    low, high = low - 1, low
    while not run(high).meets(targets):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if run(middle).meets(targets) else (middle, high)
    return run(high)


def _why(pools: Pools, decode: Sizing, targets: Targets, request: Request) -> str:
    """Which target no prefill pool meets, and the best it reaches (no queue)."""
    best = PoolSizing(
        prefill_at(pools, 10**9, 0.0),
        decode,
        pools.transfer.time_s(request.prompt),
        pools.transfer.time_s(request.prompt_p99),
    )
    reach = (
        ("TTFT p50", targets.ttft_p50_s, best.ttft_p50_s),
        ("TTFT p99", targets.ttft_p99_s, best.ttft_p99_s),
        ("E2E p99", targets.e2e_p99_s, best.e2e_p99_s),
    )
    missed = [
        f"{name} (best reachable {value:.3g} s: prefill alone, KV transfer and a decode step)"
        for name, limit, value in reach
        if limit is not None and value > limit
    ]
    return "; ".join(missed) or "no pair of pools meets every target at once"
