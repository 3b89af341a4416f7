"""The Markdown report: tables and a Mermaid whiteboard, for code-hosting sites."""

from __future__ import annotations

from math import isfinite

from napkin.render.format import format_claim, format_value
from napkin.render.whiteboard import mermaid
from napkin.report.contents import Contents, deployment_line


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _outcome(contents: Contents, failure_mode: str) -> str:
    outcome = contents.drill_outcome(failure_mode)
    if outcome is None:
        return "not run"
    text, better = outcome
    return text if better else f"**{text}**"


def render_markdown(contents: Contents) -> str:
    p = contents.plan
    d = p.design
    out = [
        f"# napkin report: {d.name}\n",
        f"{d.description or ''}\n",
        deployment_line(p) + "\n",
    ]
    if d.whiteboard and p.fits:
        out += ["## Whiteboard\n", "```mermaid\n" + mermaid(p) + "```\n"]
    out += [
        "## SLA\n",
        _table(
            ["target", "limit", "napkin", "meets"],
            [
                [
                    c.target,
                    f"{c.limit_s:.3g} s",
                    f"{c.estimate_s:.3g} s",
                    "yes" if c.meets else "NO",
                ]
                for c in p.sla
            ],
        ),
    ]
    out += [
        "## Claims of the written design\n",
        _table(
            ["claim", "stated", "napkin", "", "note"],
            [
                [
                    c.name,
                    *format_claim(c.stated, c.computed, c.unit),
                    "holds" if c.agrees else "**flagged**",
                    c.note,
                ]
                for c in p.claims
            ],
        ),
    ]
    out += [
        "## Capacity sheet\n",
        _table(
            ["figure", "value", "source", "formula"],
            [
                [
                    f"`{f.key}`",
                    format_value(f.value, f.unit),
                    f.source.value,
                    f.formula or f.detail or "",
                ]
                for f in p.figures.values()
            ],
        ),
    ]
    if contents.simulation is not None:
        s = contents.simulation.summary
        out += [
            "## Simulation\n",
            _table(
                ["metric", "p50", "p99"],
                [
                    [name, f"{s[key]['p50']:.3g} s", f"{s[key]['p99']:.3g} s"]
                    for name, key in (("TTFT", "ttft_s"), ("TPOT", "tpot_s"), ("E2E", "e2e_s"))
                ],
            ),
        ]
    if contents.levers:
        out += [
            "## Cost levers\n",
            _table(
                ["lever", "cost / month", "saves", "note"],
                [
                    [
                        lever.name,
                        f"${lever.monthly_cost_usd / 1e6:,.2f}M"
                        if isfinite(lever.monthly_cost_usd)
                        else "–",
                        f"${lever.saving_usd / 1e6:,.2f}M" if isfinite(lever.saving_usd) else "–",
                        lever.note,
                    ]
                    for lever in contents.levers
                ],
            ),
        ]
    out += [
        "## Failure modes\n",
        _table(
            ["failure", "trigger", "mitigation", "drill", "drill outcome"],
            [
                [m.name, m.trigger, m.mitigation, m.drill.name, _outcome(contents, m.name)]
                for m in p.failure_modes
            ],
        ),
    ]
    return "\n".join(out)
