"""Who uses the system and how much: the demand side of a design."""

from __future__ import annotations

from math import exp, log
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from napkin.specs.bounds import at_least

if TYPE_CHECKING:  # numpy loads only when a simulation samples lengths
    import numpy as np
    from numpy.random import Generator


MAX_TOKENS = 1e8
"""No prompt or generation is longer: 1e8 tokens is past every model's context window."""


class LogNormalLength(BaseModel):
    """Token counts spread log-normally around the workload's mean.

    With log-space spread `sigma`, mu = ln(mean) - sigma^2 / 2 keeps the stated mean, and the
    q-quantile is exp(mu + sigma * z_q).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["lognormal"] = "lognormal"
    sigma: float = Field(
        gt=0, le=5, description="log-space spread; > 5 puts the p99 past 1e5x the mean"
    )

    def quantile(self, mean: float, q: float) -> float:
        mu = log(mean) - self.sigma**2 / 2
        return exp(mu + self.sigma * NormalDist().inv_cdf(q))

    def sample(self, rng: Generator, mean: float, n: int) -> np.ndarray:
        """n draws with the stated mean (at least one token each)."""
        import numpy as np

        mu = log(mean) - self.sigma**2 / 2
        return np.maximum(1, np.rint(rng.lognormal(mu, self.sigma, n)))


class ExponentialLength(BaseModel):
    """Token counts drawn geometrically (the discrete exponential) around the mean: the
    service-time shape queueing theory's M/M/c assumes."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["exponential"] = "exponential"

    def quantile(self, mean: float, q: float) -> float:
        return max(1.0, -mean * log(1 - q))

    def sample(self, rng: Generator, mean: float, n: int) -> np.ndarray:
        return rng.geometric(1 / max(mean, 1.0), n).astype(float)


class EmpiricalLength(BaseModel):
    """Token counts drawn from observed values (with optional weights)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["empirical"] = "empirical"
    values: tuple[Annotated[float, Field(le=MAX_TOKENS)], ...] = Field(
        min_length=1, description="observed token counts; each ≤ 1e8 (past any context window)"
    )
    weights: tuple[Annotated[float, Field(ge=0, le=1e15)], ...] | None = Field(
        default=None, description="relative weights, ≥ 0 and ≤ 1e15, not all zero"
    )

    @model_validator(mode="after")
    def _weights_match(self) -> EmpiricalLength:
        if any(v <= 0 for v in self.values):
            raise ValueError("values must all be positive token counts")
        if self.weights is not None and (
            len(self.weights) != len(self.values) or any(w < 0 for w in self.weights)
        ):
            raise ValueError("weights must be non-negative and as many as values")
        if self.weights is not None and sum(self.weights) <= 0:
            raise ValueError("weights must not all be zero (nothing would ever be drawn)")
        return self

    def _pairs(self) -> list[tuple[float, float]]:
        weights = self.weights or tuple(1.0 for _ in self.values)
        total = sum(weights)
        return sorted((v, w / total) for v, w in zip(self.values, weights, strict=False))

    @property
    def mean(self) -> float:
        return sum(v * w for v, w in self._pairs())

    def sample(self, rng: Generator, mean: float, n: int) -> np.ndarray:
        """n draws from the observed values with their weights (`mean` is implied)."""
        import numpy as np

        values, weights = zip(*self._pairs(), strict=True)
        return np.maximum(1, np.rint(rng.choice(np.array(values), n, p=np.array(weights))))

    def quantile(self, mean: float, q: float) -> float:
        """The smallest value whose cumulative weight reaches q (the `mean` is not needed)."""
        cumulative = 0.0
        for value, weight in self._pairs():
            cumulative += weight
            if cumulative >= q - 1e-12:
                return value
        return self._pairs()[-1][0]


LENGTH_KINDS = ("lognormal", "exponential", "empirical")


def _length_kind(value: Any) -> str:
    """The union's tag: a known `kind`, else "kind" (which reports the bad kind by name)."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in LENGTH_KINDS else "kind"


def _unknown_kind(value: Any) -> Any:
    """Refuse a distribution whose `kind` is missing or unknown, naming the allowed kinds
    (the error's path ends in `.kind`: the tag this branch is chosen under)."""
    if not isinstance(value, dict):
        problem = "a distribution is a mapping with a kind"
    elif value.get("kind") is None:
        problem = "required"
    else:
        problem = f"unknown kind {value['kind']!r}"
    raise ValueError(f"{problem}; allowed: {', '.join(LENGTH_KINDS)}")


Length = Annotated[
    Annotated[LogNormalLength, Tag("lognormal")]
    | Annotated[ExponentialLength, Tag("exponential")]
    | Annotated[EmpiricalLength, Tag("empirical")]
    | Annotated[Any, AfterValidator(_unknown_kind), Tag("kind")],
    Discriminator(_length_kind),
]


def sample_lengths(dist: Length | None, rng: Generator, mean: float, n: int) -> np.ndarray:
    """n token counts: the distribution's draws, or the mean itself when none is given."""
    import numpy as np

    if dist is None:
        return np.full(n, max(1.0, round(mean)))
    return dist.sample(rng, mean, n)


class Workload(BaseModel):
    """Daily demand and the shape of one turn (one request to the model)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    dau: Annotated[float, at_least(1, "user")] = Field(
        gt=0,
        le=1e11,
        description="daily active users; 1 to 1e11 (more than the world's population x10)",
    )
    sessions_per_user_per_day: float = Field(
        ge=1e-3, le=1e4, description="1e-3 (one a few years) to 1e4 (one every ~9 s all day)"
    )
    turns_per_session: float = Field(
        ge=1, le=1e5, description="requests per session; at least one, at most 1e5"
    )
    input_tokens_per_turn: Annotated[float, at_least(1, "token")] = Field(
        gt=0, le=MAX_TOKENS, description="mean prompt tokens per request; 1 to 1e8"
    )
    output_tokens_per_turn: float = Field(
        ge=1,
        le=MAX_TOKENS,
        description="mean generated tokens per request; at least one token, at most 1e8",
    )
    peak_to_average: float = Field(
        default=1.0, ge=1, le=1e3, description="peak QPS / average QPS; 1 to 1e3"
    )
    input_tokens_distribution: Length | None = None
    output_tokens_distribution: Length | None = None
    prefix_cache_hit_rate: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="share of input tokens found in the prefix cache (a shared system "
        "prompt, earlier turns); 0 to below 1",
    )
    reasoning_tokens_per_turn: float = Field(
        default=0.0,
        ge=0,
        le=MAX_TOKENS,
        description="of the output tokens, those spent reasoning and never shown; 0 to "
        "output_tokens_per_turn",
    )

    @model_validator(mode="after")
    def _reasoning_within_output(self) -> Workload:
        if self.reasoning_tokens_per_turn > self.output_tokens_per_turn:
            raise ValueError(
                f"reasoning_tokens_per_turn ({self.reasoning_tokens_per_turn:g}) must be at most "
                f"output_tokens_per_turn ({self.output_tokens_per_turn:g}): they are part of it"
            )
        return self

    @model_validator(mode="after")
    def _empirical_means_agree(self) -> Workload:
        for field, mean in (
            ("input_tokens_distribution", self.input_tokens_per_turn),
            ("output_tokens_distribution", self.output_tokens_per_turn),
        ):
            dist = getattr(self, field)
            if isinstance(dist, EmpiricalLength) and abs(dist.mean - mean) > 0.01 * mean:
                raise ValueError(
                    f"{field} has mean {dist.mean:.1f}, but the stated mean is {mean:g}; "
                    "make them agree (within 1%)"
                )
        return self

    def input_tokens_quantile(self, q: float) -> float:
        """q-quantile of prompt length; the mean itself when no distribution is given."""
        dist = self.input_tokens_distribution
        return dist.quantile(self.input_tokens_per_turn, q) if dist else self.input_tokens_per_turn

    def output_tokens_quantile(self, q: float) -> float:
        """q-quantile of generated length; the mean itself when no distribution is given."""
        dist = self.output_tokens_distribution
        mean = self.output_tokens_per_turn
        return dist.quantile(mean, q) if dist else mean
