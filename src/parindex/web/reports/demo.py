"""Demo periodic reports: the usual reform reports (quarters I and III, six months, the
year) for the departments and communes of the demo province, with last year's and this
year's submissions — mostly on time, some late, a few missing.

`load_demo_reports()` is called by `parindex.web.demo.load_demo` after the units and
accounts exist. It never breaks the demo: any failure is rolled back (savepoint) and
logged, and returned as a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import random
import zipfile
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.campaigns.uploads import DOCX, PDF, XLSX
from parindex.web.reports import periods as P
from parindex.web.reports.models import (
    ReportFile,
    ReportPeriod,
    ReportSubmission,
    ReportType,
)
from parindex.web.reports.services import REASON_DEMO, generate_periods, remove_period
from parindex.web.units.models import Unit, today

log = logging.getLogger(__name__)

PROVINCE_CODE = "MH"
KIND_NAMES = {"department": "sở, ban, ngành", "commune": "UBND cấp xã"}
APPENDIX = "Phụ lục số liệu thống kê"


def _pdf(title: str) -> bytes:
    text = title.encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"% " + text + b" (demo)\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _docx(title: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{title}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def _xlsx(title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append([title])
    wb.active.append(["Chỉ tiêu", "Số liệu"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _store(name: str, content: bytes) -> str:
    storage = ReportFile._meta.get_field("file").storage
    return storage.save(f"reports/demo/{name}", ContentFile(content))


def _demo_emails() -> None:
    """Demo reporters and heads get an address, so `parindex reports remind` has someone
    to write to (printed on the console unless SMTP is configured)."""
    User = get_user_model()
    ids = RoleAssignment.objects.filter(role__in=[Role.REPORTER, Role.UNIT_HEAD]).values_list(
        "user_id", flat=True
    )
    for user in User.objects.filter(pk__in=ids, email=""):
        user.email = f"{user.username}@minhhoa.example"
        user._change_reason = REASON_DEMO
        user.save(update_fields=["email"])


def _types(province: Unit, kind: str, admin: Any, template: dict[str, Any]) -> list[ReportType]:
    who = KIND_NAMES.get(kind, kind)
    specs = [
        (f"Báo cáo CCHC quý ({who})", P.QUARTER, 10, 0, [],
         "Báo cáo kết quả thực hiện công tác cải cách hành chính quý I và quý III "
         "(quý II và quý IV do báo cáo 6 tháng và báo cáo năm thay thế)."),
        (f"Báo cáo CCHC 6 tháng ({who})", P.HALF_YEAR, 10, 0, [],
         "Báo cáo sơ kết công tác cải cách hành chính 6 tháng đầu năm."),
        (f"Báo cáo CCHC năm ({who})", P.YEAR, 10, 0, [APPENDIX],
         "Báo cáo tổng kết công tác cải cách hành chính năm, kèm phụ lục số liệu."),
    ]  # fmt: skip
    out = []
    for name, kind_of_period, day, months, attachments, description in specs:
        report_type = ReportType(
            root_unit=province, name=name, description=description, unit_kind=kind,
            period_kind=kind_of_period, due_day=day, due_months_after=months,
            attachments=attachments, created_by=admin, **template,
        )  # fmt: skip
        report_type._history_user = admin
        report_type._change_reason = REASON_DEMO
        report_type.save()
        out.append(report_type)
    return out


def _submission_time(rng: random.Random, period: ReportPeriod, outcome: str) -> dt.datetime:
    if outcome == P.ON_TIME:
        day = period.due_on - dt.timedelta(days=rng.randint(0, 12))
        day = max(day, period.starts_on)
        clock = dt.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
        if day == period.due_on and rng.random() < 0.3:
            clock = dt.time(23, 40)  # last-minute, still on time
    else:
        day = period.due_on + dt.timedelta(days=rng.randint(1, 20))
        clock = dt.time(rng.randint(8, 16), rng.choice((0, 20, 40)))
    return dt.datetime.combine(day, clock, tzinfo=P.VN_TZ)


def _load(on: dt.date) -> dict[str, int]:
    province = Unit.objects.filter(code=PROVINCE_CODE, parent__isnull=True).first()
    if province is None:
        return {"types": 0, "submissions": 0}
    User = get_user_model()
    admin = User.objects.filter(username="canbo.snv").first()
    _demo_emails()
    docx = _docx("Mẫu báo cáo CCHC (mô phỏng)")
    template = {
        "template": _store("mau-bao-cao-cchc.docx", docx),
        "template_name": "Mẫu báo cáo CCHC.docx",
        "template_content_type": DOCX,
        "template_size": len(docx),
        "template_sha256": hashlib.sha256(docx).hexdigest(),
    }
    report_pdf = _pdf("Bao cao CCHC")
    report_name = _store("bao-cao-cchc.pdf", report_pdf)
    appendix_xlsx = _xlsx("Phụ lục số liệu (mô phỏng)")
    appendix_name = _store("phu-luc-so-lieu.xlsx", appendix_xlsx)
    reporters = set(
        RoleAssignment.objects.filter(role=Role.REPORTER, unit__isnull=False).values_list(
            "unit__code", flat=True
        )
    )
    kinds = [
        k for k in ("department", "commune")
        if Unit.objects.subtree(province, include_roots=False).filter(kind=k).exists()
    ]  # fmt: skip
    rng = random.Random(2025)
    years = (on.year - 1, on.year)
    submissions: list[ReportSubmission] = []
    files: list[tuple[int, str, str, str, bytes]] = []  # (index, slot, name, type, content)
    type_count = 0
    for kind in kinds:
        for report_type in _types(province, kind, admin, template):
            type_count += 1
            for year in years:
                generate_periods(report_type, year, admin)
            # Q2, Q4 and the second half-year: the six-month and annual reports replace them
            replaced = {P.QUARTER: (2, 4), P.HALF_YEAR: (2,)}.get(report_type.period_kind, ())
            for period in report_type.periods.filter(number__in=replaced):
                remove_period(period, admin)
            for period in report_type.periods.order_by("year", "number"):
                if period.starts_on > on:
                    continue
                for unit in report_type.units().in_force(period.due_on).order_by("code"):
                    draw = rng.random()
                    overdue = period.due_on < on
                    if not overdue:  # not yet due: about half already sent
                        if draw < 0.5:
                            continue
                        outcome = P.ON_TIME
                    elif unit.code in reporters and period.year == on.year:
                        # the demo accounts' own units: one late, one missing this year
                        outcome = {1: P.LATE, 3: P.MISSING}.get(period.number, P.ON_TIME)
                        if report_type.period_kind != P.QUARTER:
                            outcome = P.ON_TIME
                    else:
                        outcome = P.ON_TIME if draw < 0.82 else P.LATE if draw < 0.93 else P.MISSING
                    if outcome == P.MISSING:
                        continue
                    moment = _submission_time(rng, period, outcome)
                    if moment.date() > on:
                        continue
                    submissions.append(
                        ReportSubmission(
                            period=period, unit=unit, submitted_at=moment, submitted_by=None
                        )
                    )
                    index = len(submissions) - 1
                    files.append((index, "", report_name, PDF, report_pdf))
                    for attachment in report_type.attachments:
                        files.append((index, attachment, appendix_name, XLSX, appendix_xlsx))
    bulk_create_with_history(
        submissions, ReportSubmission, batch_size=500, default_user=admin,
        default_change_reason=REASON_DEMO,
    )  # fmt: skip
    if submissions and submissions[0].pk is None:  # a backend that returns no ids
        by_key = {
            (s.period_id, s.unit_id): s.pk for s in ReportSubmission.objects.all()
        }  # fmt: skip
        for s in submissions:
            s.pk = s.id = by_key[(s.period_id, s.unit_id)]
    report_files = []
    digests: dict[str, str] = {}
    for index, slot, name, content_type, content in files:
        submission = submissions[index]
        if name not in digests:
            digests[name] = hashlib.sha256(content).hexdigest()
        item = ReportFile(
            submission=submission, slot=slot, original_name=name.rsplit("/", 1)[-1],
            content_type=content_type, size=len(content), sha256=digests[name],
            uploaded_at=submission.submitted_at,
        )  # fmt: skip
        item.file.name = name
        report_files.append(item)
    bulk_create_with_history(
        report_files, ReportFile, batch_size=1000, default_user=admin,
        default_change_reason=REASON_DEMO,
    )  # fmt: skip
    return {"types": type_count, "submissions": len(submissions)}


def load_demo_reports(on: dt.date | None = None) -> str:
    """Create the demo report types and submissions; returns "" or a note on failure."""
    try:
        with transaction.atomic():
            summary = _load(on or today())
    except Exception as exc:  # the reports are a bonus of the demo, never a blocker
        log.exception("demo reports could not be created")
        return f"demo reports could not be created ({type(exc).__name__}: {exc})"
    log.info("demo reports: %(types)s report types, %(submissions)s submissions", summary)
    return ""
