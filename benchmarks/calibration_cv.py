"""In-sample versus leave-one-out error of the shipped calibration.

The shipped profiles are fitted on the same published rows `napkin validate` scores, so its
median error is in-sample. Here each fitted row is predicted by a profile refitted without
it, which is what a user can expect for a configuration nobody measured.

    python benchmarks/calibration_cv.py
"""

from __future__ import annotations

import time
from collections import defaultdict
from statistics import median

from napkin.calibration.fit import fit
from napkin.calibration.measurement import Metric, read_csv
from napkin.calibration.predict import predict
from napkin.calibration.validate import compare, percentile
from napkin.cli import PUBLISHED
from napkin.specs.catalog import calibrations


def main() -> None:
    started = time.perf_counter()
    rows = read_csv(PUBLISHED)
    fitted = {(p.gpu, p.software) for p in calibrations()}
    groups = defaultdict(list)
    for m in rows:
        if (m.gpu, m.software) in fitted and m.trust.startswith("A"):
            groups[(m.gpu, m.software)].append(m)
    in_sample, held_out = [], []
    for members in groups.values():
        scored = {r.measurement.id: r for r in compare(members)}
        for m in members:
            if m.metric is not Metric.output_tokens_per_s_per_gpu:
                continue
            others = [o for o in members if o.id != m.id]
            eff = fit(others, m.gpu).efficiency("leave-one-out")
            held_out.append(abs(predict(m, eff) / m.value - 1))
            in_sample.append(abs(scored[m.id].error))
    for name, errors in (("in-sample", in_sample), ("leave-one-out", held_out)):
        print(
            f"{name:14s} throughput rows {len(errors):3d}  median APE {median(errors):6.1%}"
            f"  P90 APE {percentile(errors, 0.9):6.1%}  worst {max(errors):6.1%}"
        )
    print(f"{len(held_out)} refits in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
