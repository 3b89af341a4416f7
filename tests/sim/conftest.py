"""Small simulations shared by the simulator's tests."""

from __future__ import annotations

import pytest

from napkin.planner import plan
from napkin.specs.loader import load_design


@pytest.fixture(scope="session")
def chatbot_plan():
    return plan(load_design("chatbot"))


@pytest.fixture(scope="session")
def small_plan():
    """Llama-3.1-8B on one H100: cheap to simulate, 200 in / 300 out by default."""
    return plan(load_design("chatbot", ["model=llama-3.1-8b", "deployment.tp=1"]))
