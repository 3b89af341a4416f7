"""The HTML report: one self-contained file (inline SVG, inline CSS, no network fetches)."""

from __future__ import annotations

from html import escape

from napkin.recommendation import Verdict
from napkin.render.diagram import inline_svg
from napkin.render.format import format_claim, format_value
from napkin.report import charts, summary
from napkin.report.contents import Contents, deployment_line
from napkin.sections.api_alternative import api_options

STYLE = """
body{font-family:Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;white-space:nowrap}
.bad{color:#b00;font-weight:bold} .good{color:#070} .dim{color:#777;font-size:12px}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}
.summary{border:2px solid #444;background:#fafafa;padding:0.5em 1em;margin:1em 0}
.summary h2{margin-top:0.5em}
"""
VERDICT_CLASS = {Verdict.met: "good", Verdict.missed: "bad", Verdict.not_set: "dim"}


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
    rows = [
        [
            escape(lever.name),
            escape(summary.money(lever.monthly_cost_usd)),
            escape(summary.lever_saving(lever.saving_usd)),
            escape(lever.note),
        ]
        for lever in contents.levers
    ]
    return _table(["lever", "cost / month", "saves", "note"], rows, {1, 2})


def _cost(contents: Contents) -> str:
    """What a million tokens of each class costs, against utilisation, and the listed APIs
    for the same model against the fleet (serving plans with a fleet)."""
    f = {k: fig.value for k, fig in contents.plan.figures.items()}
    if "model_fleet_utilisation" not in f:
        return ""
    rows = [
        [
            escape(name.replace("_", " ")),
            escape(f"${f[f'model_{name}_usd_per_million_tokens']:.3g}"),
        ]
        for name in ("input", "cached_input", "output")
    ]
    out = [
        "<h2>Cost by token class</h2>",
        f"<p>at the fleet's {f['model_fleet_utilisation']:.0%} utilisation over the day "
        "(each class pays for its own GPU time and its share of the idle time)</p>",
        _table(["tokens", "USD a million"], rows, {1}),
        charts.cost_vs_utilisation(f),
    ]
    apis = api_options(contents.plan.design.model.name, f)
    if apis:
        listed = [
            [
                escape(a.price.provider),
                escape(a.price.date),
                escape(summary.money(a.usd_per_month)),
                escape(f"{f['model_monthly_cost_usd'] / a.usd_per_month:.2f}"),
            ]
            for a in apis
        ]
        out += [
            "<h2>Self-hosted or an API</h2>",
            _table(["API", "prices of", "a month here", "fleet / API"], listed, {2, 3}),
            charts.self_host_vs_api(f, apis),
        ]
    return "".join(out)


def _verdict(value: Verdict, overall: bool = False) -> str:
    """A target's 'met', 'missed' or 'not set'; overall, 'no SLA targets set' for none."""
    text = summary.verdict_text(value) if overall else value.value
    return f"<span class={VERDICT_CLASS[value]}>{escape(text)}</span>"


def _summary(contents: Contents) -> str:
    """The box at the top: the recommendation, its SLA verdicts and what binds it."""
    p = contents.plan
    rows = [
        [
            escape(label),
            _verdict(summary.verdict(p), overall=True) if label == "SLA" else escape(text),
        ]
        for label, text in summary.facts(p)
    ]
    parts = ["<div class=summary><h2>Recommendation</h2>", _table(["", ""], rows)]
    targets = summary.target_rows(p)
    if targets:
        cells = [[*(escape(c) for c in row), _verdict(v)] for row, v in targets]
        head = ["SLA target", "limit", "plan", "simulated", "verdict"]
        parts.append(_table(head, cells, {1, 2, 3}))
    constraints = summary.constraint_rows(p)
    if constraints:
        cells = [[escape(c) for c in row] for row in constraints]
        parts.append(_table(["constraint", "used", "limit", "slack", ""], cells, {1, 2, 3}))
    return "".join(parts) + "</div>"


def _simulated_slice(contents: Contents) -> str:
    s = contents.simulation.summary
    return (
        f"<p>A slice of {s['replicas']} replicas at the fleet's per-replica peak load, "
        f"{s['requests']:,} requests: TTFT p99 {s['ttft_s']['p99']:.3g} s, "
        f"end-to-end p99 {s['e2e_s']['p99']:.3g} s.</p>"
    )


def _day(contents: Contents) -> str:
    return f"<p>{escape(summary.day_line(contents.plan, contents.day.summary))}</p>"


def _cheapest(contents: Contents) -> str:
    o = contents.optimum
    row = summary.cheapest_row(o)
    out = [f"<p>{escape(summary.cheapest_intro(o))}</p>"]
    if row is not None:
        out.append(_table(summary.CHEAPEST_HEAD, [[escape(c) for c in row]], {2, 4, 5}))
    return "".join(out) + charts.pareto(o)


def _whiteboard(contents: Contents) -> str:
    p = contents.plan
    why = summary.whiteboard_missing(p)
    if why is not None:
        return f"<p class=bad>no whiteboard: {escape(why)}</p>"
    caveat = summary.whiteboard_caveat(p)
    return inline_svg(p) + (f"<p class=dim>{escape(caveat)}</p>" if caveat else "")


def render_html(contents: Contents) -> str:
    p = contents.plan
    d = p.design
    body = [
        f"<h1>napkin report: {escape(d.name)}</h1>",
        f"<p>{escape(d.description or '')}</p>",
        _summary(contents),
        f"<p{'' if p.fits else ' class=bad'}>{escape(deployment_line(p))}</p>",
        "<h2>Whiteboard</h2>",
        _whiteboard(contents),
        "<h2>Claims of the written design</h2>",
        _claims(contents),
        "<h2>Capacity sheet</h2>",
        _sheet(contents),
        _cost(contents),
    ]
    if contents.simulation is not None:
        body += [
            "<h2>Simulation</h2>",
            _simulated_slice(contents),
            charts.latency_cdf(contents.simulation),
            charts.queue_over_time(contents.simulation),
        ]
    if contents.day is not None:
        day = contents.day.summary
        body += ["<h2>A day of the fleet</h2>", _day(contents), charts.fleet_day(day)]
    if contents.optimum is not None:
        body += ["<h2>Cheapest design meeting the SLA</h2>", _cheapest(contents)]
    if contents.levers:
        body += ["<h2>Cost levers</h2>", _levers(contents), charts.cost_breakdown(contents.levers)]
    body += ["<h2>Failure modes</h2>", _register(contents)]
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>napkin report: "
        f"{escape(d.name)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )
