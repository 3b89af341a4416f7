"""The recommendation in a few lines: the fleet, its cost with P10–P90 bands, the SLA verdict
of every target and what binds the design; or, when it cannot be met, why and the
cheapest fix. `napkin plan` prints this first.

Each line is a label and its text, in a borderless grid, so wrapped text stays under its
text and the headline fits 80 columns."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from napkin.calibration.uncertainty import Interval
from napkin.recommendation import Constraint, Recommendation, TargetCheck, Verdict
from napkin.render.format import format_value, value_range

MARK = {Verdict.met: ("✓", "green"), Verdict.missed: ("✗", "red bold")}
VERDICT_STYLE = {Verdict.met: "green bold", Verdict.missed: "red bold", Verdict.not_set: "yellow"}
# Metric names that read as acronyms in a target's label.
ACRONYMS = {"ttft": "TTFT", "tpot": "TPOT", "e2e": "E2E", "itl": "ITL"}

# Constraints with less slack than this bind; the slack list shows this many of the rest.
BINDING_SLACK = 0.005
SLACK_SHOWN = 3

Line = tuple[Text, Text]


def _label(text: str, style: str = "bold") -> Text:
    return Text(text, style=style)


def target_label(target: str) -> str:
    """'ttft_p99_s' -> 'TTFT p99'; 'tpot_s' -> 'TPOT'; 'e2e_p99_s' -> 'E2E p99'."""
    words = target.removesuffix("_s").split("_")
    return " ".join(ACRONYMS.get(word, word) for word in words)


def interval(figure: Interval, unit: str, after: str = "", band_unit: str = "") -> str:
    """'$6.37M/month (P10–P90 $5.9M–$7.4M)': the value in `unit`, `after` it, then the band
    in `band_unit` (bare numbers when empty); the band is left out when it is a point."""
    shown = format_value(figure.value, unit) + after
    if figure.low == figure.high:
        return shown
    low, high = (format_value(v, band_unit).strip() for v in (figure.low, figure.high))
    return f"{shown} (P10–P90 {value_range(low, high)})"


def _target(check: TargetCheck, source: str) -> Text:
    """'TTFT p99 410 ms ≤ 3.0 s ✓', 'E2E p99 18 s > 15 s ✗', or 'TTFT p50 not set'; a
    target judged by another source than the headline's says which ('(plan)')."""
    label = target_label(check.target)
    verdict = check.verdict
    if verdict is Verdict.not_set or check.limit_s is None:
        return Text(f"{label} not set", style="dim")
    simulated = check.simulated_s is not None
    value = check.simulated_s if simulated else check.plan_s
    relation = "≤" if verdict is Verdict.met else ">"
    limit = format_value(check.limit_s, "s")
    band = check.plan_interval if not simulated else None
    spread = (
        f" (P10–P90 {format_value(band.low, 's')}–{format_value(band.high, 's')})" if band else ""
    )
    shown = f"{format_value(value, 's')}{spread} {relation} {limit}" if value is not None else limit
    own = "simulation" if simulated else "plan"
    origin = f" ({own})" if (own == "simulation") != (source == "simulation") else ""
    mark, style = MARK[verdict]
    return Text.assemble(f"{label} {shown}{origin} ", (mark, style))


def sla_line(rec: Recommendation) -> Line:
    """'SLA: met (simulation) — TTFT p99 410 ms ≤ 3.0 s ✓, E2E p99 9.8 s ≤ 15 s ✓, …'."""
    verdict = rec.verdict
    text = Text.assemble((verdict.value, VERDICT_STYLE[verdict]), f" ({rec.source})")
    if rec.targets:
        text.append(" — ")
        text.append(Text(", ").join(_target(t, rec.source) for t in rec.targets))
    return _label("SLA:"), text


def _slack(constraint: Constraint) -> str:
    return f"{constraint.name} {constraint.slack:.0%}"


def binding_line(rec: Recommendation) -> Line | None:
    """'Binding: time-per-token budget; slack: KV memory 35%, engine batch cap 80%'; the
    binding constraint is the record's, else the one with the least slack. The slack list
    names the few constraints nearest to binding (the JSON has them all)."""
    ordered = sorted(rec.constraints, key=lambda c: c.slack)
    binding = rec.binding or (ordered[0].name if ordered else "")
    if not binding:
        return None
    others = [c for c in ordered if c.slack > BINDING_SLACK and c.name not in binding]
    shown = others[:SLACK_SHOWN]
    slack = f"; slack: {', '.join(_slack(c) for c in shown)}" if shown else ""
    return _label("Binding:"), Text(binding + slack)


def fleet_line(rec: Recommendation) -> Line:
    """'Recommended: 553 × TP8 replicas of llama-3.1-70b bf16 on H100-SXM = 4,424 GPUs'."""
    replicas = "?" if rec.replicas is None else f"{rec.replicas:,}"
    gpus = "" if rec.gpus is None else f" = {rec.gpus:,} GPUs"
    band = rec.gpus_interval
    if band is not None:
        gpus += f" (P10–P90 {band.low:,.0f}–{band.high:,.0f})"
    if rec.pools:
        return _label("Recommended:"), Text.assemble(
            (rec.pools, "bold"), f" of {rec.model} {rec.precision}{gpus}"
        )
    text = Text.assemble(
        (f"{replicas} × {rec.layout or f'TP{rec.tp}'} replicas", "bold"),
        f" of {rec.model} {rec.precision} on {rec.gpu}{gpus}",
    )
    return _label("Recommended:"), text


def cost_line(rec: Recommendation) -> Line | None:
    """'Cost: $6.37M/month (P10–P90 $5.9M–$7.4M), $0.53/M output tokens'."""
    parts = []
    if rec.monthly_cost_usd is not None:
        parts.append(interval(rec.monthly_cost_usd, "USD/month", band_unit="USD"))
    if rec.usd_per_million_output_tokens is not None:
        per_token = rec.usd_per_million_output_tokens
        parts.append(interval(per_token, "USD", "/M output tokens", "USD"))
    return (_label("Cost:"), Text(", ".join(parts))) if parts else None


def token_line(rec: Recommendation) -> Line | None:
    """'Per token: $0.88/M input, $1.26/M output at 25% utilisation ($0.47/M output if
    every GPU were busy)'."""
    t = rec.token_prices
    if t is None:
        return None
    cached = f", ${t.cached_input:.3g}/M cached input" if t.cached_input > 0 else ""
    return _label("Per token:"), Text(
        f"${t.input:.3g}/M input{cached}, ${t.output:.3g}/M output at "
        f"{t.utilisation:.0%} utilisation (${t.output_at_full_load:.3g}/M output with the "
        "whole bill on it, every GPU busy)"
    )


def api_line(rec: Recommendation) -> Line | None:
    """'Cheapest API: DeepInfra: $1.25M/month at this volume (the fleet costs 5.32×)'."""
    if not rec.api_alternative:
        return None
    return _label("Cheapest API:"), Text(rec.api_alternative + " · napkin compare-api")


def throughput_line(rec: Recommendation) -> Line | None:
    """'Throughput: 1,177 output tokens/s per GPU (P10–P90 1,010–1,290), batch 378 …'."""
    parts = []
    if rec.tokens_per_s_per_gpu is not None:
        parts.append(interval(rec.tokens_per_s_per_gpu, "output tokens/s", " per GPU"))
    if rec.batch is not None:
        parts.append(f"batch {rec.batch:,} per replica")
    return (_label("Throughput:"), Text(", ".join(parts))) if parts else None


def infeasible_lines(rec: Recommendation) -> list[Line]:
    """'CANNOT BE MET: …' and 'Cheapest fix: … → N GPUs, $X/month'."""
    reason = Text(rec.infeasible or "no deployment meets every target")
    lines = [(_label("CANNOT BE MET:", "red bold"), reason)]
    fix = rec.relaxation
    if fix is None:
        lines.append((_label("Cheapest fix:"), Text("none found", style="dim")))
    else:
        cost = format_value(fix.monthly_cost_usd, "USD/month")
        lines.append((_label("Cheapest fix:"), Text(f"{fix.change} → {fix.gpus:,} GPUs, {cost}")))
    return lines


def recommendation_lines(rec: Recommendation) -> list[Line]:
    """The (label, text) lines in order: fleet, cost, throughput (or why it cannot be met and
    the cheapest fix), SLA, what binds, then the record's notes."""
    if rec.feasible:
        lines = [fleet_line(rec), cost_line(rec), token_line(rec), api_line(rec)]
        lines.append(throughput_line(rec))
    else:
        lines = [*infeasible_lines(rec)]
    lines += [sla_line(rec) if rec.targets or rec.feasible else None, binding_line(rec)]
    lines += [(Text(""), Text(note, style="dim")) for note in rec.notes]
    return [line for line in lines if line is not None]


def recommendation_panel(rec: Recommendation) -> RenderableType:
    """The recommendation under a rule coloured by its verdict: a few labelled lines."""
    if not rec.feasible:
        style = "red"
    else:
        style = {Verdict.met: "green", Verdict.missed: "red"}.get(rec.verdict, "yellow")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(overflow="fold")
    grid.add_column(ratio=1, overflow="fold")
    for label, text in recommendation_lines(rec):
        grid.add_row(label, text)
    title = Text(f"napkin recommends · {rec.design}", style="bold")
    return Group(Rule(title, align="left", style=style), grid)
