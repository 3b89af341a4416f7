"""Throughput of one replica at its operating point."""

from __future__ import annotations


def replica_output_tokens_per_s(decode_batch: float, step_time_s: float) -> float:
    """replica_output_tokens_per_s = decode_batch / step_time_s"""
    return decode_batch / step_time_s


def model_tokens_per_s_per_gpu(replica_output_tokens_per_s: float, gpus_per_replica: int) -> float:
    """model_tokens_per_s_per_gpu = replica_output_tokens_per_s / gpus_per_replica"""
    return replica_output_tokens_per_s / gpus_per_replica
