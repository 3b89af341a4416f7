"""Little's law, L = λ W (Little 1961): holds for any stable system in steady state."""

from __future__ import annotations

from math import ceil, exp, log


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
    """
    if offered_load >= servers:
        return 1.0
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / servers
    return blocking / (1 - rho * (1 - blocking))


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
    arrival_rate: float, service_rate: float, wait_s: float, quantile: float
) -> int:
    """Fewest servers c with P(W > wait_s) ≤ 1 − quantile."""
    servers = max(1, ceil(arrival_rate / service_rate))
    while wait_exceeds_probability(servers, arrival_rate, service_rate, wait_s) > 1 - quantile:
        servers += 1
    return servers


def wait_quantile_s(
    servers: int, arrival_rate: float, service_rate: float, quantile: float
) -> float:
    """The wait W_q not exceeded with probability `quantile` in M/M/c:
    t = ln(C(c, A) / (1 − quantile)) / (c μ − λ) when C(c, A) > 1 − quantile, else 0.

    From P(W > t) = C(c, A) exp(−(c μ − λ) t); infinite when unstable."""
    load = arrival_rate / service_rate
    if load >= servers:
        return float("inf")
    waits = erlang_c(servers, load)
    if waits <= 1 - quantile:
        return 0.0
    return log(waits / (1 - quantile)) / (servers * service_rate - arrival_rate)


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
