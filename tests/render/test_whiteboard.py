"""Every built-in design's whiteboard renders in each notation, with numbers in every box."""

from __future__ import annotations

import re
import shutil

import pytest

from napkin.errors import NapkinError
from napkin.planner import plan
from napkin.render.diagram import GRAPHVIZ_HINT, Format, render
from napkin.specs.loader import builtin_designs, load_design

PLANS = {name: plan(load_design(name)) for name in builtin_designs()}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_terminal_boxes_carry_numbers(name):
    result = PLANS[name]
    text = render(result, Format.terminal)
    board = result.design.whiteboard
    for component in board.components:
        assert component.label in text
        for key in component.figures:
            assert f"{key}: " in text
    assert text.count("┌") == len(board.components)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_mermaid_and_dot_name_every_box_and_edge(name):
    result = PLANS[name]
    board = result.design.whiteboard
    mermaid, dot = render(result, Format.mermaid), render(result, Format.dot)
    assert mermaid.startswith("flowchart TD")
    assert dot.startswith("digraph")
    for component in board.components:
        assert f'    {component.id}["' in mermaid and f'"{component.id}" [label=' in dot
    dot_edges = re.findall(r'^    "\w+" -> "\w+"', dot, re.M)
    assert mermaid.count("-->") == len(board.edges) == len(dot_edges)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")
@pytest.mark.parametrize("name", sorted(PLANS))
def test_svg(name):
    svg = render(PLANS[name], Format.svg)
    assert "<svg" in svg and PLANS[name].design.whiteboard.components[0].label in svg


def test_svg_without_graphviz_names_the_package(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(NapkinError, match="install the `graphviz` package"):
        render(PLANS["chatbot"], Format.svg)
    assert "apt-get install graphviz" in GRAPHVIZ_HINT


def test_unknown_figure_in_a_users_whiteboard():
    design = load_design(
        "chatbot",
        ["whiteboard.components=[{id: a, label: A, figures: [nope]}]", "whiteboard.edges=[]"],
    )
    with pytest.raises(NapkinError, match="figures the plan does not have: nope"):
        render(plan(design), Format.terminal)


def test_boxes_without_numbers_are_rejected():
    with pytest.raises(NapkinError, match="whiteboard.components"):
        load_design("chatbot", ["whiteboard.components=[{id: a, label: A, figures: []}]"])


def test_edges_must_join_boxes():
    with pytest.raises(NapkinError, match="not a component"):
        load_design("chatbot", ["whiteboard.edges=[{source: clients, target: mars}]"])
