"""`napkin simulate` in the terminal: plan versus simulation, the SLA, and what happened.
Every column wraps or folds, so nothing is cut with "…" at 80 columns or in a pipe."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.native import CORE_KIND
from napkin.render.format import format_value
from napkin.sim.eval_pass import EvalPass
from napkin.sim.replications import POOLED, STATS, Replications
from napkin.sim.run import Simulation, goodput_limits_of
from napkin.sim.shards import ShardedRun


def _ms(value: float) -> str:
    """Seconds in the unit a reader wants: '850 µs', '42 ms', '1.0 s', '3.2 min'."""
    return format_value(value, "s")


def side_by_side(sim: Simulation) -> Table:
    plan = {k: f.value for k, f in sim.plan.figures.items()}
    s = sim.summary
    table = Table(
        title=f"plan vs simulation: {s['replicas']} replicas, "
        f"{s['requests']:,} requests, seed {sim.options.seed}",
        title_justify="left",
        expand=True,
    )
    for column in ("", "plan (napkin math)", "simulation", "sim / plan"):
        table.add_column(column, justify="left" if not column else "right", overflow="fold")
    rows = [
        ("TTFT p50", plan.get("ttft_estimate_s"), s["ttft_s"]["p50"], "s"),
        ("TTFT p99", plan.get("ttft_p99_estimate_s"), s["ttft_s"]["p99"], "s"),
        ("TPOT p50", plan.get("step_time_s"), s["tpot_s"]["p50"], "s"),
        ("E2E p99", plan.get("e2e_p99_estimate_s"), s["e2e_s"]["p99"], "s"),
        (
            "throughput",
            plan.get("peak_qps") if sim.options.qps is None else sim.options.qps,
            s["throughput_rps"],
            "req/s",
        ),
        ("GPU busy (stepping)", None, s["gpu_busy_fraction"], "fraction"),
    ]
    for label, planned, measured, unit in rows:
        ratio = f"{measured / planned:.2f}×" if planned else "–"
        table.add_row(
            label,
            format_value(planned, unit) if planned is not None else "–",
            format_value(measured, unit),
            ratio,
        )
    return table


def sla_table(sim: Simulation) -> Table:
    targets = goodput_limits_of(sim.plan)
    s = sim.summary
    table = Table(title="SLA in simulation (queueing included)", title_justify="left", expand=True)
    for column in ("target", "limit", "simulated", "meets"):
        table.add_column(column, justify="left" if column == "target" else "right", overflow="fold")
    checks = [
        ("TTFT p99", targets.ttft_s, s["ttft_s"]["p99"]),
        ("TPOT p99", targets.tpot_s, s["tpot_s"]["p99"]),
        ("E2E p99", targets.e2e_s, s["e2e_s"]["p99"]),
    ]
    for label, limit, value in checks:
        if limit is None:
            continue
        ok = value <= limit
        table.add_row(
            label,
            _ms(limit),
            _ms(value),
            Text("✓", style="green") if ok else Text("✗", style="red bold"),
        )
    table.add_row("goodput", "", f"{s['goodput_fraction']:.1%} of completed", "")
    return table


def outcome_table(sim: Simulation) -> Table:
    s = sim.summary
    table = Table(title="what happened", title_justify="left", expand=True)
    table.add_column("", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    for name, count in s["outcomes"].items():
        table.add_row(name, f"{count:,}")
    conserved = Text("yes", style="green") if s["conserved"] else Text("NO", style="red bold")
    table.add_row("every request ended exactly once", conserved)
    if "streamed" in s:
        error = s["streamed"]["percentile_error"]
        table.add_row("records", f"streamed: counted as they ended, percentiles within {error:.0%}")
    table.add_row("output tokens/s", f"{s['output_tokens_per_s']:,.0f}")
    table.add_row("preemptions", f"{s['preemptions']:,}")
    table.add_row(
        "prefix-cache hit tokens",
        f"{s['prefix_hit_tokens']:,} ({s['prefix_hit_rate']:.0%} of admitted prompt tokens)",
    )
    table.add_row("peak waiting requests", f"{s['peak_waiting']:,}")
    table.add_row("peak KV-cache use", f"{s['peak_kv_fraction']:.0%}")
    law = s["littles_law"]
    table.add_row(
        "Little's law: L vs λW", f"{law['mean_in_system']:,.1f} vs {law['rate_times_time']:,.1f}"
    )
    table.add_row(
        "wall time",
        f"{_ms(sim.wall_s)} ({s['requests'] / max(sim.wall_s, 1e-9):,.0f} requests/s, "
        f"{CORE_KIND.split(' (')[0]} core)",
    )
    return table


def render_simulation(sim: Simulation) -> Group:
    parts = [side_by_side(sim), sla_table(sim), outcome_table(sim)]
    if "autoscale" in sim.summary:
        parts.append(autoscale_table(sim.summary))
    return Group(*parts)


def autoscale_table(summary: dict[str, Any]) -> Table:
    """What the autoscaled run paid against the whole fleet on, and its worst hour."""
    a = summary["autoscale"]
    table = Table(title="autoscaled (simulation)", title_justify="left", expand=True)
    table.add_column("", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    price = a["usd_per_gpu_hour"]
    table.add_row("GPU-hours paid", f"{a['gpu_hours']:,.0f} (${a['cost_usd']:,.0f} at ${price:g})")
    table.add_row(
        "the whole fleet on", f"{a['always_on_gpu_hours']:,.0f} (${a['always_on_cost_usd']:,.0f})"
    )
    table.add_row("saved", f"{a['saved_fraction']:.0%}")
    hours = [h for h in a["hourly"] if h["requests"]]
    if hours:
        worst = min(hours, key=lambda h: h["sla_attainment"])
        table.add_row(
            "worst hour",
            f"hour {worst['hour']}: {worst['sla_attainment']:.1%} met the SLA, "
            f"TTFT p99 {_ms(worst['ttft_p99_s'])}",
        )
    return table


def render_eval_pass(run: EvalPass) -> Table:
    """An eval suite's pass: the plan's GPU-seconds against the simulated pass's."""
    who = f"{run.clients:,} serial client(s)" if run.clients else "every prompt at once"
    table = Table(
        title=f"{run.design}: one pass, {who}, {run.simulated:,} prompts simulated",
        title_justify="left",
        expand=True,
    )
    for column in ("", "plan (napkin math)", "simulation", "sim / plan"):
        table.add_column(column, justify="left" if not column else "right", overflow="fold")
    table.add_row(
        "GPU-seconds a pass",
        format_value(run.planned_gpu_seconds, "GPU-s"),
        format_value(run.gpu_seconds, "GPU-s"),
        f"{run.sim_over_plan:.2f}",
    )
    table.add_row("wall time a pass", "", _ms(run.pass_wall_s), "")
    table.add_row("mean request", "", _ms(run.mean_request_s), "")
    return table


def render_replications(r: Replications) -> Table:
    """Each statistic's mean over the seeds and its 95% interval."""
    seeds = len(r.summaries)
    table = Table(
        title=f"{r.plan.design.name}: {seeds} seeds from {r.options.seed}, 95% intervals "
        f"({r.wall_s:,.1f} s on {r.processes} process(es))",
        title_justify="left",
        expand=True,
    )
    for column in ("statistic", "mean", "95% interval"):
        table.add_column(column, justify="left" if column == "statistic" else "right")
    for metric, label in (("ttft_s", "TTFT"), ("tpot_s", "TPOT"), ("e2e_s", "E2E")):
        for stat in STATS:
            i = r.interval(metric, stat)
            table.add_row(f"{label} {stat}", _ms(i.mean), f"{_ms(i.low)} – {_ms(i.high)}")
    for metric, label in (("ttft_s", "TTFT"), ("e2e_s", "E2E")):
        for name, q in POOLED.items():
            table.add_row(f"{label} {name}, all seeds' requests", _ms(r.pooled(metric, q)), "±1%")
    good = r.interval("goodput_fraction")
    table.add_row("goodput", f"{good.mean:.2%}", f"{good.low:.2%} – {good.high:.2%}")
    return table


def render_sharded(r: ShardedRun) -> Group:
    """The merged summary of a sharded run, and whether the split is exact."""
    s = r.summary()
    how = (
        "exact (routing independent of replica state)"
        if r.exact
        else ("an approximation (routing depends on the fleet's state)")
    )
    table = Table(
        title=f"{r.plan.design.name}: {s['replicas']:,} replicas in {len(r.shards)} shards on "
        f"{r.executor}, {s['requests']:,} requests, {r.wall_s:,.1f} s; the split is {how}",
        title_justify="left",
        expand=True,
    )
    for column in ("statistic", "p50", "p90", "p99", "mean"):
        table.add_column(column, justify="left" if column == "statistic" else "right")
    for metric, label in (("ttft_s", "TTFT"), ("tpot_s", "TPOT"), ("e2e_s", "E2E")):
        m = s[metric]
        table.add_row(label, *(_ms(m[k]) for k in ("p50", "p90", "p99", "mean")))
    table.add_row("goodput", f"{s['goodput_fraction']:.2%}", "", "", "")
    return Group(table, *([autoscale_table(s)] if "autoscale" in s else []))
