"""What a run measured: latency percentiles, throughput, goodput, utilisation, Little's law.

Reads the flat records only (never simulator internals). TPOT follows vLLM's definition,
(E2E − TTFT) / (output tokens − 1); goodput counts completed requests that met every SLA
target the design gives (DistServe's definition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from napkin.sim.event_loop import FleetRun
from napkin.sim.requests import Outcome, Records, Requests

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
    done = rec.outcome == Outcome.completed
    arrival = requests.arrival_s
    ttft = rec.first_token_s[done] - arrival[done]
    e2e = rec.finish_s[done] - arrival[done]
    out_tokens = requests.output_tokens[done]
    multi = out_tokens > 1
    return ttft, (e2e[multi] - ttft[multi]) / (out_tokens[multi] - 1), e2e


def summarize(
    requests: Requests, run: FleetRun, targets: GoodputLimits, replicas: int, window_s: float
) -> dict[str, Any]:
    """Everything `napkin simulate` prints, as plain numbers (seconds, tokens, fractions)."""
    rec = run.records
    outcomes = {o.name: int((rec.outcome == o).sum()) for o in Outcome if o is not Outcome.pending}
    done = rec.outcome == Outcome.completed
    arrival = requests.arrival_s
    ttft, tpot, e2e = latencies(requests, rec)
    out_tokens = requests.output_tokens[done]
    multi = out_tokens > 1
    good = np.ones(int(done.sum()), bool)
    if targets.ttft_s is not None:
        good &= ttft <= targets.ttft_s
    if targets.tpot_s is not None:
        tpot_all = np.zeros(len(ttft))
        tpot_all[multi] = tpot
        good &= tpot_all <= targets.tpot_s
    if targets.e2e_s is not None:
        good &= e2e <= targets.e2e_s
    # Little's law over the whole run, [0, end]: every request arrives and leaves inside it.
    in_system = run.series.waiting + run.series.running
    mean_in_system = float(in_system.mean()) if len(in_system) else float("nan")
    ended = np.isfinite(rec.finish_s)
    spent = rec.finish_s[ended] - arrival[ended]
    time_in_system = float(spent.mean()) if len(spent) else float("nan")
    rate = float(ended.sum() / run.end_s) if run.end_s else float("nan")
    return {
        "requests": len(requests),
        "outcomes": outcomes,
        "conserved": sum(outcomes.values()) == len(requests),
        "ttft_s": _percentiles(ttft),
        "tpot_s": _percentiles(tpot),
        "e2e_s": _percentiles(e2e),
        "throughput_rps": float(done.sum() / window_s),
        "output_tokens_per_s": float(out_tokens.sum() / window_s),
        "goodput_rps": float(good.sum() / window_s),
        "goodput_fraction": float(good.mean()) if len(good) else float("nan"),
        "gpu_busy_fraction": float(run.busy_s.sum() / (run.end_s * replicas)) if run.end_s else 0.0,
        "preemptions": run.preemptions,
        "prefix_hit_tokens": int(rec.prefix_hit_tokens.sum()),
        "prefix_hit_rate": _hit_rate(requests, rec),
        "peak_waiting": int(run.series.waiting.max(initial=0)),
        "peak_kv_fraction": float(run.series.kv_fraction.max(initial=0.0)),
        "littles_law": {
            "mean_in_system": mean_in_system,
            "rate_rps": rate,
            "mean_time_in_system_s": time_in_system,
            "rate_times_time": rate * time_in_system,
        },
        "events": run.events,
        **({"pools": pools(requests, run)} if run.handoff_s is not None else {}),
    }


def _hit_rate(requests: Requests, rec: Records) -> float:
    """Prompt tokens read from the prefix cache over all prompt tokens of the requests that
    were admitted (the simulator's measure of the design's `prefix_cache_hit_rate`)."""
    hits = rec.prefix_hit_tokens[: len(requests)]
    admitted = np.isfinite(rec.first_token_s[: len(requests)])
    prompt = float(requests.prompt_tokens[admitted].sum())
    return float(hits[admitted].sum()) / prompt if prompt else 0.0


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
