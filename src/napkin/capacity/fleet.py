"""Fleet size: GPUs and replicas for the peak, then headroom on top."""

from __future__ import annotations

from math import ceil


def gpus_needed(peak_output_tokens_per_s: float, tokens_per_s_per_gpu: float) -> int:
    """gpus_needed = ⌈peak_output_tokens_per_s / tokens_per_s_per_gpu⌉"""
    return ceil(peak_output_tokens_per_s / tokens_per_s_per_gpu)


def replicas_provisioned(gpus_needed: float, headroom: float, gpus_per_replica: int) -> int:
    """replicas_provisioned = ⌈gpus_needed × headroom / gpus_per_replica⌉"""
    return ceil(gpus_needed * headroom / gpus_per_replica - 1e-9)


def gpus_provisioned(replicas_provisioned: int, gpus_per_replica: int) -> int:
    """gpus_provisioned = replicas_provisioned × gpus_per_replica"""
    return replicas_provisioned * gpus_per_replica


def model_replicas_needed(peak_qps: float, replica_max_qps: float) -> int:
    """model_replicas_needed = ⌈peak_qps / replica_max_qps⌉"""
    return ceil(peak_qps / replica_max_qps - 1e-9)


def model_gpus_needed(model_replicas_needed: int, gpus_per_replica: int) -> int:
    """model_gpus_needed = model_replicas_needed × gpus_per_replica"""
    return model_replicas_needed * gpus_per_replica


def model_replicas_provisioned(peak_qps: float, headroom: float, replica_max_qps: float) -> int:
    """model_replicas_provisioned = ⌈peak_qps × headroom / replica_max_qps⌉"""
    return ceil(peak_qps * headroom / replica_max_qps - 1e-9)


def model_gpus_provisioned(model_replicas_provisioned: int, gpus_per_replica: int) -> int:
    """model_gpus_provisioned = model_replicas_provisioned × gpus_per_replica"""
    return model_replicas_provisioned * gpus_per_replica
