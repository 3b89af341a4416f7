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
      prefix in that replica's cache.
    - random: uniformly at random, independent of the replicas' state (a hash of the
      request's index and its seeded session id), so a Poisson stream splits into
      independent Poisson streams, one a replica."""

    round_robin = "round-robin"
    least_loaded = "least-loaded"
    session = "session"
    random = "random"


def pick(router: Router, arrival_index: int, session: int, outstanding: np.ndarray) -> int:
    if router is Router.round_robin:
        return arrival_index % len(outstanding)
    if router is Router.session:
        # Knuth's multiplicative hash spreads consecutive session ids across replicas.
        return (session * 2654435761) % (2**32) % len(outstanding)
    if router is Router.random:
        return _mix64(arrival_index << 32 ^ session) % len(outstanding)
    return int(outstanding.argmin())


MASK = 2**64 - 1


def _mix64(x: int) -> int:
    """SplitMix64's finaliser (Steele, Lea & Flood 2014): a uniform 64-bit hash of x."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)
