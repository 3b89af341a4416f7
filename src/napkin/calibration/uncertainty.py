"""Error bars for model-derived figures, from the calibration's leave-one-out residuals.

A residual is the ratio r = measured / predicted for one published row (published.csv).
For a fitted profile (one GPU and software generation, `specs/catalog/calibrations.yaml`)
each of its rows is predicted by the profile refitted without that row, so r is what a
configuration nobody measured can expect. The band of a metric and profile is
[P10(r), P90(r)] with `percentile` (linear interpolation, numpy's default): reality
lies between value × P10 and value × P90 for 8 rows in 10 of the calibration set.

- A (metric, profile) with fewer than MIN_ROWS rows of its own takes the metric's residuals
  pooled over every fitted profile, and says so in its basis.
- A GPU with no fitted profile in use (none shipped, or the design overrides a fitted knob)
  gets the uncalibrated band: every published row of the metric, any trust, predicted with
  what `perf.efficiency.resolve` gives a GPU without a profile (its catalog microbenchmark,
  else napkin's defaults). That band is wider and its basis says so. It need not contain 1:
  uncalibrated throughput runs at 0.49–0.88 of the model's, so there low < high < value.
- Figures proportional to throughput (tokens/s per GPU) scale by r; figures inversely
  proportional (GPUs, $/month, $/Mtok) by 1/r, so their band is [value / P90, value / P10].
  TTFT, TPOT and E2E scale by their own metric's r.

`tools/loo_residuals.py` writes the table (`residuals.json`); `band` reads it once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from napkin.calibration.measurement import Measurement
    from napkin.specs.design import DesignBase

RESIDUALS_FILE = Path(__file__).parent / "residuals.json"
# Metric names used in bands, and the measurement metric each stands for.
METRICS = {
    "throughput": "output_tokens_per_s_per_gpu",
    "ttft": "ttft_s",
    "tpot": "tpot_s",
    "e2e": "e2e_latency_s",
}
MIN_ROWS = 5  # fewer rows of a profile's own: use the metric's pooled residuals
LOW_Q, HIGH_Q = 0.10, 0.90
POOLED = "pooled"
UNCALIBRATED = "uncalibrated"
FITTED_KNOBS = (
    "compute_fraction",
    "bandwidth_fraction",
    "step_overhead_s",
    "sequence_overhead_s",
    "layer_overhead_s",
)


@dataclass(frozen=True)
class Interval:
    """A model-derived figure with its P10-P90 band from the calibration's leave-one-out
    residuals; `basis` says which residuals (metric, profile, or the uncalibrated set)."""

    value: float
    low: float
    high: float
    basis: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high, "basis": self.basis}


@dataclass(frozen=True)
class Band:
    """Factors that take a model figure x to the P10 and P90 of reality: x × low_factor and
    x × high_factor (low_factor = P10(measured / predicted), high_factor = P90)."""

    low_factor: float
    high_factor: float
    basis: str


@dataclass(frozen=True)
class Residual:
    """One row's prediction: ratio = measured / predicted. `profile` is the fitted profile
    whose refit (without this row) predicted it, or None for the uncalibrated prediction."""

    id: str
    metric: str
    profile: str | None
    measured: float
    predicted: float

    @property
    def ratio(self) -> float:
        return self.measured / self.predicted


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 1]."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _metric_name(m: Measurement) -> str | None:
    return next((k for k, v in METRICS.items() if v == m.metric.value), None)


def leave_one_out(rows: list[Measurement]) -> list[Residual]:
    """Each trust-A row of a shipped profile's (GPU, software) group, predicted by the three
    knobs refitted on the group's other rows (all metrics), as `tools/fit_published.py`
    fits them. Rows of a metric without a band name (decode_step_s) are skipped."""
    from napkin.calibration.fit import fit
    from napkin.calibration.predict import predict
    from napkin.specs.catalog import calibrations

    names = {(p.gpu, p.software): p.name for p in calibrations()}
    groups: dict[tuple[str, str], list[Measurement]] = defaultdict(list)
    for m in rows:
        if (m.gpu, m.software) in names and m.trust.startswith("A"):
            groups[(m.gpu, m.software)].append(m)
    out = []
    for key, members in groups.items():
        for m in members:
            metric = _metric_name(m)
            if metric is None:
                continue
            others = [o for o in members if o.id != m.id]
            eff = fit(others, m.gpu).efficiency("leave-one-out")
            out.append(Residual(m.id, metric, names[key], m.value, predict(m, eff)))
    return out


def uncalibrated(rows: list[Measurement]) -> list[Residual]:
    """Every row predicted with no fitted profile: `resolve` on the row's GPU renamed so no
    shipped profile matches, i.e. its catalog microbenchmark, else napkin's defaults."""
    from napkin.calibration.predict import predict
    from napkin.perf.efficiency import resolve
    from napkin.specs.catalog import find_gpu

    out = []
    for m in rows:
        metric = _metric_name(m)
        if metric is None:
            continue
        gpu = find_gpu(m.gpu)
        eff = resolve(None, gpu.model_copy(update={"name": f"{gpu.name} (no profile)"}))
        out.append(Residual(m.id, metric, None, m.value, predict(m, eff)))
    return out


def _basis(kind: str, metric: str, n: int, label: str = "", note: str = "") -> str:
    """The sentence printed beside an interval; `kind` is 'profile', 'pooled' or
    'uncalibrated'."""
    few = f"; fewer than {MIN_ROWS}, indicative only" if n < MIN_ROWS else ""
    if kind == "profile":
        return f"P10–P90 of leave-one-out residuals, {metric}, {label} profile ({n} rows{few})"
    if kind == POOLED:
        text = f"P10–P90 of pooled leave-one-out residuals, {metric}, all fitted profiles"
        return f"{text} ({n} rows{few})" + (f": {note}" if note else "")
    why = note or "no fitted profile"
    return f"P10–P90 of uncalibrated residuals, {metric} ({why}; {n} rows{few})"


def _entry(metric: str, profile: str, kind: str, ratios: list[float], basis: str) -> dict[str, Any]:

    return {
        "metric": metric,
        "profile": profile,
        "kind": kind,
        "n": len(ratios),
        "p10": round(percentile(ratios, LOW_Q), 4),
        "p90": round(percentile(ratios, HIGH_Q), 4),
        "basis": basis,
    }


def summarise(
    held_out: Iterable[Residual], plain: Iterable[Residual], labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Table entries: per metric, each profile's own band (or the pooled one when it has
    fewer than MIN_ROWS rows), the pooled band and the uncalibrated band. `labels` maps a
    profile name to the words printed for it ('H100-SXM TensorRT-LLM 2025')."""
    loo: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in held_out:
        loo[r.metric][r.profile or ""].append(r.ratio)
    raw: dict[str, list[float]] = defaultdict(list)
    for r in plain:
        raw[r.metric].append(r.ratio)
    entries = []
    for metric in METRICS:
        pooled = [x for ratios in loo[metric].values() for x in ratios]
        for profile, own in sorted(loo[metric].items()):
            label = labels.get(profile, profile)
            if len(own) >= MIN_ROWS:
                basis = _basis("profile", metric, len(own), label)
                entries.append(_entry(metric, profile, "profile", own, basis))
            else:
                note = f"the {label} profile has only {len(own)}"
                basis = _basis(POOLED, metric, len(pooled), note=note)
                entries.append(_entry(metric, profile, POOLED, pooled, basis))
        if pooled:
            basis = _basis(POOLED, metric, len(pooled))
            entries.append(_entry(metric, POOLED, POOLED, pooled, basis))
        if raw[metric]:
            basis = _basis(UNCALIBRATED, metric, len(raw[metric]))
            entries.append(_entry(metric, UNCALIBRATED, UNCALIBRATED, raw[metric], basis))
    return entries


def table(rows: list[Measurement]) -> dict[str, list[dict[str, Any]]]:
    """What `tools/loo_residuals.py` writes: the band entries, and every residual they
    come from (id, metric, profile or 'uncalibrated', ratio rounded to 4 decimals)."""
    from napkin.specs.catalog import calibrations

    labels = {p.name: f"{p.gpu} {p.software}" for p in calibrations()}
    held_out, plain = leave_one_out(rows), uncalibrated(rows)
    listed = [
        {
            "id": r.id,
            "metric": r.metric,
            "profile": r.profile or UNCALIBRATED,
            "ratio": round(r.ratio, 4),
        }
        for r in held_out + plain
    ]
    return {"entries": summarise(held_out, plain, labels), "residuals": listed}


@cache
def _shipped() -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads(RESIDUALS_FILE.read_text(encoding="utf-8"))
    return {(e["metric"], e["profile"]): e for e in document["entries"]}


def band_from(
    entries: dict[tuple[str, str], dict[str, Any]],
    metric: str,
    profile: str | None,
    gpu: str | None = None,
) -> Band:
    """`band` over a given table, keyed by (metric, profile name | 'pooled' |
    'uncalibrated'). Lookup order: the profile's entry; for a profile the table does not
    know (a user's own), the metric's pooled entry; for no profile, or a metric with no
    fitted rows, the uncalibrated entry."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)}")
    if profile is not None and (metric, profile) in entries:
        e = entries[(metric, profile)]
        return Band(e["p10"], e["p90"], e["basis"])
    if profile is not None and (metric, POOLED) in entries:
        e = entries[(metric, POOLED)]
        note = f"no residuals for profile {profile}"
        return Band(e["p10"], e["p90"], _basis(POOLED, metric, e["n"], note=note))
    if (metric, UNCALIBRATED) not in entries:
        raise ValueError(f"no residuals for metric {metric!r}")
    e = entries[(metric, UNCALIBRATED)]
    if profile is not None:
        note = f"no fitted profile has leave-one-out residuals for {metric}"
    else:
        note = f"no fitted profile in use for {gpu}" if gpu else "no fitted profile"
    return Band(e["p10"], e["p90"], _basis(UNCALIBRATED, metric, e["n"], note=note))


def band(metric: str, profile: str | None, gpu: str | None = None) -> Band:
    """The P10–P90 factors for `metric` ('throughput', 'ttft', 'tpot', 'e2e') of a plan
    using `profile` (a profile name, None for no fitted profile; `gpu` only words the
    basis). Reads `residuals.json` once; later calls are dictionary lookups."""
    return band_from(_shipped(), metric, profile, gpu)


def scale(value: float, b: Band, inverse: bool = False) -> Interval:
    """value with its band: [value × low, value × high], or for a figure ∝ 1/throughput
    (inverse) [value / high, value / low]."""
    if inverse:
        low, high = value / b.high_factor, value / b.low_factor
        return Interval(value, low, high, f"{b.basis}; figure scales as 1/throughput")
    return Interval(value, value * b.low_factor, value * b.high_factor, b.basis)


def interval(
    value: float,
    metric: str,
    profile: str | None,
    inverse: bool = False,
    gpu: str | None = None,
) -> Interval:
    """A model figure with its P10–P90 interval. inverse=True for figures inversely
    proportional to throughput (GPUs, $/month, $/Mtok): GPUs ∝ 1/throughput, so their P10
    is value / P90(r) and their P90 value / P10(r). Integer figures are not rounded."""
    return scale(value, band(metric, profile, gpu), inverse)


def profile_for(design: DesignBase) -> str | None:
    """Name of the fitted profile behind a design's performance figures, or None.

    Mirrors `perf.efficiency.resolve(design.efficiency, design.hardware, design.profile,
    design.deployment.engine)`:
    the design's own profile (`--profile`), else the GPU's default shipped profile
    (`calibration_for(gpu.name)`). None when there is none, or when the design's
    `efficiency` overrides any fitted knob (the fractions of peak and the three parts of
    the step overhead): the residuals describe the fitted knobs together, not a mix.
    """
    from napkin.specs.catalog import calibration_for

    fitted = design.profile or calibration_for(design.hardware.name)
    if fitted is None:
        return None
    given = design.efficiency
    if given is not None and any(getattr(given, k) is not None for k in FITTED_KNOBS):
        return None
    return fitted.name


def interval_for(design: DesignBase, value: float, metric: str, inverse: bool = False) -> Interval:
    """`interval` with the profile the design uses and its GPU named in the basis."""
    return interval(value, metric, profile_for(design), inverse, design.hardware.name)
