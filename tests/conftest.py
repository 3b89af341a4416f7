"""Shared fixtures: the built-in chatbot design and small catalog lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from napkin.specs.catalog import find_gpu, find_model
from napkin.specs.design import Design
from napkin.specs.loader import load_design

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def chatbot() -> Design:
    return load_design("chatbot")


@pytest.fixture(scope="session")
def llama8b():
    return find_model("llama-3.1-8b")


@pytest.fixture(scope="session")
def llama70b():
    return find_model("llama-3.1-70b")


@pytest.fixture(scope="session")
def h100():
    return find_gpu("H100-SXM")
