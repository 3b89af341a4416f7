"""Which replica a request goes to."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports Router; numpy stays out of its start-up
    import numpy as np


class Router(str, Enum):
    """- round-robin: in turn.
    - least-loaded: the replica with the fewest outstanding requests (ties: lowest index).
    - session: a session always lands on the same replica (hash of its id), which keeps its
      prefix in that replica's cache."""

    round_robin = "round-robin"
    least_loaded = "least-loaded"
    session = "session"


def pick(router: Router, arrival_index: int, session: int, outstanding: np.ndarray) -> int:
    if router is Router.round_robin:
        return arrival_index % len(outstanding)
    if router is Router.session:
        # Knuth's multiplicative hash spreads consecutive session ids across replicas.
        return (session * 2654435761) % (2**32) % len(outstanding)
    return int(outstanding.argmin())
