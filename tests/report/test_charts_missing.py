"""Without the `charts` extra, the HTML report still writes, with a note per chart."""

from __future__ import annotations

import pytest

from napkin.report import charts


def test_a_chart_without_matplotlib_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(charts, "find_spec", lambda name: None)
    assert charts.cost_breakdown([]) == charts.MISSING
    assert "pip install 'napkin[charts]'" in charts.MISSING


def test_with_matplotlib_the_chart_is_drawn():
    pytest.importorskip("matplotlib")
    assert charts.MISSING not in charts.cost_breakdown([])
