"""Evidence files: type by content, size limit, private storage, permission-checked download."""

# ruff: noqa: F811 (pytest fixtures imported from test_campaigns_support)

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_campaigns_support import (  # noqa: F401 (fixtures)
    PDF_BYTES,
    PNG_BYTES,
    a1,
    a2,
    campaign,
    client_for,
    framework,
    media,
    office_bytes,
    pdf_upload,
    people,
    today,
)

from parindex.web.campaigns import services
from parindex.web.campaigns.models import Evidence
from parindex.web.campaigns.uploads import DOCX, JPEG, PDF, PNG, XLSX, UploadRefused, check_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (outside a request the default language is vi)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("a.pdf", PDF_BYTES, PDF),
        ("a.PNG", PNG_BYTES, PNG),
        ("a.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, JPEG),
        ("a.docx", office_bytes("word"), DOCX),
        ("a.xlsx", office_bytes("xl"), XLSX),
    ],
)
def test_accepted_types_by_content(name, content, kind):
    checked = check_upload(upload(name, content))
    assert checked.content_type == kind
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)


@pytest.mark.parametrize(
    "name,content",
    [
        ("baocao.pdf", b"<html><script>alert(1)</script></html>"),  # renamed, not a PDF
        ("baocao.pdf", PNG_BYTES),  # a PNG called .pdf
        ("baocao.docx", b"PK\x03\x04not really a zip"),
        ("baocao.docx", office_bytes("ppt")),  # an OOXML package, but neither word nor xl
        ("baocao.exe", b"MZ\x90\x00"),
        ("empty.pdf", b""),
    ],
)
def test_refused_types(name, content):
    with pytest.raises(UploadRefused):
        check_upload(upload(name, content))


def test_size_limit(settings):
    settings.PARINDEX_UPLOAD_MAX_MB = 1
    check_upload(upload("ok.pdf", PDF_BYTES + b"0" * (1024 * 1024 - len(PDF_BYTES))))
    with pytest.raises(UploadRefused, match="1 MB"):
        check_upload(upload("big.pdf", PDF_BYTES + b"0" * (1024 * 1024)))


def test_files_are_stored_privately_under_a_random_name(a1, people, media, settings):
    evidence = services.add_evidence_file(
        a1, "1.1.1", pdf_upload("Báo cáo ../../etc/passwd.pdf"), user=people.reporter
    )
    path = Path(evidence.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert path.name != evidence.original_name and path.suffix == ".pdf"
    assert evidence.original_name == "passwd.pdf"
    assert path.read_bytes() == PDF_BYTES
    assert (path.stat().st_mode & 0o077) == 0  # readable by the server account only
    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018 (no URL: only the download view serves it)


def test_upload_through_the_page_refuses_a_fake_pdf(a1, people, media):
    client = client_for(people.reporter)
    url = reverse("campaigns:evidence_add", args=[a1.pk, "1.1.1"])
    response = client.post(
        url, {"file": upload("quyet-dinh.pdf", b"just text")}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "quyet-dinh.pdf" in response.content.decode()
    assert not Evidence.objects.exists()
    response = client.post(url, {"file": pdf_upload(), "title": "Kế hoạch"}, HTTP_HX_REQUEST="true")
    assert Evidence.objects.get().title == "Kế hoạch"
    assert "baocao.pdf" in response.content.decode()


def test_upload_too_large_through_the_page(a1, people, media, settings):
    settings.PARINDEX_UPLOAD_MAX_MB = 1
    client = client_for(people.reporter)
    url = reverse("campaigns:evidence_add", args=[a1.pk, "1.1.1"])
    big = pdf_upload(content=PDF_BYTES + b"0" * (2 * 1024 * 1024))
    client.post(url, {"file": big})
    assert not Evidence.objects.exists()


def test_download_is_an_attachment_for_the_unit_only(a1, people, media):
    evidence = services.add_evidence_file(a1, "1.1.1", pdf_upload(), user=people.reporter)
    url = reverse("campaigns:evidence_download", args=[evidence.pk])
    response = client_for(people.appraiser).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "baocao.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert client_for(people.reporter2).get(url).status_code == 403
    assert client_for(people.appraiser_q).get(url).status_code == 403


def test_no_evidence_change_after_submission(a1, people, media):
    from test_campaigns_support import fill

    fill(a1, people.reporter)
    evidence = services.add_evidence_file(a1, "1.1.1", pdf_upload(), user=people.reporter)
    services.submit(a1, people.head)
    with pytest.raises(services.WorkflowError):
        services.add_evidence_file(a1, "1.1.1", pdf_upload(), user=people.reporter)
    with pytest.raises(services.WorkflowError):
        services.remove_evidence(evidence, people.reporter)
    assert Evidence.objects.count() == 1


def test_removal_is_recorded_and_the_file_kept(a1, people, media):
    evidence = services.add_evidence_file(a1, "1.1.1", pdf_upload(), user=people.reporter)
    path = Path(evidence.file.path)
    services.remove_evidence(evidence, people.head)
    assert not Evidence.objects.exists() and path.exists()
    record = Evidence.history.first()
    assert record.history_type == "-" and record.history_user == people.head
    assert record.history_change_reason == "evidence removed"
