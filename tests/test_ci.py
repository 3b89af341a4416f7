"""What CI relies on from the test set-up itself (issue #14)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def test_a_skip_fails_in_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation guard for tests/conftest.py: under NAPKIN_REQUIRE_ALL=1 a skip fails."""
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makepyfile("import pytest\n\ndef test_tool():\n    pytest.skip('no dot')\n")
    monkeypatch.setenv("NAPKIN_REQUIRE_ALL", "1")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=1)
    monkeypatch.delenv("NAPKIN_REQUIRE_ALL")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=1)
