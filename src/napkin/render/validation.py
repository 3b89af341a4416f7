"""`napkin validate` in the terminal: every row, then the error statistics.

Under 120 columns (and in a pipe) each row's id and set-up (GPU, model, TP, precision,
tokens, load) are one wrapped cell with the profile and explanation below it, so the thirteen
fields fit in 80 columns without cutting anything with "…"."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from napkin.calibration.measurement import Metric
from napkin.render.format import ByWidth, format_value
from napkin.validate.scores import FACTOR_LIMIT, Row, Stats

# Short names of the metrics for the narrow table.
METRIC_LABEL = {
    Metric.output_tokens_per_s_per_gpu: "tok/s/GPU",
    Metric.ttft_s: "TTFT",
    Metric.tpot_s: "TPOT",
    Metric.e2e_latency_s: "E2E",
    Metric.itl_s: "ITL",
    Metric.requests_per_s: "req/s",
    Metric.decode_step_s: "step",
}
NUMBERS = ("tp", "load", "measured", "closed form", "simulated", "error")


def _value(value: float | None, metric: Metric) -> str:
    if value is None:
        return "–"
    if metric is Metric.output_tokens_per_s_per_gpu:
        return f"{value:,.0f}"
    if metric is Metric.requests_per_s:
        return f"{value:,.3g}"
    return format_value(value, "s")


def _metric(row: Row) -> str:
    """'TTFT p99': the metric's short name and, unless the mean, its statistic."""
    m = row.measurement
    label = METRIC_LABEL.get(m.metric, m.metric.value)
    return label if m.statistic.value == "mean" else f"{label} {m.statistic.value}"


def _error(row: Row) -> Text:
    style = "red" if row.factor > FACTOR_LIMIT else "yellow" if abs(row.error) > 0.2 else ""
    return Text(f"{row.error:+.0%}", style=style)


def _why(row: Row) -> str:
    m = row.measurement
    return row.profile + (f" — {m.explanation}" if m.explanation else "")


def _tokens(row: Row) -> str:
    m = row.measurement
    return f"{m.input_tokens:,.0f}/{m.output_tokens:,.0f}"


def _concurrency(row: Row) -> str:
    """The load: 'max' (offline), 'c64' (64 clients) or '4/s' (an open-loop rate)."""
    m = row.measurement
    if m.concurrency is not None:
        return f"c{m.concurrency}"
    return "max" if m.request_rate is None else f"{m.request_rate:g}/s"


def _wide_rows(rows: list[Row]) -> Table:
    table = Table(title="measured vs napkin", title_justify="left", expand=True)
    for column in (
        "id",
        "GPU",
        "model",
        "tp",
        "prec",
        "in/out",
        "load",
        "metric",
        "measured",
        "closed form",
        "simulated",
        "error",
        "profile / why",
    ):
        justify = "right" if column in NUMBERS else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for r in rows:
        m = r.measurement
        table.add_row(
            m.id,
            m.gpu,
            m.model,
            str(m.tp),
            m.precision.value,
            _tokens(r),
            _concurrency(r),
            _metric(r),
            _value(m.value, m.metric),
            _value(r.predicted, m.metric),
            _value(r.simulated, m.metric),
            _error(r),
            _why(r),
        )
    return table


def _setup(row: Row) -> Group:
    """'33: H100-SXM llama-3.1-8b tp1 bf16, 128/128 tokens, conc 64', the profile below."""
    m = row.measurement
    head = Text.assemble(
        (f"{m.id}: ", "bold"),
        f"{m.gpu} {m.model} tp{m.tp} {m.precision.value}, {_tokens(row)} tokens, "
        f"load {_concurrency(row)}",
    )
    return Group(head, Padding(Text(_why(row), style="dim"), (0, 0, 0, 2)))


def _narrow_rows(rows: list[Row]) -> Table:
    table = Table(title="measured vs napkin", title_justify="left", expand=True)
    table.add_column("id: run  (profile / why below)", ratio=1, overflow="fold")
    table.add_column("metric", overflow="fold")
    for column in ("measured", "closed form", "simulated", "error"):
        table.add_column(column, justify="right", overflow="fold")
    for r in rows:
        m = r.measurement
        table.add_row(
            _setup(r),
            _metric(r),
            _value(m.value, m.metric),
            _value(r.predicted, m.metric),
            _value(r.simulated, m.metric),
            _error(r),
        )
    return table


def rows_table(rows: list[Row]) -> ByWidth:
    """Every measurement against napkin's prediction; its set-up stacked when narrow."""
    return ByWidth(_narrow_rows(rows), _wide_rows(rows))


def stats_table(stats: list[Stats]) -> Table:
    table = Table(
        title="absolute percentage error by metric (napkin: simulated where it can be; "
        "closed form beside it)",
        title_justify="left",
    )
    columns = ("metric", "stat", "rows", "median", "P90", "≤25%", "closed median", "closed P90")
    for column in (*columns, "worst rows"):
        left = column in ("metric", "stat", "worst rows")
        table.add_column(column, justify="left" if left else "right", overflow="fold")
    for s in stats:
        table.add_row(
            METRIC_LABEL.get(s.metric, s.metric.value),
            s.statistic.value,
            str(s.rows),
            f"{s.median_ape:.1%}",
            f"{s.p90_ape:.1%}",
            f"{s.within_25:.0%}",
            f"{s.closed_form_median_ape:.1%}",
            f"{s.closed_form_p90_ape:.1%}",
            ", ".join(s.worst),
        )
    return table


def render_validation(rows: list[Row], stats: list[Stats]) -> Group:
    return Group(rows_table(rows), stats_table(stats))
