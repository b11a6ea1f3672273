"""Excel and PDF exports: the official columns and the stored numbers; PDFs that render
(with the shipped DejaVu font embedded) and can be rasterised by poppler's pdftoppm."""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from test_results_support import (  # noqa: F401 (fixtures)
    campaigns,
    client_for,
    people,
    units,
)

pytestmark = pytest.mark.django_db

OFFICIAL = ["STT", "Tiêu chí", "Điểm tối đa", "Điểm tự đánh giá", "Điểm thẩm định", "Ghi chú"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def test_score_sheet_excel_in_the_official_layout(campaigns, people, units):
    response = client_for(people.reporter).get(
        f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/score-sheet.xlsx"
    )
    assert 'filename="bang-diem-d1-2025.xlsx"' in response["Content-Disposition"]
    ws = workbook(response).active
    assert "Sở Nội vụ" in ws["A1"].value
    assert [c.value for c in ws[5]] == OFFICIAL
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    # tree order: field, its criteria, next field
    assert [r[0] for r in rows[:6]] == ["1", "1.1", "1.2", "2", "2.1", "2.2"]
    assert rows[0][1:5] == ["Công tác chỉ đạo, điều hành", 10, 10, 8.5]
    assert rows[1][1:5] == ["Kế hoạch cải cách hành chính", 6, 6, 4.5]
    assert rows[5][2:5] == [4, 4, 3]
    assert ws["A6"].font.b and ws["B6"].font.b and not ws["B7"].font.b  # fields in bold
    assert ws["B7"].alignment.indent == 1
    assert ws["E7"].number_format == "0.00"
    totals = {r[1]: r[2:5] for r in rows[6:]}
    assert totals["Tổng điểm"] == [20, 20, 17.5]
    assert totals["Chỉ số (%)"] == [100, 100, 87.5]
    assert totals["Xếp loại"] == [None, "Tốt", "Tốt"]
    assert totals["Xếp hạng trong nhóm"] == [None, 1, 1]
    assert ws[f"B{6 + 6}"].font.b


def test_ranking_excel(campaigns, people):
    wb = workbook(client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/ranking.xlsx"))
    assert wb.sheetnames == ["Ban", "Sở, ban, ngành"]
    ws = wb["Sở, ban, ngành"]
    header = [c.value for c in ws[5]]
    assert header[:8] == ["STT", "Mã đơn vị", "Đơn vị", "Điểm", "Điểm tối đa", "Chỉ số (%)",
                          "Xếp hạng", "Xếp loại"]  # fmt: skip
    assert header[-2:] == ["Lĩnh vực 1 (%)", "Lĩnh vực 2 (%)"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    assert list(rows) == ["D1", "D3", "D2", "D5", "D4"]  # rank order, ties by name
    d1 = dict(zip(header, rows["D1"], strict=True))
    assert d1["Chỉ số (%)"] == 87.5 and d1["Xếp hạng"] == 1 and d1["Xếp loại"] == "Tốt"
    assert d1["Tăng/giảm chỉ số"] == pytest.approx(-2.5)
    assert d1["Tăng/giảm thứ hạng (bậc)"] == 1
    assert (d1["Lĩnh vực 1 (%)"], d1["Lĩnh vực 2 (%)"]) == (85, 90)
    d5 = dict(zip(header, rows["D5"], strict=True))
    assert d5["Tăng/giảm thứ hạng (bậc)"] is None
    assert d5["Chỉ số năm trước (%)"] == pytest.approx(72)
    assert d5["Ghi chú"].startswith("sáp nhập") and "D6×0.6" in d5["Ghi chú"]
    assert rows["D2"][6] == rows["D3"][6] == 2  # the tie
    only = workbook(
        client_for(people.viewer).get(
            f"/rankings/{campaigns.c2025.pk}/ranking.xlsx", {"group": "Ban"}
        )
    )
    assert only.sheetnames == ["Ban"]


def test_ranking_excel_of_a_reporter_has_their_rows_only_until_published(campaigns, people):
    wb = workbook(client_for(people.reporter).get(f"/rankings/{campaigns.c2025.pk}/ranking.xlsx"))
    assert [r[1] for r in wb["Sở, ban, ngành"].iter_rows(min_row=6, values_only=True)] == ["D1"]


def _png_of_first_page(pdf: bytes, tmp_path) -> bytes | None:
    if shutil.which("pdftoppm") is None:
        return None
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    pngs = sorted(tmp_path.glob("p*.png"))
    assert pngs, "pdftoppm produced no image"
    return pngs[0].read_bytes()


def _text(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode()


def _fonts(pdf: bytes, tmp_path) -> str | None:
    if shutil.which("pdffonts") is None:
        return None
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, timeout=60
    ).stdout.decode()


@pytest.fixture
def weasyprint():
    # A dependency of the product: a machine without it (or without Pango) must fail here.
    import weasyprint

    return weasyprint


def test_score_sheet_pdf(campaigns, people, units, tmp_path, weasyprint):
    response = client_for(people.head).get(
        f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/score-sheet.pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    png = _png_of_first_page(pdf, tmp_path)
    assert png is None or png.startswith(b"\x89PNG")
    text = _text(pdf, tmp_path)
    if text is not None:
        assert "Bảng điểm — Sở Nội vụ" in text  # Vietnamese glyphs, extractable
        assert "Tổng điểm" in text and "87,50" in text and "Trang 1 / 1" in text
    fonts = _fonts(pdf, tmp_path)
    if fonts is not None:
        # only the shipped font, embedded: the same output on a server without fonts
        names = [line.split()[0] for line in fonts.splitlines()[2:] if line.strip()]
        assert names and all("Parindex-Sans" in name for name in names)
        assert all(" yes " in line for line in fonts.splitlines()[2:] if line.strip())


def test_ranking_pdf_public_and_private(campaigns, people, tmp_path, weasyprint):
    private = client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/ranking.pdf")
    public = client_for().get(f"/results/{campaigns.c2024.pk}/ranking.pdf")
    for response in (private, public):
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
    png = _png_of_first_page(private.content, tmp_path)
    assert png is None or png.startswith(b"\x89PNG")
    text = _text(private.content, tmp_path)
    if text is not None:
        assert "Sở Văn hóa và Thể thao" in text and "sáp nhập" in text


def test_pdf_without_weasyprint_answers_503(campaigns, people, units, monkeypatch):
    from parindex.web.results import exports

    def unavailable(*args, **kwargs):
        raise exports.PdfUnavailable("no pango")

    monkeypatch.setattr(exports, "render_pdf", unavailable)
    response = client_for(people.viewer).get(
        f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/score-sheet.pdf"
    )
    assert response.status_code == 503
    assert "Excel" in response.content.decode()


def test_pdf_fetches_nothing_but_the_shipped_fonts(weasyprint):
    from parindex.web.results import exports

    fetcher = exports._fetcher_class()
    fetch = getattr(fetcher, "fetch", fetcher)
    for url in ("https://example.com/x.css", "file:///etc/passwd", "http://127.0.0.1/"):
        with pytest.raises(ValueError):
            fetch(url)
    assert exports.FONT_REGULAR.exists() and exports.FONT_BOLD.exists()
    assert (exports.FONT_DIR / "LICENSE-DejaVu.txt").exists()


def test_ranking_exports_carry_the_rank_interval(campaigns, people, tmp_path, weasyprint):
    """The Excel and PDF rankings show each rank's 5–95 % interval, the same as the page."""
    from parindex.web.results.uncertainty import campaign_intervals

    intervals = campaign_intervals(campaigns.c2025)
    assert intervals  # the campaign has results, so the analysis ran
    wb = workbook(client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/ranking.xlsx"))
    ws = wb["Sở, ban, ngành"]
    header = [c.value for c in ws[5]]
    low = header.index("Hạng có khả năng từ (phân vị 5)")
    high = header.index("Hạng có khả năng đến (phân vị 95)")
    assert header[low - 2 : low] == ["Xếp hạng", "Xếp loại"]
    for row in ws.iter_rows(min_row=6, values_only=True):
        expected = intervals[row[1]]
        assert (row[low], row[high]) == (expected["low"], expected["high"])
        assert row[low] <= row[6] <= row[high]  # the nominal rank lies inside
    pdf = client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/ranking.pdf")
    text = _text(pdf.content, tmp_path)
    assert text is not None, "pdftotext is needed (poppler-utils)"
    d1 = intervals["D1"]
    assert f"({d1['low']}–{d1['high']})" in text
    assert "phân vị" in text
