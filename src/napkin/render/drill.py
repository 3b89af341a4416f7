"""`napkin drill` in the terminal: one drill's three arms, or every drill in one table."""

from __future__ import annotations

from math import isfinite

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.drills.run import ARMS, DrillResult, target_of


def _fmt(value: float) -> str:
    if not isfinite(value):
        return "never" if value > 0 else "–"
    return f"{value:,.3g}"


def detail(result: DrillResult) -> Group:
    table = Table(
        title=f"drill {result.name}: {result.replicas} replicas, {result.wall_s:.1f} s wall",
        title_justify="left",
        expand=True,
    )
    table.add_column("")
    for arm in ARMS:
        table.add_column(arm, justify="right")
    arms = [result.arms[a] for a in ARMS]
    rows: list[tuple[str, list[str]]] = []
    for window in ("before", "during", "after", "all"):
        if window not in arms[1]["windows"]:
            continue
        stats = [a["windows"].get(window, {}) for a in arms]
        rows.append((f"{window}: requests", [f"{s.get('requests', 0):,}" for s in stats]))
        for key in ("completed", "failed", "rejected", "timed_out", "cancelled"):
            rows.append((f"  {key}", [f"{s.get(key, 0):,}" for s in stats]))
        for key in ("ttft_p50_s", "ttft_p99_s", "e2e_p50_s", "e2e_p99_s"):
            rows.append((f"  {key}", [_fmt(s.get(key, float("nan"))) for s in stats]))
    rows.append(("goodput", [f"{a['goodput_fraction']:.1%}" for a in arms]))
    rows.append(("attempts per request", [f"{a['attempts_per_request']:.2f}" for a in arms]))
    rows.append(("time to recover (s)", [_fmt(a.get("recovery_s", float("nan"))) for a in arms]))
    rows.append(("every request accounted for", ["yes" if a["conserved"] else "NO" for a in arms]))
    for label, values in rows:
        table.add_row(label, *values)
    label, failed, mitigated, improved = target_of(result)
    verdict = Text(
        f"{label}: {_fmt(failed)} without the mitigation, {_fmt(mitigated)} with it",
        style="green" if improved else "red",
    )
    return Group(table, verdict)


def summary(results: list[DrillResult], skipped: list[tuple[str, str, str]]) -> Table:
    table = Table(
        title="drills: the failure without and with its mitigation",
        title_justify="left",
        expand=True,
    )
    for column in ("failure mode", "drill", "metric", "without", "with", ""):
        table.add_column(column, justify="right" if column in ("without", "with") else "left")
    for mode, result in results:
        label, failed, mitigated, improved = target_of(result)
        mark = Text("better", style="green") if improved else Text("not better", style="red")
        table.add_row(mode, result.name, label, _fmt(failed), _fmt(mitigated), mark)
    for mode, drill, reason in skipped:
        table.add_row(mode, drill, Text(reason, style="dim"), "", "", "")
    return table
