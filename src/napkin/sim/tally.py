"""A run's measurements kept as it goes, in memory that does not grow with its requests.

A streaming run (`sim.slots`) hands each page of ended requests here before it reuses the
page's rows. What is kept:

- counts (outcomes, completed, met the SLA) and sums (output tokens, time in the system,
  prefix-cache tokens), so every rate, mean and fraction is exact;
- TTFT, TPOT and E2E as mergeable log histograms (`sim.histogram`): each percentile within
  1% (relative) of the exact order statistic, the maximum exact;
- per hour of arrival (`hour_s`): requests, completed, met the SLA, and their TTFT P99 and
  E2E P99 from an hour's histograms, so a day's SLA attainment reads hour by hour.

`totals()` gives what `sim.metrics.assemble` builds the summary from, as the records do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from napkin.sim.histogram import LogHistogram
from napkin.sim.metrics import GoodputLimits, Totals, _completed, meets
from napkin.sim.requests import Outcome

METRICS = ("ttft_s", "tpot_s", "e2e_s")
QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99}


@dataclass
class Hour:
    """One hour of arrivals: how many, how many completed and met the SLA, and latency."""

    arrived: int = 0
    completed: int = 0
    good: int = 0
    ttft_s: LogHistogram = field(default_factory=LogHistogram)
    e2e_s: LogHistogram = field(default_factory=LogHistogram)


@dataclass
class Tally:
    targets: GoodputLimits
    hour_s: float = 3600.0
    requests: int = 0
    outcomes: np.ndarray = field(default_factory=lambda: np.zeros(len(Outcome), np.int64))
    histograms: dict[str, LogHistogram] = field(
        default_factory=lambda: {m: LogHistogram() for m in METRICS}
    )
    sums: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METRICS, 0.0))
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    maxima: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METRICS, -np.inf))
    completed: int = 0
    good: int = 0
    output_tokens: float = 0.0
    ended: int = 0
    time_in_system_s: float = 0.0
    prefix_hit_tokens: int = 0
    admitted_prompt_tokens: float = 0.0
    admitted_hit_tokens: int = 0
    hours: dict[int, Hour] = field(default_factory=dict)

    def add(
        self,
        arrival: np.ndarray,
        prompt: np.ndarray,
        output: np.ndarray,
        outcome: np.ndarray,
        first_token_s: np.ndarray,
        finish_s: np.ndarray,
        prefix_hit: np.ndarray,
    ) -> None:
        """Count a batch of requests that have all ended (one row each)."""
        self.requests += len(arrival)
        self.outcomes += np.bincount(outcome, minlength=len(Outcome))[: len(Outcome)]
        ttft, tpot, e2e, tpot_all = _completed(arrival, output, outcome, first_token_s, finish_s)
        good = meets(self.targets, ttft, tpot_all, e2e)
        for name, values in zip(METRICS, (ttft, tpot, e2e), strict=True):
            self.histograms[name].add(values)
            self.sums[name] += float(values.sum())
            self.counts[name] += len(values)
            if len(values):
                self.maxima[name] = max(self.maxima[name], float(values.max()))
        done = outcome == Outcome.completed
        self.completed += int(done.sum())
        self.good += int(good.sum())
        self.output_tokens += float(output[done].sum())
        ended = np.isfinite(finish_s)
        self.ended += int(ended.sum())
        self.time_in_system_s += float((finish_s[ended] - arrival[ended]).sum())
        self.prefix_hit_tokens += int(prefix_hit.sum())
        admitted = np.isfinite(first_token_s)
        self.admitted_prompt_tokens += float(prompt[admitted].sum())
        self.admitted_hit_tokens += int(prefix_hit[admitted].sum())
        self._hourly(arrival, done, ttft, e2e, good)

    def _hourly(
        self,
        arrival: np.ndarray,
        done: np.ndarray,
        ttft: np.ndarray,
        e2e: np.ndarray,
        good: np.ndarray,
    ) -> None:
        hour = (arrival // self.hour_s).astype(np.int64)
        done_hour = hour[done]
        for h in np.unique(hour).tolist():
            row = self.hours.setdefault(h, Hour())
            mine = done_hour == h
            row.arrived += int((hour == h).sum())
            row.completed += int(mine.sum())
            row.good += int(good[mine].sum())
            row.ttft_s.add(ttft[mine])
            row.e2e_s.add(e2e[mine])

    def _latency(self, name: str) -> dict[str, float]:
        count = self.counts[name]
        if not count:
            return {k: float("nan") for k in ("mean", *QUANTILES, "max")}
        histogram = self.histograms[name]
        out = {"mean": self.sums[name] / count}
        out |= {k: histogram.quantile(q) for k, q in QUANTILES.items()}
        return out | {"max": self.maxima[name]}

    def totals(self) -> Totals:
        return Totals(
            requests=self.requests,
            outcomes={o.name: int(self.outcomes[o]) for o in Outcome if o is not Outcome.pending},
            latency={name: self._latency(name) for name in METRICS},
            completed=self.completed,
            good=self.good,
            output_tokens=self.output_tokens,
            ended=self.ended,
            time_in_system_s=self.time_in_system_s,
            prefix_hit_tokens=self.prefix_hit_tokens,
            admitted_prompt_tokens=self.admitted_prompt_tokens,
            admitted_hit_tokens=self.admitted_hit_tokens,
        )

    def hourly(self) -> list[dict[str, float]]:
        """Each hour of arrivals: requests, completed, the fraction that met the SLA (of
        those that arrived), TTFT P99 and E2E P99 (seconds, within 1%)."""
        return [
            {
                "hour": h,
                "requests": row.arrived,
                "completed": row.completed,
                "sla_attainment": row.good / row.arrived if row.arrived else float("nan"),
                "ttft_p99_s": row.ttft_s.quantile(0.99),
                "e2e_p99_s": row.e2e_s.quantile(0.99),
            }
            for h, row in sorted(self.hours.items())
        ]
