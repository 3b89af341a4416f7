"""Human formatting of SI values by unit, at the edge (JSON keeps raw SI values)."""

from __future__ import annotations

from napkin.units import GIB, TB, TERA


def _number(value: float) -> str:
    """Thousands separators, and as many decimals as a reader needs."""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def _money(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"${value / 1e9:,.2f}B"
    if magnitude >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if magnitude >= 1e3:
        return f"${value:,.0f}"
    if magnitude >= 0.01:
        return f"${value:,.2f}"
    return f"${value:.3g}"


def format_value(value: float | int | bool, unit: str) -> str:
    """'141,107,412,992 B' -> '131.4 GiB'; 0.0401 s -> '40.1 ms'; 5.0e6 USD -> '$5.01M'."""
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
        if abs(value) < 1e-3:
            return f"{value * 1e6:.3g} µs"
        return f"{value * 1e3:.3g} ms" if abs(value) < 1 else f"{value:.3g} s"
    if unit == "fraction":
        return f"{value:.0%}" if value >= 0.1 else f"{value:.2%}"
    if unit.startswith("USD"):
        rest = unit[3:].lstrip("/")
        return _money(value) + (f"/{rest}" if rest else "")
    if unit == "params":
        return f"{value / 1e9:,.2f}B params"
    if unit == "×":
        return f"{_number(value)}×"
    return f"{_number(value)} {unit}"


def format_claim(
    stated: float | tuple[float, float], computed: float | None, unit: str
) -> tuple[str, str]:
    """The stated value (or range) and napkin's value of a checked claim, each with its unit."""
    if isinstance(stated, tuple):
        low, high = (format_value(v, unit) for v in stated)
        shown = f"{low.split(' ')[0]}–{high}"
    else:
        shown = format_value(stated, unit)
    return shown, "–" if computed is None else format_value(computed, unit)
