"""An autoscaler for a day of the fleet (issue #19): replicas follow the measured load.

Every `interval_s` it counts the arrivals of the interval just past, λ (req/s), and wants

    want = min(R, max(min_replicas, ⌈λ / q⌉)),   q = planned peak qps / R

replicas, R the fleet's replicas: each replica carries the load the plan gives it at the
peak, headroom included, so the autoscaled fleet is sized as the plan sizes the peak.

- Scale-out at once: a replica still draining (scaled in, finishing what it holds) is taken
  back warm; another is paid from `scale_lag_s` after it is asked for (the node is
  provisioned) and serves `cold_start_s` after that (the model loads).
- Scale-in to the largest `want` of the last `stabilize_s` (Kubernetes' HPA waits 300 s by
  default), highest index first; a replica scaled in takes no new request and drains.
- Paid replica-seconds, sampled at every decision: serving, warming past the lag, and
  draining with work left; × interval. GPU-hours = replica-hours × GPUs a replica.

Requests meant for a replica that is not serving go to the least-loaded serving one
(`Fleet._next_up`), as with a crashed replica.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil

from napkin.sim.event_loop import Fleet

INTERVAL_S = 60.0
STABILIZE_S = 300.0  # Kubernetes HPA's default scale-down stabilisation window


@dataclass(frozen=True)
class Policy:
    replica_qps: float  # req/s one replica takes (the plan's peak share)
    min_replicas: int
    scale_lag_s: float
    cold_start_s: float
    until_s: float  # decisions stop with the arrivals
    interval_s: float = INTERVAL_S
    stabilize_s: float = STABILIZE_S


@dataclass
class Autoscaler:
    policy: Policy
    fleet: Fleet
    warming: dict[int, float] = field(default_factory=dict)  # replica -> time it was asked
    wants: list[tuple[float, int]] = field(default_factory=list)
    paid_replica_s: float = 0.0
    log: list[dict[str, float]] = field(default_factory=list)
    last_arrived: int = 0

    def want(self, qps: float) -> int:
        total = self.fleet.entry
        return min(total, max(self.policy.min_replicas, ceil(qps / self.policy.replica_qps - 1e-9)))

    def install(self, start_qps: float) -> None:
        """Start with the replicas `start_qps` wants, the rest off; decide every interval."""
        fleet, start = self.fleet, self.want(start_qps)
        for index in range(start, fleet.entry):
            fleet.down[index] = True
            fleet._push(index)
        fleet.at(self.policy.interval_s, self.decide)

    def serving(self) -> list[int]:
        return [i for i in range(self.fleet.entry) if not self.fleet.down[i]]

    def decide(self, now: float) -> None:
        p, fleet = self.policy, self.fleet
        qps = (fleet.arrived - self.last_arrived) / p.interval_s
        self.last_arrived = fleet.arrived
        self._pay(now)
        want = self.want(qps)
        self.wants = [(t, w) for t, w in self.wants if t > now - p.stabilize_s] + [(now, want)]
        serving = self.serving()
        if want > len(serving) + len(self.warming):
            self._scale_out(now, want - len(serving) - len(self.warming))
        else:
            keep = max(w for _, w in self.wants)
            extra = max(0, len(serving) + len(self.warming) - keep)
            for index in sorted(self.warming, reverse=True)[:extra]:
                del self.warming[index]  # asked for, no longer wanted: never comes up
            for index in serving[keep:]:
                fleet.down[index] = True  # drains: no new request, finishes what it holds
                fleet._push(index)
        self.log.append(self._row(now, qps, want))
        if now + p.interval_s < p.until_s:
            fleet.at(now + p.interval_s, self.decide)

    def _scale_out(self, now: float, more: int) -> None:
        fleet, p = self.fleet, self.policy
        off = [i for i in range(fleet.entry) if fleet.down[i] and i not in self.warming]
        draining = [i for i in off if fleet.replicas[i].outstanding]
        for index in (draining + [i for i in off if i not in draining])[:more]:
            if index in draining:
                self._up(index, now)
                continue
            self.warming[index] = now
            fleet.at(now + p.scale_lag_s + p.cold_start_s, lambda t, i=index: self._ready(i, t))

    def _ready(self, index: int, now: float) -> None:
        if self.warming.pop(index, None) is not None:
            self._up(index, now)

    def _up(self, index: int, now: float) -> None:
        fleet = self.fleet
        fleet.down[index] = False
        fleet.replicas[index].now = max(fleet.replicas[index].now, now)
        fleet._push(index)

    def _paid(self, now: float) -> int:
        fleet, lag = self.fleet, self.policy.scale_lag_s
        draining = sum(
            1 for i in range(fleet.entry) if fleet.down[i] and fleet.replicas[i].outstanding
        )
        warm = sum(1 for asked in self.warming.values() if now - asked >= lag)
        return len(self.serving()) + warm + draining

    def _pay(self, now: float) -> None:
        self.paid_replica_s += self._paid(now) * self.policy.interval_s

    def _row(self, now: float, qps: float, want: int) -> dict[str, float]:
        return {
            "time_s": now,
            "arrival_rps": qps,
            "wanted": want,
            "serving": len(self.serving()),
            "warming": len(self.warming),
            "paid": self._paid(now),
        }

    def bill(self, gpus_per_replica: float, usd_per_gpu_hour: float, span_s: float) -> dict:
        """GPU-hours paid and their cost, against the whole fleet on for `span_s`."""
        paid_h = self.paid_replica_s / 3600 * gpus_per_replica
        always_h = self.fleet.entry * span_s / 3600 * gpus_per_replica
        return {
            "gpu_hours": paid_h,
            "cost_usd": paid_h * usd_per_gpu_hour,
            "always_on_gpu_hours": always_h,
            "always_on_cost_usd": always_h * usd_per_gpu_hour,
            "saved_fraction": 1 - paid_h / always_h if always_h else 0.0,
            "usd_per_gpu_hour": usd_per_gpu_hour,
            "decisions": self.log,
        }


def merge_bills(bills: list[dict]) -> dict:
    """Shards' autoscaled bills as one fleet's: GPU-hours and costs add; each hour's
    requests add and its SLA attainment is their weighted mean; an hour's TTFT and E2E P99
    are the largest shard's (an upper bound: the shards keep no hourly histograms to merge);
    decisions (every shard decides on the same clock) add replica counts."""
    added = ("gpu_hours", "cost_usd", "always_on_gpu_hours", "always_on_cost_usd")
    merged = {key: sum(b[key] for b in bills) for key in added}
    always = merged["always_on_gpu_hours"]
    merged["saved_fraction"] = 1 - merged["gpu_hours"] / always if always else 0.0
    merged["usd_per_gpu_hour"] = bills[0]["usd_per_gpu_hour"]
    hours: dict[int, list[dict]] = {}
    for bill in bills:
        for row in bill["hourly"]:
            hours.setdefault(row["hour"], []).append(row)
    merged["hourly"] = [_merged_hour(h, rows) for h, rows in sorted(hours.items())]
    steps: dict[float, dict] = {}
    for bill in bills:
        for row in bill["decisions"]:
            at = row["time_s"]
            step = steps.setdefault(at, dict.fromkeys(row, 0.0) | {"time_s": at})
            for key in ("arrival_rps", "wanted", "serving", "warming", "paid"):
                step[key] += row[key]
    merged["decisions"] = [steps[t] for t in sorted(steps)]
    return merged


def _merged_hour(hour: int, rows: list[dict]) -> dict:
    requests = sum(r["requests"] for r in rows)
    good = sum(r["sla_attainment"] * r["requests"] for r in rows if r["requests"])
    return {
        "hour": hour,
        "requests": requests,
        "completed": sum(r["completed"] for r in rows),
        "sla_attainment": good / requests if requests else float("nan"),
        "ttft_p99_s": max(r["ttft_p99_s"] for r in rows),
        "e2e_p99_s": max(r["e2e_p99_s"] for r in rows),
    }
