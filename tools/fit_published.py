"""Fit the shipped efficiency profiles on the published measurements.

Run from the repository root: python tools/fit_published.py
- One profile per (GPU, TensorRT-LLM generation) with at least MIN_ROWS rows of trust A in
  src/napkin/calibration/published.csv, the default knobs (fractions of peak, overhead per
  layer); the newest generation is each GPU's default, the profile any engine without its
  own uses.
- No per-engine profile ships: fitting vLLM's and SGLang's step overhead on their rows in
  under_load.csv, by closed form or by simulating each row, did not lower their error
  (benchmarks/RESULTS.md, "Engines"); `napkin calibrate --engine` fits a user's own.
Writes src/napkin/specs/catalog/calibrations.yaml.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from napkin.calibration.fit import fit, profile_from_fit
from napkin.calibration.measurement import Measurement, read_csv
from napkin.specs.profile import Profile

PUBLISHED = Path("src/napkin/calibration/published.csv")
OUT = Path("src/napkin/specs/catalog/calibrations.yaml")
MIN_ROWS = 3
NEWEST_FIRST = ("TensorRT-LLM 2025", "TensorRT-LLM 2023-24")


def generation_profiles(rows: list[Measurement]) -> list[Profile]:
    groups = defaultdict(list)
    for m in rows:
        if m.software in NEWEST_FIRST and m.trust.startswith("A"):
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
    return profiles


def main() -> None:
    published = read_csv(PUBLISHED)
    profiles = generation_profiles(published)
    for index, p in enumerate(profiles):
        if p.software == "TensorRT-LLM 2025":
            profiles[index] = p.model_copy(update={"engine": "trtllm-bench"})
    header = (
        "# Efficiency profiles fitted by tools/fit_published.py on the published measurements.\n"
        "# Each stands for one GPU and software generation; `default` is what an engine\n"
        "# without a profile of its own uses on that GPU.\n"
    )
    OUT.write_text(
        header
        + yaml.safe_dump([p.model_dump(mode="json") for p in profiles], sort_keys=False, width=100)
    )
    for p in profiles:
        print(
            f"{p.name}: compute {p.compute_fraction}, bandwidth {p.bandwidth_fraction}, "
            f"overhead {p.step_overhead_s * 1e3:.2f} ms + {p.layer_overhead_s * 1e6:.1f} "
            f"us/layer + {p.sequence_overhead_s * 1e6:.1f} us/seq, {p.rows} rows, log-RMSE "
            f"{p.log_rmse}, default={p.default} {list(p.warnings)}"
        )


if __name__ == "__main__":
    main()
