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


REQUIRE_ALL = "NAPKIN_REQUIRE_ALL"  # CI sets it: a skip there is a failure


def _required(report: pytest.CollectReport | pytest.TestReport) -> None:
    """Under NAPKIN_REQUIRE_ALL=1 (CI) a skipped test or module fails instead, so a missing
    tool (Graphviz, Chromium) or extra (Ray, Streamlit, Playwright) cannot pass silently."""
    import os

    if report.skipped and os.environ.get(REQUIRE_ALL) == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI ({REQUIRE_ALL}=1): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:  # noqa: ARG001
    outcome = yield
    _required(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> object:  # noqa: ARG001
    outcome = yield
    _required(outcome.get_result())
