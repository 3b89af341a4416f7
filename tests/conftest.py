"""Shared fixtures: the built-in chatbot design and small catalog lookups."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from napkin import native
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


@pytest.fixture
def pure_core() -> Iterator[Callable[[str], ModuleType]]:
    """`import_module` for a test that patches the simulator's internals (replaces a method,
    wraps a handler): the compiled core's classes cannot be patched, so napkin.sim and
    napkin.perf.step_model load afresh from source for this test, and go back after it."""

    def ours(name: str) -> bool:
        return name.startswith("napkin.sim") or name == "napkin.perf.step_model"

    saved = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in saved:
        del sys.modules[name]
    added = native._Source not in sys.meta_path
    if added:
        sys.meta_path.insert(0, native._Source)  # type: ignore[arg-type]
    try:
        yield importlib.import_module
    finally:
        if added:
            sys.meta_path.remove(native._Source)  # type: ignore[arg-type]
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
        for name, module in saved.items():  # `napkin.sim` and the rest, as attributes again
            parent, _, child = name.rpartition(".")
            setattr(sys.modules[parent], child, module)


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
