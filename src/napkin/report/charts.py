"""The report's plots, drawn by Matplotlib as inline SVG (no network, no JavaScript).

Matplotlib is the `charts` extra (`pip install 'napkin[charts]'`): without it each chart is
a one-line note saying so, and the rest of the report is unchanged."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from importlib.util import find_spec
from typing import Any

import numpy as np

from napkin.sim.requests import Outcome

MISSING = (
    '<p class="note">(chart not drawn: Matplotlib is not installed; '
    "<code>pip install 'napkin[charts]'</code> adds it)</p>"
)


def chart(draw: Callable[..., str]) -> Callable[..., str]:
    """Draw the chart, or say what to install when Matplotlib is missing."""

    @wraps(draw)
    def drawn(*args: Any, **kwargs: Any) -> str:
        if find_spec("matplotlib") is None:
            return MISSING
        return draw(*args, **kwargs)

    return drawn


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    # Text stays text: searchable, selectable, and a quarter of the size of glyph paths.
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


def _figure(title: str) -> tuple[Any, Any]:
    figure, axes = _pyplot().subplots(figsize=(6.4, 3.2))
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    return figure, axes


@chart
def latency_cdf(simulation: Any) -> str:
    """CDFs of TTFT and end-to-end latency of the completed requests."""
    rec, req = simulation.run.records, simulation.requests
    done = rec.outcome == Outcome.completed
    figure, axes = _figure("latency distribution (simulation)")
    for label, values in (
        ("TTFT", rec.first_token_s[done] - req.arrival_s[done]),
        ("end to end", rec.finish_s[done] - req.arrival_s[done]),
    ):
        ordered = np.sort(values)
        axes.plot(ordered, np.arange(1, len(ordered) + 1) / len(ordered), label=label)
    axes.set_xscale("log")
    axes.set_xlabel("seconds")
    axes.set_ylabel("fraction of requests")
    axes.legend()
    return _svg(figure)


@chart
def queue_over_time(simulation: Any) -> str:
    series = simulation.run.series
    figure, axes = _figure("requests waiting and running (simulation)")
    axes.plot(series.time_s, series.waiting, label="waiting")
    axes.plot(series.time_s, series.running, label="running")
    axes.set_xlabel("simulated seconds")
    axes.set_ylabel("requests")
    axes.legend()
    return _svg(figure)


def _finite(points: list[Any]) -> list[Any]:
    return [s for s in points if np.isfinite(s.monthly_cost_usd) and np.isfinite(s.p99_s)]


@chart
def pareto(optimum: Any) -> str:
    """Cost against P99 of the feasible candidates, the front, the design as written and the
    chosen design, labelled; '' when there is nothing to plot."""
    feasible = _finite([s for s in optimum.screened if s.feasible])
    written = _finite([optimum.as_written])
    if not feasible and not written:
        return ""
    figure, axes = _figure("monthly cost vs P99 end-to-end (plan), feasible candidates")
    axes.scatter(
        [s.p99_s for s in feasible],
        [s.monthly_cost_usd / 1e6 for s in feasible],
        s=8,
        alpha=0.4,
        label="candidates",
    )
    front = _finite(optimum.front)
    axes.plot(
        [s.p99_s for s in front],
        [s.monthly_cost_usd / 1e6 for s in front],
        "o-",
        color="C3",
        label="Pareto front",
    )
    axes.scatter(
        [s.p99_s for s in written],
        [s.monthly_cost_usd / 1e6 for s in written],
        marker="*",
        s=120,
        color="k",
        label="as written",
    )
    _label_chosen(axes, optimum)
    axes.set_xlabel("P99 end-to-end (s)")
    axes.set_ylabel("USD millions / month (log scale)")
    axes.set_yscale("log")
    axes.legend(fontsize=8)
    return _svg(figure)


def _label_chosen(axes: Any, optimum: Any) -> None:
    """Ring the chosen candidate and write its name beside it."""
    from napkin.render.optimize import named, short_name

    chosen, name = optimum.chosen, named(optimum)
    if chosen is None or name is None:
        return
    point = (chosen.p99_s, chosen.monthly_cost_usd / 1e6)
    axes.scatter(*point, s=90, facecolors="none", edgecolors="C2", linewidths=2, label="chosen")
    axes.annotate(
        f"chosen: {short_name(name)}",
        point,
        xytext=(8, 8),
        textcoords="offset points",
        fontsize=8,
        color="C2",
    )


@chart
def cost_breakdown(levers: list[Any]) -> str:
    figure, axes = _figure("monthly cost by lever (napkin performance model)")
    named = [lever for lever in levers if lever.monthly_cost_usd == lever.monthly_cost_usd]
    axes.barh(
        [lever.name for lever in named][::-1],
        [lever.monthly_cost_usd / 1e6 for lever in named][::-1],
        color="C0",
    )
    axes.set_xlabel("USD millions / month")
    return _svg(figure)


UTILISATION = np.linspace(0.05, 1.0, 96)


@chart
def cost_vs_utilisation(figures: dict[str, float]) -> str:
    """USD a million output tokens (the whole bill on them) and a million input tokens
    against the fleet's utilisation: each falls as 1 / utilisation."""
    figure, axes = _figure("cost a million tokens against utilisation (napkin model)")
    at = figures["model_fleet_utilisation"]
    output = figures["model_usd_per_million_output_tokens_at_full_load"]
    own = figures["model_input_usd_per_million_tokens"] * at
    axes.plot(UTILISATION * 100, output / UTILISATION, color="C0", label="output (whole bill)")
    axes.plot(UTILISATION * 100, own / UTILISATION, color="C1", label="input (its GPU time)")
    axes.scatter([at * 100], [output / at], color="C3", zorder=3, label=f"this fleet, {at:.0%}")
    axes.set_yscale("log")
    axes.set_xlabel("fleet utilisation, %")
    axes.set_ylabel("USD / million tokens")
    axes.legend()
    return _svg(figure)


@chart
def self_host_vs_api(figures: dict[str, float], apis: list[Any]) -> str:
    """USD a month against requests a month: the fleet's staircase of whole replicas and a
    line for the cheapest, median and dearest listed API."""
    from napkin.capacity.cost import self_hosted_usd_per_month

    figure, axes = _figure("self-hosted against APIs (napkin model, listed prices)")
    month = figures["requests_per_day"] * 30
    replicas = figures["model_replicas_provisioned"]
    served, replica = month / replicas, figures["model_monthly_cost_usd"] / replicas
    volumes = np.geomspace(served / 100, month * 10, 400)
    fleet = [self_hosted_usd_per_month(v, served, replica) for v in volumes]
    axes.step(volumes, fleet, where="post", color="C0", label="self-hosted fleet")
    picks = {0: apis[0], len(apis) // 2: apis[len(apis) // 2], len(apis) - 1: apis[-1]}
    for color, api in enumerate(picks.values(), start=1):
        axes.plot(
            volumes, volumes * api.usd_per_request, color=f"C{color}", label=api.price.provider
        )
    axes.axvline(month, color="grey", linestyle=":", label="this design")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("requests a month")
    axes.set_ylabel("USD a month")
    axes.legend()
    return _svg(figure)


@chart
def fleet_day(summary: dict[str, Any]) -> str:
    """An autoscaled run's summary: replicas (serving, paid) over the day, and each hour's
    TTFT p99 and SLA attainment."""
    scaled = summary["autoscale"]
    figure, (top, bottom) = _pyplot().subplots(2, 1, figsize=(6.4, 5.0), sharex=True)
    rows = scaled["decisions"]
    hours = [row["time_s"] / 3600 for row in rows]
    top.step(hours, [row["paid"] for row in rows], where="post", label="paid")
    top.step(hours, [row["serving"] for row in rows], where="post", label="serving")
    top.set_ylabel("replicas")
    top.set_title("autoscaled fleet over the run (simulation)", fontsize=10)
    top.legend()
    hourly = scaled["hourly"]
    at = [h["hour"] + 0.5 for h in hourly]
    bottom.plot(at, [h["ttft_p99_s"] * 1e3 for h in hourly], marker="o", label="TTFT p99 (ms)")
    bottom.set_ylabel("TTFT p99 (ms)")
    bottom.set_xlabel("hour")
    share = bottom.twinx()
    share.plot(at, [h["sla_attainment"] for h in hourly], color="tab:green", marker=".")
    share.set_ylabel("met the SLA (fraction)", color="tab:green")
    share.set_ylim(0, 1.05)
    for axes in (top, bottom):
        axes.grid(alpha=0.3)
    return _svg(figure)
