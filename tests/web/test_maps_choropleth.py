"""The map's classes agree with the numbers it prints: a unit is classed on its value as shown
(2 decimals) against the legend's limits as shown."""

from __future__ import annotations

from django.utils import translation

from parindex.web.maps.choropleth import MapOptions, build


def _row(code: str, index_pct: float) -> dict:
    return {"unit_code": code, "unit_name": code, "index_pct": index_pct, "index_change": None,
            "class_label": ""}  # fmt: skip


def test_a_unit_shown_at_a_limit_is_in_the_class_from_that_limit():
    # equal classes of [70, 91.351]: the limit is 80.6755, printed 80,68; a unit at 80.675
    # is printed 80,68 too, so it must sit in "80,68 – 91,35", not in "… to under 80,68".
    rows = [_row("A", 70.0), _row("B", 80.675), _row("C", 91.351)]
    with translation.override("vi"):
        result = build(rows, MapOptions(by="index", breaks="equal", classes=2), {})
    items = result.by_key()
    by_code = {item.code: item for item in items.values()}
    assert by_code["B"].value_label == "80,68"
    assert by_code["B"].class_index == 1
    assert by_code["A"].class_index == 0
    assert result.legend[1].label.startswith("80,68")
    assert [entry.count for entry in result.legend[:2]] == [1, 2]


def test_values_between_shown_limits_keep_their_class():
    rows = [_row("A", 70.0), _row("B", 80.664), _row("C", 91.351)]
    with translation.override("vi"):
        result = build(rows, MapOptions(by="index", breaks="equal", classes=2), {})
    by_code = {item.code: item for item in result.by_key().values()}
    assert by_code["B"].value_label == "80,66" and by_code["B"].class_index == 0
