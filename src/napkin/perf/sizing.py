"""The replica's batch limit and the fleet that meet every SLA target, queueing included.

Every target is sized to limit × (1 − SLA_MARGIN), the bar the simulation check uses.

1. **Batch limit b** (the engine's max running sequences): the largest batch whose time
   per output token under chunked prefill meets the budget
   (E2E − predicted TTFT p99) / (P99 output − 1), capped by KV memory. The budget uses
   the TTFT *predicted* at the planned fleet (with queueing), never the TTFT limit; the
   two are solved together by a few rounds of fixed-point iteration.
2. **Replicas n**: the fewest at which, with λ = load / n per replica,
   - the mean occupancy L solves L = λ S(L) (Little's law; S = a slot's hold time at
     occupancy L), capped at b; a request's decode runs at the P99 L₉₉ of the occupancy
     averaged over its life (`occupancy_q99`), latencies linear between whole batches;
   - requests wait for a slot as in G/G/c with c = b, offered load λ S(b), by Hayward's
     approximation with peakedness z = (c_a² + c_s²) / 2 (`capacity.queueing`): c_a² from
     the router, c_s² = 0 for fixed output lengths;
   - TTFT p50 = ttft_p50(L) + W₅₀, TTFT p99 = ttft_p99(L₉₉) + W₉₉,
     E2E p99 = TTFT p99 + (P99 output − 1) × tpot(L₉₉), TPOT = tpot(L), where tpot is the
     mean step over the tokens kept per step (more than 1 under speculative decoding);
   - slot utilisation λ S(b) / b ≤ MAX_UTILIZATION.
   Every latency falls as n grows, so bisection finds the fewest n.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from math import ceil, floor, sqrt

from napkin.capacity.queueing import gg_wait_quantile_s
from napkin.perf.operating_point import (
    Point,
    ReplicaSetup,
    Request,
    batch_cap,
    largest_batch,
    point_at,
)

ROUNDS = 4  # fixed-point rounds between the batch limit and the predicted TTFT
# The simulation check runs this many replicas behind one round-robin router, so each sees
# Erlang-k arrivals with k = min(n, SLICE_REPLICAS); the plan assumes the same.
SLICE_REPLICAS = 8
# Highest slot utilisation a plan accepts: at 99% any burst or slow replica queues for
# minutes; 95% keeps a 5% margin, the same as the simulation check's default margin.
MAX_UTILIZATION = 0.95
# Every latency target is sized (and checked in simulation) to limit × (1 − SLA_MARGIN): a
# plan that lands exactly on its limit misses it on the next slow seed.
SLA_MARGIN = 0.05


@dataclass(frozen=True)
class Targets:
    """SLA limits in seconds; None where the design sets none."""

    ttft_p50_s: float | None = None
    ttft_p99_s: float | None = None
    tpot_s: float | None = None
    e2e_p99_s: float | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in vars(self).values())

    def within(self, margin: float) -> Targets:
        """Every limit scaled by (1 − margin)."""
        return Targets(*(v * (1 - margin) if v is not None else None for v in vars(self).values()))


@dataclass(frozen=True)
class Sizing:
    """`replicas` replicas with batch limit `limit.batch` at `load_qps`: what a request sees."""

    limit: Point
    replicas: int
    load_qps: float
    occupancy: float
    utilization: float
    wait_p99_s: float
    ttft_p50_s: float
    ttft_p99_s: float
    tpot_s: float
    e2e_p99_s: float
    tpot_budget_s: float | None


def occupancy_q99(mean: float, arrival_cv2: float, output_cv2: float) -> float:
    """P99 of the occupancy a request sees over its life: mean + 2.326 σ, with the G/G/∞
    count's variance mean × (1 + (c_a² − 1)(1 − c_s² / 2)) (Poisson for Poisson arrivals
    or exponential service; mean × c_a² for fixed service, the arrivals in one service
    time) times 2/3, the variance of a fixed-length hold's time average of an M/D/∞ count
    (∫∫ (S − |t − u|)⁺ dt du = 2S³/3 over its life S)."""
    variance = 2 / 3 * mean * (1 + (arrival_cv2 - 1) * (1 - output_cv2 / 2))
    return mean + 2.326 * sqrt(max(variance, 0.0))


def points(replica: ReplicaSetup, request: Request) -> Callable[[int], Point | None]:
    """`point_at` of the replica by batch, memoised."""
    return lru_cache(maxsize=None)(lambda b: point_at(replica, b, request))


def _occupancy(at: Callable[[int], Point | None], rate: float, cap: int) -> float:
    """The occupancy L ≤ cap with λ S(L) = L (Little's law): bisection on whole batches, then
    linear between the two around the root; cap when even a full replica cannot keep up."""

    def excess(batch: int) -> float:
        point = at(max(batch, 1))
        return rate * point.request_time_s - batch if point is not None else float("inf")

    if excess(cap) > 0:
        return float(cap)
    low, high = 0, cap
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if excess(middle) <= 0 else (middle, high)
    above, below = excess(low), excess(high)  # above > 0 ≥ below
    return low + above / (above - below) if above != below else float(high)


@dataclass(frozen=True)
class Latency:
    """A point's latencies at a fractional occupancy (linear between whole batches)."""

    ttft_p50_s: float
    ttft_p99_s: float
    tpot_s: float


def _latency(at: Callable[[int], Point | None], occupancy: float, limit: Point) -> Latency:
    low = max(1, min(limit.batch, floor(occupancy)))
    high = max(1, min(limit.batch, ceil(occupancy)))
    a, b = at(low) or limit, at(high) or limit
    w = occupancy - low if high > low else 0.0
    return Latency(
        ttft_p50_s=a.ttft_p50_s + w * (b.ttft_p50_s - a.ttft_p50_s),
        ttft_p99_s=a.ttft_p99_s + w * (b.ttft_p99_s - a.ttft_p99_s),
        tpot_s=a.tpot_s + w * (b.tpot_s - a.tpot_s),
    )


def evaluate(
    at: Callable[[int], Point | None],
    limit: Point,
    replicas: int,
    load_qps: float,
    output_cv2: float,
    output_p99: float,
    arrival_cv2: float = 1.0,
) -> Sizing:
    """Latencies of `replicas` replicas with batch limit `limit.batch` sharing `load_qps`."""
    rate = load_qps / replicas
    occupancy = _occupancy(at, rate, limit.batch)
    mean = _latency(at, occupancy, limit)
    tail_occupancy = min(limit.batch, occupancy_q99(occupancy, arrival_cv2, output_cv2))
    tail = _latency(at, max(tail_occupancy, occupancy), limit)
    service = 1 / limit.request_time_s
    peakedness = (arrival_cv2 + output_cv2) / 2
    w50 = gg_wait_quantile_s(limit.batch, rate, service, 0.50, peakedness)
    w99 = gg_wait_quantile_s(limit.batch, rate, service, 0.99, peakedness)
    ttft_p99 = tail.ttft_p99_s + w99
    return Sizing(
        limit=limit,
        replicas=replicas,
        load_qps=load_qps,
        occupancy=occupancy,
        utilization=rate * limit.request_time_s / limit.batch,
        wait_p99_s=w99,
        ttft_p50_s=mean.ttft_p50_s + w50,
        ttft_p99_s=ttft_p99,
        tpot_s=mean.tpot_s,
        e2e_p99_s=ttft_p99 + (output_p99 - 1) * tail.tpot_s,
        tpot_budget_s=None,
    )


def meets(sizing: Sizing, targets: Targets) -> bool:
    pairs = (
        (sizing.ttft_p50_s, targets.ttft_p50_s),
        (sizing.ttft_p99_s, targets.ttft_p99_s),
        (sizing.tpot_s, targets.tpot_s),
        (sizing.e2e_p99_s, targets.e2e_p99_s),
    )
    ok = all(v <= lim for v, lim in pairs if lim is not None)
    return sizing.utilization <= MAX_UTILIZATION and ok


@dataclass(frozen=True)
class Search:
    """The sizing found (None when no fleet meets the targets); `single` is batch 1 alone
    (the best latency this deployment can reach); `upper` the memory/engine batch bound."""

    sizing: Sizing | None
    single: Point | None
    upper: int


def _fleet(
    at: Callable[[int], Point | None],
    limit: Point,
    load_qps: float,
    targets: Targets,
    request: Request,
    output_cv2: float,
    round_robin: bool,
) -> Sizing | None:
    """Fewest replicas with batch limit `limit.batch` meeting every target (bisection)."""

    def run(n: int) -> Sizing:
        arrival_cv2 = 1 / min(n, SLICE_REPLICAS) if round_robin else 1.0
        return evaluate(at, limit, n, load_qps, output_cv2, request.output_p99, arrival_cv2)

    low = max(1, ceil(load_qps / limit.replica_qps * (1 + 1e-9)))
    if not targets.any:
        return run(low)
    if not meets(run(10**9), targets):
        return None
    low, high = low - 1, low
    while not meets(run(high), targets):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if meets(run(middle), targets) else (middle, high)
    return run(high)


def _budget(targets: Targets, ttft_p99_s: float, output_p99: float) -> float | None:
    """Time-per-token budget: the TPOT target, or what the E2E target leaves after the
    predicted TTFT p99, whichever is tighter."""
    budgets = [targets.tpot_s] if targets.tpot_s is not None else []
    if targets.e2e_p99_s is not None and output_p99 >= 2:
        budgets.append((targets.e2e_p99_s - ttft_p99_s) / (output_p99 - 1))
    return min(budgets) if budgets else None


def size_fleet(
    replica: ReplicaSetup,
    request: Request,
    targets: Targets,
    load_qps: float,
    memory_limit: int,
    fixed_batch: int | None = None,
    output_cv2: float = 0.0,
    round_robin: bool = True,
) -> Search:
    """Batch limit and fleet together; see the module docstring. `round_robin`: the router
    spreads arrivals evenly (Erlang gaps per replica, c_a² = 1 / min(n, SLICE_REPLICAS))
    rather than at random (Poisson per replica, c_a² = 1)."""
    replica = replace(replica, gap_shape=SLICE_REPLICAS if round_robin else 1.0)
    at = points(replica, request)
    upper = min(memory_limit, batch_cap(replica), replica.token_budget // replica.rows - 1)
    single = at(1)
    if upper < 1 or single is None:
        return Search(None, single, max(upper, 0))
    predicted = single.ttft_p99_s
    best: Sizing | None = None
    for _ in range(ROUNDS):
        budget = _budget(targets, predicted, request.output_p99)
        if fixed_batch is not None:
            batch = min(fixed_batch, upper)  # above what memory holds: plan what fits
        else:
            batch = largest_batch(replica, request, upper, budget)
        limit = at(batch) if batch else None
        sizing = (
            _fleet(at, limit, load_qps, targets, request, output_cv2, round_robin)
            if limit is not None
            else None
        )
        if sizing is None:
            break
        best = _with_budget(sizing, targets, request.output_p99)
        if abs(sizing.ttft_p99_s - predicted) < 1e-3 * max(predicted, 1e-6):
            break
        predicted = sizing.ttft_p99_s
    return Search(best, single, upper)


def _with_budget(sizing: Sizing, targets: Targets, output_p99: float) -> Sizing:
    return replace(sizing, tpot_budget_s=_budget(targets, sizing.ttft_p99_s, output_p99))
