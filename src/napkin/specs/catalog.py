"""The shipped catalogs of GPUs and models (data files in `catalog/`), with lookup by name.

Every entry carries the public source of its figures. Lookups forgive case and accept
aliases; an unknown name raises an error that lists the closest catalog names.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from napkin.errors import NapkinError
from napkin.specs.hardware import GPU
from napkin.specs.model import Model
from napkin.specs.yaml_reader import load_yaml

if TYPE_CHECKING:
    from napkin.specs.profile import Profile

CATALOG_DIR = Path(__file__).parent / "catalog"
GPUS_FILE = CATALOG_DIR / "gpus.yaml"
MODELS_FILE = CATALOG_DIR / "models.yaml"
CALIBRATIONS_FILE = CATALOG_DIR / "calibrations.yaml"

Entry = TypeVar("Entry", bound=BaseModel)


def _load(path: Path, kind: type[Entry]) -> tuple[Entry, ...]:
    with path.open() as handle:
        rows: list[dict[str, Any]] = load_yaml(handle)
    entries = []
    for index, row in enumerate(rows):
        try:
            entries.append(kind.model_validate(row))
        except ValidationError as error:  # a broken shipped catalog is our bug, say where
            raise NapkinError(str(error), file=str(path), field=f"[{index}]") from None
    return tuple(entries)


@cache
def gpus() -> tuple[GPU, ...]:
    """All catalog GPUs, in file order."""
    return _load(GPUS_FILE, GPU)


@cache
def models() -> tuple[Model, ...]:
    """All catalog models, in file order."""
    return _load(MODELS_FILE, Model)


def _find(name: str, entries: tuple[Entry, ...], what: str, field: str | None) -> Entry:
    wanted = name.strip().lower()
    for entry in entries:
        if wanted == entry.name.lower() or wanted in (a.lower() for a in entry.aliases):
            return entry
    names = [e.name for e in entries]
    spellings = {n.lower(): n for e in entries for n in (e.name, *e.aliases)}
    close = difflib.get_close_matches(wanted, list(spellings), n=4, cutoff=0.4)
    suggestions = list(dict.fromkeys(_canonical(spellings[c], entries) for c in close))
    hint = f"closest: {', '.join(suggestions)}" if suggestions else f"known: {', '.join(names)}"
    raise NapkinError(f"unknown {what} {name!r}; {hint}", field=field)


def _canonical(spelling: str, entries: tuple[BaseModel, ...]) -> str:
    for entry in entries:
        if spelling == entry.name or spelling in entry.aliases:  # type: ignore[attr-defined]
            return entry.name  # type: ignore[attr-defined]
    return spelling


def find_gpu(name: str, field: str | None = None) -> GPU:
    """The catalog GPU called `name` (or one of its aliases)."""
    return _find(name, gpus(), "GPU", field)


def find_model(name: str, field: str | None = None) -> Model:
    """The catalog model called `name` (or one of its aliases)."""
    return _find(name, models(), "model", field)


@cache
def calibrations() -> tuple[Profile, ...]:
    """Shipped efficiency profiles fitted on the published measurements."""
    from napkin.specs.profile import Profile

    if not CALIBRATIONS_FILE.exists():
        return ()
    return _load(CALIBRATIONS_FILE, Profile)


def calibration_for(
    gpu: str, software: str | None = None, engine: str | None = None
) -> Profile | None:
    """The shipped profile for a GPU: of that software generation, else fitted for that
    engine (a preset name), else the GPU's default (what any engine without its own gets)."""
    mine = [p for p in calibrations() if p.gpu == gpu]
    if software is not None:
        exact = [p for p in mine if p.software == software]
        if exact:
            return exact[0]
    if engine:
        own = [p for p in mine if p.engine == engine]
        if own:
            return own[0]
    return next((p for p in mine if p.default), None)
