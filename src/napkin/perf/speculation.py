"""Speculative decoding as a replica runs it: shared by the plan and the simulator.

Each step a draft model proposes k tokens per sequence (k draft passes, which run inside
the target's step and skip its fixed overhead); the target verifies k + 1 rows per
sequence and keeps (1 − a^(k+1)) / (1 − a) tokens on average (Leviathan et al. 2023, eq. 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from napkin.perf.batching import Engine
from napkin.perf.efficiency import resolve
from napkin.specs.catalog import find_model
from napkin.specs.deployment import Deployment
from napkin.specs.design import CompletionDesign, DesignBase


def expected_tokens_per_step(acceptance_rate: float, draft_tokens: int) -> float:
    """expected_tokens_per_step = (1 − a^(k+1)) / (1 − a)

    Tokens a target step yields with k drafted tokens accepted each with probability a,
    counting the target's own token (Leviathan et al. 2023, eq. 1).
    """
    a, k = acceptance_rate, draft_tokens
    return (1 - a ** (k + 1)) / (1 - a)


@dataclass(frozen=True)
class Drafting:
    """`draft_tokens` proposed per step by `draft`; `tokens_per_step` kept on average."""

    draft_tokens: int
    tokens_per_step: float
    draft: Engine

    @property
    def rows(self) -> int:
        """Verify rows per sequence through the target: k + 1."""
        return self.draft_tokens + 1


def drafting_of(design: DesignBase) -> Drafting | None:
    """The design's speculation (code completion's `completion.speculation`), or None. The
    draft model runs unsharded at the target's precision on the same GPU type."""
    if not isinstance(design, CompletionDesign) or design.completion.speculation is None:
        return None
    spec = design.completion.speculation
    draft = Engine(
        find_model(spec.draft_model),
        design.hardware,
        Deployment(precision=design.deployment.precision),
        resolve(design.efficiency, design.hardware, design.profile, design.deployment.engine),
    )
    tokens = expected_tokens_per_step(spec.acceptance_rate, spec.draft_tokens)
    return Drafting(spec.draft_tokens, tokens, draft)
