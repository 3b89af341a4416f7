"""Where the candidates are planned: a local process pool, or Ray.

Both take the same pure function and arguments and return results in candidate order, so
the choice never changes an answer (tested). Ray is an optional extra
(`pip install napkin[ray]`), imported only when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from enum import Enum
from typing import Any, Protocol


class ExecutorKind(str, Enum):
    """Where `napkin optimize` plans its candidates: `LocalExecutor` or `RayExecutor`."""

    local = "local"
    ray = "ray"


class Executor(Protocol):
    def map(
        self, fn: Callable[..., Any], design: str, items: Sequence[Any], base: tuple[str, ...]
    ) -> list[Any]: ...


def _chunk(
    fn: Callable[..., Any], design: str, items: Sequence[Any], base: tuple[str, ...]
) -> list[Any]:
    return [fn(design, item, base) for item in items]


def _split(items: Sequence[Any], parts: int) -> list[Sequence[Any]]:
    size = max(1, -(-len(items) // parts))
    return [items[i : i + size] for i in range(0, len(items), size)]


# Below this many candidates the pool costs more than it saves: starting it forks the
# process (~0.5-2 s for a large one) while a candidate plans in ~5-50 ms.
MIN_PARALLEL = 32


class LocalExecutor:
    """A process pool of `workers` processes (default: the machine's cores); small lists
    are planned in this process."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map(
        self, fn: Callable[..., Any], design: str, items: Sequence[Any], base: tuple[str, ...]
    ) -> list[Any]:
        if self.workers == 1 or len(items) < MIN_PARALLEL:
            return _chunk(fn, design, items, base)
        chunks = _split(items, self.workers * 4)
        with ProcessPoolExecutor(self.workers) as pool:
            parts = pool.map(
                _chunk, [fn] * len(chunks), [design] * len(chunks), chunks, [base] * len(chunks)
            )
            return [result for part in parts for result in part]


class RayExecutor:
    """The same chunks as Ray tasks, on `ray.init(address=...)` or a local Ray."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            from napkin.errors import NapkinError

            raise NapkinError(
                "the Ray executor needs Ray: pip install 'napkin[ray]'", field="--executor"
            ) from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(
                address=address,
                num_cpus=num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                ignore_reinit_error=True,
            )
        self.remote = ray.remote(_chunk)

    def map(
        self, fn: Callable[..., Any], design: str, items: Sequence[Any], base: tuple[str, ...]
    ) -> list[Any]:
        chunks = _split(items, int(self.ray.available_resources().get("CPU", 1)) * 4)
        refs = [self.remote.remote(fn, design, chunk, base) for chunk in chunks]
        return [result for part in self.ray.get(refs) for result in part]
