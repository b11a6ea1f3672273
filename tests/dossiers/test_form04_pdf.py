"""Form 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả): every element the form requires
(``one_stop_shop.md``) is in the PDF the reschedule command writes, read back with
pdftotext — applicant name, ID, dossier code, original appointment, reason, apology for
the inconvenience and cost, new date, signature block of the head of the body."""

from __future__ import annotations

import subprocess

import pytest
from typer.testing import CliRunner

from parindex.cli import app

CODE = "H44.07-260302-0002"


@pytest.fixture(scope="module")
def letter_text(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("form04")
    pdf = out / "letter.pdf"
    args = [
        "dossiers", "reschedule", "--code", CODE,
        "--received", "2026-03-02 09:30", "--due", "2026-03-09 17:00",
        "--new-due", "2026-03-16 17:00", "--reason", "Chờ kết quả xác minh thực địa",
        "--applicant-name", "Nguyễn Thị Hoa", "--applicant-id", "025198001234",
        "--procedure-name", "Cấp giấy phép kinh doanh", "--body", "Sở Công Thương",
        "--head", "Trần Văn Bình", "--head-title", "Giám đốc",
        "--parent-body", "UBND tỉnh Phú Thọ", "--place", "Phú Thọ", "--number", "12/PXL",
        "--date", "2026-03-06", "--pdf", str(pdf),
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return " ".join(text.split())  # content order (-raw), lines joined: phrases may wrap


def test_title_and_heading(letter_text):
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in letter_text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in letter_text
    assert "Độc lập - Tự do - Hạnh phúc" in letter_text
    assert "SỞ CÔNG THƯƠNG" in letter_text and "Số: 12/PXL" in letter_text
    assert "Phú Thọ, ngày 06 tháng 03 năm 2026" in letter_text


def test_addressed_to_the_applicant_with_name_and_id(letter_text):
    assert "Kính gửi: Ông/Bà Nguyễn Thị Hoa" in letter_text
    assert "Số định danh cá nhân/Giấy tờ tùy thân: 025198001234" in letter_text


def test_dossier_code(letter_text):
    assert f"Mã hồ sơ: {CODE}" in letter_text


def test_original_appointment(letter_text):
    assert "Thời hạn trả kết quả đã hẹn: 17 giờ 00, ngày 09 tháng 03 năm 2026" in letter_text


def test_reason(letter_text):
    assert "Lý do: Chờ kết quả xác minh thực địa" in letter_text


def test_apology_for_the_inconvenience_and_cost(letter_text):
    assert "gây phiền hà, tốn kém thời gian và chi phí đi lại của Ông/Bà" in letter_text
    assert "Sở Công Thương thành thật xin lỗi Ông/Bà" in letter_text


def test_new_date(letter_text):
    assert (
        "xin hẹn trả kết quả giải quyết hồ sơ vào 17 giờ 00, ngày 16 tháng 03 năm 2026"
        in letter_text
    )


def test_signature_block_of_the_head_of_the_body(letter_text):
    title = letter_text.index("GIÁM ĐỐC")
    sign = letter_text.index("(Ký, ghi rõ họ tên)")
    name = letter_text.index("Trần Văn Bình")
    apology = letter_text.index("thành thật xin lỗi")
    assert apology < title < sign < name  # at the end, title, then the name under it
