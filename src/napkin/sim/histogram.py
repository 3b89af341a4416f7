"""A mergeable latency histogram with a stated relative error (issue #19).

Logarithmic buckets (DDSketch's, Masson et al. 2019): with γ = (1 + α) / (1 − α), a value
x > 0 falls in bucket i = ⌈log_γ x⌉, which holds (γ^(i−1), γ^i], and the bucket answers
2 γ^i / (γ + 1), within α of every value in it. A quantile is the answer of the bucket
holding that rank, so it is within α (relative) of the exact order statistic. Buckets add,
so histograms of shards or seeds merge exactly: the merged quantiles are those of the
pooled values, to the same α. Memory is the number of distinct buckets: about
ln(max / min) / ln γ, a few hundred for latencies from microseconds to hours at α = 1%,
whatever the number of values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, log

import numpy as np

ALPHA = 0.01  # the relative error of every quantile


@dataclass
class LogHistogram:
    alpha: float = ALPHA
    counts: dict[int, int] = field(default_factory=dict)
    zeros: int = 0  # values ≤ 0 (answered as 0)

    @property
    def gamma(self) -> float:
        return (1 + self.alpha) / (1 - self.alpha)

    @property
    def total(self) -> int:
        return self.zeros + sum(self.counts.values())

    def add(self, values: np.ndarray) -> LogHistogram:
        """Count `values` (NaN ignored); returns self."""
        values = np.asarray(values, float)
        values = values[~np.isnan(values)]
        positive = values[values > 0]
        self.zeros += int(len(values) - len(positive))
        if len(positive):
            index = np.ceil(np.log(positive) / log(self.gamma)).astype(np.int64)
            found, count = np.unique(index, return_counts=True)
            for i, c in zip(found.tolist(), count.tolist(), strict=True):
                self.counts[i] = self.counts.get(i, 0) + c
        return self

    def merged(self, other: LogHistogram) -> LogHistogram:
        """Both histograms as one (the same α)."""
        if other.alpha != self.alpha:
            raise ValueError("histograms of different relative errors do not merge")
        counts = dict(self.counts)
        for i, c in other.counts.items():
            counts[i] = counts.get(i, 0) + c
        return LogHistogram(self.alpha, counts, self.zeros + other.zeros)

    def quantile(self, q: float) -> float:
        """The value at rank ⌈q × n⌉ (1-based, the lower order statistic), within α; NaN
        when empty."""
        n = self.total
        if n == 0:
            return float("nan")
        rank = max(1, ceil(q * n - 1e-9))
        if rank <= self.zeros:
            return 0.0
        seen = self.zeros
        for i in sorted(self.counts):
            seen += self.counts[i]
            if seen >= rank:
                return 2 * self.gamma**i / (self.gamma + 1)
        return 2 * self.gamma ** max(self.counts) / (self.gamma + 1)

    def to_json(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "zeros": self.zeros,
            "buckets": {str(i): c for i, c in sorted(self.counts.items())},
        }
