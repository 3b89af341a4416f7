"""The page's one answer, as plain data: the plan's `Recommendation` (or, for kinds without
one, the design's own key figures) turned into labelled metrics and sentences. Also the
optimizer's cheapest design and the rule-of-thumb claim. Pure, so tested without Streamlit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from napkin.calibration.uncertainty import Interval
from napkin.claim_check import ClaimCheck, check_claim
from napkin.planner import Plan
from napkin.recommendation import Recommendation, Verdict, overall
from napkin.render.format import format_value
from napkin.specs.claims import Claim

# Each kind without a serving fleet: its own key figures, (figure key, label).
KEY_FIGURES = {
    "finetune-service": (
        ("gpus_provisioned", "GPUs provisioned"),
        ("monthly_cost_usd", "Cost per month (USD)"),
        ("gpus_busy", "GPUs busy on average"),
        ("mean_start_wait_s", "Mean wait to start (s)"),
        ("spot_usd_saved_per_month", "Spot saving per month (USD)"),
    ),
    "eval-harness": (
        ("gpus_for_turnaround", "GPUs for the turnaround"),
        ("gpu_hours_per_suite", "GPU-hours per suite (rule of thumb)"),
        ("model_gpu_hours_per_suite", "GPU-hours per suite (napkin's model)"),
        ("budget_used_fraction", "GPU-hour budget used"),
    ),
}
MONTHLY = "Cost per month (USD)"
PER_MTOK = "Cost per million output tokens (USD)"
VERDICT = "SLA verdict"
STALE = "stale: showing results for the last valid inputs"
GPUS = "GPUs provisioned"


@dataclass(frozen=True)
class HeadlineMetric:
    label: str
    value: str
    help: str = ""


@dataclass(frozen=True)
class Headline:
    """What the top of the page shows: a title line, metrics, notes under them, and for a
    design that cannot be served, the problem and the cheapest fix."""

    title: str
    metrics: tuple[HeadlineMetric, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str = ""
    fix: str = ""


def money(value: float) -> str:
    return format_value(value, "USD")


def band(name: str, interval: Interval) -> str:
    """'Cost per month, P10–P90: $4.50M – $5.60M (basis)'."""
    return f"{name}, P10–P90: {money(interval.low)} – {money(interval.high)} ({interval.basis})"


def _deployment(rec: Recommendation) -> tuple[HeadlineMetric, ...]:
    return (HeadlineMetric("GPU type", rec.gpu), HeadlineMetric("Precision", rec.precision))


def recommended(rec: Recommendation) -> Headline:
    """The recommendation as the headline: the fleet and its cost, or why none exists."""
    if not rec.feasible:
        return _infeasible(rec)
    metrics = [
        HeadlineMetric(GPUS, format_value(rec.gpus or 0, "GPUs"), f"{rec.gpu} GPUs, {rec.source}"),
        HeadlineMetric("Replicas × tensor parallel", f"{rec.replicas or 0:,} × {rec.tp}"),
        *_deployment(rec),
    ]
    notes = []
    if rec.monthly_cost_usd is not None:
        metrics.append(HeadlineMetric(MONTHLY, money(rec.monthly_cost_usd.value)))
        notes.append(band("Cost per month", rec.monthly_cost_usd))
    if rec.usd_per_million_output_tokens is not None:
        metrics.append(HeadlineMetric(PER_MTOK, money(rec.usd_per_million_output_tokens.value)))
        notes.append(band("Cost per million output tokens", rec.usd_per_million_output_tokens))
    metrics += [
        HeadlineMetric(VERDICT, rec.verdict.value),
        HeadlineMetric("Figures from", rec.source),
    ]
    if rec.binding:
        notes.append(f"Binding constraint: {rec.binding}")
    title = (
        f"Recommendation: {rec.gpus or 0:,} {rec.gpu} GPUs ({rec.replicas or 0:,} replicas × "
        f"TP {rec.tp}), {rec.precision}, {rec.model}"
    )
    return Headline(title, tuple(metrics), (*notes, *rec.notes))


def _infeasible(rec: Recommendation) -> Headline:
    fix = "No change napkin tried makes it feasible."
    if rec.relaxation is not None:
        r = rec.relaxation
        fix = f"Cheapest fix: {r.change} — {r.gpus:,} GPUs, {money(r.monthly_cost_usd)} per month"
    metrics = (  # "cannot be met" is the verdict: no fleet, cost or SLA metric
        *_deployment(rec),
        HeadlineMetric("Tensor parallel (GPUs per replica)", str(rec.tp)),
        HeadlineMetric("Figures from", rec.source),
    )
    title = f"No recommendation: {rec.model} on {rec.gpu}, TP {rec.tp}, {rec.precision}"
    return Headline(title, metrics, rec.notes, f"cannot be met: {rec.infeasible}", fix)


def plan_verdict(planned: Plan) -> Verdict:
    """The plan's own SLA checks as one verdict, for plans without a recommendation: a
    fleet that does not fit misses every target it has; no targets is `not set`."""
    if not planned.fits and getattr(planned.design, "sla", None) is not None:
        return Verdict.missed
    return overall([Verdict.met if check.meets else Verdict.missed for check in planned.sla])


def _figure(planned: Plan, key: str, label: str, unit: str | None = None) -> HeadlineMetric | None:
    figure = planned.figures.get(key)
    if figure is None:
        return None
    why = f"{figure.source.value}: {figure.formula or figure.detail or ''}"
    unit = unit or ("USD" if figure.unit == "USD/month" else figure.unit)  # the label says
    return HeadlineMetric(label, format_value(figure.value, unit), why)


def _serving_figures(planned: Plan) -> list[HeadlineMetric | None]:
    d, figures = planned.design, planned.figures
    replicas = figures.get("model_replicas_provisioned")
    shape = f"{replicas.value:,.0f} × {d.deployment.tp}" if replicas else None
    return [
        _figure(planned, "model_gpus_provisioned", GPUS),
        HeadlineMetric("Replicas × tensor parallel", shape) if shape else None,
        _figure(planned, "model_monthly_cost_usd", MONTHLY, "USD"),
        _figure(planned, "model_usd_per_million_output_tokens", PER_MTOK, "USD"),
    ]


def fallback(planned: Plan) -> Headline:
    """A plan without a recommendation: napkin's model figures for a serving fleet (with the
    plan's SLA verdict), the kind's own key figures otherwise (no SLA verdict)."""
    d = planned.design
    precision = d.deployment.precision.value
    title = f"{d.model.name} on {d.hardware.name}, TP {d.deployment.tp}, {precision}"
    kind_figures = KEY_FIGURES.get(d.kind)
    if kind_figures is not None:
        found = [_figure(planned, key, label) for key, label in kind_figures]
        return Headline(title, tuple(m for m in found if m is not None))
    deployment = (
        HeadlineMetric("GPU type", d.hardware.name),
        HeadlineMetric("Precision", precision),
    )
    if not planned.fits:
        problem = f"cannot be met: does not fit: {planned.fit_reason}"
        return Headline(title, deployment, problem=problem)
    found = _serving_figures(planned)
    metrics = (
        *found[:2],
        *deployment,
        *found[2:],
        HeadlineMetric(VERDICT, plan_verdict(planned).value),
    )
    return Headline(title, tuple(m for m in metrics if m is not None))


def headline(planned: Plan) -> Headline:
    """The recommendation when the plan has one, else the fallback."""
    rec = planned.recommendation
    return recommended(rec) if rec is not None else fallback(planned)


def _set(overrides: tuple[str, ...], path: str) -> str | None:
    """The value an override list gives `path` (`hardware=B200` -> 'B200')."""
    for text in overrides:
        key, _, value = text.partition("=")
        if key == path:
            return value
    return None


def cheapest(optimum: Any) -> str:
    """The optimizer's chosen design in one sentence: GPU, precision, TP, model, GPUs, cost
    per month, and what it saves (or costs more) against the current inputs (the search
    starts from the page's edits)."""
    chosen = optimum.chosen
    if chosen is None:
        return "The search found no design that meets every SLA target."
    gpu = _set(chosen.overrides, "hardware") or _set(chosen.overrides, "hardware.gpu")
    tp = _set(chosen.overrides, "deployment.tp")
    saving = optimum.saving_usd
    if saving > 0:
        versus = f"saves {money(saving)}/month"
    elif saving < 0:
        versus = f"costs {money(-saving)}/month more"
    else:
        versus = "costs the same"
    return (
        f"Cheapest design found: {chosen.gpus:,} × {gpu or 'the same GPU'}, {chosen.precision}, "
        f"TP {tp or 'as written'}, {chosen.model} — {money(chosen.monthly_cost_usd)}/month; "
        f"{versus} against the current inputs."
    )


RULE_OF_THUMB = "rule of thumb: GPUs provisioned"


def shown_claims(planned: Plan) -> list[ClaimCheck]:
    """The plan's claims, with the rule-of-thumb fleet among them exactly once."""
    rule = rule_of_thumb_claim(planned)
    return [rule, *planned.claims] if rule is not None else list(planned.claims)


def rule_of_thumb_claim(planned: Plan) -> ClaimCheck | None:
    """The design's rule-of-thumb fleet, checked as a claim against napkin's model (it is
    never a second headline); None where the plan checks it already."""
    rule = getattr(planned.design, "rule_of_thumb", None)
    figure = planned.figures.get("gpus_provisioned")
    if rule is None or figure is None or "model_gpus_provisioned" not in planned.figures:
        return None
    if any(claim.name == RULE_OF_THUMB for claim in planned.claims):
        return None
    note = (
        f"The design divides peak output tokens by {rule.output_tokens_per_s_per_gpu:,.0f} "
        f"tokens/s per GPU ({rule.source}); napkin's model sizes the fleet itself."
    )
    claim = Claim(
        name=RULE_OF_THUMB,
        figure="model_gpus_provisioned",
        stated=float(figure.value),
        note=note,
    )
    return check_claim(claim, planned.figures)
