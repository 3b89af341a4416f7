"""The HTML report: one self-contained file (inline SVG, inline CSS, no network fetches)."""

from __future__ import annotations

from html import escape
from math import isfinite

from napkin.render.format import format_claim, format_value
from napkin.render.whiteboard import inline_svg
from napkin.report import charts
from napkin.report.contents import Contents, deployment_line

STYLE = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;white-space:nowrap}
.bad{color:#b00;font-weight:bold} .good{color:#070} .dim{color:#777;font-size:12px}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
"""


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append(
            "<tr>"
            + "".join(
                f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
                for i, cell in enumerate(row)
            )
            + "</tr>"
        )
    out.append("</table>")
    return "".join(out)


def _sheet(contents: Contents) -> str:
    figures = contents.plan.figures
    sections = dict.fromkeys(f.section for f in figures.values())
    parts = []
    for section in sections:
        rows = []
        for f in figures.values():
            if f.section != section:
                continue
            provenance = escape(f.source.value)
            if f.formula:
                provenance += f"<br><span class=dim>{escape(f.formula)}</span>"
            if f.detail:
                provenance += f"<br><span class=dim>{escape(f.detail)}</span>"
            if f.cite:
                provenance += f"<br><span class=dim>source: {escape(f.cite)}</span>"
            rows.append(
                [f"<code>{escape(f.key)}</code>", escape(format_value(f.value, f.unit)), provenance]
            )
        parts.append(
            f"<h3>{escape(section)}</h3>" + _table(["figure", "value", "provenance"], rows, {1})
        )
    return "".join(parts)


def _claims(contents: Contents) -> str:
    rows = []
    for c in contents.plan.claims:
        stated, computed = format_claim(c.stated, c.computed, c.unit)
        mark = "<span class=good>holds</span>" if c.agrees else "<span class=bad>flagged</span>"
        rows.append([escape(c.name), stated, computed, mark, escape(c.note)])
    return _table(["claim", "stated", "napkin", "", "note"], rows, {1, 2})


def _register(contents: Contents) -> str:
    rows = []
    for m in contents.plan.failure_modes:
        drill = f"{escape(m.drill.name)} (varies {escape(m.drill.vary)})"
        outcome = contents.drill_outcome(m.name)
        if outcome is not None:
            text, better = outcome
            drill += f"<br><span class={'good' if better else 'bad'}>{escape(text)}</span>"
        rows.append(
            [
                escape(m.name),
                escape(m.trigger),
                escape(m.detection),
                escape(m.blast_radius),
                escape(m.mitigation),
                drill,
            ]
        )
    return _table(["failure", "trigger", "detection", "blast radius", "mitigation", "drill"], rows)


def _levers(contents: Contents) -> str:
    rows = []
    for lever in contents.levers:
        cost = lever.monthly_cost_usd
        rows.append(
            [
                escape(lever.name),
                f"${cost / 1e6:,.2f}M" if isfinite(cost) else "–",
                f"${lever.saving_usd / 1e6:,.2f}M" if isfinite(lever.saving_usd) else "–",
                escape(lever.note),
            ]
        )
    return _table(["lever", "cost / month", "saves", "note"], rows, {1, 2})


def _sla(contents: Contents) -> str:
    rows = [
        [
            escape(c.target),
            f"{c.limit_s:.3g} s",
            f"{c.estimate_s:.3g} s",
            "<span class=good>meets</span>" if c.meets else "<span class=bad>misses</span>",
        ]
        for c in contents.plan.sla
    ]
    sim = contents.simulation
    if sim is not None:
        s = sim.summary
        rows.append(
            [
                "simulated TTFT p99 / E2E p99",
                "",
                f"{s['ttft_s']['p99']:.3g} s / {s['e2e_s']['p99']:.3g} s",
                f"{s['replicas']} replicas, {s['requests']:,} requests",
            ]
        )
    return _table(["target", "limit", "napkin", "verdict"], rows, {1, 2})


def render_html(contents: Contents) -> str:
    p = contents.plan
    d = p.design
    body = [
        f"<h1>napkin report: {escape(d.name)}</h1>",
        f"<p>{escape(d.description or '')}</p>",
        f"<p{'' if p.fits else ' class=bad'}>{escape(deployment_line(p))}</p>",
        "<h2>Whiteboard</h2>",
        (
            inline_svg(p)
            if d.whiteboard and p.fits
            else "<p class=bad>no whiteboard: "
            + ("the design does not fit" if d.whiteboard else "the design has none")
            + "</p>"
        ),
        "<h2>SLA</h2>",
        _sla(contents),
        "<h2>Claims of the written design</h2>",
        _claims(contents),
        "<h2>Capacity sheet</h2>",
        _sheet(contents),
    ]
    if contents.simulation is not None:
        body += [
            "<h2>Simulation</h2>",
            charts.latency_cdf(contents.simulation),
            charts.queue_over_time(contents.simulation),
        ]
    if contents.optimum is not None:
        o = contents.optimum
        saving = f"${o.saving_usd / 1e6:,.2f}M"
        body += [
            "<h2>Cheapest design meeting the SLA</h2>",
            f"<p>{len(o.screened)} candidates screened; saving against the design as "
            f"written: {saving} a month.</p>",
            charts.pareto(o),
        ]
    if contents.levers:
        body += ["<h2>Cost levers</h2>", _levers(contents), charts.cost_breakdown(contents.levers)]
    body += ["<h2>Failure modes</h2>", _register(contents)]
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>napkin report: "
        f"{escape(d.name)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
