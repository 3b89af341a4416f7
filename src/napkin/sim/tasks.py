"""Independent simulations run where the user says: here, on local processes, or on Ray.

`run_tasks(fn, calls, executor)` returns `[fn(*args) for args in calls]`, in order, whatever
the executor, so the choice never changes an answer: `serial` in this process, `local` on a
process pool (one process a core), `ray` as Ray tasks on a local Ray or a cluster's address
(`pip install 'napkin[ray]'`). Shards of a fleet, seeds and drills use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from napkin.errors import NapkinError

EXECUTORS = ("serial", "local", "ray")


def run_tasks(
    fn: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    executor: str = "local",
    address: str | None = None,
    processes: int | None = None,
) -> list[Any]:
    """fn(*args) for every args of `calls`, in order, on `executor`."""
    if executor not in EXECUTORS:
        allowed = ", ".join(EXECUTORS)
        raise NapkinError(f"{executor!r}: allowed executors are {allowed}", field="--executor")
    if executor == "serial" or len(calls) == 1 and executor == "local":
        return [fn(*args) for args in calls]
    if executor == "ray":
        try:
            import ray
        except ImportError:
            raise NapkinError(
                "the Ray executor needs Ray: pip install 'napkin[ray]'", field="--executor"
            ) from None
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        task = ray.remote(fn)
        return list(ray.get([task.remote(*args) for args in calls]))
    with ProcessPoolExecutor(processes) as pool:
        return list(pool.map(fn, *zip(*calls, strict=True)))
