"""`napkin optimize` and `napkin levers` in the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.optimize.levers import LeverResult
from napkin.optimize.search import Optimum, Screened


def _money(value: float) -> str:
    return "–" if value != value or value == float("inf") else f"${value / 1e6:,.2f}M"


NAMES = {
    "hardware": "{}",
    "deployment.precision": "{}",
    "deployment.tp": "tp {}",
    "deployment.max_batch": "batch ≤ {}",
    "model": "{}",
    "agent.prefix_caching": "{} cache",
    "completion.speculation": "no speculation",
}


def _label(s: Screened) -> str:
    parts = []
    for override in s.overrides:
        key, value = override.split("=", 1)
        if key in NAMES:
            parts.append(NAMES[key].format(value))
    return ", ".join(parts) or "as written"


def render_optimum(o: Optimum, top: int = 10) -> Group:
    head = Table(
        title=f"optimize {o.design}: {len(o.screened)} candidates screened in "
        f"{o.wall_s:.1f} s (objective: {o.objective})",
        title_justify="left",
        expand=True,
    )
    for column in ("", "design", "GPUs", "cost / month", "P99 E2E (plan)", "quality"):
        head.add_column(column, justify="left" if column in ("", "design") else "right")
    for name, s in (("as written", o.as_written), ("chosen", o.chosen)):
        if s is None:
            head.add_row(name, Text("no candidate meets the SLA", style="red"), "", "", "", "")
            continue
        head.add_row(
            name,
            _label(s),
            f"{s.gpus:,}",
            _money(s.monthly_cost_usd),
            f"{s.p99_s:.2f} s",
            f"{s.quality:.1f}" if s.quality else "–",
        )
    front = Table(
        title="Pareto front: monthly cost vs P99 end-to-end (plan)",
        title_justify="left",
        expand=True,
    )
    for column in ("design", "GPUs", "cost / month", "P99 E2E"):
        front.add_column(column, justify="left" if column == "design" else "right")
    for s in o.front[:top]:
        front.add_row(_label(s), f"{s.gpus:,}", _money(s.monthly_cost_usd), f"{s.p99_s:.2f} s")
    checks = Table(title="the cheapest, verified in simulation", title_justify="left", expand=True)
    checks.add_column("design")
    checks.add_column("cost / month", justify="right")
    checks.add_column("verdict")
    for s, passed, why in o.verified:
        checks.add_row(
            _label(s), _money(s.monthly_cost_usd), Text(why, style="green" if passed else "red")
        )
    rejected = Table(title="rejected by the capacity engine", title_justify="left")
    rejected.add_column("reason")
    rejected.add_column("candidates", justify="right")
    for reason, count in sorted(o.rejections.items(), key=lambda kv: -kv[1]):
        rejected.add_row(reason, f"{count:,}")
    saving = Text(
        f"saving against the design as written: {_money(o.saving_usd)} a month",
        style="bold green" if o.saving_usd > 0 else "bold",
    )
    return Group(head, front, checks, rejected, saving)


def render_levers(results: list[LeverResult]) -> Table:
    table = Table(title="cost levers, alone and together", title_justify="left", expand=True)
    for column in ("lever", "cost / month", "saves", "TTFT p99", "E2E p99", "note"):
        table.add_column(
            column,
            justify="right"
            if column in ("cost / month", "saves", "TTFT p99", "E2E p99")
            else "left",
        )
    for r in results:
        ttft = "–" if r.ttft_p99_s != r.ttft_p99_s else f"{r.ttft_p99_s * 1e3:,.0f} ms"
        e2e = "–" if r.e2e_p99_s != r.e2e_p99_s else f"{r.e2e_p99_s:.2f} s"
        table.add_row(r.name, _money(r.monthly_cost_usd), _money(r.saving_usd), ttft, e2e, r.note)
    return table
