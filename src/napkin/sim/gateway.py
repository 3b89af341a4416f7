"""The gateway: what is turned away before it reaches a replica."""

from __future__ import annotations

from dataclasses import dataclass
from math import inf


@dataclass(frozen=True)
class GatewayConfig:
    """- `max_context_tokens`: prompt + output above this is rejected (HTTP 422) before
      scheduling, so an over-long prompt never reaches a replica's KV cache.
    - `tenant_qps` / `tenant_burst`: a token bucket per tenant (rejected with 429)."""

    max_context_tokens: float = inf
    tenant_qps: float = inf
    tenant_burst: float = 1.0


class Gateway:
    def __init__(self, config: GatewayConfig, tenants: int) -> None:
        self.config = config
        self.tokens = [config.tenant_burst] * tenants
        self.stamp = [0.0] * tenants

    def admits(self, prompt: float, output: float, tenant: int, time_s: float) -> bool:
        config = self.config
        if prompt + output > config.max_context_tokens:
            return False
        if config.tenant_qps == inf:
            return True
        refill = (time_s - self.stamp[tenant]) * config.tenant_qps
        self.tokens[tenant] = min(config.tenant_burst, self.tokens[tenant] + refill)
        self.stamp[tenant] = time_s
        if self.tokens[tenant] < 1:
            return False
        self.tokens[tenant] -= 1
        return True
