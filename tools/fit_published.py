"""Fit the shipped efficiency profiles on src/napkin/calibration/published.csv.

Run from the repository root: python tools/fit_published.py
One profile per (GPU, software generation) with at least MIN_ROWS rows of trust A; the
newest generation is each GPU's default. Writes src/napkin/specs/catalog/calibrations.yaml.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from napkin.calibration.fit import fit, profile_from_fit
from napkin.calibration.measurement import read_csv

PUBLISHED = Path("src/napkin/calibration/published.csv")
OUT = Path("src/napkin/specs/catalog/calibrations.yaml")
MIN_ROWS = 3
NEWEST_FIRST = ("TensorRT-LLM 2025", "TensorRT-LLM 2023-24")


def main() -> None:
    rows = [m for m in read_csv(PUBLISHED) if m.trust.startswith("A")]
    groups = defaultdict(list)
    for m in rows:
        if m.software in NEWEST_FIRST:
            groups[(m.gpu, m.software)].append(m)
    profiles = []
    for (gpu, software), members in sorted(groups.items()):
        if len(members) < MIN_ROWS:
            continue
        result = fit(members, gpu)
        name = f"{gpu}-{software}".lower().replace(" ", "-")
        fitted_on = (
            f"published.csv rows {', '.join(result.rows)} ({software}, trust A; "
            "sources in shared/calibration/measured.csv)"
        )
        profiles.append(profile_from_fit(result, name, software, fitted_on))
    for gpu in {p.gpu for p in profiles}:
        mine = sorted(
            (p for p in profiles if p.gpu == gpu), key=lambda p: NEWEST_FIRST.index(p.software)
        )
        profiles[profiles.index(mine[0])] = mine[0].model_copy(update={"default": True})
    header = (
        "# Efficiency profiles fitted by tools/fit_published.py on the published set.\n"
        "# Each stands for one GPU and software generation; `default` is what plans use.\n"
    )
    OUT.write_text(
        header
        + yaml.safe_dump([p.model_dump(mode="json") for p in profiles], sort_keys=False, width=100)
    )
    for p in profiles:
        print(
            f"{p.name}: compute {p.compute_fraction}, bandwidth {p.bandwidth_fraction}, "
            f"overhead {p.step_overhead_s * 1e3:.2f} ms, {p.rows} rows, log-RMSE "
            f"{p.log_rmse}, default={p.default} {list(p.warnings)}"
        )


if __name__ == "__main__":
    main()
