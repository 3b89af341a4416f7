"""What the search ranks feasible candidates by. Its own module so the CLI can offer the
choices without importing the search."""

from __future__ import annotations

from enum import Enum


class Objective(str, Enum):
    """- cost: monthly cost of the fleet that meets the SLA (USD/month).
    - cpqu: cost per quality unit, monthly cost ÷ the model-and-precision quality score
      (`optimize.quality`)."""

    cost = "cost"
    cpqu = "cpqu"
