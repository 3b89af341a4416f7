"""The page's tabs below the headline: the sheet, claims, simulation, drills, the cheapest
design, and saving. Results that take a button press (report, search) are kept with the
edits they were made from, and shown only while those edits are still the current ones."""

from __future__ import annotations

from typing import Any

import streamlit as st

from napkin.claim_check import ClaimCheck
from napkin.planner import Plan
from napkin.render.format import format_claim, format_value
from napkin.specs.loader import design_yaml
from napkin.ui.headline import cheapest, shown_claims
from napkin.ui.labels import words


def show_svg(svg: str) -> None:
    """Inline SVG through Markdown (st.html drops SVG); on one line, so no line of it is
    read as Markdown (an indented line would become a code block)."""
    st.markdown(" ".join(svg.split("\n")), unsafe_allow_html=True)


def sheet(planned: Plan) -> None:
    st.dataframe(
        [
            {
                "quantity": words(key),
                "value": format_value(f.value, f.unit),
                "source": f.source.value,
                "formula": f.formula or f.detail or "",
                "key": key,
            }
            for key, f in planned.figures.items()
        ],
        width="stretch",
        hide_index=True,
    )


def _claim_row(check: ClaimCheck) -> dict[str, object]:
    stated, computed = format_claim(check.stated, check.computed, check.unit)
    return {
        "claim": words(check.name),
        "stated": stated,
        "napkin": computed,
        "holds": check.agrees,
        "note": check.note,
    }


def claims(planned: Plan) -> None:
    """The design's claims, and its rule-of-thumb fleet as one more claim."""
    rows = [_claim_row(check) for check in shown_claims(planned)]
    st.dataframe(rows, hide_index=True, width="stretch")


def cost(planned: Plan) -> None:
    """Each token class's price at the fleet's utilisation, the curve against utilisation,
    and the listed APIs for the same model against the fleet."""
    from napkin.report.charts import cost_vs_utilisation, self_host_vs_api
    from napkin.sections.api_alternative import api_options

    f = {key: figure.value for key, figure in planned.figures.items()}
    if "model_fleet_utilisation" not in f:
        st.write("Token costs need a serving fleet that meets its SLA.")
        return
    left, middle, right, last = st.columns(4)
    left.metric("Fleet utilisation over the day", f"{f['model_fleet_utilisation']:.0%}")
    middle.metric("Input, a million tokens", f"${f['model_input_usd_per_million_tokens']:.3g}")
    right.metric(
        "Cached input, a million", f"${f['model_cached_input_usd_per_million_tokens']:.3g}"
    )
    last.metric("Output, a million tokens", f"${f['model_output_usd_per_million_tokens']:.3g}")
    show_svg(cost_vs_utilisation(f))
    apis = api_options(planned.design.model.name, f)
    if not apis:
        st.write(f"The price list has no API for {planned.design.model.name}.")
        return
    st.dataframe(
        [
            {
                "API": a.price.provider,
                "prices of": a.price.date,
                "a month here": format_value(a.usd_per_month, "USD/month"),
                "fleet / API": round(f["model_monthly_cost_usd"] / a.usd_per_month, 2),
            }
            for a in apis
        ],
        hide_index=True,
        width="stretch",
    )
    show_svg(self_host_vs_api(f, apis))


def simulate(planned: Plan) -> None:
    from napkin.errors import NapkinError
    from napkin.report.charts import latency_cdf, queue_over_time
    from napkin.report.contents import slice_options
    from napkin.sim.footprint import DEFAULT_BUDGET
    from napkin.sim.run import simulate

    seconds = st.number_input("Simulated seconds", value=60.0, min_value=1.0)
    seed = st.number_input("Random seed", value=0, min_value=0)
    large = st.checkbox("run even when estimated over 2 minutes or 4 GB")
    if not st.button("run simulation"):
        return
    options = slice_options(planned, seconds, int(seed))
    st.caption(
        f"a slice of {options.replicas} replicas at {options.qps:,.1f} req/s, the fleet's "
        "per-replica peak load"
    )
    bar = st.progress(0.0, text="simulating")
    try:
        result = simulate(
            planned,
            options,
            progress=lambda t: bar.progress(min(t / seconds, 1.0), text=f"simulated {t:,.0f} s"),
            budget=None if large else DEFAULT_BUDGET,
        )
    except NapkinError as error:  # too large: what it would cost, and a smaller run
        bar.empty()
        st.error(str(error).replace("pass --yes", "tick the box above"))
        return
    bar.empty()
    summary = result.summary
    left, middle, right, last = st.columns(4)
    left.metric("Simulated time to first token, P99", f"{summary['ttft_s']['p99']:.3g} s")
    middle.metric("Simulated end-to-end latency, P99", f"{summary['e2e_s']['p99']:.3g} s")
    right.metric("Goodput (within SLA)", f"{summary['goodput_fraction']:.1%}")
    last.metric("Requests completed", f"{summary['outcomes']['completed']:,}")
    st.json(summary, expanded=False)
    show_svg(latency_cdf(result))
    show_svg(queue_over_time(result))


def drills(planned: Plan) -> None:
    from napkin.drills.runner import target_of
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


def edits_key(design: str, changes: list[str]) -> tuple[str, tuple[str, ...]]:
    """What a stored result was made from: the design and its overrides, in order."""
    return design, tuple(changes)


def _fresh(name: str, key: tuple[str, tuple[str, ...]]) -> Any:
    """A stored result made from exactly these edits, or None."""
    stored = st.session_state.get(name)
    return stored[1] if stored is not None and stored[0] == key else None


def search(planned: Plan, design: str, changes: list[str]) -> None:
    """The optimizer's cheapest design for the current edits, named in one sentence."""
    key = edits_key(design, changes)
    if st.button("find the cheapest design"):
        from napkin.optimize.search import optimize
        from napkin.optimize.space import Space, design_prices

        space = Space(price_overrides=design_prices(planned.design))
        with st.spinner("screening GPUs, precisions and parallelism"):
            found = optimize(design, space, planned.design.kind, tuple(changes), verify=0)
        st.session_state["optimum"] = (key, found)
    optimum = _fresh("optimum", key)
    if optimum is not None:
        st.success(cheapest(optimum))
        st.caption("Screened with the capacity model; not verified in simulation.")


def downloads(design: str, changes: list[str], valid: bool) -> None:
    """Save the edited design, or build and download a report of exactly the current edits
    (a report built before the latest edit is not offered)."""
    if not valid:
        st.warning("Fix the fields marked in the sidebar to save the design or build a report.")
        return
    note = f"Saved from `napkin ui` ({design} with {len(changes)} edits)"
    st.download_button(
        "save design YAML",
        design_yaml(design, changes, note),
        file_name=f"{design}-edited.yaml",
        mime="text/yaml",
    )
    key = edits_key(design, changes)
    if st.button("build report"):
        from napkin.report.contents import gather
        from napkin.report.html import render_html

        with st.spinner("simulating, searching and weighing levers"):
            st.session_state["report"] = (key, render_html(gather(design, key[1])))
    report = _fresh("report", key)
    if report is not None:
        st.download_button(
            "download report (HTML)",
            report,
            file_name=f"{design}-report.html",
            mime="text/html",
        )
    elif "report" in st.session_state:
        st.info("The inputs changed since the last report; build it again to download it.")
