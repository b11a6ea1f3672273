"""Answer distributions, the Excel export and the SVG chart."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from openpyxl import load_workbook

from parindex.survey.estimate import ALL
from parindex.survey.instrument import builtin_instrument
from parindex.survey.reports import answer_distribution, bar_chart_svg, estimates_to_excel

SIPAS = builtin_instrument("sipas-bnv-2022")


def test_weighted_answer_distribution_lists_every_choice():
    data = pd.DataFrame(
        {"q9_01": ["5", "5", "2", ""], "w": [1.0, 2.0, 1.0, 5.0], "unit": ["A", "A", "B", "B"]}
    )
    out = answer_distribution(data, SIPAS, "w", questions=["q9_01"])
    assert out["answer"].tolist() == ["1", "2", "3", "4", "5"]
    # answered weight 1 + 2 + 1 = 4 (the blank is left out): "5" → 3/4, "2" → 1/4
    shares = dict(zip(out["answer"], out["share_pct"], strict=True))
    assert shares == pytest.approx({"1": 0, "2": 25.0, "3": 0, "4": 0, "5": 75.0})
    assert out.loc[out["answer"] == "5", "count"].item() == 2
    assert out.loc[out["answer"] == "5", "answer_label"].item() == "Rất hài lòng"
    by_unit = answer_distribution(data, SIPAS, "w", questions=["q9_01"], by="unit")
    b = by_unit[by_unit["unit"] == "B"].set_index("answer")["share_pct"]
    assert b["2"] == pytest.approx(100.0) and b["5"] == pytest.approx(0.0)


ESTIMATES = pd.DataFrame(
    {
        "unit_code": ["U1", "U1", "U1", ALL],
        "element": ["access", "procedures", "overall", "overall"],
        "estimate_pct": [82.5, 70.0, 76.25, 80.0],
        "se_pct": [3.0, 4.0, 2.5, 1.0],
        "ci_low_pct": [76.62, 62.16, 71.35, 78.04],
        "ci_high_pct": [88.38, 77.84, 81.15, 81.96],
        "n": [120, 118, 121, 1000],
    }
)


def test_bar_chart_is_valid_svg_with_a_bar_and_an_interval_per_element():
    svg = bar_chart_svg(ESTIMATES, unit="U1", names={"access": "Tiếp cận <dịch vụ>"})
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    rects = root.findall(f"{ns}rect")
    assert len(rects) == 3
    # bar length / axis length (tick 0 to tick 100) = 82.5 %
    ticks = {t.text: float(t.get("x")) for t in root.iter(f"{ns}text") if t.text in ("0", "100")}
    axis = ticks["100"] - ticks["0"]
    assert float(rects[0].get("x")) == pytest.approx(ticks["0"])
    assert float(rects[0].get("width")) / axis == pytest.approx(0.825, abs=1e-3)
    assert float(rects[1].get("width")) / axis == pytest.approx(0.70, abs=1e-3)
    texts = [
        t.find(f"{ns}title").tail if t.find(f"{ns}title") is not None else t.text
        for t in root.iter(f"{ns}text")
    ]
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert "Tiếp cận <dịch vụ>" in titles  # escaped in the document, intact once parsed
    assert "82,5 (n=120)" in texts  # Vietnamese decimal comma
    assert texts.index("overall") > texts.index("procedures")  # the overall index last
    long_name = bar_chart_svg(ESTIMATES, unit="U1", names={"access": "x" * 200})
    assert "x" * 200 in long_name and "x" * 150 + "…" not in long_name  # cut, full in title
    whiskers = [ln for ln in root.iter(f"{ns}line") if ln.get("stroke") == "#222"]
    assert len(whiskers) == 9  # three lines per interval
    en = bar_chart_svg(ESTIMATES, unit="U1", lang="en")
    assert "82.5 (n=120)" in en


def test_excel_export_has_vietnamese_headers_and_unrounded_values():
    data = estimates_to_excel(ESTIMATES, names={"access": "Tiếp cận dịch vụ"})
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Ước lượng"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Mã đơn vị", "Yếu tố / chỉ số", "Tên", "Ước lượng (%)"]
    assert ws.cell(row=2, column=3).value == "Tiếp cận dịch vụ"
    assert ws.cell(row=2, column=4).value == 82.5
    assert ws.cell(row=5, column=1).value == ALL
    back = pd.read_excel(io.BytesIO(data))
    assert len(back) == 4
