"""What every fuzz case must survive: an answer or a NapkinError, within 5 s, as strict JSON.

`survive(call)` runs one case under a wall-clock alarm and sorts its ending: a value, an
expected NapkinError, or a `Defect` (any other exception, or a hang) that fails the test.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, settings

from napkin.errors import NapkinError

HANG_S = 5.0  # a case slower than this is a hang (issue #13)
T = TypeVar("T")

# Examples per fuzz test, scaled by NAPKIN_FUZZ_SCALE for longer local runs. Derandomized:
# CI sees the same cases every run (the seed is Hypothesis's, fixed by the test's name);
# NAPKIN_FUZZ_RANDOM=1 explores new ones.
SCALE = float(os.environ.get("NAPKIN_FUZZ_SCALE", "1"))
RANDOM = os.environ.get("NAPKIN_FUZZ_RANDOM") == "1"


CASES: Counter[str] = Counter()  # cases run per kind, printed at the end (conftest.py)


class Defect(AssertionError):
    """A case ended in something other than an answer or a clear error."""


class Hang(Defect):
    pass


def fuzz(examples: int) -> settings:
    """The settings of one fuzz test: `examples` cases, no per-case deadline (the alarm is
    the hang check), no stored database, same cases every run unless asked otherwise."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        # no explain phase: its line tracer slows a replay 5-10x, which reads as a hang
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread after `seconds` (SIGALRM: Linux and macOS)."""

    def ring(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler shape
        raise Hang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def survive(call: Callable[[], T]) -> T | NapkinError:
    """The call's value or its NapkinError; anything else (or a hang) is a Defect."""
    try:
        with alarm(HANG_S):
            return call()
    except NapkinError as error:
        if not str(error).strip():
            raise Defect("a NapkinError with no message") from error
        return error
    except Defect:
        raise
    except RecursionError as error:  # before Exception: its traceback is huge
        raise Defect("RecursionError") from error
    except Exception as error:  # noqa: BLE001 - sorting every ending is the point
        raise Defect(f"{type(error).__name__}: {error}") from error


def strict_json(value: Any) -> str:  # noqa: ANN401 - any JSON-shaped value
    """RFC 8259 JSON: NaN or Infinity anywhere is a Defect."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError as error:
        raise Defect(f"not strict JSON: {error}") from error


def strict_parse(text: str) -> Any:  # noqa: ANN401
    """Parse JSON refusing NaN and Infinity, as a strict parser does."""

    def refuse(constant: str) -> None:
        raise Defect(f"not strict JSON: {constant}")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise Defect(f"--json printed something that is not JSON: {error}") from error
