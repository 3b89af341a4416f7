"""The Streamlit page behind `napkin ui`. Run it with `napkin ui [DESIGN]`.

Every number on the page comes from `napkin.plan`, `napkin.sim`, `napkin.optimize` or
`napkin.drills`, exactly as the CLI prints it; this file only lays out controls and results.
The headline is the plan's one recommendation. An entry the schema forbids leaves the last
valid results on screen, marked stale.
"""

from __future__ import annotations

import os

import streamlit as st

import napkin.planner as planner
from napkin.errors import NapkinError
from napkin.render.diagram import inline_svg
from napkin.specs.design import SERVING_KINDS
from napkin.specs.loader import builtin_designs, load_design
from napkin.ui import panels
from napkin.ui.headline import STALE, Headline, headline
from napkin.ui.sidebar import Edits, controls

DESIGN_VARIABLE = "NAPKIN_UI_DESIGN"  # set by `napkin ui DESIGN`
COLUMNS = 4


def _design_name() -> str:
    given = os.environ.get(DESIGN_VARIABLE, "chatbot")
    names = builtin_designs()
    if given not in names:
        names = [given, *names]
    return st.sidebar.selectbox("Design", names, index=names.index(given))


def _plan(design: str, edits: Edits) -> tuple[planner.Plan, str | None]:
    """The plan of the current edits, or, when they are invalid, of the last valid ones
    with the reason they are not current."""
    last: dict[str, list[str]] = st.session_state.setdefault("last_valid", {})
    problem = "invalid input: " + "; ".join(edits.errors.values())
    if not edits.errors:
        try:
            planned = planner.plan(load_design(design, edits.changes))
        except NapkinError as error:
            problem = str(error)
        else:
            last[design] = list(edits.changes)
            return planned, None
    return planner.plan(load_design(design, last.get(design, []))), problem


def _headline(shown: Headline) -> None:
    st.subheader(shown.title)
    if shown.problem:
        st.error(shown.problem)
    if shown.fix:
        st.info(shown.fix)
    metrics = list(shown.metrics)
    for start in range(0, len(metrics), COLUMNS):
        row = metrics[start : start + COLUMNS]
        for column, metric in zip(st.columns(COLUMNS), row, strict=False):
            column.metric(metric.label, metric.value, help=metric.help or None)
    for note in shown.notes:
        st.caption(note)


def _whiteboard(planned: planner.Plan) -> None:
    if planned.fits and planned.design.whiteboard is not None:
        try:
            panels.show_svg(inline_svg(planned))
        except NapkinError as error:  # a board naming figures this plan lacks
            st.error(str(error))
    else:
        st.write("No whiteboard: " + (planned.fit_reason if not planned.fits else "none"))


def _tabs(planned: planner.Plan, design: str, edits: Edits) -> None:
    names = ["sheet", "whiteboard", "claims", "cost", "simulate", "drills", "cheapest design"]
    sheet, board, claims, cost, sim, drills, search, share = st.tabs([*names, "save & share"])
    serving = planned.design.kind in SERVING_KINDS and planned.fits
    with sheet:
        panels.sheet(planned)
    with board:
        _whiteboard(planned)
    with claims:
        panels.claims(planned)
    with cost:
        panels.cost(planned)
    with sim:
        if serving:
            panels.simulate(planned)
        else:
            st.write("The simulator models serving fleets; this design has no fleet to run.")
    with drills:
        if serving:
            panels.drills(planned)
        else:
            st.write("Serving drills need a serving fleet that fits in memory.")
    with search:
        if serving and not edits.errors:
            panels.search(planned, design, edits.changes)
        else:
            st.write("The search needs valid inputs and a serving fleet that fits in memory.")
    with share:
        panels.downloads(design, edits.changes, valid=not edits.errors)


def main() -> None:
    st.set_page_config(page_title="napkin", layout="wide")
    design = _design_name()
    try:
        edits = controls(design, load_design(design))
        planned, problem = _plan(design, edits)
    except NapkinError as error:
        st.error(str(error))
        st.stop()
        return
    st.title(f"napkin: {design}")
    st.caption(planned.design.description)
    if problem is not None:
        st.error(problem)
        st.warning(STALE)
    _headline(headline(planned))
    for note in planned.notes:
        st.info(note)
    _tabs(planned, design, edits)


main()
