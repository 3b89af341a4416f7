"""What can go wrong in a design, how it shows, and what a drill would vary to test it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Drill(BaseModel):
    """A simulation drill: its name, the parameter it varies, and that parameter's values."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    vary: str
    params: dict[str, float | int | str | bool] = Field(default_factory=dict)


class FailureMode(BaseModel):
    """One entry of a design's failure-mode register."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    trigger: str
    detection: str
    blast_radius: str
    mitigation: str
    drill: Drill
