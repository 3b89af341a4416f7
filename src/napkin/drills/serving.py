"""The serving drills: each injects one fault into a fleet and, when asked, its mitigation.

A drill is a plain function `(context, params, mitigated) -> Arm`. The registry below is a
dict of these functions (the names a design's failure-mode register uses); a design adds a
drill to its register as data, choosing a name from here and its parameters.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from math import inf

import numpy as np

from napkin.drills.arm import Arm, Context
from napkin.drills.expert_skew import expert_skew
from napkin.drills.kv_stall import kv_transfer_stall
from napkin.drills.params import Params
from napkin.sim.event_loop import Fleet
from napkin.sim.requests import PENDING, TIMED_OUT, Requests


def _window(ctx: Context, params: Params, default_length: float) -> tuple[float, float]:
    start = float(params.get("at_s", ctx.duration_s / 3))
    return start, start + float(params.get("duration_s", default_length))


def _with(requests: Requests, **columns: np.ndarray) -> Requests:
    return replace(requests, **columns)


def _extra(
    ctx: Context, rate: float, start: float, end: float, seed: int, tenant: int = 0
) -> Requests:
    """More requests like the baseline's, Poisson at `rate` over [start, end)."""
    rng = np.random.default_rng(seed)
    count = rng.poisson(rate * (end - start))
    arrival = np.sort(rng.uniform(start, end, count))
    pick = rng.integers(0, len(ctx.requests), count)
    r = ctx.requests
    return Requests(
        arrival,
        r.prompt_tokens[pick],
        r.output_tokens[pick],
        np.full(count, tenant, np.int32),
        r.session[pick],
        r.prefix_tokens[pick],
        np.full(count, inf),
    )


def _retry_lost(fleet: Fleet) -> None:
    """Mitigation: a lost attempt is retried at once (the router avoids the dead replica)."""
    fleet.on_lost = lambda rid, now: fleet.attempt(rid, now)


# --- the drills --------------------------------------------------------------------------


def _hit(ctx: Context, params: Params) -> tuple[bool, int]:
    """(whether the fault hits a disaggregated fleet's decode pool, that pool's size)."""
    pool = ctx.config.decode
    decode = pool is not None and bool(params.get("decode", 0))
    return decode, pool.replicas if decode and pool is not None else ctx.config.replicas


def _first(fleet: Fleet, decode: bool) -> int:
    """The index of the first replica of the pool hit."""
    return fleet.entry if decode else 0


def replica_crash(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """`count` replicas die at `at_s` and restart after `restart_s` (cold start); `decode`
    1 aims at a disaggregated fleet's decode pool. Mitigation: `spares` warm replicas in
    that pool and a retry of each lost request on another replica."""
    decode, size = _hit(ctx, params)
    count = int(params.get("count", max(1, size // 4)))
    restart = float(params.get("restart_s", 120.0))
    start, _ = _window(ctx, params, restart)
    spares = int(params.get("spares", count)) if mitigated else 0
    pool = ctx.config.decode
    if decode and pool is not None:
        config = replace(ctx.config, decode=replace(pool, replicas=pool.replicas + spares))
    else:
        config = replace(ctx.config, replicas=ctx.config.replicas + spares)

    def install(fleet: Fleet) -> None:
        first = _first(fleet, decode)
        for index in range(first, first + min(count, size)):
            fleet.at(start, lambda now, i=index: fleet.crash(i, now, restart))
        if mitigated:
            _retry_lost(fleet)

    return Arm(
        ctx.requests,
        config,
        install,
        spare_attempts=len(ctx.requests),
        window=(start, start + restart),
    )


def stalled_replica(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """A collective hangs: `count` replicas stop progressing for `stall_s` while the router
    keeps sending them work (`decode` 1: in a disaggregated fleet's decode pool).
    Mitigation: a watchdog restarts a replica that made no progress
    for `watchdog_s`, and its requests are retried elsewhere."""
    decode, size = _hit(ctx, params)
    count = min(int(params.get("count", 1)), size)
    stall = float(params.get("stall_s", 120.0))
    watchdog = float(params.get("watchdog_s", 10.0))
    restart = float(params.get("restart_s", 30.0))
    start, _ = _window(ctx, params, stall)

    def install(fleet: Fleet) -> None:
        first = _first(fleet, decode)
        for index in range(first, first + count):

            def stall_it(now: float, i: int = index) -> None:
                fleet.replicas[i].freeze(now, now + stall)
                fleet._push(i)
                if mitigated:
                    fleet.at(now + watchdog, lambda t, j=i: fleet.crash(j, t, restart))

            fleet.at(start, stall_it)
        if mitigated:
            _retry_lost(fleet)

    return Arm(
        ctx.requests,
        ctx.config,
        install,
        spare_attempts=len(ctx.requests),
        window=(start, start + stall),
    )


def long_prompt_oom(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Prompts of `prompt_tokens` (a `fraction` of requests) kill the batch of the replica
    they reach (restart after `restart_s`). Mitigation: the gateway rejects any request over
    the model's context (HTTP 422) before scheduling."""
    prompt = int(params.get("prompt_tokens", 200_000))
    fraction = float(params.get("fraction", 0.002))
    restart = float(params.get("restart_s", 60.0))
    rng = np.random.default_rng(ctx.seed + 1)
    poison = rng.random(len(ctx.requests)) < fraction
    prompts = ctx.requests.prompt_tokens.copy()
    prompts[poison] = prompt
    requests = _with(ctx.requests, prompt_tokens=prompts)
    limit = ctx.config.gateway.max_context_tokens if mitigated else inf
    config = replace(ctx.config, gateway=replace(ctx.config.gateway, max_context_tokens=limit))
    rids = np.flatnonzero(poison).tolist()

    def install(fleet: Fleet) -> None:
        for rid in rids:

            def explode(now: float, r: int = rid) -> None:
                index = int(fleet.records.replica[r])
                if index >= 0 and not fleet.down[index] and fleet.records.outcome[r] == PENDING:
                    fleet.crash(index, now, restart)  # the whole batch is lost

            fleet.at(float(requests.arrival_s[rid]) + 1e-6, explode)

    return Arm(
        requests,
        config,
        install,
        window=(0.0, ctx.duration_s),
        notes=[f"{len(rids)} prompts of {prompt:,} tokens"],
    )


def hot_tenant(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Tenant 0 sends `multiplier` times its `share` of traffic on top of everyone else.
    Mitigation: a per-tenant token bucket at the fair share (`limit_factor` x)."""
    share = float(params.get("tenant_share", 0.1))
    multiplier = float(params.get("multiplier", 10.0))
    base_rate = len(ctx.requests) / ctx.duration_s
    tenants = np.where(
        np.random.default_rng(ctx.seed + 2).random(len(ctx.requests)) < share, 0, 1
    ).astype(np.int32)
    start, end = _window(ctx, params, ctx.duration_s / 3)
    extra = _extra(ctx, base_rate * share * (multiplier - 1), start, end, ctx.seed + 3)
    requests = _with(ctx.requests, tenant=tenants).merged(extra)
    gateway = ctx.config.gateway
    if mitigated:
        limit = base_rate * share * float(params.get("limit_factor", 1.5))
        gateway = replace(gateway, tenant_qps=limit, tenant_burst=max(5.0, limit))
    return Arm(requests, replace(ctx.config, gateway=gateway), window=(start, end))


def retry_storm(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """A third of the replicas fail for `outage_s`; clients time out after `timeout_s` and
    retry at once, up to `retries` times, abandoning (not cancelling) the old attempt, which
    the server keeps serving. Mitigation: exponential backoff with full jitter
    (`backoff_s` x 2^k) and a circuit breaker that stops retries while more than
    `breaker_ratio` of the last `breaker_window_s` of client checks failed."""
    timeout = float(params.get("timeout_s", 10.0))
    retries = int(params.get("retries", 2))
    outage = float(params.get("outage_s", 40.0))
    backoff = float(params.get("backoff_s", 5.0))
    ratio = float(params.get("breaker_ratio", 0.25))
    span = float(params.get("breaker_window_s", 10.0))
    start, _ = _window(ctx, params, outage)
    lost = max(1, ctx.config.replicas // 3)
    rand = random.Random(ctx.seed + 4)

    def install(fleet: Fleet) -> None:
        tries: dict[int, int] = {}
        checks: deque[tuple[float, bool]] = deque()  # (time, failed) of recent client checks

        def note(now: float, failed: bool) -> None:
            checks.append((now, failed))
            while checks and checks[0][0] < now - span:
                checks.popleft()

        def breaker_open() -> bool:
            failed = sum(1 for _, bad in checks if bad)
            return mitigated and len(checks) >= 20 and failed > ratio * len(checks)

        def retry(rid: int, now: float) -> None:
            note(now, True)
            user_try = tries.get(fleet.user(rid), 0)
            if user_try >= retries or breaker_open():
                return
            tries[fleet.user(rid)] = user_try + 1
            delay = rand.uniform(0, backoff * 2.0**user_try) if mitigated else 0.0
            fleet.at(now + delay, lambda t: watch(fleet.attempt(rid, t), t))

        def check(rid: int, now: float) -> None:
            if fleet.records.outcome[rid] == PENDING:
                fleet.records.end(rid, TIMED_OUT, now)  # the server keeps working on it
                retry(rid, now)
            else:
                note(now, False)

        def watch(rid: int, now: float) -> None:
            fleet.at(now + timeout, lambda t: check(rid, t))

        for rid in range(len(ctx.requests)):
            fleet.at(float(ctx.requests.arrival_s[rid]), lambda t, r=rid: watch(r, t))
        fleet.on_lost = retry
        for index in range(lost):
            fleet.at(start, lambda now, i=index: fleet.crash(i, now, outage))

    return Arm(
        ctx.requests,
        ctx.config,
        install,
        spare_attempts=len(ctx.requests) * retries,
        window=(start, start + outage),
    )


def overload(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Arrivals jump to `overload_factor` x the planned peak for `duration_s`. Mitigation:
    admission control — a request still queued after `queue_timeout_s` is shed."""
    factor = float(params.get("overload_factor", 1.5))
    start, end = _window(ctx, params, ctx.duration_s / 3)
    rate = len(ctx.requests) / ctx.duration_s
    requests = ctx.requests.merged(
        _extra(ctx, rate * (factor - 1), start, end, ctx.seed + 5, tenant=1)
    )
    replica = ctx.config.replica
    if mitigated:
        replica = replace(replica, queue_timeout_s=float(params.get("queue_timeout_s", 2.0)))
    return Arm(requests, replace(ctx.config, replica=replica), window=(start, end))


def region_failover(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """A region holding `fraction` of the replicas is lost at `at_s`; until DNS/BGP moves its
    traffic (`failover_delay_s`), requests sent there fail. Mitigation: a warm standby of the
    lost region's size takes its traffic after the delay."""
    fraction = float(params.get("fraction", 0.5))
    delay = float(params.get("failover_delay_s", 60.0))
    start, _ = _window(ctx, params, delay)
    lost = max(1, int(ctx.config.replicas * fraction))
    standby = lost if mitigated else 0
    config = replace(ctx.config, replicas=ctx.config.replicas + standby)

    def install(fleet: Fleet) -> None:
        active = ctx.config.replicas
        for index in range(active, active + standby):  # the standby waits for the failover
            fleet.down[index] = True
            fleet._push(index)

        def lose(now: float) -> None:
            for index in range(lost):
                fleet.crash(index, now, inf)
                fleet.down[index] = False  # DNS still points here: requests fail on arrival
                fleet.replicas[index].frozen_until = inf

        def fail_over(now: float) -> None:
            for index in range(lost):
                fleet.down[index] = True
                for rid in fleet.replicas[index].evict_all(now):  # sent into the dead region
                    fleet._lost(rid, now)
                fleet._push(index)
            for index in range(active, active + standby):
                fleet.down[index] = False
                fleet.replicas[index].now = now
                fleet._push(index)

        fleet.at(start, lose)
        fleet.at(start + delay, fail_over)

    return Arm(
        ctx.requests,
        config,
        install,
        window=(start, start + delay),
        notes=[f"{lost} replicas lost; standby {standby}"],
    )


def cold_start(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Traffic ramps from `from_fraction` of peak to peak over `ramp_s`; replicas beyond the
    starting need come up `cold_start_s` after the load asks for them. Mitigation: `spares`
    extra warm replicas from the start (N + 2)."""
    low = float(params.get("from_fraction", 0.3))
    ramp = float(params.get("ramp_s", 60.0))
    cold = float(params.get("cold_start_s", 120.0))
    spares = int(params.get("warm_spares", 2)) if mitigated else 0
    start, _ = _window(ctx, params, ramp)
    rng = np.random.default_rng(ctx.seed + 6)
    t = ctx.requests.arrival_s
    keep_p = np.where(t < start, low, np.minimum(1.0, low + (1 - low) * (t - start) / ramp))
    keep = rng.random(len(t)) < keep_p  # one draw per request: the ramp thins the peak
    requests = ctx.requests.take(keep)
    total = ctx.config.replicas
    warm = min(total, max(1, int(np.ceil(total * low))) + spares)

    def install(fleet: Fleet) -> None:
        for index in range(warm, total):
            fleet.down[index] = True
            fleet._push(index)
            need = start + ramp * ((index + 1) / total - low) / (1 - low)  # load asks for it

            def up(now: float, i: int = index) -> None:
                fleet.down[i] = False
                fleet.replicas[i].now = now
                fleet._push(i)

            fleet.at(max(start, need) + cold, up)

    return Arm(requests, ctx.config, install, window=(start, start + ramp + cold))


def cancellation(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """Clients cancel (the design's cancellation rate); without propagation the replica keeps
    decoding abandoned suggestions. Mitigation: abort the decode at once."""
    return Arm(
        ctx.requests, replace(ctx.config, propagate_cancel=mitigated), window=(0.0, ctx.duration_s)
    )


def runaway_loop(ctx: Context, params: Params, mitigated: bool) -> Arm:
    """A `fraction` of agent tasks loop: each issues `multiplier` times its calls. Mitigation:
    the tool-call cap ends a task at `cap_factor` x its normal calls."""
    fraction = float(params.get("fraction", 0.02))
    multiplier = float(params.get("multiplier", 10.0))
    cap = float(params.get("cap_factor", 1.25)) if mitigated else multiplier
    rate = len(ctx.requests) / ctx.duration_s * fraction * (min(multiplier, cap) - 1)
    start, end = 0.0, ctx.duration_s
    requests = ctx.requests.merged(_extra(ctx, rate, start, end, ctx.seed + 7, tenant=1))
    return Arm(requests, ctx.config, window=(start, end))


DRILLS: dict[str, Callable[[Context, Params, bool], Arm]] = {
    "replica-crash": replica_crash,
    "stalled-replica": stalled_replica,
    "long-prompt-oom": long_prompt_oom,
    "hot-tenant": hot_tenant,
    "retry-storm": retry_storm,
    "overload": overload,
    "region-failover": region_failover,
    "cold-start": cold_start,
    "cancellation": cancellation,
    "runaway-loop": runaway_loop,
    "expert-skew": expert_skew,
    "kv-transfer-stall": kv_transfer_stall,
}
