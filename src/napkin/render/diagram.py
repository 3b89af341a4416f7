"""A design's whiteboard: its boxes carry the plan's numbers, in three notations.

- terminal: Unicode boxes in the order the design lists them, each followed by its arrows;
- Mermaid flowchart source, which code-hosting sites and docs render;
- Graphviz DOT source, and SVG through Graphviz's `dot` program when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from enum import Enum

from napkin.errors import NapkinError
from napkin.planner import Plan
from napkin.render.format import format_value
from napkin.specs.whiteboard import Component, Edge, Whiteboard

GRAPHVIZ_HINT = (
    "Graphviz's `dot` program is needed for SVG: install the `graphviz` package "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), "
    "or use --format mermaid or --format dot"
)


class Format(str, Enum):
    terminal = "terminal"
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


def whiteboard_of(plan: Plan) -> Whiteboard:
    """The design's whiteboard, after checking every figure it names exists in the plan."""
    board = plan.design.whiteboard
    if board is None:
        raise NapkinError(
            "this design has no `whiteboard` section (components and edges)",
            file=plan.design.name,
            field="whiteboard",
        )
    if not plan.fits:
        raise NapkinError(
            f"nothing to draw: the design does not fit ({plan.fit_reason})",
            file=plan.design.name,
            field="whiteboard",
        )
    rec = plan.recommendation
    if rec is not None and not rec.feasible:
        raise NapkinError(
            f"nothing to draw: the SLA cannot be met on this deployment ({rec.infeasible})",
            file=plan.design.name,
            field="whiteboard",
        )
    missing = [key for key in board.figure_keys if key not in plan.figures]
    if missing:
        raise NapkinError(
            f"names figures the plan does not have: {', '.join(missing)} "
            "(see `napkin plan ... --json` for the figure keys)",
            file=plan.design.name,
            field="whiteboard",
        )
    return board


def _figure_line(plan: Plan, key: str) -> str:
    figure = plan.figures[key]
    return f"{key}: {format_value(figure.value, figure.unit)}"


def _edge_text(plan: Plan, edge: Edge) -> str:
    parts = [p for p in (edge.label, edge.figure and _figure_line(plan, edge.figure)) if p]
    return "; ".join(parts)


def _box(plan: Plan, component: Component) -> list[str]:
    lines = [component.label, *(_figure_line(plan, k) for k in component.figures)]
    width = max(len(line) for line in lines)
    top, bottom = "┌" + "─" * (width + 2) + "┐", "└" + "─" * (width + 2) + "┘"
    body = [f"│ {line.ljust(width)} │" for line in lines]
    return [top, body[0], "├" + "─" * (width + 2) + "┤", *body[1:], bottom]


def terminal(plan: Plan) -> str:
    board = whiteboard_of(plan)
    labels = {c.id: c.label for c in board.components}
    out: list[str] = [f"{plan.design.name} — whiteboard (numbers from napkin plan)", ""]
    for component in board.components:
        out += _box(plan, component)
        for edge in (e for e in board.edges if e.source == component.id):
            text = _edge_text(plan, edge)
            out.append(f"  └─▶ {labels[edge.target]}" + (f"   [{text}]" if text else ""))
        out.append("")
    return "\n".join(out)


def _quote(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(plan: Plan) -> str:
    board = whiteboard_of(plan)
    out = ["flowchart TD"]
    for c in board.components:
        lines = [c.label, *(_figure_line(plan, k) for k in c.figures)]
        out.append(f'    {c.id}["{_quote("<br/>".join(lines))}"]')
    for e in board.edges:
        text = _edge_text(plan, e)
        arrow = f'-->|"{_quote(text)}"|' if text else "-->"
        out.append(f"    {e.source} {arrow} {e.target}")
    return "\n".join(out) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(plan: Plan) -> str:
    board = whiteboard_of(plan)
    out = [
        f'digraph "{_dot_escape(plan.design.name)}" {{',
        "    rankdir=TB;",
        '    node [shape=box, style="rounded", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for c in board.components:
        lines = [c.label, *(_figure_line(plan, k) for k in c.figures)]
        label = "\\n".join(_dot_escape(line) for line in lines)
        out.append(f'    "{c.id}" [label="{label}"];')
    for e in board.edges:
        text = _edge_text(plan, e)
        label = f' [label="{_dot_escape(text)}"]' if text else ""
        out.append(f'    "{e.source}" -> "{e.target}"{label};')
    out.append("}")
    return "\n".join(out) + "\n"


def svg(plan: Plan) -> str:
    program = shutil.which("dot")
    if program is None:
        raise NapkinError(GRAPHVIZ_HINT)
    result = subprocess.run(
        [program, "-Tsvg"], input=dot(plan), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise NapkinError(f"Graphviz failed: {result.stderr.strip()}")
    return result.stdout


def plain_svg(plan: Plan) -> str:
    """An SVG drawn without Graphviz: the boxes in the design's order, top to bottom, each
    with its numbers, and its arrows listed under it. For reports on machines without dot."""
    from html import escape

    board = whiteboard_of(plan)
    labels = {c.id: c.label for c in board.components}
    rows: list[str] = []
    y, width = 10, 560
    for c in board.components:
        lines = [c.label, *(_figure_line(plan, k) for k in c.figures)]
        height = 18 * len(lines) + 10
        rows.append(
            f'<rect x="10" y="{y}" width="{width}" height="{height}" rx="8" '
            'fill="#f6f8fa" stroke="#444"/>'
        )
        for i, line in enumerate(lines):
            weight = "bold" if i == 0 else "normal"
            rows.append(
                f'<text x="22" y="{y + 20 + 18 * i}" font-family="Helvetica" '
                f'font-size="13" font-weight="{weight}">{escape(line)}</text>'
            )
        y += height + 6
        for e in (e for e in board.edges if e.source == c.id):
            text = _edge_text(plan, e)
            arrow = f"↓ to {labels[e.target]}" + (f" [{text}]" if text else "")
            rows.append(
                f'<text x="30" y="{y + 12}" font-family="Helvetica" font-size="12" '
                f'fill="#555">{escape(arrow)}</text>'
            )
            y += 18
        y += 8
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20}" height="{y}" '
        f'viewBox="0 0 {width + 20} {y}">' + "".join(rows) + "</svg>"
    )


def inline_svg(plan: Plan) -> str:
    """Graphviz's SVG when `dot` is installed, else the plain one."""
    if shutil.which("dot"):
        text = svg(plan)
        return text[text.index("<svg") :]
    return plain_svg(plan)


RENDERERS = {Format.terminal: terminal, Format.mermaid: mermaid, Format.dot: dot, Format.svg: svg}


def render(plan: Plan, form: Format) -> str:
    return RENDERERS[form](plan)
