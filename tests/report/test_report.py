"""`napkin report`: the HTML is well formed and self-contained, the Markdown carries Mermaid,
the JSON round-trips, and nothing a user wrote is overwritten."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from napkin.cli import app
from napkin.report.contents import Contents, gather
from napkin.report.html import render_html
from napkin.report.markdown import render_markdown

runner = CliRunner()
VOID = {"meta", "br", "img", "input", "link", "hr", "path", "rect", "circle", "line", "stop"}
VOID |= {"polyline", "polygon", "ellipse", "use"}


class Nesting(HTMLParser):
    """Checks that every opened element is closed in order; counts tags and external links."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.mismatched: list[str] = []
        self.tags: dict[str, int] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            fetched = name in ("src", "href") and tag != "a"  # a hyperlink is fine
            if fetched and value and value.startswith(("http", "//")):
                self.external.append(value)
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.mismatched.append(tag)


@pytest.fixture(scope="module")
def chatbot() -> Contents:
    return gather("chatbot", simulate_s=10.0)


def test_html_is_well_formed_self_contained_and_has_every_figure(chatbot: Contents) -> None:
    page = render_html(chatbot)
    parser = Nesting()
    parser.feed(page)
    assert parser.mismatched == [] and parser.open == []
    assert parser.external == []
    assert "<script" not in page
    # whiteboard + latency CDF + queue + Pareto + cost breakdown
    assert parser.tags["svg"] >= 5
    for title in ("latency distribution", "requests waiting and running", "Pareto front"):
        assert title in page, title  # chart text is text, not glyph paths
    assert "monthly cost by lever" in page
    for key in chatbot.plan.figures:
        assert f"<code>{key}</code>" in page, key
    for check in chatbot.plan.claims:
        assert check.name in page


def test_html_shows_flagged_claims_and_sla_verdict(chatbot: Contents) -> None:
    page = render_html(chatbot)
    flagged = [c for c in chatbot.plan.claims if not c.agrees]
    assert flagged, "the reference chatbot's cost claim is known to be wrong"
    assert page.count("class=bad>flagged") == len(flagged)
    for target in chatbot.plan.sla:
        assert target.target in page


def test_markdown_has_mermaid_whiteboard_and_figure_table(chatbot: Contents) -> None:
    text = render_markdown(chatbot)
    assert "```mermaid\nflowchart" in text
    for key in chatbot.plan.figures:
        assert f"`{key}`" in text
    # every table row has the same number of cells as its header
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({row.count(" | ") for row in rows if "---" not in row}) == 1, rows[0]


def test_json_round_trips_and_matches_the_plan(chatbot: Contents) -> None:
    data = json.loads(json.dumps(chatbot.to_json()))
    assert data["plan"]["figures"]["peak_qps"]["value"] == pytest.approx(
        chatbot.plan.figures["peak_qps"].value
    )
    assert data["simulation"]["summary"]["conserved"] is True
    assert data["simulation"]["summary"]["requests"] > 0
    assert data["optimize"]["chosen"] is not None
    assert "recommendation" in data  # the plan's Recommendation, or None until one is made
    assert data["recommendation"] == data["plan"]["recommendation"]
    assert data["cheapest"]["gpus"] == data["optimize"]["chosen"]["gpus"] > 0


def test_real_reports_name_the_cheapest_and_label_it_on_the_pareto_chart(
    chatbot: Contents,
) -> None:
    chosen = chatbot.optimum.chosen
    gpu = next(o.split("=", 1)[1] for o in chosen.overrides if o.startswith("hardware="))
    text = render_markdown(chatbot)
    section = text[text.index("## Cheapest design meeting the SLA") :]
    assert f"| {gpu} | {chosen.precision} |" in section
    assert "against the design as written" in section
    page = render_html(chatbot)
    assert "Recommendation" in page and f"chosen: {gpu} {chosen.precision}" in page


@pytest.mark.parametrize("design", ["finetune-service", "eval-harness"])
def test_non_serving_designs_report_without_simulation(design: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", design, "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "Capacity sheet" in page and "Simulation" not in page


def test_cli_writes_every_format_and_never_overwrites(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("r.html", "r.md", "r.json")]
    args = ["report", "code-completion", "-q", "--simulate", "5", "--no-optimize"]
    args += [item for path in paths for item in ("-o", str(path))]
    assert runner.invoke(app, args).exit_code == 0
    assert all(path.stat().st_size > 1000 for path in paths)
    paths[1].write_text("mine")
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already exists" in again.output and "--force" in again.output
    assert paths[1].read_text() == "mine"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert paths[1].read_text() != "mine"


def test_cli_rejects_unknown_format_and_negative_duration(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["report", "chatbot", "-o", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 2 and ".html" in bad.output
    negative = runner.invoke(
        app, ["report", "chatbot", "--simulate", "-1", "-o", str(tmp_path / "r.md")]
    )
    assert negative.exit_code == 2 and "--simulate" in negative.output


def test_a_design_that_does_not_fit_reports_why_instead_of_failing(tmp_path: Path) -> None:
    out = [tmp_path / "r.md", tmp_path / "r.html"]
    args = ["report", "chatbot", "--set", "deployment.tp=1", "-q"]
    result = runner.invoke(app, [*args, "-o", str(out[0]), "-o", str(out[1])])
    assert result.exit_code == 0, result.output
    assert "DOES NOT FIT" in out[0].read_text() and "mermaid" not in out[0].read_text()
    assert "tp=2 would fit" in out[1].read_text()


def test_named_format_options_write_what_they_say(tmp_path: Path) -> None:
    html, markdown, data = tmp_path / "a.html", tmp_path / "a.md", tmp_path / "a.json"
    args = ["report", "eval-harness", "-q", "--html", str(html), "--markdown", str(markdown)]
    result = runner.invoke(app, [*args, "--json", str(data)])
    assert result.exit_code == 0, result.output
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert markdown.read_text().startswith("# napkin report: eval-harness")
    assert json.loads(data.read_text())["plan"]["kind"] == "eval-harness"


def test_ui_with_an_unknown_design_is_a_usage_error() -> None:
    result = runner.invoke(app, ["ui", "no-such-design"])
    assert result.exit_code == 2 and "built-in" in result.output
