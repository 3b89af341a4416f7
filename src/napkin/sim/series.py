"""The fleet's state sampled at a fixed interval: one row per sample, fixed memory."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class Series:
    """Fleet state sampled every `interval_s`: requests waiting (queues and KV transfers)
    and running, the KV cache's fill, and how many the decode pool holds (0 when the fleet
    is not disaggregated)."""

    interval_s: float
    time_s: np.ndarray
    waiting: np.ndarray
    running: np.ndarray
    kv_fraction: np.ndarray
    decode: np.ndarray

    @classmethod
    def empty(cls, interval_s: float, until_s: float) -> Series:
        n = int(until_s / interval_s) + 2
        counts = (np.zeros(n, np.int64) for _ in range(2))
        return cls(interval_s, np.zeros(n), *counts, np.zeros(n), np.zeros(n, np.int64))

    def _columns(self) -> list[np.ndarray]:
        return [getattr(self, f.name) for f in fields(self) if f.name != "interval_s"]

    def grown(self) -> Series:
        """Twice the rows (a closed loop's length is not known before it runs)."""
        return Series(
            self.interval_s, *(np.concatenate([v, np.zeros_like(v)]) for v in self._columns())
        )

    def trimmed(self, rows: int) -> Series:
        return Series(self.interval_s, *(v[:rows] for v in self._columns()))
