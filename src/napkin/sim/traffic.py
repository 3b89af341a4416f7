"""Simulated traffic: arrival processes, token lengths, tenants, sessions, cancellations,
or a replayed trace. Every random draw comes from one seeded generator."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from napkin.capacity.diurnal import daily_curve, rate_at
from napkin.errors import NapkinError
from napkin.sim.arrival import ArrivalKind
from napkin.sim.requests import Requests
from napkin.specs.workload import Length, sample_lengths


class Arrivals(BaseModel):
    """- poisson: exponential gaps at `qps`.
    - gamma: Gamma gaps with coefficient of variation `cv` (cv > 1 is burstier than Poisson).
    - diurnal: Poisson whose rate follows `hourly` (24 relative rates, peak = `qps`, each
      the rate at the middle of its hour, linear in between: `capacity.diurnal.rate_at`),
      drawn by thinning (Lewis & Shedler 1979); without `hourly`, `daily_curve()`."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: ArrivalKind = ArrivalKind.poisson
    qps: float = Field(gt=0)
    cv: float = Field(default=1.0, gt=0)
    hourly: tuple[float, ...] | None = Field(default=None, min_length=24, max_length=24)


class Traffic(BaseModel):
    """Everything that shapes the simulated requests."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    arrivals: Arrivals
    prompt_tokens: float = Field(gt=0)
    output_tokens: float = Field(gt=0)
    prompt_distribution: Length | None = None
    output_distribution: Length | None = None
    tenant_shares: tuple[float, ...] = (1.0,)
    turns_per_session: float = Field(default=1.0, ge=1)
    shared_prefix_tokens: float = Field(default=0.0, ge=0)
    cancel_fraction: float = Field(default=0.0, ge=0, le=1)
    cancel_after_s: float = Field(default=1.0, gt=0)


def _gaps(a: Arrivals, rng: np.random.Generator, n: int) -> np.ndarray:
    """n inter-arrival gaps of the base process (diurnal thins a Poisson at the peak rate)."""
    if a.kind == "gamma":
        shape = 1 / a.cv**2
        return rng.gamma(shape, 1 / (a.qps * shape), n)
    return rng.exponential(1 / a.qps, n)


def _times(
    a: Arrivals, rng: np.random.Generator, duration_s: float, after_s: float = 0.0
) -> np.ndarray:
    """Arrival times in (after_s, duration_s), the process going on from an arrival (or the
    start) at after_s: every gap comes from the process itself (a short first draw is
    extended with more of the same gaps, never with exponential ones)."""
    expected = int(a.qps * (duration_s - after_s) * 1.2) + 16
    times = after_s + np.cumsum(_gaps(a, rng, expected))
    while times[-1] < duration_s:  # rare: draw more
        times = np.concatenate([times, times[-1] + np.cumsum(_gaps(a, rng, expected))])
    times = times[times < duration_s]
    if a.kind == "diurnal":
        hourly = a.hourly if a.hourly is not None else daily_curve()
        times = times[rng.random(len(times)) < rate_at(hourly, times)]
    return times


def generate(traffic: Traffic, duration_s: float, seed: int) -> Requests:
    """Requests arriving in [0, duration_s), all draws from `seed`."""
    rng = np.random.default_rng(seed)
    return _requests(traffic, rng, _times(traffic.arrivals, rng, duration_s), 0)


BLOCK_REQUESTS = 1 << 18  # a streaming run's traffic, this many requests a block (expected)


def blocks(
    traffic: Traffic, duration_s: float, seed: int, block_requests: int = BLOCK_REQUESTS
) -> Iterator[Requests]:
    """The requests of [0, duration_s) in blocks of consecutive time windows, each holding
    about `block_requests` at the peak rate, so a run of any length is drawn a block at a
    time. Block k draws from the seed sequence (seed, k), block 0 from `seed` itself: a run
    that fits in one block gets exactly `generate`'s requests. Each block's arrivals go on
    from the last one before it (the process renews there); its sessions get ids of their
    own, after the previous blocks'."""
    window_s = max(block_requests / traffic.arrivals.qps, 1e-3)
    start, after, sessions, k = 0.0, 0.0, 0, 0
    while start < duration_s:
        end = min(start + window_s, duration_s)
        rng = np.random.default_rng(seed if k == 0 else [seed, k])
        block = _requests(traffic, rng, _times(traffic.arrivals, rng, end, after), sessions)
        if len(block):
            after = float(block.arrival_s[-1])
        sessions += max(1, int(len(block) / traffic.turns_per_session))
        start, k = end, k + 1
        yield block


def _requests(
    traffic: Traffic, rng: np.random.Generator, arrival: np.ndarray, first_session: int
) -> Requests:
    """Sizes, tenants, sessions (ids from `first_session` on) and cancellations for the
    requests arriving at `arrival`."""
    n = len(arrival)
    prompt = sample_lengths(traffic.prompt_distribution, rng, traffic.prompt_tokens, n)
    output = sample_lengths(traffic.output_distribution, rng, traffic.output_tokens, n)
    shares = np.array(traffic.tenant_shares) / sum(traffic.tenant_shares)
    tenant = rng.choice(len(shares), n, p=shares).astype(np.int32)
    sessions = max(1, int(n / traffic.turns_per_session))
    session = rng.integers(0, sessions, n, dtype=np.int32)
    if first_session:  # a later block's (int64: a long run has billions of sessions)
        session = session + np.int64(first_session)
    prefix = np.minimum(prompt, traffic.shared_prefix_tokens).astype(np.int32)
    cancel = np.full(n, np.inf)
    chosen = rng.random(n) < traffic.cancel_fraction
    cancel[chosen] = arrival[chosen] + rng.exponential(traffic.cancel_after_s, chosen.sum())
    return Requests(
        arrival, prompt.astype(np.int32), output.astype(np.int32), tenant, session, prefix, cancel
    )


class TraceRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    timestamp: float = Field(ge=0, le=1e10, description="seconds; up to ~300 years")
    input_tokens: int = Field(gt=0, le=10**8)
    output_tokens: int = Field(gt=0, le=10**8)
    tenant: int = Field(default=0, ge=0, le=2**62, description="a label, renumbered 0..k-1")
    session: int = Field(default=-1, ge=-(2**62), le=2**62)
    prefix_tokens: int = Field(default=0, ge=0, le=10**8)


def read_trace(path: str | Path) -> Requests:
    """A trace as JSONL (one object per line) or CSV: timestamp (s), input_tokens,
    output_tokens, and optionally tenant, session, prefix_tokens. Tenants are labels: they
    are renumbered 0..k-1 in increasing order (a tenant id of 10^9 costs nothing)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise NapkinError(f"cannot read trace: {error}", file=str(path)) from None
    except UnicodeDecodeError:
        raise NapkinError(
            "not a text trace (binary or not UTF-8); expected JSONL or CSV", file=str(path)
        ) from None
    if path.suffix.lower() == ".csv":
        raw = list(csv.DictReader(text.splitlines()))
    else:
        raw = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    raw.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise NapkinError(
                        f"not JSON: {error}", file=str(path), field=f"line {number}"
                    ) from None
    rows = []
    for number, item in enumerate(raw, start=1):
        try:
            rows.append(TraceRow.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(the whole record)"
            raise NapkinError(
                first["msg"], file=str(path), field=f"record {number}, {where}"
            ) from None
    if not rows:
        raise NapkinError("the trace has no requests", file=str(path))
    rows.sort(key=lambda r: r.timestamp)
    start = rows[0].timestamp
    session = [r.session if r.session >= 0 else -(i + 1) for i, r in enumerate(rows)]
    return Requests(
        np.array([r.timestamp - start for r in rows]),
        np.array([r.input_tokens for r in rows], np.int64),
        np.array([r.output_tokens for r in rows], np.int64),
        np.unique([r.tenant for r in rows], return_inverse=True)[1].astype(np.int32),
        np.array(session, np.int64),
        np.array([min(r.prefix_tokens, r.input_tokens) for r in rows], np.int64),
        np.full(len(rows), np.inf),
    )
