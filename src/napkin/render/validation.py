"""`napkin validate` in the terminal: every row, then the error statistics."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from napkin.calibration.measurement import Metric
from napkin.calibration.validate import FACTOR_LIMIT, Row, Stats


def _value(value: float, metric: Metric) -> str:
    if metric is Metric.output_tokens_per_s_per_gpu:
        return f"{value:,.0f}"
    return f"{value * 1e3:,.1f} ms"


def rows_table(rows: list[Row]) -> Table:
    table = Table(title="measured vs napkin", title_justify="left", expand=True)
    for column in (
        "id",
        "GPU",
        "model",
        "tp",
        "prec",
        "in/out",
        "conc",
        "metric",
        "measured",
        "napkin",
        "error",
        "profile / why",
    ):
        table.add_column(
            column,
            justify="right" if column in ("tp", "conc", "measured", "napkin", "error") else "left",
            no_wrap=column in ("id", "measured", "napkin", "error"),
        )
    for r in rows:
        m = r.measurement
        style = "red" if r.factor > FACTOR_LIMIT else "yellow" if abs(r.error) > 0.2 else ""
        why = r.profile + (f" — {m.explanation}" if m.explanation else "")
        table.add_row(
            m.id,
            m.gpu,
            m.model,
            str(m.tp),
            m.precision.value,
            f"{m.input_tokens:,.0f}/{m.output_tokens:,.0f}",
            "max" if m.concurrency is None else str(m.concurrency),
            m.metric.value.removesuffix("_per_gpu"),
            _value(m.value, m.metric),
            _value(r.predicted, m.metric),
            Text(f"{r.error:+.0%}", style=style),
            why,
        )
    return table


def stats_table(stats: list[Stats]) -> Table:
    table = Table(title="absolute percentage error by metric", title_justify="left")
    for column in ("metric", "rows", "median", "P90"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for s in stats:
        table.add_row(s.metric.value, str(s.rows), f"{s.median_ape:.1%}", f"{s.p90_ape:.1%}")
    return table


def render_validation(rows: list[Row], stats: list[Stats]) -> Group:
    return Group(rows_table(rows), stats_table(stats))
