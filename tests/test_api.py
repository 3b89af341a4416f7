"""The Python API mirrors the CLI: `napkin.load_design` and `napkin.plan`."""

from __future__ import annotations

import pytest

import napkin


def test_api_round_trip():
    design = napkin.load_design("chatbot", overrides=["workload.dau=20e6"])
    result = napkin.plan(design)
    assert isinstance(result, napkin.Plan)
    assert result.figures["turns_per_day"].value == 800e6
    assert "chatbot" in napkin.builtin_designs()
    assert napkin.find_gpu("h100").name == "H100-SXM"


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        napkin.does_not_exist  # noqa: B018
