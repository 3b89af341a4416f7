"""Quality per option for cost per quality unit (CpQU): a model's benchmark score times the
share of it a weight precision keeps. Defaults come from `catalog/quality.yaml` (each figure
with its public source); a user's `quality.yaml` (model x precision -> score) replaces them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from napkin.errors import NapkinError
from napkin.specs.yaml_reader import load_yaml

CATALOG = Path(__file__).resolve().parent.parent / "specs" / "catalog" / "quality.yaml"


@cache
def _catalog() -> dict[str, Any]:
    if not CATALOG.exists():
        return {"models": [], "precisions": []}
    return load_yaml(CATALOG.read_text())


def load_user_quality(path: str | Path) -> dict[tuple[str, str], float]:
    """A user's scores: a list of {model, precision, score}."""
    path = Path(path)
    try:
        rows = load_yaml(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise NapkinError(f"cannot read quality scores: {error}", file=str(path)) from None
    if not isinstance(rows, list):
        raise NapkinError("expected a list of {model, precision, score}", file=str(path))
    scores = {}
    for index, row in enumerate(rows):
        try:
            scores[(str(row["model"]), str(row["precision"]))] = float(row["score"])
        except (KeyError, TypeError, ValueError):
            raise NapkinError(
                "each entry needs model, precision and a numeric score",
                file=str(path),
                field=f"[{index}]",
            ) from None
    return scores


def quality(
    model: str, precision: str, user: dict[tuple[str, str], float] | None = None
) -> float | None:
    """The score of `model` at `precision`, or None when nothing is known."""
    if user is not None:
        return user.get((model, precision))
    data = _catalog()
    score = next((m["score"] for m in data["models"] if m["model"] == model), None)
    keep = next((p["retention"] for p in data["precisions"] if p["precision"] == precision), None)
    return None if score is None or keep is None else float(score) * float(keep)


def benchmark_name() -> str:
    return str(_catalog().get("benchmark", "quality score"))
