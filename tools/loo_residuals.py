"""Write the calibration's residual bands to src/napkin/calibration/residuals.json.

Run from the repository root: python tools/loo_residuals.py
For each metric (throughput = output tokens/s per GPU, ttft, tpot, e2e where rows exist)
and each shipped profile: the leave-one-out ratios r = measured / predicted of the
profile's trust-A rows, their P10 and P90 (linear interpolation) and row count; a profile
with fewer than MIN_ROWS rows takes the metric's pooled residuals; and per metric an
`uncalibrated` band (every row predicted without a fitted profile). The arithmetic lives in
`napkin.calibration.uncertainty`; this script only writes it down. Rerun it after
tools/fit_published.py.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from napkin.calibration.measurement import read_csv
from napkin.calibration.uncertainty import HIGH_Q, LOW_Q, MIN_ROWS, RESIDUALS_FILE, table

PUBLISHED = Path("src/napkin/calibration/published.csv")
COMMAND = "python tools/loo_residuals.py"


def main() -> None:
    started = time.perf_counter()
    document = {
        "command": COMMAND,
        "date": date.today().isoformat(),
        "data": str(PUBLISHED),
        "residual": "measured / predicted (multiply a model figure by p10 and p90)",
        "quantiles": f"P{LOW_Q * 100:.0f} and P{HIGH_Q * 100:.0f}, linear interpolation "
        "(napkin.calibration.uncertainty.percentile, numpy's default)",
        "min_rows": MIN_ROWS,
        **table(read_csv(PUBLISHED)),
    }
    text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False)
    RESIDUALS_FILE.write_text(text + "\n", encoding="utf-8")
    for e in document["entries"]:
        print(
            f"{e['metric']:10s} {e['profile']:32s} n={e['n']:3d}  P10 {e['p10']:.3f}  "
            f"P90 {e['p90']:.3f}  ({e['kind']})"
        )
    print(f"wrote {RESIDUALS_FILE} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
