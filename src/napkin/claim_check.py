"""Compare what a written design states with what napkin computes from its inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from napkin.figures import Figure
from napkin.specs.claims import Claim
from napkin.units import si_prefix


@dataclass(frozen=True)
class ClaimCheck:
    """One stated figure next to napkin's value for it."""

    name: str
    figure: str
    stated: float | tuple[float, float]
    computed: float | None
    unit: str
    agrees: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        stated = list(self.stated) if isinstance(self.stated, tuple) else self.stated
        return {
            "name": self.name,
            "figure": self.figure,
            "stated": stated,
            "computed": self.computed,
            "unit": self.unit,
            "agrees": self.agrees,
            "note": self.note,
        }


def check_claim(claim: Claim, figures: dict[str, Figure]) -> ClaimCheck:
    """Agree when |computed − stated| ≤ tolerance × |stated| (or inside the widened range)."""
    figure = figures.get(claim.figure_key)
    stated: float | tuple[float, float] = (
        claim.stated if claim.stated is not None else claim.stated_range  # type: ignore[assignment]
    )
    extra = f" {claim.note}" if claim.note else ""
    if figure is None:
        known = ", ".join(sorted(figures))
        return ClaimCheck(
            claim.name,
            claim.figure_key,
            stated,
            None,
            "",
            False,
            f"napkin has no figure {claim.figure_key!r} (known: {known}).{extra}",
        )
    computed = float(figure.value)
    tol = claim.tolerance
    if claim.stated is not None:
        agrees = abs(computed - claim.stated) <= tol * abs(claim.stated)
        if agrees:
            note = f"within {tol:.0%} of the stated {si_prefix(claim.stated)}."
        elif computed:
            note = (
                f"does not follow from the inputs: stated {si_prefix(claim.stated)} is "
                f"{claim.stated / computed:.2f}× napkin's {si_prefix(computed)}."
            )
        else:
            note = f"does not follow from the inputs: napkin computes {computed:g}."
    else:
        low, high = claim.stated_range  # type: ignore[misc]
        agrees = low * (1 - tol) <= computed <= high * (1 + tol)
        span = f"{si_prefix(low)}–{si_prefix(high)}"
        note = (
            f"inside the stated range {span}."
            if agrees
            else f"outside the stated range {span}: napkin computes {si_prefix(computed)}."
        )
    return ClaimCheck(
        claim.name, claim.figure_key, stated, computed, figure.unit, agrees, note + extra
    )


def check_claims(claims: tuple[Claim, ...], figures: dict[str, Figure]) -> list[ClaimCheck]:
    return [check_claim(claim, figures) for claim in claims]
