"""Who may do what on the report pages; uploads checked by content; private downloads;
the matrix and its Excel export."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.web.accounts.models import Role

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "a-long-test-password"
PDF_BYTES = b"%PDF-1.4\n%test\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world(db, tree, make_user, settings, tmp_path):
    from types import SimpleNamespace

    from parindex.web.reports import services
    from parindex.web.reports.models import ReportType
    from parindex.web.units.models import Unit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    x2 = Unit.objects.create(
        code="X2", name="Xã Hai", kind="commune", parent=tree.p, valid_from=dt.date(2020, 1, 1)
    )
    admin = make_user("admin", Role.CAMPAIGN_ADMIN, tree.p)
    rep_a = make_user("rep.a", Role.REPORTER, tree.x1)
    head_a = make_user("head.a", Role.UNIT_HEAD, tree.x1)
    rep_b = make_user("rep.b", Role.REPORTER, x2)
    viewer = make_user("viewer", Role.VIEWER, tree.p)
    appraiser = make_user("appraiser", Role.APPRAISER, tree.p)
    year = dt.date.today().year
    report_type = ReportType(
        root_unit=tree.p, name="Báo cáo quý", unit_kind="commune", period_kind="quarter",
        due_day=10, due_months_after=1,
    )  # fmt: skip
    services.save_type(report_type, admin)
    services.generate_periods(report_type, year, admin)
    q1 = report_type.periods.get(year=year, number=1)
    return SimpleNamespace(
        tree=tree, x1=tree.x1, x2=x2, admin=admin, rep_a=rep_a, head_a=head_a, rep_b=rep_b,
        viewer=viewer, appraiser=appraiser, type=report_type, q1=q1, year=year,
    )  # fmt: skip


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def pdf(name="bao-cao.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def upload_url(unit, period):
    return reverse("reports:upload", args=[unit.pk, period.pk])


# --- defining report types ------------------------------------------------------------------


def type_data(**extra):
    data = {
        "name": "Báo cáo 6 tháng",
        "description": "",
        "unit_kind": "commune",
        "period_kind": "half_year",
        "due_day": "15",
        "due_months_after": "0",
        "attachments": "Phụ lục 1\nPhụ lục 2",
        "active": "on",
        "year": "2025",
    }
    data.update(extra)
    return data


def test_only_administrators_define_report_types(client, world):
    from parindex.web.reports.models import ReportType

    url = reverse("reports:type_create", args=[world.tree.p.pk])
    for user in (world.rep_a, world.head_a, world.viewer, world.appraiser):
        client.logout()
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, type_data()).status_code == 403
    assert ReportType.objects.count() == 1
    client.logout()
    login(client, world.admin)
    response = client.post(url, type_data())
    assert response.status_code == 302
    created = ReportType.objects.get(name="Báo cáo 6 tháng")
    assert created.attachments == ["Phụ lục 1", "Phụ lục 2"]
    assert created.root_unit == world.tree.p
    assert [(p.number, p.due_on) for p in created.periods.order_by("number")] == [
        (1, dt.date(2025, 6, 15)),
        (2, dt.date(2025, 12, 15)),
    ]
    assert created.history.first().history_user == world.admin
    # an administrator of another province cannot change it
    other = world.tree.q
    from parindex.web.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=world.rep_b, role=Role.CAMPAIGN_ADMIN, unit=other,
                                  valid_from=dt.date(2020, 1, 1))  # fmt: skip
    client.logout()
    login(client, world.rep_b)
    assert client.get(reverse("reports:type", args=[created.pk])).status_code == 403
    assert (
        client.post(
            reverse("reports:type_generate", args=[created.pk]), {"year": "2026"}
        ).status_code
        == 403
    )
    assert client.get(reverse("reports:type_create", args=[other.pk])).status_code == 200


def test_deadlines_edited_by_the_administrator(client, world):
    url = reverse("reports:type_deadlines", args=[world.type.pk, world.year])
    field = f"due_{world.q1.pk}"
    new = dt.date(world.year, 4, 20)
    login(client, world.rep_a)
    assert client.post(url, {field: new.isoformat()}).status_code == 403
    client.logout()
    login(client, world.admin)
    periods = world.type.periods.filter(year=world.year)
    data = {f"due_{p.pk}": p.due_on.isoformat() for p in periods}
    data[field] = new.isoformat()
    assert client.post(url, data).status_code == 302
    world.q1.refresh_from_db()
    assert world.q1.due_on == new
    page = client.get(reverse("reports:type", args=[world.type.pk]), {"year": world.year})
    assert page.status_code == 200


def test_template_upload_checked_and_served_only_to_those_concerned(client, world, make_user):
    url = reverse("reports:type", args=[world.type.pk])
    login(client, world.admin)
    data = type_data(name=world.type.name, period_kind="quarter", due_day="10", due_months_after="1",
                     attachments="")  # fmt: skip
    data.pop("year")
    bad = SimpleUploadedFile("mau.docx", PDF_BYTES)  # a PDF named .docx
    response = client.post(url, {**data, "template_file": bad})
    assert response.status_code == 200 and "DOCX" not in world.type.template_content_type
    world.type.refresh_from_db()
    assert not world.type.template
    response = client.post(url, {**data, "template_file": pdf("mau.pdf")})
    assert response.status_code == 302
    world.type.refresh_from_db()
    assert world.type.template_name == "mau.pdf"
    template_url = reverse("reports:type_template", args=[world.type.pk])
    for user in (world.rep_a, world.viewer, world.admin):
        client.logout()
        login(client, user)
        response = client.get(template_url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["X-Content-Type-Options"] == "nosniff"
    stranger = make_user("stranger", Role.REPORTER, world.tree.qx1)
    client.logout()
    login(client, stranger)
    assert client.get(template_url).status_code == 403


# --- uploads and downloads ------------------------------------------------------------------------


def test_reporter_of_a_cannot_upload_or_download_for_b(client, world):
    from parindex.web.reports import services
    from parindex.web.reports.models import ReportSubmission

    login(client, world.rep_a)
    # upload for B: 403, nothing stored
    response = client.post(upload_url(world.x2, world.q1), {"file_0": pdf()})
    assert response.status_code == 403
    assert not ReportSubmission.objects.exists()
    assert client.get(reverse("reports:unit", args=[world.x2.pk])).status_code == 403
    # B's own file: A may not download it
    sub = services.add_files(world.q1, world.x2, {"": pdf("b.pdf")}, user=world.rep_b)
    file_b = sub.files.get()
    assert client.get(reverse("reports:file", args=[file_b.pk])).status_code == 403
    client.logout()
    login(client, world.rep_b)
    response = client.get(reverse("reports:file", args=[file_b.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # the province's viewer and administrator may read it; a missing file is 404
    for user in (world.viewer, world.admin):
        client.logout()
        login(client, user)
        assert client.get(reverse("reports:file", args=[file_b.pk])).status_code == 200
    assert client.get(reverse("reports:file", args=[file_b.pk + 999])).status_code == 404


def test_viewers_and_appraisers_cannot_upload(client, world):
    for user in (world.viewer, world.appraiser, world.admin):
        client.logout()
        login(client, user)
        assert client.post(upload_url(world.x1, world.q1), {"file_0": pdf()}).status_code == 403


def test_reporter_and_head_upload_for_their_unit(client, world):
    from parindex.web.reports.models import ReportSubmission

    login(client, world.rep_a)
    page = client.get(reverse("reports:unit", args=[world.x1.pk]), {"year": world.year})
    assert page.status_code == 200
    assert upload_url(world.x1, world.q1) in page.content.decode()
    response = client.post(upload_url(world.x1, world.q1), {"file_0": pdf(), "note": "Số 12/BC"})
    assert response.status_code == 302
    sub = ReportSubmission.objects.get(unit=world.x1, period=world.q1)
    assert sub.submitted_at is not None and sub.submitted_by == world.rep_a
    assert sub.note == "Số 12/BC"
    stored = sub.files.get()
    assert stored.original_name == "bao-cao.pdf" and stored.content_type == "application/pdf"
    assert "bao-cao" not in stored.file.name  # the typed name never becomes a path
    client.logout()
    login(client, world.head_a)
    assert client.post(upload_url(world.x1, world.q1), {"file_0": pdf("v2.pdf")}).status_code == 302
    assert sub.files.count() == 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", b"<html><script>alert(1)</script></html>"),  # HTML named .pdf
        ("bao-cao.pdf", PNG_BYTES),  # an image named .pdf
        ("bao-cao.docx", PDF_BYTES),  # a PDF named .docx
        ("bao-cao.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("bao-cao.pdf", b""),
    ],
)
def test_upload_refused_when_content_is_not_what_the_name_says(client, world, name, content):
    from parindex.web.reports.models import ReportFile

    login(client, world.rep_a)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(upload_url(world.x1, world.q1), {"file_0": upload}, follow=True)
    assert response.status_code == 200
    assert not ReportFile.objects.exists()
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("received" not in m for m in messages)


def test_upload_refused_when_too_large(client, world, settings):
    from parindex.web.reports.models import ReportFile

    settings.PARINDEX_UPLOAD_MAX_MB = 1
    login(client, world.rep_a)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    client.post(upload_url(world.x1, world.q1), {"file_0": big})
    assert not ReportFile.objects.exists()


def test_upload_refused_for_a_unit_of_another_kind(world):
    from parindex.web.reports import services

    with pytest.raises(services.ReportError):
        services.add_files(world.q1, world.tree.d1, {"": pdf()}, user=world.admin)


def test_files_are_private(world):
    from parindex.web.reports import services

    sub = services.add_files(world.q1, world.x1, {"": pdf()}, user=world.rep_a)
    stored = sub.files.get()
    with pytest.raises(ValueError):
        stored.file.url  # noqa: B018 - no URL: only the permission-checked view serves it
    import os
    import stat

    mode = stat.S_IMODE(os.stat(stored.file.path).st_mode)
    assert mode == 0o600


# --- matrix ------------------------------------------------------------------------------------


def test_matrix_for_viewers_of_the_root_only(client, world):
    from parindex.web.reports import services

    services.add_files(
        world.q1, world.x1, {"": pdf()}, user=world.rep_a,
        now=dt.datetime.combine(world.q1.due_on, dt.time(23, 59), tzinfo=VN),
    )  # fmt: skip
    url = reverse("reports:matrix", args=[world.tree.p.pk])
    login(client, world.rep_a)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:matrix_export", args=[world.tree.p.pk])).status_code == 403
    client.logout()
    login(client, world.admin)
    page = client.get(url, {"year": world.year})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Xã Một" in html and "Xã Hai" in html and "Xã Quý Một" not in html
    assert "Đúng hạn" in html  # on time, in Vietnamese
    only_x2 = client.get(url, {"year": world.year, "q": "X2"}).content.decode()
    assert "Xã Hai" in only_x2 and "Xã Một" not in only_x2
    on_time = client.get(url, {"year": world.year, "status": "on_time"}).content.decode()
    assert "Xã Một" in on_time and "Xã Hai" not in on_time
    export = client.get(
        reverse("reports:matrix_export", args=[world.tree.p.pk]), {"year": world.year}
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    header = rows[1]
    assert list(header[:3]) == ["Mã", "Đơn vị", "Nhóm xếp hạng"]
    by_code = {r[0]: r for r in rows[3:]}
    assert set(by_code) == {"X1", "X2"}
    assert str(by_code["X1"][3]).startswith("Đúng hạn")


def test_pages_render_in_english(client, world):
    login(client, world.admin)
    client.cookies["parindex_language"] = "en"
    html = client.get(reverse("reports:index")).content.decode()
    assert "Periodic reform reports" in html
    html = client.get(reverse("reports:type", args=[world.type.pk])).content.decode()
    assert "Quarter I/" in html
    client.cookies["parindex_language"] = "vi"
    html = client.get(reverse("reports:type", args=[world.type.pk])).content.decode()
    assert "Quý I/" in html


def test_index_and_navigation(client, world):
    login(client, world.rep_a)
    html = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:unit", args=[world.x1.pk]) in html
    assert reverse("reports:type_create", args=[world.tree.p.pk]) not in html
    home = client.get("/").content.decode()
    assert reverse("reports:index") in home
    client.logout()
    login(client, world.admin)
    html = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:type_create", args=[world.tree.p.pk]) in html
    assert reverse("reports:type", args=[world.type.pk]) in html
