"""Each built-in design carries a failure-mode register a drill can run from."""

from __future__ import annotations

import pytest

from napkin.planner import plan
from napkin.specs.loader import builtin_designs, load_design


@pytest.mark.parametrize("name", builtin_designs())
def test_register_has_five_complete_entries(name):
    design = load_design(name)
    assert len(design.failure_modes) >= 5
    for mode in design.failure_modes:
        for field in (mode.trigger, mode.detection, mode.blast_radius, mode.mitigation):
            assert len(field) > 10
        assert mode.drill.vary in mode.drill.params or mode.drill.vary in ("backoff", "abort")
    assert len({m.name for m in design.failure_modes}) == len(design.failure_modes)


def test_register_is_in_the_json():
    data = plan(load_design("chatbot")).to_json()
    names = [m["name"] for m in data["failure_modes"]]
    assert "long-prompt-oom" in names and "retry-storm" in names
    assert data["failure_modes"][0]["drill"]["vary"] == "prompt_tokens"
