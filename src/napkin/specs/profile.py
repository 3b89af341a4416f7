"""How efficiently kernels use a GPU, as a design states it: `Efficiency` (a design's own
knobs) and `Profile` (knobs fitted for one GPU and engine generation, and what they were
fitted on). napkin ships profiles for the published set (`catalog/calibrations.yaml`);
`napkin calibrate` saves a user's own in the profiles folder, read here by name.

The knobs are resolved into the performance model by `perf.efficiency`; profiles are fitted
by `calibration.fit`."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from napkin.errors import NapkinError
from napkin.specs.yaml_reader import load_yaml


class Efficiency(BaseModel):
    """Design-file overrides; a field left out falls back to catalog, then to the default."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    compute_fraction: float | None = Field(default=None, gt=0, le=1)
    bandwidth_fraction: float | None = Field(default=None, gt=0, le=1)
    link_fraction: float | None = Field(default=None, gt=0, le=1)
    step_overhead_s: float | None = Field(default=None, ge=0)
    sequence_overhead_s: float | None = Field(default=None, ge=0)
    layer_overhead_s: float | None = Field(default=None, ge=0)
    allreduce_latency_s: float | None = Field(default=None, ge=0)


class Profile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    gpu: str
    software: str
    compute_fraction: float = Field(gt=0, le=1)
    bandwidth_fraction: float = Field(gt=0, le=1)
    step_overhead_s: float = Field(ge=0)
    sequence_overhead_s: float = Field(default=0.0, ge=0, description="s per sequence per step")
    layer_overhead_s: float = Field(default=0.0, ge=0, description="s per layer per step")
    rows: int = Field(ge=1)
    log_rmse: float = Field(ge=0)
    fitted_on: str
    warnings: tuple[str, ...] = ()
    fitted: str = Field(default_factory=lambda: date.today().isoformat())
    default: bool = False
    engine: str = Field(default="", description="engine preset it stands for; '' = any")

    @property
    def description(self) -> str:
        return f"profile {self.name}: fitted on {self.rows} {self.software} rows ({self.fitted})"


def profiles_dir() -> Path:
    """Where named profiles live: $NAPKIN_PROFILES, else ~/.config/napkin/profiles."""
    configured = os.environ.get("NAPKIN_PROFILES")
    return Path(configured) if configured else Path.home() / ".config" / "napkin" / "profiles"


PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_profile_name(name: str) -> str:
    """A profile name must be a plain file name (letters, digits, '.', '_', '-'; no folder
    part, no leading dot) so the profile is saved inside the profile folder."""
    if not PROFILE_NAME.fullmatch(name) or ".." in name:
        raise NapkinError(
            f"{name!r} is not a plain file name; use letters, digits, '.', '_' and '-' "
            "(no '/', no '..', not starting with '.'), e.g. h100-vllm",
            field="--name",
        )
    return name


def save_profile(profile: Profile, force: bool = False) -> Path:
    """Write the profile to the profile folder as NAME.yaml; refuse a name with a folder part."""
    path = profiles_dir() / f"{check_profile_name(profile.name)}.yaml"
    if path.exists() and not force:
        raise NapkinError(
            "a profile of this name exists; pass --force to replace it", file=str(path)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(profile.model_dump(mode="json"), sort_keys=False))
    return path


def load_profile(name: str) -> Profile:
    """A saved profile by name (or a path to a profile file)."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else profiles_dir() / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
        raise NapkinError(
            f"no profile {name!r} (saved: {', '.join(known) or 'none'}; "
            "create one with `napkin calibrate`)",
            field="--profile",
        )
    try:
        return Profile.model_validate(load_yaml(path.read_text()))
    except (yaml.YAMLError, ValidationError) as error:
        raise NapkinError(f"not a valid profile: {error}", file=str(path)) from None
