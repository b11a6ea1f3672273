"""Number formatting for reports, in Vietnamese (87,68; 1.234,5) or English (87.68).

Kept in one place so every report rounds the same way and only at display time: the
values themselves stay unrounded everywhere else.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

MISSING = "–"


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def fmt_number(
    x: float | int | None,
    decimals: int = 2,
    lang: str = "vi",
    *,
    signed: bool = False,
    missing: str = MISSING,
) -> str:
    """`x` rounded to `decimals` places with the separators of `lang`.

    Rounds half away from zero. vi: decimal comma and dot for thousands (87,68; 1.234,50); en: 87.68; 1,234.50.
    `signed` puts "+" before positive numbers (changes). A value that rounds to zero is
    printed without a sign, so a tiny negative change never shows as "-0,00".
    None / NaN give `missing`.
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"unknown language {lang!r}: use 'vi' or 'en'")
    if _is_missing(x):
        return missing
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    # Round half away from zero on the shortest decimal form, as Excel does: officials
    # compare these figures with their spreadsheets (87.675 → 87,68, not 87,67).
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(abs(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        sign = ""
    elif value < 0:
        sign = "-"
    else:
        sign = "+" if signed else ""
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return sign + text
