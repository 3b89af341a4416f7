"""Print how many fuzz cases ran, per kind, at the end of the session."""

from __future__ import annotations

import pytest

from .harness import CASES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CASES:
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(CASES.items()))
        terminalreporter.write_line(f"fuzz cases: {sum(CASES.values()):,} ({kinds})")
