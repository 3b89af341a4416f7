"""What a run measured: latency percentiles, throughput, goodput, utilisation, Little's law.

Reads the flat records only (never simulator internals). TPOT follows vLLM's definition,
(E2E − TTFT) / (output tokens − 1); goodput counts completed requests that met every SLA
target the design gives (DistServe's definition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from napkin.sim.requests import Outcome, Records, Requests

if TYPE_CHECKING:  # the event loop streams into `sim.tally`, which reads this module
    from napkin.sim.event_loop import FleetRun

QUANTILES = {"p50": 50, "p90": 90, "p99": 99, "max": 100}


@dataclass(frozen=True)
class GoodputLimits:
    ttft_s: float | None = None
    tpot_s: float | None = None
    e2e_s: float | None = None


def _percentiles(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {name: float("nan") for name in ("mean", *QUANTILES)}
    out = {"mean": float(values.mean())}
    out.update({name: float(np.percentile(values, q)) for name, q in QUANTILES.items()})
    return out


def latencies(requests: Requests, rec: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(TTFT, TPOT, E2E) seconds of the completed requests; TPOT = (E2E − TTFT) /
    (output − 1) for those with more than one output token."""
    ttft, tpot, e2e, _ = _completed(
        requests.arrival_s, requests.output_tokens, rec.outcome, rec.first_token_s, rec.finish_s
    )
    return ttft, tpot, e2e


def _completed(
    arrival: np.ndarray,
    output: np.ndarray,
    outcome: np.ndarray,
    first_token_s: np.ndarray,
    finish_s: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """TTFT, TPOT (multi-token outputs only), E2E, and TPOT with 0 for single-token ones."""
    done = outcome == Outcome.completed
    ttft = first_token_s[done] - arrival[done]
    e2e = finish_s[done] - arrival[done]
    out_tokens = output[done]
    multi = out_tokens > 1
    tpot = (e2e[multi] - ttft[multi]) / (out_tokens[multi] - 1)
    tpot_all = np.zeros(len(ttft))
    tpot_all[multi] = tpot
    return ttft, tpot, e2e, tpot_all


def meets(
    targets: GoodputLimits, ttft: np.ndarray, tpot_all: np.ndarray, e2e: np.ndarray
) -> np.ndarray:
    """Which completed requests met every SLA target the design gives (goodput's count)."""
    good = np.ones(len(ttft), bool)
    if targets.ttft_s is not None:
        good &= ttft <= targets.ttft_s
    if targets.tpot_s is not None:
        good &= tpot_all <= targets.tpot_s
    if targets.e2e_s is not None:
        good &= e2e <= targets.e2e_s
    return good


@dataclass
class Totals:
    """What a summary is built from, exact (every request's record) or streamed
    (`sim.tally`): outcome counts, latency statistics and the sums the rates need."""

    requests: int
    outcomes: dict[str, int]
    latency: dict[str, dict[str, float]]  # ttft_s, tpot_s, e2e_s -> mean, p50, p90, p99, max
    completed: int
    good: int
    output_tokens: float  # of the completed requests
    ended: int  # requests given a finish time (every outcome but pending)
    time_in_system_s: float  # Σ (finish − arrival) over those
    prefix_hit_tokens: int
    admitted_prompt_tokens: float  # prompt tokens of the requests that got a first token
    admitted_hit_tokens: int


def totals(requests: Requests, rec: Records, targets: GoodputLimits) -> Totals:
    """The exact totals of a run that kept every request's record."""
    n = len(requests)
    outcome, first, finish = rec.outcome[:n], rec.first_token_s[:n], rec.finish_s[:n]
    ttft, tpot, e2e, tpot_all = _completed(
        requests.arrival_s, requests.output_tokens, outcome, first, finish
    )
    done = outcome == Outcome.completed
    ended = np.isfinite(finish)
    admitted = np.isfinite(first)
    hits = rec.prefix_hit_tokens[:n]
    return Totals(
        requests=n,
        outcomes={o.name: int((outcome == o).sum()) for o in Outcome if o is not Outcome.pending},
        latency={"ttft_s": _percentiles(ttft), "tpot_s": _percentiles(tpot)}
        | {"e2e_s": _percentiles(e2e)},
        completed=int(done.sum()),
        good=int(meets(targets, ttft, tpot_all, e2e).sum()),
        output_tokens=float(requests.output_tokens[done].sum()),
        ended=int(ended.sum()),
        time_in_system_s=float((finish[ended] - requests.arrival_s[ended]).sum()),
        prefix_hit_tokens=int(rec.prefix_hit_tokens.sum()),
        admitted_prompt_tokens=float(requests.prompt_tokens[admitted].sum()),
        admitted_hit_tokens=int(hits[admitted].sum()),
    )


def summarize(
    requests: Requests, run: FleetRun, targets: GoodputLimits, replicas: int, window_s: float
) -> dict[str, Any]:
    """Everything `napkin simulate` prints, as plain numbers (seconds, tokens, fractions)."""
    out = assemble(totals(requests, run.records, targets), run, replicas, window_s)
    if run.handoff_s is not None:
        out["pools"] = pools(requests, run)
    return out


def assemble(t: Totals, run: FleetRun, replicas: int, window_s: float) -> dict[str, Any]:
    """The summary from a run's totals and its sampled series."""
    # Little's law over the whole run, [0, end]: every request arrives and leaves inside it.
    in_system = run.series.waiting + run.series.running
    mean_in_system = float(in_system.mean()) if len(in_system) else float("nan")
    time_in_system = t.time_in_system_s / t.ended if t.ended else float("nan")
    rate = float(t.ended / run.end_s) if run.end_s else float("nan")
    prompt = t.admitted_prompt_tokens
    return {
        "requests": t.requests,
        "outcomes": t.outcomes,
        "conserved": sum(t.outcomes.values()) == t.requests,
        **t.latency,
        "throughput_rps": t.completed / window_s,
        "output_tokens_per_s": t.output_tokens / window_s,
        "goodput_rps": t.good / window_s,
        "goodput_fraction": t.good / t.completed if t.completed else float("nan"),
        "gpu_busy_fraction": float(run.busy_s.sum() / (run.end_s * replicas)) if run.end_s else 0.0,
        "preemptions": run.preemptions,
        "prefix_hit_tokens": t.prefix_hit_tokens,
        # prompt tokens read from the prefix cache over those of the admitted requests (the
        # simulator's measure of the design's `prefix_cache_hit_rate`)
        "prefix_hit_rate": t.admitted_hit_tokens / prompt if prompt else 0.0,
        "peak_waiting": int(run.series.waiting.max(initial=0)),
        "peak_kv_fraction": float(run.series.kv_fraction.max(initial=0.0)),
        "littles_law": {
            "mean_in_system": mean_in_system,
            "rate_rps": rate,
            "mean_time_in_system_s": time_in_system,
            "rate_times_time": rate * time_in_system,
        },
        "events": run.events,
    }


def pools(requests: Requests, run: FleetRun) -> dict[str, dict[str, float]]:
    """Little's law per stage of a disaggregated run, over [0, end]: the sampled mean count
    in the decode pool against (requests that entered it / end) × their mean stay, and the
    same for prefill plus transfer (everything else the fleet holds)."""
    assert run.handoff_s is not None and run.decode_in_s is not None
    rec, end = run.records, run.end_s
    arrival = requests.arrival_s
    n = len(arrival)
    handed, landed = run.handoff_s[:n], run.decode_in_s[:n]
    left_decode = np.isfinite(landed) & np.isfinite(rec.finish_s)
    left_prefill = np.isfinite(handed) | (np.isfinite(rec.finish_s) & ~np.isfinite(landed))
    front_end = np.where(np.isfinite(landed), landed, rec.finish_s)
    stays = {
        "prefill": (front_end - arrival)[left_prefill],
        "decode": (rec.finish_s - landed)[left_decode],
    }
    decode_count = run.series.decode.astype(float)
    counts = {
        "prefill": (run.series.waiting + run.series.running).astype(float) - decode_count,
        "decode": decode_count,
    }
    out = {}
    for stage, stay in stays.items():
        rate = len(stay) / end if end else float("nan")
        mean_stay = float(stay.mean()) if len(stay) else float("nan")
        count = counts[stage]
        out[stage] = {
            "mean_in_stage": float(count.mean()) if len(count) else float("nan"),
            "rate_rps": rate,
            "mean_time_in_stage_s": mean_stay,
            "rate_times_time": rate * mean_stay,
        }
    return out
