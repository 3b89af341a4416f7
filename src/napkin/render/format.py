"""Human formatting of SI values by unit, at the edge (JSON keeps raw SI values), and the
one layout helper every terminal table shares: pick a narrow or a wide form by the width
the table is drawn at, so nothing is cut with "…" at 80 columns or in a pipe."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, RenderableType

from napkin.units import GIB, TB, TERA

# Ascending (factor, suffix) ladders; a value takes the largest factor it reaches.
DURATIONS = (
    (1e-9, "ns"),
    (1e-6, "µs"),
    (1e-3, "ms"),
    (1.0, "s"),
    (60.0, "min"),
    (3600.0, "h"),
    (86400.0, "d"),
)
DOLLARS = ((1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T"))
# How a unit after "USD/" reads in a sentence.
PER = {"Mtok": "M tokens"}
# Below this many columns tables stack or drop columns instead of squeezing them.
WIDE = 120


def _number(value: float) -> str:
    """Thousands separators, and as many decimals as a reader needs."""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def _rounded(value: float) -> float:
    """`value` rounded to three significant digits (used to pick a scale before printing)."""
    return float(f"{value:.3g}")


def significant(value: float) -> str:
    """Three significant digits with trailing zeros dropped, but at least two digits shown:
    1 -> '1.0', 15 -> '15', 6.25 -> '6.25', 5.0 -> '5.0', 1234 -> '1,234'."""
    rounded = _rounded(value)
    if rounded == 0:
        return "0"
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    text = f"{rounded:.3g}"
    if "e" in text:
        return text
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text.lstrip("-0.").replace(".", "")) < 2:
        text += "0" if "." in text else ".0"
    return text


def _scaled(value: float, ladder: tuple[tuple[float, str], ...]) -> tuple[str, str]:
    """The value in the largest unit of `ladder` it reaches once rounded, and that unit."""
    magnitude = abs(_rounded(value))
    factor, suffix = ladder[0]
    for step, name in ladder:
        if magnitude >= step:
            factor, suffix = step, name
    return significant(value / factor), suffix


def duration(seconds: float) -> str:
    """850e-6 -> '850 µs'; 0.042 -> '42 ms'; 0.9996 -> '1.0 s'; 192 -> '3.2 min'."""
    if seconds == 0:
        return "0 s"
    number, suffix = _scaled(seconds, DURATIONS)
    return f"{number} {suffix}"


def money(value: float) -> str:
    """950 -> '$950'; 14_400 -> '$14.4k'; 5.01e6 -> '$5.01M'; 1.39 -> '$1.39'."""
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if _rounded(magnitude) >= 1000:
        number, suffix = _scaled(magnitude, DOLLARS)
        return f"{sign}${number}{suffix}"
    if round(magnitude, 2) >= 100:
        return f"{sign}${magnitude:,.0f}"
    if magnitude >= 0.005 or magnitude == 0:
        return f"{sign}${magnitude:.2f}"
    return f"{sign}${magnitude:.3g}"


def format_value(value: float | int | bool, unit: str) -> str:
    """'141,107,412,992 B' -> '131.4 GiB'; 0.0401 s -> '40.1 ms'; 5.0e6 USD -> '$5.0M'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "B":
        for factor, name in ((GIB, "GiB"), (2.0**20, "MiB"), (2.0**10, "KiB")):
            if abs(value) >= factor:
                return f"{value / factor:,.1f} {name}"
        return f"{value:,.0f} B"
    if unit == "B/s":
        return f"{value / TB:,.2f} TB/s"
    if unit == "FLOP/s":
        return f"{value / TERA:,.1f} TFLOP/s"
    if unit == "s":
        return duration(value)
    if unit == "fraction":
        return f"{value:.0%}" if value >= 0.1 else f"{value:.2%}"
    if unit.startswith("USD"):
        rest = unit[3:].lstrip("/")
        return money(value) + (f"/{PER.get(rest, rest)}" if rest else "")
    if unit == "params":
        return f"{value / 1e9:,.2f}B params"
    if unit == "×":
        return f"{_number(value)}×"
    return f"{_number(value)} {unit}"


def value_range(low: str, high: str) -> str:
    """Two formatted values as one range, the shared unit written once:
    ('1,000 tokens/s', '2,000 tokens/s') -> '1,000–2,000 tokens/s';
    ('$5.9M/month', '$7.4M/month') -> '$5.9M–$7.4M/month'; ('30 ms', '1.0 s') kept whole."""
    for separator in (" ", "/"):
        head, mark, tail = low.partition(separator)
        if mark and high.endswith(mark + tail):
            return f"{head}–{high}"
    return f"{low}–{high}"


def format_claim(
    stated: float | tuple[float, float], computed: float | None, unit: str
) -> tuple[str, str]:
    """The stated value (or range) and napkin's value of a checked claim, each with its unit."""
    if isinstance(stated, tuple):
        shown = value_range(*(format_value(v, unit) for v in stated))
    else:
        shown = format_value(stated, unit)
    return shown, "–" if computed is None else format_value(computed, unit)


class ByWidth:
    """A renderable that draws `narrow` below `width` columns and `wide` at or above it,
    judged by the width it is given (the terminal, a pipe's 80, or a panel's inside)."""

    def __init__(self, narrow: RenderableType, wide: RenderableType, width: int = WIDE) -> None:
        self.narrow, self.wide, self.width = narrow, wide, width

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> Iterator[RenderableType]:
        yield self.wide if options.max_width >= self.width else self.narrow
