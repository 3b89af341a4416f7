"""Prefill/decode disaggregation (xPyD): prompts run on one pool, decodes on another, and
each request's KV cache crosses the network between them.

Splitting the phases (Zhong et al. 2024, "DistServe", OSDI; Patel et al. 2024,
"Splitwise", ISCA) lets each pool be sized to its own SLA term: the prefill pool to time to
first token, the decode pool to time per output token, each with its own GPU type and
layout. The KV cache a prompt leaves is sent once, prefill to decode, over the scale-out
network (NIXL, Mooncake), and the decode pool emits the tokens after the first.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from napkin.specs.deployment import Deployment
from napkin.specs.hardware import GPU


class Pool(BaseModel):
    """One pool: its GPU (default: the design's `hardware`), its replica's layout and
    engine (default: the design's `deployment`), and its replica count (default: sized by
    the plan)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    hardware: GPU | None = None
    deployment: Deployment | None = None
    replicas: int | None = Field(
        default=None, ge=1, le=1_000_000, description="1 to 1e6 replicas; omit to size"
    )


class Disaggregation(BaseModel):
    """`prefill` and `decode` pools, and the KV link between them. The link defaults to the
    slower pool GPU's scale-out bandwidth and latency (`GPU.inter_node_gb_per_s`); set
    `transfer_gb_per_s` / `transfer_latency_us` for another fabric."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    prefill: Pool = Field(default_factory=Pool)
    decode: Pool = Field(default_factory=Pool)
    transfer_gb_per_s: float | None = Field(
        default=None, gt=0, le=1e5, description="above 0, up to 1e5 GB/s one way"
    )
    transfer_latency_us: float | None = Field(
        default=None, ge=0, le=1e7, description="0 to 1e7 µs per transfer"
    )
