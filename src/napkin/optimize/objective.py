"""What the search ranks feasible candidates by. Its own module so the CLI can offer the
choices without importing the search."""

from __future__ import annotations

from enum import Enum


class Objective(str, Enum):
    """- cost: monthly cost of the fleet that meets the SLA (USD/month).
    - cpqu: cost per quality unit, monthly cost ÷ the model-and-precision quality score
      (`optimize.quality`).
    - traffic: within a budget of GPUs or USD a month, the most traffic (a multiple of the
      design's) whose fleet meets the SLA (`optimize.budget`).
    - latency: within that budget, the lowest P99 end-to-end latency."""

    cost = "cost"
    cpqu = "cpqu"
    traffic = "traffic"
    latency = "latency"

    @property
    def needs_budget(self) -> bool:
        return self in (Objective.traffic, Objective.latency)
