"""`napkin drill` in the terminal: one drill's three arms, or every drill in one table.
Durations print in their unit ('34.7 ms', '5.9 s'); every column wraps or folds, so nothing
is cut with "…" at 80 columns or in a pipe."""

from __future__ import annotations

from math import isfinite, nan

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.drills.jobs import JobArm
from napkin.drills.outcome import ServingArm
from napkin.drills.runner import ARMS, DrillResult, target_of
from napkin.render.format import format_value

SECONDS = " (s)"


def _fmt(value: float, unit: str = "") -> str:
    """A figure of a drill: 'never' for an infinite time, '–' for none, else with its unit."""
    if not isfinite(value):
        return "never" if value > 0 else "–"
    if unit == "%":
        return f"{value:.1%}"
    return format_value(value, unit) if unit else f"{value:,.3g}"


def _metric(label: str) -> tuple[str, str]:
    """A drill target's label without its '(s)', and the unit its values print in."""
    if label.endswith(SECONDS):
        return label.removesuffix(SECONDS), "s"
    return label, "%" if label == "goodput" else ""


def _arms_table(title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("", overflow="fold")
    for arm in ARMS:
        table.add_column(arm, justify="right", overflow="fold")
    return table


def detail(result: DrillResult) -> Group:
    """One drill's three arms side by side, then whether the mitigation helped."""
    serving = [a for a in (result.arms[a] for a in ARMS) if isinstance(a, ServingArm)]
    if len(serving) < len(ARMS):
        return _job_detail(result)
    title = f"drill {result.name}: {result.replicas} replicas, {result.wall_s:.1f} s wall"
    table = _arms_table(title)
    rows: list[tuple[str, list[str]]] = []
    for window in ("before", "during", "after", "all"):
        if window not in serving[1].windows:
            continue
        stats = [a.windows.get(window) for a in serving]
        rows.append((f"{window}: requests", [f"{getattr(s, 'requests', 0):,}" for s in stats]))
        for key in ("completed", "failed", "rejected", "timed_out", "cancelled", "unfinished"):
            rows.append((f"  {key}", [f"{getattr(s, key, 0):,}" for s in stats]))
        for key in ("ttft_p50_s", "ttft_p99_s", "e2e_p50_s", "e2e_p99_s"):
            label = f"  {key.removesuffix('_s')}"
            rows.append((label, [_fmt(getattr(s, key, float("nan")), "s") for s in stats]))
    rows.append(("goodput", [f"{a.goodput_fraction:.1%}" for a in serving]))
    rows.append(("attempts per request", [f"{a.attempts_per_request:.2f}" for a in serving]))
    recovery = [_fmt(a.recovery_s if a.recovery_s is not None else nan, "s") for a in serving]
    rows.append(("time to recover", recovery))
    rows.append(("every request accounted for", ["yes" if a.conserved else "NO" for a in serving]))
    for label, values in rows:
        table.add_row(label, *values)
    return Group(table, _verdict(result))


def _job_detail(result: DrillResult) -> Group:
    """A job-queue drill's three arms: start waits, SLA share and slot-hours."""
    table = _arms_table(f"drill {result.name}: {result.replicas} slots, {result.wall_s:.1f} s wall")
    jobs = [a for a in (result.arms[a] for a in ARMS) if isinstance(a, JobArm)]
    table.add_row("jobs", *(f"{a.jobs:,}" for a in jobs))
    table.add_row("start wait p99", *(_fmt(a.start_wait_p99_s, "s") for a in jobs))
    table.add_row("others' start wait p99", *(_fmt(a.others_start_wait_p99_s, "s") for a in jobs))
    table.add_row("others within the SLA", *(f"{a.others_within_sla:.1%}" for a in jobs))
    table.add_row("GPU-slot-hours", *(f"{a.slot_hours:,.0f}" for a in jobs))
    table.add_row("wasted GPU-slot-hours", *(f"{a.wasted_slot_hours:,.1f}" for a in jobs))
    table.add_row("every job started", *("yes" if a.conserved else "NO" for a in jobs))
    return Group(table, _verdict(result))


def _verdict(result: DrillResult) -> Text:
    label, failed, mitigated, improved = target_of(result)
    label, unit = _metric(label)
    return Text(
        f"{label}: {_fmt(failed, unit)} without the mitigation, {_fmt(mitigated, unit)} with it",
        style="green" if improved else "red",
    )


def summary(results: list[DrillResult], skipped: list[tuple[str, str, str]]) -> Table:
    table = Table(
        title="drills: the failure without and with its mitigation",
        title_justify="left",
        expand=True,
    )
    table.add_column("failure mode (drill)", overflow="fold")
    table.add_column("metric", ratio=1, overflow="fold")
    for column in ("without", "with"):
        table.add_column(column, justify="right", overflow="fold")
    table.add_column("", overflow="fold")
    for mode, result in results:
        label, failed, mitigated, improved = target_of(result)
        label, unit = _metric(label)
        mark = Text("better", style="green") if improved else Text("not better", style="red")
        table.add_row(
            _mode(mode, result.name), label, _fmt(failed, unit), _fmt(mitigated, unit), mark
        )
    for mode, drill, reason in skipped:
        table.add_row(_mode(mode, drill), Text(reason, style="dim"), "", "", "")
    return table


def _mode(mode: str, drill: str) -> str:
    """The failure mode, and the drill that plays it on a second line when it is named apart."""
    return mode if drill == mode else f"{mode}\n({drill})"
