"""The capacity sheet in a terminal: Rich tables, one per section, then the two views side
by side, the SLA checks, the claims and the failure-mode register."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from napkin.figures import Figure, Source
from napkin.planner import Plan
from napkin.render.format import format_claim, format_value

SOURCE_STYLE = {
    Source.assumption: "yellow",
    Source.catalog: "cyan",
    Source.formula: "green",
    Source.calibration: "magenta",
    Source.simulation: "blue",
    Source.default: "bright_black",
}

# The figures compared in the side-by-side view: (label, rule-of-thumb key, model key).
SIDE_BY_SIDE = (
    ("output tokens/s per GPU", "tokens_per_s_per_gpu", "model_tokens_per_s_per_gpu"),
    ("GPUs needed at peak", "gpus_needed", "model_gpus_needed"),
    ("replicas provisioned", "replicas_provisioned", "model_replicas_provisioned"),
    ("GPUs provisioned", "gpus_provisioned", "model_gpus_provisioned"),
    ("cost per month", "monthly_cost_usd", "model_monthly_cost_usd"),
    (
        "cost per million output tokens",
        "usd_per_million_output_tokens",
        "model_usd_per_million_output_tokens",
    ),
)


def _provenance(figure: Figure, figures: dict[str, Figure], explain: bool) -> Text:
    """Compact: the source kind and its short detail, or a formula's right-hand side.
    Explained: also the values that went into a formula and the full citation."""
    text = Text(figure.source.value, style=SOURCE_STYLE[figure.source])
    if figure.formula:
        text.append("  " + figure.formula.split(" = ", 1)[-1])
    if figure.detail and (explain or not figure.formula):
        text.append(f"  {figure.detail}", style="dim" if figure.formula else "default")
    if explain and figure.inputs:
        values = ", ".join(
            f"{k}={format_value(v, figures[k].unit) if k in figures else f'{v:g}'}"
            for k, v in figure.inputs.items()
        )
        text.append(f"\n  with {values}", style="dim")
    if explain and figure.cite:
        text.append(f"\n  source: {figure.cite}", style="dim")
    return text


def section_table(plan: Plan, section: str, explain: bool = False) -> Table:
    table = Table(title=section, title_justify="left", expand=True, show_lines=explain)
    table.add_column("figure", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("provenance", ratio=1)
    for figure in plan.figures.values():
        if figure.section == section:
            table.add_row(
                figure.key,
                format_value(figure.value, figure.unit),
                _provenance(figure, plan.figures, explain),
            )
    return table


def views_table(plan: Plan) -> Table:
    given = getattr(plan.design, "rule_of_thumb", None)
    title = "two views: the design's rule of thumb vs napkin's model"
    table = Table(title=title, title_justify="left", expand=True)
    table.add_column("")
    table.add_column(
        "rule of thumb" if given else "napkin (no rule of thumb given)", justify="right"
    )
    table.add_column("napkin model", justify="right")
    table.add_column("model / rule", justify="right")
    for label, key, model_key in SIDE_BY_SIDE:
        if key not in plan.figures or model_key not in plan.figures:
            continue
        a, b = plan.figures[key], plan.figures[model_key]
        ratio = f"{b.value / a.value:.2f}×" if a.value else "–"
        table.add_row(label, format_value(a.value, a.unit), format_value(b.value, b.unit), ratio)
    return table


def sla_table(plan: Plan) -> Table:
    table = Table(
        title="SLA (napkin estimate at the planned batch, before queueing)",
        title_justify="left",
        expand=True,
    )
    for column in ("target", "limit", "estimate", "meets"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for check in plan.sla:
        mark = Text("✓", style="green") if check.meets else Text("✗", style="red bold")
        table.add_row(
            check.target,
            format_value(check.limit_s, "s"),
            format_value(check.estimate_s, "s"),
            mark,
        )
    return table


def claims_table(plan: Plan) -> Table:
    table = Table(title="claims of the written design, checked", title_justify="left", expand=True)
    table.add_column("claim", no_wrap=True)
    table.add_column("stated", justify="right", no_wrap=True)
    table.add_column("napkin", justify="right", no_wrap=True)
    table.add_column("", justify="center", no_wrap=True)
    table.add_column("note", ratio=1, min_width=30)
    for check in plan.claims:
        stated, computed = format_claim(check.stated, check.computed, check.unit)
        mark = Text("✓", style="green") if check.agrees else Text("✗ flagged", style="red bold")
        table.add_row(check.name, stated, computed, mark, check.note)
    return table


def header(plan: Plan) -> Panel:
    d = plan.design
    verdict = Text(
        "fits" if plan.fits else "DOES NOT FIT", style="green bold" if plan.fits else "red bold"
    )
    lines = Text.assemble(
        (f"{d.name}", "bold"),
        f" — {d.description or ''}\n",
        f"{d.kind}: {d.model.name} ({d.model.kv_heads_or_latent}) on {d.hardware.name}, "
        f"tp {d.deployment.tp}, {d.deployment.precision.value}\n",
        "memory: ",
        verdict,
        f" — {plan.fit_reason}",
        *(f"\n{note}" for note in plan.notes),
    )
    return Panel(lines, title="napkin plan", title_align="left")


def render_plan(plan: Plan, console: Console, explain: bool = False) -> None:
    """Print the whole capacity sheet; `explain` adds formula inputs and full citations."""
    parts: list[Panel | Table] = [header(plan)]
    sections = dict.fromkeys(f.section for f in plan.figures.values())
    parts += [section_table(plan, s, explain) for s in sections]
    if getattr(plan.design, "rule_of_thumb", None) and "gpus_needed" in plan.figures:
        parts.append(views_table(plan))
    if plan.sla:
        parts.append(sla_table(plan))
    if plan.claims:
        parts.append(claims_table(plan))
    if plan.failure_modes:
        parts.append(failure_table(plan))
    console.print(Group(*parts))


def failure_table(plan: Plan) -> Table:
    table = Table(title="failure modes", title_justify="left", expand=True, show_lines=True)
    for column in ("failure", "trigger", "detection", "blast radius", "mitigation", "drill"):
        table.add_column(column, ratio=1, no_wrap=column == "failure")
    for mode in plan.failure_modes:
        drill = f"{mode.drill.name}, varies {mode.drill.vary}"
        table.add_row(
            mode.name, mode.trigger, mode.detection, mode.blast_radius, mode.mitigation, drill
        )
    return table
