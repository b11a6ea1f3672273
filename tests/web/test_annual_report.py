"""The annual report (`parindex.web.annual`): the PDF with every section checked as text
and as page images, the Excel workbook against the database, who may download it, the
button on the campaign page, and `parindex report`.

The campaigns are those of test_results_support.py (2023 and 2024 published, 2025
finalised; departments of the province P). For 2025 the test adds what the other
sections need: survey estimates fed into the campaign, dossiers of D1 and D2 in 2025 (the
dossier store of test_dossiers_support.py), a remedial plan made from the 2025 results
(the remedial app's own services), and the rank uncertainty of the results app.

2025 appraised indices (of 20 points): D1 87.5, D2 85, D3 85, D5 80, D4 50; B1 85 alone in
its peer group "Ban" → the average is 472.5 / 6 = 78.75, printed "78,75".
"""

# ruff: noqa: F401, F811

from __future__ import annotations

import datetime as dt
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_dossiers_support import dossier_store
from test_remedial_support import add, make_plan, set_status
from test_results_support import campaigns, client_for, people, units
from typer.testing import CliRunner

pytestmark = pytest.mark.django_db

SECTION_TITLES = [
    "Tổng quan kết quả",
    "Bảng xếp hạng theo nhóm đơn vị",
    "Phân nhóm, xếp loại",
    "Chỉ số thành phần và đơn vị dẫn đầu từng lĩnh vực",
    "Chỉ số trung bình theo nhóm đơn vị và theo vùng",
    "Đơn vị thay đổi nhiều nhất",
    "Phân tích điểm bị trừ",
    "Kết quả điều tra xã hội học",
    "Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)",
    "Tình hình thực hiện kế hoạch khắc phục",
    "Độ tin cậy của thứ hạng",
]
NOT_AVAILABLE = [
    "Chưa có kết quả điều tra xã hội học",
    "Chưa có dữ liệu hồ sơ",
    "Chưa có kế hoạch khắc phục",
    "Phần này chưa có",
]
# A4 is 595.28 × 841.89 pt; at 50 dpi (50/72 px per pt) pdftoppm rounds each side up
A4_AT_50_DPI = (math.ceil(595.276 * 50 / 72), math.ceil(841.89 * 50 / 72))  # (414, 585)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Rendered PDFs are cached under the media directory: one per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def full_year(campaigns, people, units, dossier_store):
    """The 2025 campaign with survey estimates, dossier data and a remedial plan."""
    from parindex.web.surveys.models import CampaignSurveyEstimate, Survey
    from parindex.web.units.models import today

    c = campaigns.c2025
    survey = Survey.objects.create(
        root_unit=units.p, year=2025, name="Điều tra 2025", instrument_id="sipas",
        instrument_version="1",
    )  # fmt: skip
    for unit, est, low, high in ((units.d1, 82.5, 78.0, 87.0), (units.d2, 71.0, 65.5, 76.5)):
        CampaignSurveyEstimate.objects.create(
            campaign=c, unit=unit, survey=survey, element="satisfaction",
            element_name="Mức độ hài lòng", leaf_codes=[], estimate_pct=est, ci_low_pct=low,
            ci_high_pct=high, n=120,
        )  # fmt: skip
    on = today()
    past, ahead = on - dt.timedelta(days=3), on + dt.timedelta(days=30)
    plan = make_plan(c, units.p, people.admin, title="Kế hoạch khắc phục năm 2026")
    d1_11, _d1_22 = add(plan, units.d1, people.admin, ("1.1", 1, ahead), ("2.2", 1, past))
    (d2_21,) = add(plan, units.d2, people.admin, ("2.1", 1, ahead))
    set_status(d1_11, people.admin, "done")
    set_status(d2_21, people.admin, "in_progress")
    return c


def pdf_pages(content: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True, text=True, check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]  # fmt: skip


def flat(text: str) -> str:
    """Text with every run of white space as one space (lines wrap in the PDF)."""
    return " ".join(text.split())


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- the PDF ------------------------------------------------------------------------------------


def test_pdf_has_every_section_contents_with_page_numbers_and_images(full_year, people, tmp_path):
    content = download(client_for(people.viewer), f"/annual/{full_year.pk}/report.pdf")
    assert content.startswith(b"%PDF")
    pages = pdf_pages(content, tmp_path)
    n = len(pages)
    assert n >= 12  # cover, contents and one page at least per section
    # the cover: no page number; every other page "Trang k / n"
    assert "Kết quả Chỉ số cải cách hành chính năm 2025" in flat(pages[0])
    assert "Trang" not in pages[0]
    for k in range(2, n + 1):
        assert f"Trang {k} / {n}" in pages[k - 1]
    # contents: each section with the page it starts on
    contents = pages[1]
    assert "Mục lục" in contents
    for number, title in enumerate(SECTION_TITLES, start=1):
        heading = f"{number}. {title}"
        found = re.search(re.escape(heading) + r"\s*\.{3,}\s*(\d+)", contents)
        assert found, heading
        page = int(found.group(1))
        assert re.search(r"^\s*" + re.escape(heading) + r"\s*$", pages[page - 1], re.M), (
            heading, page,
        )  # fmt: skip
    text = flat("\n".join(pages))
    for missing in NOT_AVAILABLE:  # every section has its data
        assert missing not in text
    assert "78,75" in text  # the average index, in Vietnamese format
    assert "82,50 (78,00–87,00)" in text  # D1's survey estimate with its interval
    assert "Sở Văn hóa và Thể thao" in text and "sáp nhập: D6×0.6, D7×0.4" in text

    # every page as an image: there, of the page's size, and not blank
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == n
    sizes = set()
    for path in images:
        with Image.open(path) as image:
            sizes.add(image.size)
            assert image.size in (A4_AT_50_DPI, A4_AT_50_DPI[::-1]), (path.name, image.size)
            pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > 8, path.name  # text, tables and charts, not an empty page
        assert (pixels < 128).mean() > 0.002, path.name
    assert A4_AT_50_DPI[::-1] in sizes  # the ranking is printed on landscape pages


def test_pdf_sections_without_data_say_why(campaigns, people, tmp_path):
    """2023 has no previous year, no survey, no dossiers, no plans: the parts stay, empty."""
    content = download(client_for(people.viewer), f"/annual/{campaigns.c2023.pk}/report.pdf")
    text = flat("\n".join(pdf_pages(content, tmp_path)))
    for title in SECTION_TITLES:
        assert title in text
    assert "Không có số liệu năm trước để so sánh." in text
    assert "Chưa có kết quả điều tra xã hội học nào được đưa vào đợt đánh giá này." in text
    assert "Chưa có dữ liệu hồ sơ thủ tục hành chính" in text


def test_pdf_is_rendered_once_per_content(full_year, people, monkeypatch, media):
    from parindex.web.annual import views

    calls = []
    real = views.html_to_pdf

    def counting(html):
        calls.append(len(html))
        return real(html)

    monkeypatch.setattr(views, "html_to_pdf", counting)
    client = client_for(people.viewer)
    first = download(client, f"/annual/{full_year.pk}/report.pdf")
    second = download(client, f"/annual/{full_year.pk}/report.pdf")
    assert first == second and len(calls) == 1
    assert len(list((media / "annual").glob(f"{full_year.pk}-internal-vi-*.pdf"))) == 1
    # a new fact (another survey estimate) changes the HTML: rendered again, old file gone
    from parindex.web.surveys.models import CampaignSurveyEstimate

    CampaignSurveyEstimate.objects.filter(campaign=full_year).update(estimate_pct=90.0)
    download(client, f"/annual/{full_year.pk}/report.pdf")
    assert len(calls) == 2
    assert len(list((media / "annual").glob(f"{full_year.pk}-internal-vi-*.pdf"))) == 1


def test_pdf_without_weasyprint_answers_503(campaigns, people, monkeypatch):
    from parindex.web.annual import views
    from parindex.web.pdf import PdfUnavailable

    def unavailable(html):
        raise PdfUnavailable("no pango")

    monkeypatch.setattr(views, "html_to_pdf", unavailable)
    response = client_for(people.viewer).get(f"/annual/{campaigns.c2025.pk}/report.pdf")
    assert response.status_code == 503


# --- the workbook -------------------------------------------------------------------------------


def _table(ws, first_heading: str) -> list[dict]:
    """The rows of every table of the sheet whose header row starts with `first_heading`
    (the ranking has one table per peer group), as dicts keyed by the headings."""
    rows = list(ws.iter_rows(values_only=True))
    out: list[dict] = []
    found = False
    for i, row in enumerate(rows):
        if row and row[0] == first_heading:
            found = True
            head = [h for h in row if h is not None]
            for values in rows[i + 1 :]:
                if not values or values[0] is None:
                    break
                out.append(dict(zip(head, values, strict=False)))
    assert found, f"no table headed {first_heading!r} in {ws.title}"
    return out


def test_workbook_has_a_sheet_per_section_with_the_database_values(full_year, people):
    from openpyxl import load_workbook

    from parindex.web.campaigns.models import Track, UnitResult

    content = download(client_for(people.viewer), f"/annual/{full_year.pk}/report.xlsx")
    wb = load_workbook(io.BytesIO(content))
    names = [f"{i}. {t}"[:31].rstrip() for i, t in enumerate(SECTION_TITLES, start=1)]
    assert wb.sheetnames == names  # Excel allows 31 characters
    ranking = wb.worksheets[1]
    rows = _table(ranking, "Xếp hạng")
    stored = {
        r.unit_code: r for r in UnitResult.objects.filter(campaign=full_year, track=Track.APPRAISED)
    }
    assert {row["Mã"] for row in rows} == set(stored)
    for row in rows:
        result = stored[row["Mã"]]
        assert row["Chỉ số (%)"] == result.index_pct  # unrounded, a number
        assert row["Xếp hạng"] == result.rank
        assert row["Lĩnh vực 1 (%)"] == result.fields["1"]
    summary = wb.worksheets[0]
    figures = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert figures["Số đơn vị được đánh giá"] == 6
    assert figures["Chỉ số trung bình (%)"] == pytest.approx(472.5 / 6)
    plans = _table(wb.worksheets[9], "Mã")
    by_unit = {row["Mã"]: row for row in plans}
    assert (by_unit["D1"]["Số nhiệm vụ"], by_unit["D1"]["Đã hoàn thành"]) == (2, 1)
    assert (by_unit["D1"]["Quá hạn"], by_unit["D1"]["Tỷ lệ hoàn thành (%)"]) == (1, 50.0)
    assert (by_unit["D2"]["Đang thực hiện"], by_unit["D2"]["Tỷ lệ hoàn thành (%)"]) == (1, 0.0)
    service = _table(wb.worksheets[8], "Xếp hạng")
    assert {row["Mã"] for row in service} == {"D1", "D2"}  # the units with dossiers in 2025


# --- who may download ---------------------------------------------------------------------------


def test_who_may_download(campaigns, people):
    c2024, c2025 = campaigns.c2024, campaigns.c2025
    url = f"/annual/{c2025.pk}/report.xlsx"
    anonymous = client_for().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(people.viewer).get(url).status_code == 200
    assert client_for(people.admin).get(url).status_code == 200
    # a viewer of D2 only sees D2's rows of the unpublished ranking: not the whole report
    assert client_for(people.viewer_d2).get(url).status_code == 403
    assert client_for(people.admin_q).get(url).status_code == 403  # another province
    assert client_for(people.nobody).get(url).status_code == 403
    # once published the ranking is public: the viewer of D2 gets the report
    assert client_for(people.viewer_d2).get(f"/annual/{c2024.pk}/report.xlsx").status_code == 200
    assert client_for(people.viewer).get("/annual/999999/report.xlsx").status_code == 404


def test_public_report_only_for_published_campaigns(campaigns):
    client = client_for()
    assert client.get(f"/annual/public/{campaigns.c2024.pk}/report.xlsx").status_code == 200
    assert client.get(f"/annual/public/{campaigns.c2025.pk}/report.xlsx").status_code == 404
    assert client.get(f"/annual/public/{campaigns.c2025.pk}/report.pdf").status_code == 404


def test_remedial_plans_only_in_the_edition_for_the_whole_campaign(full_year, people):
    from openpyxl import load_workbook
    from test_results_support import publish

    c = publish(full_year, people.admin)
    sheet = "10. Tình hình thực hiện kế hoạch khắc phục"[:31].rstrip()
    internal = load_workbook(
        io.BytesIO(download(client_for(people.viewer), f"/annual/{c.pk}/report.xlsx"))
    )
    assert _table(internal[sheet], "Mã")
    for client, url in (
        (client_for(people.viewer_d2), f"/annual/{c.pk}/report.xlsx"),
        (client_for(), f"/annual/public/{c.pk}/report.xlsx"),
    ):
        wb = load_workbook(io.BytesIO(download(client, url)))
        values = [v for row in wb[sheet].iter_rows(values_only=True) for v in row if v]
        assert (
            "Phần này chỉ hiển thị cho người dùng có vai trò trên toàn bộ đợt đánh giá." in values
        )
        assert "D1" not in values


def test_campaign_without_results_has_no_report(tree, people):
    from test_results_support import build_campaign

    open_campaign = build_campaign(2026, tree.p, people.admin, status="open", values={
        code: (1, 1, 1, 1) for code in ("D1", "D2", "D3", "D4", "D5", "B1")
    })  # fmt: skip
    response = client_for(people.viewer).get(f"/annual/{open_campaign.pk}/report.pdf")
    assert response.status_code == 404
    page = client_for(people.admin).get(f"/campaigns/{open_campaign.pk}/")
    assert b"/annual/" not in page.content


# --- the button ---------------------------------------------------------------------------------


def test_buttons_on_the_campaign_page(campaigns, people):
    from parindex.web.annual.access import may_download

    page = client_for(people.viewer).get(f"/campaigns/{campaigns.c2025.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/annual/{campaigns.c2025.pk}/report.pdf"' in html
    assert f'href="/annual/{campaigns.c2025.pk}/report.xlsx"' in html
    assert "Báo cáo thường niên (PDF)" in html and "Báo cáo thường niên (Excel)" in html
    # the tag behind the buttons gives the same answers as the views
    from django.contrib.auth.models import AnonymousUser

    assert may_download(people.viewer, campaigns.c2025)
    assert not may_download(people.viewer_d2, campaigns.c2025)
    assert may_download(people.viewer_d2, campaigns.c2024)
    assert not may_download(people.admin_q, campaigns.c2025)
    assert not may_download(AnonymousUser(), campaigns.c2024)


def test_links_on_the_ranking_pages(campaigns, people):
    """The ranking pages offer the report to exactly those who may download it."""
    pdf = f'href="/annual/{campaigns.c2025.pk}/report.pdf"'
    page = client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/")
    assert page.status_code == 200 and pdf in page.content.decode()
    assert (
        client_for(people.viewer).get(f"/annual/{campaigns.c2025.pk}/report.xlsx").status_code
        == 200
    )
    scoped = client_for(people.viewer_d2).get(f"/rankings/{campaigns.c2025.pk}/")
    assert scoped.status_code == 200 and "/annual/" not in scoped.content.decode()
    assert (
        client_for(people.viewer_d2).get(f"/annual/{campaigns.c2025.pk}/report.pdf").status_code
        == 403
    )
    public = client_for().get(f"/results/{campaigns.c2024.pk}/").content.decode()
    assert f'href="/annual/public/{campaigns.c2024.pk}/report.pdf"' in public


# --- parindex report ----------------------------------------------------------------------------


def test_cli_writes_the_pdf_and_the_workbook(campaigns, tmp_path):
    from openpyxl import load_workbook

    from parindex.cli import app

    out, xlsx = tmp_path / "out" / "bao-cao.pdf", tmp_path / "bao-cao.xlsx"
    result = CliRunner().invoke(
        app,
        ["report", "--campaign", str(campaigns.c2025.pk), "--out", str(out), "--xlsx", str(xlsx)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and f"wrote {xlsx}" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = flat("\n".join(pdf_pages(out.read_bytes(), tmp_path)))
    assert all(title in text for title in SECTION_TITLES) and "78,75" in text
    assert len(load_workbook(xlsx).sheetnames) == len(SECTION_TITLES)


def test_cli_refuses_unknown_campaigns_and_campaigns_without_results(tree, people, tmp_path):
    from test_results_support import build_campaign

    from parindex.cli import app

    runner = CliRunner()
    result = runner.invoke(
        app, ["report", "--campaign", "999999", "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "campaign 999999: no such campaign" in result.output
    draft = build_campaign(2026, tree.p, people.admin, status="draft")
    result = runner.invoke(
        app, ["report", "--campaign", str(draft.pk), "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "no results yet" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_cli_on_a_new_data_directory(tmp_path):
    """A fresh data directory: the database is created, then the campaign is not found."""
    command = Path(sys.executable).with_name("parindex")
    done = subprocess.run(
        [str(command), "report", "--campaign", "1", "--out", str(tmp_path / "r.pdf"),
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "campaign 1: no such campaign" in done.stderr
    assert (tmp_path / "data" / "parindex.sqlite3").exists()
