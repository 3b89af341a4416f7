"""A design's architecture as data: boxes that carry computed numbers, and arrows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Component(BaseModel):
    """A box. `figures` are plan figure keys whose values are printed inside it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    figures: tuple[str, ...] = Field(min_length=1)


class Edge(BaseModel):
    """An arrow from one box to another, optionally labelled with a figure's value."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    source: str
    target: str
    label: str | None = None
    figure: str | None = None


class Whiteboard(BaseModel):
    """Boxes and arrows; every arrow's ends must name boxes."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    components: tuple[Component, ...] = Field(min_length=1)
    edges: tuple[Edge, ...] = ()

    @model_validator(mode="after")
    def _edges_join_components(self) -> Whiteboard:
        ids = [c.id for c in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError("component ids must be unique")
        for edge in self.edges:
            for end in (edge.source, edge.target):
                if end not in ids:
                    raise ValueError(f"edge end {end!r} is not a component (ids: {ids})")
        return self

    @property
    def figure_keys(self) -> list[str]:
        keys = [k for c in self.components for k in c.figures]
        return keys + [e.figure for e in self.edges if e.figure]
