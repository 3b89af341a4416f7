"""The Streamlit page behind `napkin ui`. Run it with `napkin ui [DESIGN]`.

Every number on the page comes from `napkin.plan`, `napkin.sim` or `napkin.drills`, exactly
as the CLI prints it; this file only lays out controls and results.
"""

from __future__ import annotations

import os

import streamlit as st

from napkin.claim_check import ClaimCheck
from napkin.errors import NapkinError
from napkin.planner import Plan, plan
from napkin.render.format import format_claim, format_value
from napkin.render.whiteboard import inline_svg
from napkin.specs.catalog import gpus, models
from napkin.specs.design import SERVING_KINDS
from napkin.specs.loader import builtin_designs, design_yaml, load_design, raw_design
from napkin.ui.controls import headline_keys, numeric_fields, overrides, workload_section
from napkin.units import Precision

DESIGN_VARIABLE = "NAPKIN_UI_DESIGN"  # set by `napkin ui DESIGN`


def _show_svg(svg: str) -> None:
    """Inline SVG through Markdown (st.html drops SVG); on one line, so no line of it is
    read as Markdown (an indented line would become a code block)."""
    st.markdown(" ".join(svg.split("\n")), unsafe_allow_html=True)


def _design_name() -> str:
    given = os.environ.get(DESIGN_VARIABLE, "chatbot")
    names = builtin_designs()
    if given not in names:
        names = [given, *names]
    return st.sidebar.selectbox("design", names, index=names.index(given))


def _sla_sliders(values: dict[str, float]) -> list[str]:
    """SLA limits as sliders from a tenth to three times the design's own limit."""
    chosen = {
        key: st.sidebar.slider(
            key, 0.1 * value, 3.0 * value, float(value), step=0.05 * value, key=f"sla.{key}"
        )
        for key, value in values.items()
    }
    return overrides("sla", values, chosen)


def _number_controls(section: str, values: dict[str, float]) -> list[str]:
    chosen = {}
    for key, value in values.items():
        step = 1 if isinstance(value, int) else None
        chosen[key] = st.sidebar.number_input(
            key,
            value=value,
            step=step,
            min_value=0 if isinstance(value, int) else 0.0,
            key=f"{section}.{key}",
        )
    return overrides(section, values, chosen)


def _controls(design: str) -> list[str]:
    raw = raw_design(design)
    changes: list[str] = []
    section = workload_section(raw)
    if section is not None:
        st.sidebar.subheader("traffic")
        changes += _number_controls(section, numeric_fields(raw[section]))
    st.sidebar.subheader("model and hardware")
    model_names = [m.name for m in models()]
    current = raw.get("model") if isinstance(raw.get("model"), str) else None
    if current in model_names:
        model = st.sidebar.selectbox("model", model_names, index=model_names.index(current))
        if model != current:
            changes.append(f"model={model}")
    hardware = raw.get("hardware", {})
    gpu_names = [g.name for g in gpus()]
    if isinstance(hardware, dict) and hardware.get("gpu") in gpu_names:
        gpu = st.sidebar.selectbox("GPU", gpu_names, index=gpu_names.index(hardware["gpu"]))
        if gpu != hardware["gpu"]:
            changes.append(f"hardware.gpu={gpu}")
    deployment = raw.get("deployment", {}) or {}
    precisions = [p.value for p in Precision]
    precision = str(deployment.get("precision", "bf16"))
    chosen = st.sidebar.selectbox("precision", precisions, index=precisions.index(precision))
    if chosen != precision:
        changes.append(f"deployment.precision={chosen}")
    tps = [1, 2, 4, 8, 16]
    tp = int(deployment.get("tp", 1))
    new_tp = st.sidebar.selectbox("tensor parallel (GPUs per replica)", tps, index=tps.index(tp))
    if new_tp != tp:
        changes.append(f"deployment.tp={new_tp}")
    batch = st.sidebar.number_input(
        "max batch per replica (0 = derived from memory)",
        value=int(deployment.get("max_batch") or 0),
        min_value=0,
    )
    if batch != int(deployment.get("max_batch") or 0):
        changes.append(f"deployment.max_batch={batch}" if batch else "deployment.max_batch=null")
    if isinstance(raw.get("sla"), dict):
        st.sidebar.subheader("SLA")
        changes += _sla_sliders(numeric_fields(raw["sla"]))
    return changes


def _verdict(planned: Plan) -> None:
    keys = headline_keys(planned.figures)
    columns = [*st.columns(3), *st.columns(3)][: len(keys) + 1]
    for column, key in zip(columns, keys, strict=False):
        figure = planned.figures[key]
        why = f"{figure.source.value}: {figure.formula or figure.detail or ''}"
        column.metric(key, format_value(figure.value, figure.unit), help=why)
    meets = all(check.meets for check in planned.sla) and planned.fits
    columns[-1].metric("SLA", "met" if meets else "missed")
    if not planned.fits:
        st.error(planned.fit_reason)
    for note in planned.notes:
        st.info(note)


def _claim_row(check: ClaimCheck) -> dict[str, object]:
    stated, computed = format_claim(check.stated, check.computed, check.unit)
    return {
        "claim": check.name,
        "stated": stated,
        "napkin": computed,
        "holds": check.agrees,
        "note": check.note,
    }


def _sheet(planned: Plan) -> None:
    st.dataframe(
        [
            {
                "figure": key,
                "value": format_value(f.value, f.unit),
                "source": f.source.value,
                "formula": f.formula or f.detail or "",
            }
            for key, f in planned.figures.items()
        ],
        width="stretch",
        hide_index=True,
    )


def _simulate(planned: Plan) -> None:
    from napkin.report.charts import latency_cdf, queue_over_time
    from napkin.report.contents import slice_options
    from napkin.sim.run import simulate

    seconds = st.number_input("simulated seconds", value=60.0, min_value=1.0)
    seed = st.number_input("seed", value=0, min_value=0)
    if not st.button("run simulation"):
        return
    options = slice_options(planned, seconds, int(seed))
    st.caption(
        f"a slice of {options.replicas} replicas at {options.qps:,.1f} req/s, the fleet's "
        "per-replica peak load"
    )
    bar = st.progress(0.0, text="simulating")
    result = simulate(
        planned,
        options,
        progress=lambda t: bar.progress(min(t / seconds, 1.0), text=f"simulated {t:,.0f} s"),
    )
    bar.empty()
    summary = result.to_json()["summary"]
    left, middle, right, last = st.columns(4)
    left.metric("simulated TTFT p99", f"{summary['ttft_s']['p99']:.3g} s")
    middle.metric("simulated end-to-end p99", f"{summary['e2e_s']['p99']:.3g} s")
    right.metric("goodput (within SLA)", f"{summary['goodput_fraction']:.1%}")
    last.metric("requests completed", f"{summary['outcomes']['completed']:,}")
    st.json(summary, expanded=False)
    _show_svg(latency_cdf(result))
    _show_svg(queue_over_time(result))


def _drills(planned: Plan) -> None:
    from napkin.drills.run import target_of
    from napkin.report.contents import serving_drills

    if not st.button("run drills"):
        return
    bar = st.progress(0.0, text="drills")
    started: list[str] = []

    def say(stage: str) -> None:  # the register bounds the drills that run
        bar.progress(len(started) / len(planned.failure_modes), text=stage)
        started.append(stage)

    rows = []
    for mode, result in serving_drills(planned, say):
        label, failed, mitigated, better = target_of(result)
        rows.append(
            {
                "failure": mode,
                "metric": label,
                "failed": failed,
                "mitigated": mitigated,
                "mitigation helps": better,
            }
        )
    bar.empty()
    st.dataframe(rows, hide_index=True, width="stretch")


def _downloads(design: str, changes: list[str]) -> None:
    st.download_button(
        "save design YAML",
        design_yaml(
            design, changes, f"Saved from `napkin ui` ({design} with {len(changes)} edits)"
        ),
        file_name=f"{design}-edited.yaml",
        mime="text/yaml",
    )
    if st.button("build report"):
        from napkin.report.contents import gather
        from napkin.report.html import render_html

        with st.spinner("simulating, searching and weighing levers"):
            st.session_state["report"] = render_html(gather(design, tuple(changes)))
    if "report" in st.session_state:
        st.download_button(
            "download report (HTML)",
            st.session_state["report"],
            file_name=f"{design}-report.html",
            mime="text/html",
        )


def main() -> None:
    st.set_page_config(page_title="napkin", layout="wide")
    design = _design_name()
    try:
        changes = _controls(design)
        planned = plan(load_design(design, changes))
    except NapkinError as error:
        st.error(str(error))
        st.stop()
        return
    st.title(f"napkin: {design}")
    st.caption(planned.design.description)
    _verdict(planned)
    sheet, board, claims, sim, drills, share = st.tabs(
        ["sheet", "whiteboard", "claims", "simulate", "drills", "save & share"]
    )
    with sheet:
        _sheet(planned)
    with board:
        if planned.fits and planned.design.whiteboard is not None:
            _show_svg(inline_svg(planned))
        else:
            st.write("No whiteboard: " + (planned.fit_reason if not planned.fits else "none"))
    with claims:
        st.dataframe(
            [_claim_row(c) for c in planned.claims],
            hide_index=True,
            width="stretch",
        )
    serving = planned.design.kind in SERVING_KINDS
    with sim:
        if serving and planned.fits:
            _simulate(planned)
        else:
            st.write("The simulator models serving fleets; this design has no fleet to run.")
    with drills:
        if serving and planned.fits:
            _drills(planned)
        else:
            st.write("Serving drills need a serving fleet that fits in memory.")
    with share:
        _downloads(design, changes)


main()
