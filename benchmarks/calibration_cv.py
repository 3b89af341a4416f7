"""In-sample versus leave-one-out error of the shipped calibration.

The shipped profiles are fitted on the same published rows `napkin validate` scores, so its
median error is in-sample. Here each fitted row is predicted by a profile refitted without
it (`napkin.calibration.uncertainty.leave_one_out`, which also makes the error bars), which
is what a user can expect for a configuration nobody measured.

    python benchmarks/calibration_cv.py
"""

from __future__ import annotations

import time
from statistics import median

from napkin.calibration.measurement import read_csv
from napkin.calibration.uncertainty import leave_one_out, percentile
from napkin.cli import PUBLISHED
from napkin.specs.catalog import calibrations
from napkin.validate.scores import compare


def main() -> None:
    started = time.perf_counter()
    rows = read_csv(PUBLISHED)
    fitted = {(p.gpu, p.software) for p in calibrations()}
    members = [m for m in rows if (m.gpu, m.software) in fitted and m.trust.startswith("A")]
    scored = {r.measurement.id: r for r in compare(members)}
    held = [r for r in leave_one_out(rows) if r.metric == "throughput"]
    held_out = [abs(r.predicted / r.measured - 1) for r in held]
    in_sample = [abs(scored[r.id].error) for r in held]
    for name, errors in (("in-sample", in_sample), ("leave-one-out", held_out)):
        print(
            f"{name:14s} throughput rows {len(errors):3d}  median APE {median(errors):6.1%}"
            f"  P90 APE {percentile(errors, 0.9):6.1%}  worst {max(errors):6.1%}"
        )
    print(f"{len(held_out)} refits in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
