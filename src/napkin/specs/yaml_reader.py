"""YAML as napkin reads it: with libyaml's parser where PyYAML was built with it (about 9×
faster on the catalog, `benchmarks/RESULTS.md`), else PyYAML's own. Both give the same
values: only the parser is C, the safe constructor that builds the values is the same."""

from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(source: str | bytes | IO[str]) -> Any:
    """The YAML document in `source`, read safely (plain data, no Python objects)."""
    return yaml.load(source, Loader=SafeLoader)  # noqa: S506 - a safe loader
