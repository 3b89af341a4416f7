"""Little's law, L = λ W (Little 1961): holds for any stable system in steady state."""

from __future__ import annotations

from math import ceil, erfc, exp, floor, log, log1p, pi, sqrt


def in_flight_at_peak(peak_qps: float, request_time_s: float) -> float:
    """in_flight_at_peak = peak_qps × request_time_s   (L = λ W)"""
    return peak_qps * request_time_s


def littles_max_qps_per_replica(decode_batch: float, request_time_s: float) -> float:
    """littles_max_qps_per_replica = decode_batch / request_time_s   (λ = L / W, L = slots)"""
    return decode_batch / request_time_s


def peak_utilization(
    peak_qps: float, model_replicas_provisioned: float, replica_max_qps: float
) -> float:
    """peak_utilization = peak_qps / (model_replicas_provisioned × replica_max_qps)"""
    return peak_qps / (model_replicas_provisioned * replica_max_qps)


def erlang_c(servers: int, offered_load: float) -> float:
    """P(wait) = C(c, A): the probability an arrival waits in an M/M/c queue.

    A = λ / μ is the offered load in servers. Computed through the Erlang B recursion
    B(0) = 1, B(k) = A B(k−1) / (k + A B(k−1)), then C = B / (1 − ρ (1 − B)) with ρ = A / c
    (Kleinrock 1975, vol. 1, sec. 3.5). Returns 1 when the queue is unstable (ρ ≥ 1).

    For large A the recursion starts at k₀ = ⌊A − 10√A − 10⌋ from the fluid value
    B(k₀) ≈ 1 − k₀/A instead of at 0: below A each step multiplies the starting error by
    k/A < 1, so by k = A it has shrunk by about exp(−(A − k₀)² / 2A) ≤ e⁻⁵⁰, below double
    precision. The cost is O(c − A + √A) steps instead of O(c); for A ≤ ~120, k₀ = 0 and
    the arithmetic is the plain recursion from B(0) = 1.
    """
    if offered_load >= servers:
        return 1.0
    start = _recursion_start(offered_load)
    if servers - start > RECURSION_STEPS:
        blocking = _erlang_b_closed_form(servers, offered_load)
    else:
        blocking = 1.0 - start / offered_load if start else 1.0
        for k in range(start + 1, servers + 1):
            blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / servers
    return blocking / (1 - rho * (1 - blocking))


# Above this many recursion steps (A beyond ~4 × 10⁸ servers) Erlang B comes in O(1) from
# the Poisson closed form instead, with ~1e-8 relative error (see _poisson_cdf).
RECURSION_STEPS = 200_000


def _erlang_b_closed_form(servers: int, offered_load: float) -> float:
    """B(c, A) = p(c; A) / P(N ≤ c; A) for N ~ Poisson(A): the Erlang loss formula
    (A^c / c!) / Σ_{k≤c} A^k / k! with both sides multiplied by e^−A (Kleinrock 1975,
    vol. 1, eq. 3.46).

    ln p(c; A) = c ln A − A − ln c! loses ~2e-7 to cancellation between terms of ~10⁹,
    so Stirling's series ln c! = c ln c − c + ½ ln 2πc + 1/12c − 1/360c³ + … (Abramowitz
    & Stegun 6.1.41) is subtracted term by term: ln p = c ln(1 + (A − c)/c) + (c − A)
    − ½ ln 2πc − 1/12c + 1/360c³, each term small, the first through log1p."""
    c, load = servers, offered_load
    log_pmf = c * log1p((load - c) / c) + (c - load) - 0.5 * log(2 * pi * c)
    log_pmf += -1 / (12 * c) + 1 / (360 * c**3)
    return exp(log_pmf) / _poisson_cdf(servers, offered_load)


def _poisson_cdf(count: int, mean: float) -> float:
    """P(N ≤ c) for N ~ Poisson(m) by the one-term Edgeworth expansion with continuity
    correction: Φ(z) − φ(z) (z² − 1) / (6 √m), z = (c + ½ − m) / √m (Cramér 1946,
    sec. 17.7; the Poisson's third cumulant is m). Its error is O(1/m) in absolute terms;
    used only for m > 4 × 10⁸ and c ≥ m (below m the queue is unstable), where the CDF is
    ≥ ½, so the relative error is below 1e-8."""
    z = (count + 0.5 - mean) / sqrt(mean)
    density = exp(-z * z / 2) / sqrt(2 * pi)
    return 0.5 * erfc(-z / sqrt(2)) - density * (z * z - 1) / (6 * sqrt(mean))


def _recursion_start(offered_load: float) -> int:
    """k₀ = max(0, ⌊A − 10√A − 10⌋): where the Erlang B recursion may begin (see erlang_c)."""
    return max(0, floor(offered_load - 10 * sqrt(offered_load) - 10))


def wait_exceeds_probability(
    servers: int, arrival_rate: float, service_rate: float, wait_s: float
) -> float:
    """P(W > t) = C(c, A) × exp(−(c μ − λ) t) for M/M/c with FIFO service."""
    load = arrival_rate / service_rate
    if load >= servers:
        return 1.0
    return erlang_c(servers, load) * exp(-(servers * service_rate - arrival_rate) * wait_s)


def mean_wait_s(servers: int, arrival_rate: float, service_rate: float) -> float:
    """W_q = C(c, A) / (c μ − λ); infinite when the queue is unstable."""
    load = arrival_rate / service_rate
    if load >= servers:
        return float("inf")
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)


def servers_for_wait(
    arrival_rate: float,
    service_rate: float,
    wait_s: float,
    quantile: float,
    peakedness: float = 1.0,
) -> int:
    """Fewest servers c with P(W > wait_s) ≤ 1 − quantile: M/M/c (Erlang C) at peakedness
    1, else G/G/c by Hayward's approximation (`gg_wait_quantile_s`, z = (c_a² + c_s²) / 2).

    P(W > t) falls as c grows, so the answer is found by doubling a step above the
    stable minimum c₀ = ⌈A⌉ (the first step √A, the square-root staffing scale) until the
    target is met, then bisecting: O(log c) evaluations, each O(c − A + √A), instead of
    one evaluation per server. Gives the same c as counting up one server at a time."""
    target = 1 - quantile

    def met(servers: int) -> bool:
        if peakedness != 1.0:
            return (
                gg_wait_quantile_s(servers, arrival_rate, service_rate, quantile, peakedness)
                <= wait_s
            )
        return wait_exceeds_probability(servers, arrival_rate, service_rate, wait_s) <= target

    low = max(1, ceil(arrival_rate / service_rate))
    if met(low):
        return low
    step = max(1, ceil(sqrt(arrival_rate / service_rate)))
    high = low + step
    while not met(high):
        low, step = high, step * 2
        high = low + step
    while high - low > 1:  # invariant: not met(low), met(high)
        middle = (low + high) // 2
        if met(middle):
            high = middle
        else:
            low = middle
    return high


def gg_wait_quantile_s(
    servers: int, arrival_rate: float, service_rate: float, quantile: float, peakedness: float
) -> float:
    """The wait quantile of a G/G/c queue by Hayward's approximation: a system of peakedness
    z behaves like M/M/c' with c' = c / z servers and offered load A / z (Fredericks 1980,
    "Congestion in blocking systems — a simple approximation technique", BSTJ 59(6)), so

        t = z ln(C(c', A') / (1 − quantile)) / (c μ − λ),

    with z = (c_a² + c_s²) / 2 (Allen–Cunneen). z = 1 is M/M/c; z → 0 (regular arrivals,
    fixed service) waits only at full load."""
    if arrival_rate >= servers * service_rate:
        return float("inf")
    if peakedness <= 1e-9:
        return 0.0
    load = arrival_rate / service_rate / peakedness
    equivalent = max(1, round(servers / peakedness))
    if load >= equivalent:
        load = equivalent * (1 - 1e-9)
    waits = erlang_c(equivalent, load)
    if waits <= 1 - quantile:
        return 0.0
    return peakedness * log(waits / (1 - quantile)) / (servers * service_rate - arrival_rate)
