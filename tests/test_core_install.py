"""The core install is enough for plan, simulate, drill, optimize and Markdown/JSON reports.

Each command runs in a fresh interpreter where importing any extra (SciPy, matplotlib,
Streamlit, Ray, Playwright) fails, as it would after a plain `pip install napkin`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXTRAS = ("scipy", "matplotlib", "streamlit", "ray", "playwright")

# An entry of None in sys.modules is what Python itself reads as "not importable": `import`
# raises ModuleNotFoundError and importlib.util.find_spec returns None, as when not installed.
BLOCKED_RUN = """
import sys
for name in {extras!r}:
    sys.modules[name] = None
sys.argv = ["napkin", *{argv!r}]
from napkin.cli import main
main()
"""


def run_without_extras(*argv: str, extras: tuple[str, ...] = EXTRAS) -> subprocess.CompletedProcess:
    code = BLOCKED_RUN.format(extras=set(extras), argv=list(argv))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "argv",
    [
        ("plan", "chatbot", "--json"),
        ("plan", "eval-harness", "--json"),
        ("simulate", "chatbot", "--replicas", "2", "--duration", "20", "--json"),
        ("drill", "chatbot", "--replicas", "2", "--duration", "20", "--json"),
        ("optimize", "code-completion", "--verify", "0", "--json"),
        ("validate", "--closed-form", "--json"),
    ],
    ids=lambda argv: argv[0],
)
def test_core_commands_need_no_extra(argv: tuple[str, ...]) -> None:
    done = run_without_extras(*argv)
    assert done.returncode == 0, done.stderr[-2000:]
    json.loads(done.stdout)


def test_a_markdown_report_needs_no_extra(tmp_path: Path) -> None:
    out = tmp_path / "chatbot.md"
    done = run_without_extras("report", "chatbot", "--out", str(out), "--simulate", "20")
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_text().startswith("#")


def test_fitting_without_scipy_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    from tests.calibration.test_cli import _synthetic_csv

    monkeypatch.setenv("NAPKIN_PROFILES", str(tmp_path / "profiles"))
    done = run_without_extras("calibrate", str(_synthetic_csv(tmp_path)), "--name", "x")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "pip install 'napkin[fit]'" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_the_blocker_really_blocks() -> None:
    # Mutation guard: with the block on pydantic (a core dependency) napkin cannot start.
    done = run_without_extras("plan", "chatbot", extras=("pydantic",))
    assert done.returncode != 0
