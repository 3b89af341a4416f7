"""The fleet: gateway, router and replicas, driven by one event loop.

Four event streams, merged in time order: arrivals (sorted), client cancellations (a
heap), timers set with `Fleet.at` (failure drills, retries; a heap) and each replica's next
segment end (`sim.timeline`). Events at the same instant run in a fixed order, never by
heap internals: 1. cancellation, 2. timer, 3. replica segment end, 4. arrival.

So a request arriving at t meets the fleet after everything else at t (a slot freed at t is
free for it). A cancellation or timer that reaches a replica first brings it to t
(`Replica.advance`), so work ending exactly at t still completes before the cancel or
crash takes effect, and its place in the timeline (`sim.timeline`) then moves.
Within one kind, the earlier-scheduled goes first (arrivals and cancellations in their
sorted order; timers by (time, counter); replicas by when they took that time).

Given a `Stream`, the fleet runs streaming (`sim.slots`): traffic arrives in blocks, each
request takes a reusable row, and what ended is counted into a tally instead of kept.
"""

from __future__ import annotations

import gc
import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial
from math import inf

import numpy as np

from napkin.perf.step_model import StepModel
from napkin.sim import holdings
from napkin.sim.gateway import Gateway, GatewayConfig
from napkin.sim.handoff import DecodePool
from napkin.sim.replica import Replica
from napkin.sim.requests import (
    CANCELLED,
    FAILED,
    PENDING,
    REJECTED,
    Columns,
    Records,
    Requests,
)
from napkin.sim.router import Router, pick
from napkin.sim.scheduling import ReplicaConfig
from napkin.sim.series import Series
from napkin.sim.slots import Slots, Stream
from napkin.sim.tally import Tally
from napkin.sim.timeline import Timeline

BUSY = 1 << 40  # outstanding count that keeps a down replica out of least-loaded routing


@dataclass(frozen=True)
class FleetConfig:
    replicas: int
    router: Router
    replica: ReplicaConfig
    gateway: GatewayConfig
    central_queue: bool = False  # hold requests at the gateway until a replica has a slot
    propagate_cancel: bool = True  # a client's cancel reaches the replica and frees it
    sample_interval_s: float = 1.0
    drain_limit_s: float = inf  # after the last arrival; what is still held is then unfinished
    clients: int = 0  # > 0: a closed loop (see Fleet.run); 0: arrivals as generated
    decode: DecodePool | None = None  # disaggregated: `replicas` prefill, then these decode


@dataclass
class FleetRun:
    """What a run produced. With retries, `records` has a row per attempt: `attempts`
    describes them and `user` maps each to the user request it served."""

    records: Records
    series: Series
    busy_s: np.ndarray
    end_s: float
    preemptions: int
    events: int
    attempts: Requests | None = None
    user: np.ndarray | None = None
    handoff_s: np.ndarray | None = None  # disaggregated: when each prompt left prefill
    decode_in_s: np.ndarray | None = None  # and when its KV reached a decode replica
    tally: Tally | None = None  # streaming: what ended, counted (the records are then empty)


class Fleet:
    def __init__(
        self,
        config: FleetConfig,
        steps: StepModel,
        requests: Requests,
        spare_attempts: int = 0,
        stream: Stream | None = None,
    ) -> None:
        """`spare_attempts`: room for retries (attempts beyond the generated requests).
        `stream`: run streaming, taking traffic from its blocks (`requests` is then empty)."""
        self.config = config
        self.requests = requests
        self.initial = len(requests)
        self.records = Records.empty(len(requests) + spare_attempts)
        self.columns = columns = Columns.of(requests)
        self.retried: dict[int, int] = {}  # a retry's attempt -> the user request it serves
        self.tenant = columns.tenant
        self.stream = stream
        self.slots: Slots | None = None
        if stream is not None:
            if config.clients or config.decode is not None or len(requests):
                raise ValueError("a streaming run is open-loop and aggregated, from its blocks")
            page = stream.page_rows
            held, forget = partial(holdings.held, self), partial(holdings.forget, self)
            self.slots = Slots(columns, self.records, stream.tally, page, held, forget)
        self.timers: list[tuple[float, int, Callable[[float], None]]] = []  # (time, counter, f)
        self.on_lost: Callable[[int, float], None] | None = None
        self.entry = config.replicas  # replicas [0, entry) take arrivals; the rest decode
        self.replicas = [
            Replica(i, config.replica, steps, columns, self.records) for i in range(config.replicas)
        ]
        pool = config.decode
        size = len(self.records.outcome)
        self.handoff_s = np.full(size if pool else 0, np.nan)
        self.decode_in_s = np.full(size if pool else 0, np.nan)
        self.in_transfer: set[int] = set()
        if pool is not None:
            for replica in self.replicas:
                replica.handoff = self._handoff
            self.replicas += [
                Replica(self.entry + j, pool.replica, pool.steps, columns, self.records)
                for j in range(pool.replicas)
            ]
        total = len(self.replicas)
        self.down = [False] * total
        self.outstanding = np.zeros(total, np.int64)
        # views of each pool's load, made once (a slice per arrival costs as much as routing)
        self.pools = (self.outstanding[: self.entry], self.outstanding[self.entry :])
        tenants = stream.tenants if stream else int(requests.tenant.max(initial=0)) + 1
        self.gateway = Gateway(config.gateway, tenants)
        self.central: deque[int] = deque()
        self.timeline = Timeline(total)
        self.counter = self.arrived = 0

    def _push(self, index: int) -> None:
        """Republish a replica's load and next event; then hand it queued central requests."""
        self._publish(index)
        if self.central:
            self._dispatch_central(index)

    def _publish(self, index: int) -> None:
        replica = self.replicas[index]
        self.outstanding[index] = BUSY if self.down[index] else replica.outstanding
        self.timeline.set(index, replica.next_event_s)

    def _has_slot(self, index: int) -> bool:
        replica = self.replicas[index]
        return not self.down[index] and replica.outstanding < replica.config.max_seqs

    def _dispatch_central(self, index: int) -> None:
        """Move queued requests to the replica while it has a free slot: one loop, no
        recursion, so a long central queue cannot exhaust the stack."""
        moved = False
        while self.central and self._has_slot(index):
            rid = self.central.popleft()
            if self.records.outcome[rid] != PENDING:
                continue
            self.replicas[index].add(rid, self.replicas[index].now)
            moved = True
        if moved:
            self._publish(index)

    # --- hooks for failures and clients (drills) --------------------------------------

    def at(self, time_s: float, action: Callable[[float], None]) -> None:
        """Run `action(time)` at time_s, before replica events of the same instant."""
        self.counter += 1
        heapq.heappush(self.timers, (time_s, self.counter, action))

    def _lost(self, rid: int, time_s: float) -> None:
        """An attempt died with its replica (or found none up): failed, or a retry hook."""
        if self.records.outcome[rid] == PENDING:
            self.records.end(rid, FAILED, time_s)
        if self.on_lost is not None:
            self.on_lost(rid, time_s)

    def _next_up(self, index: int) -> int:
        """Where a request meant for a down replica goes: the least-loaded replica of its
        pool that is up (spreading the dead replica's share), or -1 when none is."""
        low, high = (0, self.entry) if index < self.entry else (self.entry, len(self.replicas))
        best = low + int(self.outstanding[low:high].argmin())
        return best if self.outstanding[best] < BUSY else -1

    def _handoff(self, rid: int, time_s: float) -> None:
        """A prefill replica finished rid's prompt: its KV reaches the decode pool later."""
        pool = self.config.decode
        assert pool is not None
        self.handoff_s[rid] = time_s
        self.in_transfer.add(rid)
        self.at(pool.arrival_s(time_s, self.columns.prompt[rid]), lambda now: self._land(rid, now))

    def _land(self, rid: int, time_s: float) -> None:
        """rid's KV has arrived: a decode replica takes it (unless its client gave up)."""
        self.in_transfer.discard(rid)
        if self.records.outcome[rid] != PENDING:
            return
        self.decode_in_s[rid] = time_s
        self._route(rid, time_s, self.entry, self.pools[1], rid)

    def _route(self, rid: int, time_s: float, first: int, pool: np.ndarray, order: int) -> None:
        """rid (the `order`-th arrival) to the router's pick among `pool` (the load of
        replicas first, first + 1, ...), else to the least-loaded of that pool that is up;
        lost when none is."""
        index = first + pick(self.config.router, order, self.columns.session[rid], pool)
        if self.down[index]:
            index = self._next_up(index)
            if index < 0:
                self._lost(rid, time_s)
                return
        self.replicas[index].add(rid, time_s)
        self._push(index)

    def crash(self, index: int, time_s: float, restart_s: float) -> None:
        """A replica dies at time_s and serves again restart_s later (cold start)."""
        held = self.replicas[index].evict_all(time_s)
        self.down[index] = True
        self.outstanding[index] = BUSY
        self.timeline.set(index, inf)
        for rid in held:
            self._lost(rid, time_s)

        def restart(now: float) -> None:
            self.down[index] = False
            self.replicas[index].now = now
            self._push(index)

        self.at(time_s + restart_s, restart)

    def attempt(self, of_rid: int, time_s: float) -> int:
        """A new attempt (a client retry) of the same user request, arriving at time_s."""
        rid = len(self.columns.arrival)
        if rid >= len(self.records.outcome):
            raise RuntimeError("no room for more attempts: raise spare_attempts")
        if self.slots is not None:
            raise RuntimeError("a streaming run takes no retries")
        c = self.columns
        for column in (c.prompt, c.output, c.session, c.prefix, c.tenant):
            column.append(column[of_rid])
        c.arrival.append(time_s)
        self.retried[rid] = self.user(of_rid)
        self._arrive(rid, time_s, rid)
        return rid

    def user(self, rid: int) -> int:
        """The user request an attempt serves (itself, unless it is a retry)."""
        return self.retried.get(rid, rid)

    def _arrive(self, rid: int, time_s: float, order: int) -> None:
        self.arrived += 1  # what an autoscaler measures (`sim.autoscaler`)
        c = self.columns
        if not self.gateway.admits(c.prompt[rid], c.output[rid], self.tenant[rid], time_s):
            self.records.end(rid, REJECTED, time_s)
            return
        if self.config.central_queue:
            free = [i for i in range(self.entry) if self._has_slot(i)]
            if not free:
                self.central.append(rid)
                return
            index = min(free, key=lambda i: self.outstanding[i])
            self.replicas[index].add(rid, time_s)
            self._push(index)
            return
        self._route(rid, time_s, 0, self.pools[0], order)

    def _cancel(self, rid: int, time_s: float) -> None:
        if self.records.outcome[rid] != PENDING:
            return
        index = int(self.records.replica[rid])
        if index < 0 or not self.config.propagate_cancel:  # queued, or the replica never hears
            self.records.end(rid, CANCELLED, time_s)
            return
        self.replicas[index].cancel(rid, time_s)
        self._push(index)

    def run(self, progress: Callable[[float], None] | None = None) -> FleetRun:
        """Merge the event streams until none is left or the drain limit passes.

        Closed loop (`clients` = N > 0), as a benchmark at a fixed concurrency: requests go
        out in order, the first N at time 0 and each later one the instant an earlier one
        ends (N clients, no think time). Their generated arrival times are ignored and
        overwritten, in `requests.arrival_s` too, with the times they were sent."""
        collecting = gc.isenabled()
        gc.disable()  # millions of short-lived tuples, no cycles: a collection finds nothing
        try:
            return self._loop(progress)
        finally:
            if collecting:
                gc.enable()

    def _loop(self, progress: Callable[[float], None] | None) -> FleetRun:
        r = self.requests
        arrivals = self.columns.arrival  # shared, compact; attempts appended arrive by timer
        initial = self.initial
        clients = self.config.clients
        sent = min(clients, initial) if clients else initial
        for rid in range(sent if clients else 0):
            arrivals[rid] = 0.0
        # (time, arrival index, row): sorted, so already a heap; a stream pushes as it goes
        order = np.argsort(r.cancel_at_s, kind="stable")[: int(np.isfinite(r.cancel_at_s).sum())]
        cancels = [(float(r.cancel_at_s[i]), int(i), int(i)) for i in order]
        slots, stream, block, first = self.slots, self.stream, r, 0  # the block read, its first
        last = inf if clients or slots else (arrivals[initial - 1] if initial else 0.0)
        horizon = last + self.config.drain_limit_s
        series = Series.empty(self.config.sample_interval_s, horizon if horizon < inf else 0.0)
        grows = bool(clients or slots)  # the series' length is not known before the run
        next_sample, sample = 0.0, 0
        a = events = 0
        now, timeline = 0.0, self.timeline
        while True:
            while sent < initial and sent < clients + self.records.ended:  # a client is free
                arrivals[sent] = now
                sent += 1
            if stream is not None and slots is not None and a == sent and last == inf:
                first += sent  # the next block, if any
                block = stream.next_block()
                arrivals, a, sent = slots.read(block).arrival, 0, len(block)
                if not sent:
                    done = stream.last
                    last = float(done.arrival_s[-1]) if done is not None else now
                    horizon = last + self.config.drain_limit_s
            t_arrival = arrivals[a] if a < sent else inf
            t_cancel = cancels[0][0] if cancels else inf
            t_timer = self.timers[0][0] if self.timers else inf
            t_replica = timeline.first_s()
            while t_replica < inf and t_replica != self.replicas[timeline.first()].next_event_s:
                self._publish(timeline.first())  # changed unannounced: take its real time
                t_replica = timeline.first_s()
            now = min(t_arrival, t_cancel, t_timer, t_replica)
            if now == inf or now > horizon:
                break
            while next_sample <= now and (grows or sample < len(series.time_s)):
                if sample == len(series.time_s):
                    series = series.grown()
                holdings.sample(self, series, sample, next_sample)
                sample += 1
                next_sample += series.interval_s
            events += 1
            if t_cancel <= now:
                _, index, rid = heapq.heappop(cancels)
                if slots is None or slots.owner[rid] == index:  # else its row was reused
                    self._cancel(rid, now)
            elif t_timer <= now:
                heapq.heappop(self.timers)[2](now)
            elif t_replica <= now:
                index = timeline.first()
                self.replicas[index].on_event()
                self._push(index)
            else:
                rid = a
                if slots is not None:
                    rid = slots.take(a, first + a)
                    if block.cancel_at_s[a] < inf:
                        heapq.heappush(cancels, (float(block.cancel_at_s[a]), first + a, rid))
                self._arrive(rid, now, first + a)
                a += 1
                if progress and a % 4096 == 0:
                    progress(now)
        if clients:
            last = max(arrivals[: self.initial], default=0.0)
            r.arrival_s[:] = arrivals[: self.initial]
        end = horizon if now < inf else max([last, *(rep.now for rep in self.replicas)])
        holdings.end_leftovers(self, end)
        busy = np.array([replica.busy_s for replica in self.replicas])
        if slots is not None:
            slots.close()
            self.records = Records.empty(0)
        used = len(self.columns.arrival) if slots is None else 0
        if used < len(self.records.outcome):  # drop the attempts' unused room
            self.records = Records(*(getattr(self.records, f.name)[:used] for f in fields(Records)))
        return FleetRun(
            self.records,
            series.trimmed(sample),
            busy,
            end,
            sum(rep.preempted for rep in self.replicas),
            events,
            self.columns.requests() if used > self.initial else None,
            self._users(used) if used > self.initial else None,
            self.handoff_s[:used] if self.config.decode else None,
            self.decode_in_s[:used] if self.config.decode else None,
            slots.tally if slots is not None else None,
        )

    def _users(self, attempts: int) -> np.ndarray:
        users = np.arange(attempts)
        users[list(self.retried)] = list(self.retried.values())
        return users
