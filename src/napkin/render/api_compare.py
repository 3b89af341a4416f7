"""`napkin compare-api` in the terminal: the fleet's bill against each API's, and the
break-even volumes."""

from __future__ import annotations

from math import isfinite
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text


def _count(value: float) -> str:
    """3 significant figures with a k/M/B/T suffix: 7.21M."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def _money(usd: float) -> str:
    return f"${_count(usd)}"


def _volume(requests: float | None) -> str:
    """A break-even volume (None in JSON: never)."""
    return (
        f"{_count(requests)} req/month" if requests is not None and isfinite(requests) else "never"
    )


def render_comparison(c: dict[str, Any]) -> RenderableType:
    head = Text(
        f"{c['design']}: {c['model']} on {c['replicas']:,} replicas of {c['gpu']} at "
        f"${c['price_per_gpu_hour_usd']:.2f}/GPU-h, {c['fleet_utilisation']:.0%} utilised: "
        f"{_money(c['self_hosted_usd_per_month'])} a month for "
        f"{_count(c['requests_per_month'])} requests"
    )
    apis = Table(title="the same tokens from an API (USD a million tokens)", title_justify="left")
    for column in ("provider", "input", "cached", "output", "date", "a month", "fleet / API"):
        left = column in ("provider", "date")
        apis.add_column(column, justify="left" if left else "right", overflow="fold")
    apis.add_column("fleet cheaper above", justify="right", overflow="fold")
    for a in c["apis"]:
        cached = a["usd_per_m_cached_input"]
        apis.add_row(
            a["provider"],
            f"{a['usd_per_m_input']:.3g}",
            "–" if cached is None else f"{cached:.3g}",
            f"{a['usd_per_m_output']:.3g}",
            a["date"],
            _money(a["usd_per_month"]),
            f"{c['self_hosted_usd_per_month'] / a['usd_per_month']:.2f}",
            _volume(a["break_even_requests_per_month"]),
        )
    moves = Table(
        title=f"the break-even against {c['cheapest']}, if the fleet were priced or used "
        "differently",
        title_justify="left",
    )
    for column in ("fleet", "a replica a month", "requests a replica", "fleet cheaper above"):
        moves.add_column(column, justify="left" if column == "fleet" else "right", overflow="fold")
    for s in c["sensitivity"]:
        moves.add_row(
            s["label"],
            _money(s["replica_usd_per_month"]),
            _count(s["requests_per_replica_month"]),
            _volume(s["break_even_requests_per_month"]),
        )
    return Group(head, apis, moves, _quality(c["quality"]))


def _quality(q: dict[str, Any]) -> Text:
    """Cost per quality point: the same model, so the same score unless the fleet's
    precision costs some of it (the API's precision is taken as bf16)."""
    if q["self_hosted"] is None or q["api_assumed"] is None:
        return Text("quality: no score in the quality catalog for this model")
    return Text(
        f"quality ({q['benchmark']}): {q['self_hosted']:.3g} self-hosted, "
        f"{q['api_assumed']:.3g} from the API (bf16 assumed); a month per point: "
        f"{_money(q['self_hosted_usd_per_quality_point_month'])} against "
        f"{_money(q['api_usd_per_quality_point_month'])}"
    )
