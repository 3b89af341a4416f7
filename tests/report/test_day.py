"""`napkin report --day` (issue #19): an autoscaled day of a slice, in the report."""

from __future__ import annotations

import pytest

from napkin.planner import plan
from napkin.report.contents import Contents, day_options
from napkin.report.html import render_html
from napkin.report.markdown import render_markdown
from napkin.report.summary import day_line
from napkin.sim.options import SimOptions
from napkin.sim.run import simulate
from napkin.specs.loader import load_design


def test_the_day_is_the_slice_at_its_share_of_the_peak():
    p = plan(load_design("chatbot"))
    options = day_options(p)
    f = p.figures
    share = f["peak_qps"].value * options.replicas / f["model_replicas_provisioned"].value
    assert options.duration_s == 86_400 and options.autoscale and options.arrival == "diurnal"
    assert options.qps == pytest.approx(share)


def test_the_report_shows_the_day_scaled_to_the_fleet():
    p = plan(load_design("chatbot", ["model=llama-3.1-8b", "deployment.tp=1"]))
    options = SimOptions(replicas=4, qps=20, duration_s=4 * 3600, arrival="diurnal", seed=3)
    day = simulate(p, options.model_copy(update={"autoscale": True}))
    scaled = day.summary["autoscale"]
    factor = p.figures["model_replicas_provisioned"].value / 4
    line = day_line(p, day.summary)
    assert f"{scaled['gpu_hours'] * factor:,.0f} GPU-hours" in line
    assert f"{scaled['saved_fraction']:.0%} less" in line
    contents = Contents(p, day=day)
    html = render_html(contents)
    assert "<h2>A day of the fleet</h2>" in html and "autoscaled fleet over the run" in html
    assert "## A day of the fleet" in render_markdown(contents)
    assert "day" in contents.to_json() and "series" not in contents.to_json()["day"]
