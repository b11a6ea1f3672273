"""`{% load parindex_format %}`: numbers as officials read them in the active language.

    {{ result.index_pct|number:2 }}   → 87,68 (vi) / 87.68 (en); 1.234,50 / 1,234.50
    {{ result.index_change|signed:2 }} → +1,14 / -0,27

Rounding happens here and only here (half away from zero, like the spreadsheets the
figures are compared with); views and models keep unrounded values. Uses the same
`parindex.analysis.fmt.fmt_number` as the command line, so screen and CLI agree.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from parindex.analysis.fmt import fmt_number

register = template.Library()


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _decimals(arg: object) -> int:
    try:
        return int(arg)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 2


@register.filter
def number(value: object, decimals: object = 2) -> str:
    return fmt_number(value, _decimals(decimals), _lang())  # type: ignore[arg-type]


@register.filter
def signed(value: object, decimals: object = 2) -> str:
    return fmt_number(value, _decimals(decimals), _lang(), signed=True)  # type: ignore[arg-type]
