"""The README's design-file example and set-up commands stay true."""

from __future__ import annotations

import re
from pathlib import Path

from napkin.planner import plan
from napkin.specs.loader import load_design

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_design_file_example_plans(tmp_path):
    block = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert block, "README has a yaml example"
    path = tmp_path / "example.yaml"
    path.write_text(block.group(1))
    result = plan(load_design(path))
    assert result.fits and result.design.model.name == "llama-3.1-8b"
    stated = {c.name for c in result.claims if not c.name.startswith("rule of thumb")}
    assert stated == {"peak_qps", "single_stream"}


def test_ci_runs_the_readme_test_command():
    test_command = (
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/pytest"
    )
    assert test_command in README
    assert test_command in (ROOT / ".ci" / "run").read_text()
