"""Measured against predicted, row by row, and the error statistics per metric and statistic.

Each row is predicted twice: in closed form (`predict.py`, one step's roofline, TTFT on an
idle replica) and by running the row's benchmark in the simulator (`rerun.py`: its clients
or request rate, its engine's scheduler, queueing included). The simulated value is the
answer; the closed form is the fast first one, shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from napkin.calibration.measurement import Measurement, Metric, Statistic
from napkin.calibration.predict import engine_for, predict, preset_for
from napkin.calibration.uncertainty import percentile
from napkin.errors import NapkinError
from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.specs.catalog import calibration_for, find_gpu
from napkin.specs.profile import Profile
from napkin.validate.rerun import kv_capacity_tokens, rerun

# Rows off by more than this factor need a written reason (the row's `explanation`).
FACTOR_LIMIT = 2.0
WITHIN = 0.25  # the share of rows within ±25% is reported beside median and P90
WORST = 3  # rows listed as the worst of each metric and statistic


@dataclass(frozen=True)
class Row:
    """A measurement, napkin's closed-form value, its simulated value (None where the
    metric is not a benchmark's, e.g. one kernel's decode step) and the profile used."""

    measurement: Measurement
    predicted: float
    profile: str
    simulated: float | None = None

    @property
    def best(self) -> float:
        """napkin's answer: the simulation's value where there is one."""
        return self.predicted if self.simulated is None else self.simulated

    @property
    def error(self) -> float:
        """Signed relative error of napkin's answer: best / measured − 1."""
        return self.best / self.measurement.value - 1

    @property
    def closed_form_error(self) -> float:
        return self.predicted / self.measurement.value - 1

    @property
    def factor(self) -> float:
        """How many times off, in either direction (≥ 1)."""
        ratio = self.best / self.measurement.value
        return max(ratio, 1 / ratio)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.measurement.model_dump(mode="json"),
            "load_mode": self.measurement.load_mode,
            "predicted": self.predicted,
            "simulated": self.simulated,
            "error": self.error,
            "closed_form_error": self.closed_form_error,
            "profile": self.profile,
        }


@dataclass(frozen=True)
class Stats:
    """Absolute percentage errors of one metric and statistic: napkin's answer (simulated
    where it can be) and the closed form's, with the worst rows' ids."""

    metric: Metric
    statistic: Statistic
    rows: int
    median_ape: float
    p90_ape: float
    within_25: float
    closed_form_median_ape: float
    closed_form_p90_ape: float
    worst: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric.value,
            "statistic": self.statistic.value,
            "rows": self.rows,
            "median_ape": self.median_ape,
            "p90_ape": self.p90_ape,
            "within_25": self.within_25,
            "closed_form_median_ape": self.closed_form_median_ape,
            "closed_form_p90_ape": self.closed_form_p90_ape,
            "worst": list(self.worst),
        }


def _profile_for(m: Measurement, profile: Profile | None) -> Profile | None:
    """The given profile for rows of its GPU; every other row gets the shipped one for its
    GPU and software generation, else for its engine, else its GPU's default."""
    if profile is not None and profile.gpu == m.gpu:
        return profile
    return calibration_for(m.gpu, m.software, engine=preset_for(m).name)


def _require_fit(m: Measurement, engine: Engine) -> None:
    """A row whose model leaves no room for one request's KV cannot be predicted either way."""
    room = kv_capacity_tokens(engine)
    if room < m.input_tokens + m.output_tokens:
        dep = engine.deployment
        raise NapkinError(
            f"row {m.id}: {m.model} in {dep.precision.value} on {dep.tp}× {m.gpu} leaves KV "
            f"room for {room:,} tokens, less than one request of "
            f"{m.input_tokens + m.output_tokens:,.0f}: check its model, GPU, tp and precision",
            field="rows",
        )


def _simulated(m: Measurement, engine: Engine) -> float | None:
    if m.metric is Metric.decode_step_s:
        return None
    run = rerun(m, engine, preset_for(m))
    if len(run.e2e_s) == 0:
        raise NapkinError(
            f"row {m.id}: no request completed in the simulated benchmark (does a request "
            f"of {m.input_tokens:,.0f}+{m.output_tokens:,.0f} tokens fit the KV cache?)",
            field="rows",
        )
    return run.value(m.metric, m.statistic.quantile, m.tp)


def compare(
    measurements: list[Measurement], profile: Profile | None = None, simulate: bool = True
) -> list[Row]:
    """Predict every row with the profile for its GPU and software (or the one given), in
    closed form and, unless `simulate` is off, by rerunning its benchmark."""
    rows = []
    for m in measurements:
        chosen = _profile_for(m, profile)
        eff = resolve(None, find_gpu(m.gpu), chosen)
        engine = engine_for(m, eff)
        _require_fit(m, engine)
        simulated = _simulated(m, engine) if simulate else None
        name = chosen.name if chosen else "uncalibrated"
        rows.append(Row(m, predict(m, eff), name, simulated))
    return rows


def statistics(rows: list[Row]) -> list[Stats]:
    """Per metric and statistic present: median, P90 and share within 25% of the absolute
    percentage error, for napkin's answer and for the closed form; the worst rows."""
    out = []
    for metric in Metric:
        for statistic in Statistic:
            mine = [
                r
                for r in rows
                if r.measurement.metric is metric and r.measurement.statistic is statistic
            ]
            if not mine:
                continue
            errors = [abs(r.error) for r in mine]
            closed = [abs(r.closed_form_error) for r in mine]
            worst = sorted(mine, key=lambda r: -abs(r.error))[:WORST]
            out.append(
                Stats(
                    metric,
                    statistic,
                    len(mine),
                    median(errors),
                    percentile(errors, 0.9),
                    sum(e <= WITHIN for e in errors) / len(errors),
                    median(closed),
                    percentile(closed, 0.9),
                    tuple(r.measurement.id for r in worst),
                )
            )
    return out


def unexplained(rows: list[Row]) -> list[Row]:
    """Rows off by more than FACTOR_LIMIT with no written reason in their explanation."""
    return [r for r in rows if r.factor > FACTOR_LIMIT and not r.measurement.explanation]
