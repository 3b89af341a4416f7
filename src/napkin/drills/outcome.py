"""What one arm of a drill measured, per user request, before, during and after the fault."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from math import inf
from typing import Any

import numpy as np

from napkin.sim.event_loop import FleetRun
from napkin.sim.requests import Outcome, Requests

RECOVERY_BUCKET_S = 10.0
RECOVERED_WITHIN = 1.5  # P99 TTFT back within 1.5x the baseline's


@dataclass(frozen=True)
class UserView:
    """One row per user request: its fate over all attempts (retries included)."""

    arrival_s: np.ndarray
    tenant: np.ndarray
    outcome: np.ndarray
    ttft_s: np.ndarray
    e2e_s: np.ndarray
    attempts: np.ndarray

    @classmethod
    def of(cls, requests: Requests, run: FleetRun) -> UserView:
        rec = run.records
        n = len(requests)
        user = run.user if run.user is not None else np.arange(n)
        outcome = np.full(n, int(Outcome.failed), np.int8)
        first, finish = np.full(n, np.nan), np.full(n, np.nan)
        done = rec.outcome == Outcome.completed
        # A user request succeeded if any attempt completed (the earliest counts).
        order = np.argsort(np.where(done, rec.finish_s, inf))[::-1]
        for attempt in order:
            u = user[attempt]
            if done[attempt]:
                outcome[u] = int(Outcome.completed)
                first[u], finish[u] = rec.first_token_s[attempt], rec.finish_s[attempt]
            elif outcome[u] != Outcome.completed:
                outcome[u] = rec.outcome[attempt]
        attempts = np.bincount(user, minlength=n)
        return cls(
            requests.arrival_s,
            requests.tenant,
            outcome,
            first - requests.arrival_s,
            finish - requests.arrival_s,
            attempts,
        )


def _p(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


@dataclass(frozen=True)
class WindowStats:
    """One arm's user requests that arrived in one window (all, or before, during or after
    the fault): how each ended, and the latency percentiles of the completed ones (s; NaN
    when none completed)."""

    requests: int
    completed: int
    rejected: int
    cancelled: int
    failed: int
    timed_out: int
    unfinished: int
    ttft_p50_s: float
    ttft_p99_s: float
    e2e_p50_s: float
    e2e_p99_s: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ServingArm:
    """One arm of a serving drill (baseline, failure or mitigated): its windows, goodput
    (fraction of user requests completed within the SLA), retries, GPU-seconds busy,
    whether every request ended once, the fault window (s), notes and a timeline for plots.
    `other_tenants` only for multi-tenant traffic, `recovery_s` only after a closed fault."""

    windows: dict[str, WindowStats]
    goodput_fraction: float
    attempts_per_request: float
    gpu_busy_s: float
    conserved: bool
    window_s: tuple[float, float]
    notes: list[str]
    timeline: dict[str, list[float]]
    other_tenants: WindowStats | None = None
    recovery_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "windows": {name: w.to_json() for name, w in self.windows.items()},
            "goodput_fraction": self.goodput_fraction,
            "attempts_per_request": self.attempts_per_request,
            "gpu_busy_s": self.gpu_busy_s,
            "conserved": self.conserved,
            "window_s": list(self.window_s),
            "notes": self.notes,
            "timeline": self.timeline,
        }
        if self.other_tenants is not None:
            out["other_tenants"] = self.other_tenants.to_json()
        if self.recovery_s is not None:
            out["recovery_s"] = self.recovery_s
        return out

    def during(self) -> WindowStats:
        """The fault's window, or every request when the fault has no window."""
        return self.windows.get("during", self.windows["all"])


def window_stats(view: UserView, mask: np.ndarray) -> WindowStats:
    done = mask & (view.outcome == Outcome.completed)
    counts = {
        o.name: int((mask & (view.outcome == o)).sum()) for o in Outcome if o is not Outcome.pending
    }
    return WindowStats(
        requests=int(mask.sum()),
        **counts,
        ttft_p50_s=_p(view.ttft_s[done], 50),
        ttft_p99_s=_p(view.ttft_s[done], 99),
        e2e_p50_s=_p(view.e2e_s[done], 50),
        e2e_p99_s=_p(view.e2e_s[done], 99),
    )


def recovery_s(view: UserView, fault_end_s: float, baseline_p99_s: float) -> float:
    """Seconds after the fault ends until a bucket of arrivals is served like the baseline."""
    horizon = float(view.arrival_s.max(initial=0.0))
    start = fault_end_s
    while start < horizon:
        bucket = (view.arrival_s >= start) & (view.arrival_s < start + RECOVERY_BUCKET_S)
        done = bucket & (view.outcome == Outcome.completed)
        ok = done.sum() >= 0.99 * bucket.sum()
        if bucket.any() and ok and _p(view.ttft_s[done], 99) <= RECOVERED_WITHIN * baseline_p99_s:
            return start - fault_end_s
        start += RECOVERY_BUCKET_S
    return inf


def timeline(view: UserView, run: FleetRun, bucket_s: float = 5.0) -> dict[str, list[float]]:
    """Queue length (sampled) and P99 TTFT of each bucket of arrivals, for plots."""
    edges = np.arange(0.0, float(view.arrival_s.max(initial=0.0)) + bucket_s, bucket_s)
    p99 = []
    for low in edges[:-1]:
        bucket = (
            (view.arrival_s >= low)
            & (view.arrival_s < low + bucket_s)
            & (view.outcome == Outcome.completed)
        )
        p99.append(_p(view.ttft_s[bucket], 99))
    return {
        "bucket_s": edges[:-1].tolist(),
        "ttft_p99_s": p99,
        "queue_time_s": run.series.time_s.tolist(),
        "queue_waiting": run.series.waiting.tolist(),
    }
