"""`napkin optimize` and `napkin levers` in the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from math import isfinite
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.optimize.levers import LeverResult
from napkin.optimize.objective import Objective
from napkin.optimize.search import Optimum, Screened
from napkin.render.format import format_value


def _money(value: float) -> str:
    return format_value(value, "USD") if isfinite(value) else "–"


def gpu_and_tp(overrides: Iterable[str]) -> tuple[str | None, int | None]:
    """The GPU and tensor parallelism a candidate sets (`hardware=`, `deployment.tp=`);
    None where it keeps the design's own."""
    values = dict(o.split("=", 1) for o in overrides if "=" in o)
    tp = values.get("deployment.tp")
    return values.get("hardware"), int(tp) if tp is not None else None


@dataclass(frozen=True)
class Named:
    """The optimizer's choice, spelled out: what to run and what it costs."""

    gpu: str
    precision: str
    tp: int | None
    model: str
    gpus: int
    monthly_cost_usd: float
    saving_usd: float
    prefill: str = ""  # disaggregated: the prefill pool, "B200 TP 2"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def named(o: Optimum) -> Named | None:
    """The chosen candidate of a search, named; None when no candidate meets the SLA."""
    s = o.chosen
    if s is None:
        return None
    gpu, tp = gpu_and_tp(s.overrides)
    values = dict(o.split("=", 1) for o in s.overrides if "=" in o)
    prefill_gpu = values.get("disaggregation.prefill.hardware")
    prefill_tp = values.get("disaggregation.prefill.deployment.tp")
    prefill = f"{prefill_gpu} TP {prefill_tp}" if prefill_gpu else ""
    return Named(
        gpu or "the design's GPU",
        s.precision,
        tp,
        s.model,
        s.gpus,
        s.monthly_cost_usd,
        o.saving_usd,
        prefill,
    )


def short_name(n: Named) -> str:
    """'H200 fp8 TP 8': enough to label a point on a chart."""
    return " ".join(p for p in (n.gpu, n.precision, f"TP {n.tp}" if n.tp else "") if p)


def saving_text(saving_usd: float) -> str:
    """A saving against the design as written, in words a negative cannot garble."""
    if not isfinite(saving_usd):
        return "the design as written has no cost to compare with"
    if abs(saving_usd) < 0.5:
        return "costs the same as the design as written"
    amount = format_value(abs(saving_usd), "USD/month")
    if saving_usd > 0:
        return f"saves {amount} against the design as written"
    return f"costs {amount} more than the design as written"


def describe(n: Named) -> str:
    """'H200, fp8, TP 8, llama-3.1-70b: 1,232 GPUs, $1.80M/month; saves ...'."""
    tp = f"TP {n.tp}" if n.tp else "TP as written"
    cost = format_value(n.monthly_cost_usd, "USD/month") if isfinite(n.monthly_cost_usd) else "–"
    pools = f" decoding, prefill pool on {n.prefill}" if n.prefill else ""
    return (
        f"{n.gpu}, {n.precision}, {tp}{pools}, {n.model}: {n.gpus:,} GPUs, {cost}; "
        f"{saving_text(n.saving_usd)}"
    )


def headline(o: Optimum) -> Text:
    """The first line of `napkin optimize`: the cheapest design, named (within a budget:
    the one carrying the most traffic, or with the lowest P99)."""
    n = named(o)
    what = {
        "traffic": f"most traffic within {o.budget}",
        "latency": f"lowest P99 within {o.budget}",
    }.get(Objective(o.objective).value, "cheapest design")
    if n is None or o.chosen is None:
        return Text(f"{what}: no candidate meets the SLA", style="bold red")
    if o.budget:
        carried = o.chosen.carried
        load = f"carries {carried:.2f}× the design's traffic; " if carried else ""
        cost = format_value(n.monthly_cost_usd, "USD/month")
        text = f"{what}: {_label(o.chosen)}, {n.model}: {load}{n.gpus:,} GPUs, {cost}"
        return Text(text, style="bold")
    return Text(f"{what}: {describe(n)}", style="bold")


NAMES = {
    "hardware": "{}",
    "deployment.precision": "{}",
    "deployment.tp": "tp {}",
    "deployment.pp": "pp {}",
    "deployment.dp_attention": "DP-attention {}",
    "deployment.ep": "EP {}",
    "deployment.two_batch_overlap": "two-batch overlap",
    "deployment.max_batch": "batch ≤ {}",
    "deployment.engine": "on {}",
    "model": "{}",
    "agent.prefix_caching": "{} cache",
    "completion.speculation": "no speculation",
    "disaggregation": "aggregated",
    "disaggregation.prefill.hardware": "prefill on {}",
    "disaggregation.prefill.deployment.tp": "tp {}",
    "workload.dau": "{} daily users",
    "agent.active_agents_peak": "{} agents at peak",
    "completion.peak_qps": "{} req/s at peak",
}


def _readable(value: str) -> str:
    """'15781250' as '15,781,250'; anything else as given."""
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:,.0f}" if abs(number) >= 1e4 and number.is_integer() else value


def _label(s: Screened) -> str:
    parts = []
    for override in s.overrides:
        key, value = override.split("=", 1)
        if key in NAMES:
            parts.append(NAMES[key].format(_readable(value)))
        if key == "disaggregation.prefill.hardware":
            parts[-1] = "| " + parts[-1]  # the decode pool's settings come first
    return ", ".join(parts) or "as written"


def render_optimum(o: Optimum, top: int = 10) -> Group:
    head = Table(
        title=f"optimize {o.design}: {len(o.screened)} candidates screened in "
        f"{o.wall_s:.1f} s (objective: {Objective(o.objective).value})",
        title_justify="left",
        expand=True,
    )
    columns = ["", "design", "GPUs", "cost / month", "P99 E2E (plan)", "quality"]
    carrying = Objective(o.objective) is Objective.traffic
    if carrying:
        columns.append("traffic ×")
    for column in columns:
        head.add_column(column, justify="left" if column in ("", "design") else "right")
    for name, s in (("as written", o.as_written), ("chosen", o.chosen)):
        if s is None:
            blank = [""] * (len(columns) - 2)
            head.add_row(name, Text("no candidate meets the SLA", style="red"), *blank)
            continue
        row = [
            name,
            _label(s),
            f"{s.gpus:,}",
            _money(s.monthly_cost_usd),
            f"{s.p99_s:.2f} s",
            f"{s.quality:.1f}" if s.quality else "–",
        ]
        if carrying:
            row.append(f"{s.carried:.2f}" if s.carried else "–")
        head.add_row(*row)
    front = Table(
        title="Pareto front: monthly cost vs P99 end-to-end (plan)",
        title_justify="left",
        expand=True,
    )
    for column in ("design", "GPUs", "cost / month", "P99 E2E"):
        front.add_column(column, justify="left" if column == "design" else "right")
    for s in o.front[:top]:
        front.add_row(_label(s), f"{s.gpus:,}", _money(s.monthly_cost_usd), f"{s.p99_s:.2f} s")
    best = "the best" if o.budget else "the cheapest"
    checks = Table(title=f"{best}, verified in simulation", title_justify="left", expand=True)
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
        "chosen design: " + saving_text(o.saving_usd) if o.chosen else "no design chosen",
        style="bold green" if o.chosen and o.saving_usd > 0 else "bold",
    )
    if o.budget:
        saving = Text(f"ranked within a budget of {o.budget}", style="bold")
    return Group(headline(o), head, front, checks, rejected, saving, mix_text(o))


def mix_text(o: Optimum) -> Text:
    """'Pricing: reserve 16 replicas for a year, the rest on demand with the day: …'."""
    m = o.pricing_mix
    if m is None:
        return Text("")
    return Text(
        f"pricing: reserve {m['mixed_reserved_replicas']:,.0f} replicas for a year (at "
        f"{m['reserved_price_fraction']:.0%} of on-demand), the rest on demand following the "
        f"day: {_money(m['model_mixed_monthly_cost_usd'])}, "
        f"{_money(m['mixed_saving_usd_per_month'])} less than on demand for the peak all day "
        f"(autoscaled on demand alone: {_money(m['model_autoscaled_monthly_cost_usd'])})"
    )


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
