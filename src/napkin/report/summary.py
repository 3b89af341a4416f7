"""The report's summary box and its named cheapest design, as plain text rows that the HTML
and Markdown reports both lay out, so the two cannot say different things.

Everything here reads the plan's `Recommendation`; the design's own rule of thumb is a
claim (the claims table), never the answer.
"""

from __future__ import annotations

from math import isfinite
from typing import Any

from napkin.calibration.uncertainty import Interval
from napkin.errors import NapkinError
from napkin.planner import Plan
from napkin.recommendation import Recommendation, TargetCheck, Verdict, overall
from napkin.render.format import format_value
from napkin.render.format import money as format_money
from napkin.render.optimize import named, saving_text
from napkin.specs.design import SERVING_KINDS

NO_TARGETS = "no SLA targets set"
# Figures that are the design's own rule of thumb where it states one (sections/provisioning.py).
RULE_OF_THUMB_KEYS = ("replicas_provisioned", "gpus_provisioned", "monthly_cost_usd")


def checks(plan: Plan) -> tuple[TargetCheck, ...]:
    """The SLA checks the report shows: the recommendation's, else the plan's own (met or
    missed, never met by default)."""
    if plan.recommendation is not None:
        return plan.recommendation.targets
    return tuple(
        TargetCheck(c.target, c.limit_s, c.estimate_s, Verdict.met if c.meets else Verdict.missed)
        for c in plan.sla
    )


def verdict(plan: Plan) -> Verdict:
    rec = plan.recommendation
    return rec.verdict if rec is not None else overall([c.verdict for c in checks(plan)])


def verdict_text(value: Verdict) -> str:
    """'met', 'missed', or 'no SLA targets set' (a design without targets meets nothing)."""
    return NO_TARGETS if value is Verdict.not_set else value.value


def _seconds(value: float | None) -> str:
    return "–" if value is None else format_value(value, "s")


def target_rows(plan: Plan) -> list[tuple[list[str], Verdict]]:
    """[target, limit, plan, simulated] per SLA target, with its verdict."""
    return [
        (
            [c.target, _seconds(c.limit_s), _seconds(c.plan_s), _seconds(c.simulated_s)],
            c.verdict,
        )
        for c in checks(plan)
    ]


def _band(interval: Interval, unit: str) -> str:
    """'$1.4M/month (P10–P90 $1.2M–$1.7M/month)' for a money unit 'USD/...'."""
    low, high = format_value(interval.low, "USD"), format_value(interval.high, unit)
    return f"{format_value(interval.value, unit)} (P10–P90 {low}–{high})"


def deployment(rec: Recommendation) -> str:
    """'4 replicas × TP 8 = 32 GPUs of H100-SXM, fp8, llama-3.1-70b'."""
    batch = f", batch {rec.batch:,}" if rec.batch else ""
    if rec.pools:  # disaggregated: both pools, each on its own GPU
        batch = f", decode batch {rec.batch:,}" if rec.batch else ""
        return f"{rec.pools} = {rec.gpus or 0:,} GPUs, {rec.precision}, {rec.model}{batch}"
    return (
        f"{rec.replicas or 0:,} replicas × {rec.layout or f'TP {rec.tp}'} = {rec.gpus or 0:,} "
        f"GPUs of {rec.gpu}, {rec.precision}, {rec.model}{batch}"
    )


def relaxation(rec: Recommendation) -> str:
    r = rec.relaxation
    if r is None:
        return "none found"
    sets = " ".join(f"--set {o}" for o in r.overrides)
    cost = format_value(r.monthly_cost_usd, "USD/month")
    return f"{r.change} ({sets}): then {r.gpus:,} GPUs, {cost}"


def _feasible_facts(rec: Recommendation) -> list[tuple[str, str]]:
    facts = [("recommended", deployment(rec))]
    bands = [
        ("cost", rec.monthly_cost_usd, "USD/month"),
        ("per million output tokens", rec.usd_per_million_output_tokens, "USD/Mtok"),
    ]
    facts += [(label, _band(band, unit)) for label, band, unit in bands if band is not None]
    bases = dict.fromkeys(band.basis for _, band, _ in bands if band is not None and band.basis)
    facts += [("band", basis) for basis in bases]
    return facts


def _infeasible_facts(rec: Recommendation) -> list[tuple[str, str]]:
    return [
        ("recommended", f"cannot be met: {rec.gpu}, {rec.precision}, TP {rec.tp}, {rec.model}"),
        ("why", rec.infeasible),
        ("cheapest relaxation", relaxation(rec)),
    ]


def _absent(plan: Plan) -> str:
    kind = plan.design.kind
    if kind in SERVING_KINDS:
        return "napkin has made no recommendation for this plan (see the capacity sheet)"
    return f"no fleet recommendation for a {kind} design: its figures are in the capacity sheet"


def facts(plan: Plan) -> list[tuple[str, str]]:
    """The summary box as (label, text) rows, headline first."""
    rec = plan.recommendation
    if rec is None:
        return [("recommended", _absent(plan)), ("SLA", verdict_text(verdict(plan)))]
    rows = _feasible_facts(rec) if rec.feasible else _infeasible_facts(rec)
    rows += [("SLA", verdict_text(rec.verdict)), ("source", rec.source)]
    if rec.feasible and rec.binding:
        rows.append(("binding constraint", rec.binding))
    rows += [("note", note) for note in rec.notes]
    return rows


def constraint_rows(plan: Plan) -> list[list[str]]:
    """[constraint, used, limit, slack, role]: what binds (named in `rec.binding`, which may
    name one for the batch and one for the fleet), and how much room the others have."""
    rec = plan.recommendation
    if rec is None or not rec.feasible:
        return []
    return [
        [
            c.name,
            format_value(c.used, c.unit).strip(),
            format_value(c.limit, c.unit).strip(),
            f"{c.slack:.0%}",
            "binding" if c.name in rec.binding else "slack",
        ]
        for c in rec.constraints
    ]


def whiteboard_missing(plan: Plan) -> str | None:
    """Why the whiteboard cannot be drawn (the renderer's own reason), or None when it can."""
    from napkin.render.diagram import whiteboard_of

    if plan.design.whiteboard is None:
        return "the design has none"
    try:
        whiteboard_of(plan)
    except NapkinError as error:
        return error.message.removeprefix("nothing to draw: ")
    return None


def whiteboard_caveat(plan: Plan) -> str | None:
    """A line under the whiteboard when its boxes show the design's rule-of-thumb figures."""
    board = plan.design.whiteboard
    if board is None or getattr(plan.design, "rule_of_thumb", None) is None:
        return None
    shown = [k for k in RULE_OF_THUMB_KEYS if k in board.figure_keys]
    if not shown:
        return None
    return (
        f"{', '.join(shown)} on the whiteboard are the design's own rule of thumb, checked in "
        "the claims table; napkin's answer is the recommendation above."
    )


def money(usd_per_month: float) -> str:
    """'$5.01M/month', or '–' for a cost that does not exist (a design that does not fit)."""
    return format_value(usd_per_month, "USD/month") if isfinite(usd_per_month) else "–"


def lever_saving(usd_per_month: float) -> str:
    """A lever's saving; one that costs more says so instead of showing a negative."""
    if isfinite(usd_per_month) and usd_per_month < 0:
        return f"costs {money(-usd_per_month)} more"
    return money(usd_per_month)


CHEAPEST_HEAD = ["GPU", "precision", "TP", "model", "GPUs", "cost / month", "against as written"]


def cheapest_row(optimum: Any) -> list[str] | None:
    """The chosen design of a search as one table row; None when no candidate meets the SLA."""
    n = named(optimum)
    if n is None:
        return None
    return [
        n.gpu,
        n.precision,
        str(n.tp) if n.tp else "as written",
        n.model,
        f"{n.gpus:,}",
        money(n.monthly_cost_usd),
        saving_text(n.saving_usd),
    ]


def cheapest_intro(optimum: Any) -> str:
    return (
        f"{len(optimum.screened):,} candidates screened by the capacity engine; the cheapest "
        "meeting every SLA target in the plan:"
        if optimum.chosen is not None
        else f"{len(optimum.screened):,} candidates screened: none meets the SLA."
    )


def day_line(planned: Plan, day: dict[str, Any]) -> str:
    """An autoscaled day of a slice, scaled to the whole fleet by replicas."""
    scaled = day["autoscale"]
    fleet = float(planned.figures["model_replicas_provisioned"].value)
    factor = fleet / day["replicas"]
    hours = [h for h in scaled["hourly"] if h["requests"]]
    worst = min(hours, key=lambda h: h["sla_attainment"]) if hours else None
    line = (
        f"A simulated day of {day['replicas']} replicas at their share of the load under the "
        f"design's diurnal curve, autoscaled (simulation; {day['requests']:,} requests): "
        f"{scaled['gpu_hours']:,.0f} GPU-hours against {scaled['always_on_gpu_hours']:,.0f} "
        f"with every replica on all day, {scaled['saved_fraction']:.0%} less. For the whole "
        f"fleet (× {factor:,.1f}): {scaled['gpu_hours'] * factor:,.0f} GPU-hours, "
        f"{format_money(scaled['cost_usd'] * factor)} a day."
    )
    if worst is not None:
        line += (
            f" Worst hour: {worst['hour']}:00, {worst['sla_attainment']:.1%} of requests met "
            f"the SLA, TTFT p99 {worst['ttft_p99_s'] * 1e3:.0f} ms."
        )
    return line
