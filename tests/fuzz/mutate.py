"""Strategies that break inputs the way users do: mutate a valid mapping (designs, HF
configs, trace rows) one leaf at a time, with the values that broke napkin before
(zeros, negatives, 1e308, 5e-324, NaN, strings for numbers, fractions for counts)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from napkin.specs.catalog import gpus, models

# Values that broke napkin before (issue #13) and their neighbours.
EXTREMES: list[Any] = [
    0,
    0.0,
    -1,
    -0.5,
    0.01,
    0.5,
    1,
    2,
    3,
    7,
    1e-9,
    5e-324,
    1e-308,
    1e308,
    -1e308,
    1e9,
    10**30,
    2**63,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    False,
    None,
]
WORDS: list[Any] = [
    "",
    " ",
    "abc",
    "NOPE",
    "1e3",
    "-1",
    "nan",
    "inf",
    "0x10",
    "1,000",
    "ü",
    "../../x",
    "bf16",
    "fp8",
    "fp16",
    "int8",
    "int4",
    "fp4",
    "fp7",
    "chatbot",
    "coding-agent",
    "code-completion",
    "finetune-service",
    "eval-harness",
    "normal",
    "lognormal",
    "empirical",
    "constant",
    "uniform",
    "round-robin",
    "least-loaded",
]
CATALOG: list[str] = sorted({g.name for g in gpus()} | {m.name for m in models()})


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(EXTREMES),
        st.sampled_from(WORDS + CATALOG),
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.just([]),
        st.just({}),
        st.lists(st.sampled_from([1, -1, 0, 0.5, "x"]), max_size=4),
    )


def leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:  # noqa: ANN401
    """Every path into a nested mapping, containers included (a container can be replaced
    whole)."""
    out = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += leaves(value, (*path, index))
    return out


def _get(data: Any, path: tuple[Any, ...]) -> Any:  # noqa: ANN401
    for key in path:
        data = data[key]
    return data


# Prose and records of what a design claims: mutated less often than the inputs.
NOTES = {"claims", "failure_modes", "description", "whiteboard", "note", "source"}


def inputs(paths: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [p for p in paths if not NOTES & {k for k in p if isinstance(k, str)}] or paths


@st.composite
def replacement(draw: st.DrawFn, old: Any) -> Any:  # noqa: ANN401
    """A new value for a leaf. A number is mostly scaled by a power of ten (small powers
    often, so values land near the bounds; huge ones sometimes, for overflow), negated, made
    fractional or written as a string; otherwise any scalar of any type."""
    number = isinstance(old, int | float) and not isinstance(old, bool)
    if number and draw(st.integers(0, 9)) < 7:
        how = draw(st.sampled_from(["scale"] * 5 + ["huge", "negate", "fraction", "string"]))
        if how in ("scale", "huge"):
            power = draw(st.integers(-3, 7) if how == "scale" else st.integers(-320, 308))
            return old * 10.0**power
        if how == "negate":
            return -old
        if how == "fraction":
            return old + 0.5
        return str(old)
    return draw(scalars())


@st.composite
def mutated(draw: st.DrawFn, original: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """`original` with 1 to `most` mutations: replace a leaf, delete a key, add an unknown
    key, or duplicate a list item."""
    data = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, most))):
        paths = leaves(data)
        if not paths:
            break
        path = draw(st.sampled_from(inputs(paths) if draw(st.integers(0, 4)) else paths))
        parent = _get(data, path[:-1])
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "copy"]))
        if op == "replace":
            parent[path[-1]] = draw(replacement(_get(data, path)))
        elif op == "delete":
            del parent[path[-1]]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "tp", "kind", "name", "bogus"]))] = draw(
                scalars()
            )
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return data


def dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


@st.composite
def overrides(draw: st.DrawFn, original: dict[str, Any]) -> list[str]:
    """`--set path=value` texts as a user types them, on real or misspelt paths."""
    out = []
    for _ in range(draw(st.integers(1, 3))):
        paths = inputs([p for p in leaves(original) if all(isinstance(k, str) for k in p)])
        path = dotted(draw(st.sampled_from(paths)))
        if draw(st.integers(0, 9)) == 0:
            path = draw(st.sampled_from([path + "x", "x" + path, path + ".deeper", "", "."]))
        value = draw(st.one_of(st.sampled_from(WORDS + CATALOG), st.builds(str, scalars())))
        out.append(f"{path}={value}" if draw(st.integers(0, 19)) else path)
    return out
