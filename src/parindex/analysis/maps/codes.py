"""Unit codes as the tile grid, the GeoJSON files and the database write them."""

from __future__ import annotations

from typing import Any


def code_key(code: Any) -> str:
    """A unit code for matching: trimmed, case-folded, and numeric codes without leading
    zeros, so "01", "1" and 1 match (GSO codes are written with 2 or 5 digits)."""
    text = str(code).strip()
    if text.isdigit():
        return str(int(text))
    return text.casefold()
