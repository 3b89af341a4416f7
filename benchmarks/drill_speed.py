"""Wall time of every drill of the built-in designs (targets: each default drill under 30 s,
`napkin drill chatbot` under 5 minutes on the 2-core machine).

    python benchmarks/drill_speed.py
"""

from __future__ import annotations

import os
import platform
import time
from datetime import date

from napkin.drills.jobs import JOB_DRILLS, JOB_HOURS, run_job_drill
from napkin.drills.runner import register_drills, run_drill, target_of
from napkin.drills.serving import DRILLS
from napkin.planner import plan
from napkin.sim.options import SimOptions
from napkin.specs.loader import load_design


def main() -> None:
    print(
        f"# {date.today()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; default options (300 s per arm, 8 replicas)"
    )
    for name in ("chatbot", "coding-agent", "code-completion", "finetune-service"):
        planned = plan(load_design(name))
        started = time.perf_counter()
        for _mode, drill, params in register_drills(planned):
            jobs = planned.design.kind == "finetune-service"
            if drill not in (JOB_DRILLS if jobs else DRILLS):
                continue
            result = (
                run_job_drill(planned, drill, params, JOB_HOURS, 0)
                if jobs
                else run_drill(planned, drill, params, SimOptions(duration_s=300))
            )
            label, failed, mitigated, better = target_of(result)
            print(
                f"{name:16s} {drill:16s} {result.wall_s:6.1f} s   {label}: {failed:,.3g} -> "
                f"{mitigated:,.3g} ({'better' if better else 'NOT better'})"
            )
        print(f"{name:16s} all drills      {time.perf_counter() - started:6.1f} s")


if __name__ == "__main__":
    main()
