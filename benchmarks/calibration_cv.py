"""In-sample, leave-one-out and leave-one-GPU-out error of the shipped calibration.

The shipped profiles are fitted on the trust-A rows of their (GPU, software) group in
published.csv, so `napkin validate`'s error on those rows is in-sample. Here each such row
is predicted by knobs refitted without it (leave-one-out: a configuration nobody measured on
a measured GPU), and by knobs fitted on every other GPU's rows (leave-one-GPU-out: a GPU
nobody measured). Each prediction is made twice, in closed form and by rerunning the row's
benchmark in the simulator (`napkin.validate.rerun`), per metric.

    python benchmarks/calibration_cv.py
"""

from __future__ import annotations

import time
from collections import defaultdict
from statistics import median

from napkin.calibration.fit import fit
from napkin.calibration.measurement import Measurement, Metric, read_csv
from napkin.calibration.predict import engine_for, predict, preset_for
from napkin.calibration.uncertainty import percentile
from napkin.cli import PUBLISHED
from napkin.perf.efficiency import ResolvedEfficiency
from napkin.specs.catalog import calibrations
from napkin.validate.rerun import rerun


def _both(m: Measurement, eff: ResolvedEfficiency) -> tuple[float, float]:
    """(closed-form APE, simulated APE) of one row under `eff`."""
    closed = predict(m, eff)
    if m.metric is Metric.decode_step_s:
        simulated = closed
    else:
        run = rerun(m, engine_for(m, eff), preset_for(m))
        simulated = run.value(m.metric, m.statistic.quantile, m.tp)
    return abs(closed / m.value - 1), abs(simulated / m.value - 1)


def _report(name: str, errors: dict[str, list[tuple[float, float]]]) -> None:
    for metric, pairs in sorted(errors.items()):
        closed = [c for c, _ in pairs]
        simulated = [s for _, s in pairs]
        print(
            f"{name:18s} {metric:28s} rows {len(pairs):3d}  simulated median "
            f"{median(simulated):6.1%} P90 {percentile(simulated, 0.9):6.1%}   closed form "
            f"median {median(closed):6.1%} P90 {percentile(closed, 0.9):6.1%}"
        )


def main() -> None:
    started = time.perf_counter()
    rows = read_csv(PUBLISHED)
    fitted = {(p.gpu, p.software): p for p in calibrations()}
    groups: dict[tuple[str, str], list[Measurement]] = defaultdict(list)
    for m in rows:
        if (m.gpu, m.software) in fitted and m.trust.startswith("A"):
            groups[(m.gpu, m.software)].append(m)
    in_sample: dict[str, list[tuple[float, float]]] = defaultdict(list)
    one_out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    gpu_out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    refits = 0
    for (gpu, _), members in groups.items():
        whole = fit(members, gpu).efficiency("in-sample")
        others = [m for g, ms in groups.items() if g[0] != gpu for m in ms]
        elsewhere = fit(others, None).efficiency("other GPUs")  # one set of knobs for them
        refits += 2
        for m in members:
            rest = [o for o in members if o.id != m.id]
            held_out = fit(rest, gpu).efficiency("leave-one-out")
            refits += 1
            in_sample[m.metric.value].append(_both(m, whole))
            one_out[m.metric.value].append(_both(m, held_out))
            gpu_out[m.metric.value].append(_both(m, elsewhere))
    _report("in-sample", in_sample)
    _report("leave-one-out", one_out)
    _report("leave-one-GPU-out", gpu_out)
    print(f"{refits} refits and their simulations in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
