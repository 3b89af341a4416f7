"""The Markdown report: tables and a Mermaid whiteboard, for code-hosting sites."""

from __future__ import annotations

from napkin.render.diagram import mermaid
from napkin.render.format import format_claim, format_value
from napkin.report import summary
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


def _summary(contents: Contents) -> list[str]:
    """The recommendation first: headline facts, SLA targets, constraints."""
    p = contents.plan
    out = ["## Recommendation\n", _table(["", ""], [list(row) for row in summary.facts(p)])]
    targets = summary.target_rows(p)
    if targets:
        rows = [[*row, v.value] for row, v in targets]
        out.append(_table(["SLA target", "limit", "plan", "simulated", "verdict"], rows))
    constraints = summary.constraint_rows(p)
    if constraints:
        out.append(_table(["constraint", "used", "limit", "slack", ""], constraints))
    return out


def _cheapest(contents: Contents) -> list[str]:
    o = contents.optimum
    row = summary.cheapest_row(o)
    out = ["## Cheapest design meeting the SLA\n", summary.cheapest_intro(o) + "\n"]
    if row is not None:
        out.append(_table(summary.CHEAPEST_HEAD, [row]))
    return out


def _whiteboard(contents: Contents) -> list[str]:
    p = contents.plan
    why = summary.whiteboard_missing(p)
    if why is not None:
        return (
            []
            if p.design.whiteboard is None
            else ["## Whiteboard\n", f"No whiteboard: {why.rstrip('.')}.\n"]
        )
    caveat = summary.whiteboard_caveat(p)
    out = ["## Whiteboard\n", "```mermaid\n" + mermaid(p) + "```\n"]
    return out + ([f"_{caveat}_\n"] if caveat else [])


def render_markdown(contents: Contents) -> str:
    p = contents.plan
    d = p.design
    out = [
        f"# napkin report: {d.name}\n",
        f"{d.description or ''}\n",
        *_summary(contents),
        deployment_line(p) + "\n",
        *_whiteboard(contents),
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
    if contents.day is not None:
        out += ["## A day of the fleet\n", summary.day_line(p, contents.day.summary) + "\n"]
    if contents.optimum is not None:
        out += _cheapest(contents)
    if contents.levers:
        out += [
            "## Cost levers\n",
            _table(
                ["lever", "cost / month", "saves", "note"],
                [
                    [
                        lever.name,
                        summary.money(lever.monthly_cost_usd),
                        summary.lever_saving(lever.saving_usd),
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
