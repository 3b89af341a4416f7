"""`napkin plan` in a terminal: the recommendation first, then the verdict and the checked
claims; the capacity sheet (one table per section, the SLA estimates and the failure-mode
register) follows with `--sheet` or `--explain`.

Every table has a narrow form for terminals under 120 columns (and pipes, which Rich draws
at 80): provenance sits under its figure, claim notes under their claim, and each failure
mode is a block of labelled lines, so long text wraps and nothing is cut with "…".
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from napkin.figures import Figure, Source
from napkin.planner import Plan
from napkin.render.format import ByWidth, format_claim, format_value
from napkin.render.recommendation_box import recommendation_panel
from napkin.specs.deployment import Deployment

SOURCE_STYLE = {
    Source.assumption: "yellow",
    Source.catalog: "cyan",
    Source.formula: "green",
    Source.calibration: "magenta",
    Source.simulation: "blue",
    Source.default: "bright_black",
}
FAILURE_FIELDS = ("trigger", "detection", "blast radius", "mitigation", "drill")
# The failure register's six-column table needs this many columns to stay readable.
FAILURE_WIDE = 140


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


def _under(head: Text | str, body: RenderableType) -> Group:
    """`head` on its own line with `body` indented below it (wrapped lines stay indented)."""
    return Group(head, Padding(body, (0, 0, 0, 2)))


def _section_rows(plan: Plan, section: str) -> list[Figure]:
    return [f for f in plan.figures.values() if f.section == section]


def _wide_section(plan: Plan, section: str, explain: bool) -> Table:
    table = Table(title=section, title_justify="left", expand=True, show_lines=explain)
    table.add_column("figure", style="bold", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    table.add_column("provenance", ratio=1, overflow="fold")
    for figure in _section_rows(plan, section):
        table.add_row(
            figure.key,
            format_value(figure.value, figure.unit),
            _provenance(figure, plan.figures, explain),
        )
    return table


def _narrow_section(plan: Plan, section: str, explain: bool) -> Table:
    table = Table(title=section, title_justify="left", expand=True, show_lines=explain)
    table.add_column("figure  (provenance below)", ratio=1, overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    for figure in _section_rows(plan, section):
        cell = _under(Text(figure.key, style="bold"), _provenance(figure, plan.figures, explain))
        table.add_row(cell, format_value(figure.value, figure.unit))
    return table


def section_table(plan: Plan, section: str, explain: bool = False) -> ByWidth:
    """One section's figures: value and provenance side by side when wide, stacked when not."""
    return ByWidth(_narrow_section(plan, section, explain), _wide_section(plan, section, explain))


def sla_table(plan: Plan) -> Table:
    table = Table(
        title="SLA (napkin estimate at the planned batch, before queueing)",
        title_justify="left",
        expand=True,
    )
    for column in ("target", "limit", "estimate", "meets"):
        table.add_column(column, justify="left" if column == "target" else "right", overflow="fold")
    for check in plan.sla:
        mark = Text("✓", style="green") if check.meets else Text("✗", style="red bold")
        table.add_row(
            check.target,
            format_value(check.limit_s, "s"),
            format_value(check.estimate_s, "s"),
            mark,
        )
    return table


CLAIMS_TITLE = "claims of the written design, checked"


def _mark(agrees: bool) -> Text:
    return Text("✓", style="green") if agrees else Text("✗ flagged", style="red bold")


def _wide_claims(plan: Plan) -> Table:
    table = Table(title=CLAIMS_TITLE, title_justify="left", expand=True)
    table.add_column("claim", overflow="fold")
    table.add_column("stated", justify="right", overflow="fold")
    table.add_column("napkin", justify="right", overflow="fold")
    table.add_column("", justify="center", overflow="fold")
    table.add_column("note", ratio=1, min_width=30, overflow="fold")
    for check in plan.claims:
        stated, computed = format_claim(check.stated, check.computed, check.unit)
        table.add_row(check.name, stated, computed, _mark(check.agrees), check.note)
    return table


def _narrow_claims(plan: Plan) -> Table:
    table = Table(title=CLAIMS_TITLE, title_justify="left", expand=True, show_lines=True)
    table.add_column("claim  (note below)", ratio=1, overflow="fold")
    table.add_column("stated / napkin", overflow="fold")
    for check in plan.claims:
        stated, computed = format_claim(check.stated, check.computed, check.unit)
        head = Text.assemble(_mark(check.agrees), " ", (check.name, "bold"))
        values = Text.assemble(("stated ", "dim"), stated, "\n", ("napkin ", "dim"), computed)
        table.add_row(_under(head, Text(check.note or "", style="dim")), values)
    return table


def claims_table(plan: Plan) -> ByWidth:
    """Each stated claim against napkin's figure; a note under the claim when narrow."""
    return ByWidth(_narrow_claims(plan), _wide_claims(plan))


def header(plan: Plan) -> Panel:
    """The verdict: the design, what it runs on, and whether the model fits in memory."""
    d = plan.design
    verdict = Text(
        "fits" if plan.fits else "DOES NOT FIT", style="green bold" if plan.fits else "red bold"
    )
    lines = Text.assemble(
        (f"{d.name}", "bold"),
        f" — {d.description or ''}\n",
        f"{d.kind}: {d.model.name} ({d.model.kv_heads_or_latent}) on {d.hardware.name}, "
        f"tp {d.deployment.tp}{_layout(d.deployment)}, {d.deployment.precision.value}\n",
        _pools(plan),
        "memory: " if d.disaggregation is None else "decode pool memory: ",
        verdict,
        f" — {plan.fit_reason}",
        *(f"\n{note}" for note in plan.notes),
    )
    return Panel(lines, title="napkin plan", title_align="left")


def _pools(plan: Plan) -> str:
    """'prefill and decode pools: 24 prefill × TP8 on H200 + 42 decode × ...' when split."""
    rec = plan.recommendation
    if plan.design.disaggregation is None:
        return ""
    if rec is not None and rec.pools:
        return f"prefill and decode pools: {rec.pools}\n"
    return "prefill and decode pools: no pair meets the SLA\n"


def _failure_fields(plan: Plan) -> list[tuple[str, list[str]]]:
    """(failure mode, its field values in FAILURE_FIELDS order) for every mode."""
    return [
        (
            mode.name,
            [
                mode.trigger,
                mode.detection,
                mode.blast_radius,
                mode.mitigation,
                f"{mode.drill.name}, varies {mode.drill.vary}",
            ],
        )
        for mode in plan.failure_modes
    ]


def _wide_failures(plan: Plan) -> Table:
    table = Table(title="failure modes", title_justify="left", expand=True, show_lines=True)
    for column in ("failure", *FAILURE_FIELDS):
        table.add_column(column, ratio=1, overflow="fold")
    for name, values in _failure_fields(plan):
        table.add_row(name, *values)
    return table


def _narrow_failures(plan: Plan) -> Group:
    blocks: list[RenderableType] = [Text("failure modes", style="table.title")]
    for name, values in _failure_fields(plan):
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", overflow="fold")
        grid.add_column(ratio=1, overflow="fold")
        for label, value in zip(FAILURE_FIELDS, values, strict=True):
            grid.add_row(label, value)
        blocks.append(_under(Text(name, style="bold"), grid))
    return Group(*blocks)


def failure_table(plan: Plan) -> ByWidth:
    """The failure-mode register: six columns when wide, one labelled block per mode when not."""
    return ByWidth(_narrow_failures(plan), _wide_failures(plan), FAILURE_WIDE)


def sheet_parts(plan: Plan, explain: bool) -> list[RenderableType]:
    """The full capacity sheet: every section, the SLA estimates, claims, failure modes."""
    sections = dict.fromkeys(f.section for f in plan.figures.values())
    parts: list[RenderableType] = [section_table(plan, s, explain) for s in sections]
    if plan.sla:
        parts.append(sla_table(plan))
    if plan.claims:
        parts.append(claims_table(plan))
    if plan.failure_modes:
        parts.append(failure_table(plan))
    return parts


def sheet_hint(plan: Plan) -> Text:
    return Text(
        f"full capacity sheet: napkin plan {plan.design.name} --sheet "
        "(formulas, sources: --explain)",
        style="dim",
    )


def render_plan(plan: Plan, console: Console, explain: bool = False, sheet: bool = False) -> None:
    """Print the recommendation, the verdict and the checked claims; the full sheet too when
    `sheet` or `explain` is set (`explain` adds formula inputs and full citations). A design
    without a serving recommendation (fine-tuning, eval harness) always gets the sheet."""
    parts: list[RenderableType] = []
    if plan.recommendation is not None:
        parts.append(recommendation_panel(plan.recommendation))
    parts.append(header(plan))
    if sheet or explain or plan.recommendation is None:
        parts += sheet_parts(plan, explain)
    else:
        if plan.claims:
            parts.append(claims_table(plan))
        parts.append(sheet_hint(plan))
    console.print(Group(*parts))


def _layout(deployment: Deployment) -> str:
    """' (DP-attention 8 × TP1, EP8)' when the replica splits more than by TP, else ''."""
    plain = f"TP{deployment.tp}"
    return deployment.layout.removeprefix(plain) if deployment.layout != plain else ""
