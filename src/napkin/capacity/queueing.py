"""Little's law, L = λ W (Little 1961): holds for any stable system in steady state."""

from __future__ import annotations


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
