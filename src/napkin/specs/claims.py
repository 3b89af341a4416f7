"""Figures a written design states, which napkin recomputes and checks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Claim(BaseModel):
    """A stated figure: one value (`stated`) or a range (`stated_range`).

    `figure` is the key of the plan figure it is compared with (default: `name`). A single
    value agrees when |computed - stated| <= tolerance x |stated|; a range agrees when the
    computed value lies inside it (the tolerance widens it likewise).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str
    figure: str | None = None
    stated: float | None = None
    stated_range: tuple[float, float] | None = None
    tolerance: float = Field(default=0.05, ge=0, lt=1)
    note: str | None = None

    @model_validator(mode="after")
    def _one_statement(self) -> Claim:
        if (self.stated is None) == (self.stated_range is None):
            raise ValueError("give exactly one of stated or stated_range")
        if self.stated_range is not None and self.stated_range[0] > self.stated_range[1]:
            raise ValueError("stated_range must be [low, high] with low <= high")
        return self

    @property
    def figure_key(self) -> str:
        return self.figure or self.name
