"""Demo data of the remedial app, loaded by `parindex.web.demo.load_demo`: one
province-level plan (like Bắc Kạn's Kế hoạch 130/KH-UBND) made from last year's published
demo campaign of the departments, with tasks on the criteria three departments lost most
points on, in every state — done with evidence, in progress, not started, overdue — so the
pages show something on first start. Everything is simulated and says so.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from parindex.web.campaigns.models import Campaign
from parindex.web.remedial import services
from parindex.web.remedial.models import TaskStatus
from parindex.web.units.models import today

log = logging.getLogger(__name__)

PROVINCE_CODE = "MH"
UNITS = ("STP", "SNV", "SYT", "STC", "SXD")
TASKS_PER_UNIT = 2
# The state of the n-th task created: done (one with an evidence file), in progress, overdue
# (deadline passed, not done: derived, never stored), not started.
STATES = (
    "done_evidence", "in_progress", "not_started", "overdue", "done",
    "in_progress", "not_started", "done", "overdue", "in_progress",
)  # fmt: skip
PAST = ("done_evidence", "done", "overdue")


def _pdf(title: str) -> bytes:
    text = title.encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"% " + text + b" (demo)\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _campaign() -> Campaign | None:
    """Last year's published campaign of the demo province's departments."""
    return (
        Campaign.objects.filter(
            root_unit__code=PROVINCE_CODE,
            status=Campaign.Status.PUBLISHED,
            unit_kind="department",
        )
        .order_by("-year")
        .first()
    )


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _load(on: dt.date) -> int:
    campaign = _campaign()
    if campaign is None:
        log.info("demo remedial plan: no published department campaign, nothing created")
        return 0
    admin = _user("canbo.snv")
    plan = services.create_plan(
        campaign=campaign,
        unit=campaign.root_unit,
        user=admin,
        number="25/KH-UBND (mô phỏng)",
        issued_on=min(dt.date(campaign.year + 1, 3, 20), on),
        title=(
            f"Kế hoạch khắc phục hạn chế, nâng cao Chỉ số CCHC năm {campaign.year + 1} "
            "(dữ liệu mô phỏng)"
        ),
        issuer="Ủy ban nhân dân tỉnh Minh Họa",
        summary=(
            f"Khắc phục các tiêu chí bị trừ điểm trong kết quả Chỉ số CCHC năm {campaign.year}, "
            "ưu tiên các tiêu chí bị trừ điểm nhiều năm liên tiếp. Dữ liệu mô phỏng."
        ),
    )
    units = {u.code: u for u in services.plan_units(plan).filter(code__in=UNITS)}
    tasks = []
    for code in UNITS:
        unit = units.get(code)
        if unit is None:
            continue
        drafts = []
        for row in services.lost_criteria(campaign, unit)[:TASKS_PER_UNIT]:
            state = STATES[(len(tasks) + len(drafts)) % len(STATES)]
            drafts.append(
                services.TaskDraft(
                    node_code=row["code"],
                    action=f"Rà soát, khắc phục nội dung “{row['name']}” (mô phỏng).",
                    deadline=on + dt.timedelta(days=-20 if state in PAST else 60),
                    expected_points=row["lost"] if len(drafts) == 0 else row["lost"] / 2,
                )
            )
        if drafts:
            tasks += services.add_tasks(plan, unit, drafts, admin)
    reporter = _user("baocao.stp") or admin
    for i, task in enumerate(tasks):
        author = reporter if task.owner.code == "STP" else admin
        state = STATES[i % len(STATES)]
        if state == "done_evidence":
            services.add_progress(
                task,
                author,
                note="Đã ban hành văn bản khắc phục và báo cáo kết quả (mô phỏng).",
                status=TaskStatus.DONE,
                upload=ContentFile(_pdf("bao cao ket qua"), name="bao-cao-ket-qua.pdf"),
            )
        elif state == "done":
            services.add_progress(
                task, author, note="Đã hoàn thành (mô phỏng).", status=TaskStatus.DONE
            )
        elif state in ("in_progress", "overdue"):
            services.add_progress(
                task,
                author,
                note="Đang triển khai, đã hoàn thành khoảng một nửa khối lượng (mô phỏng).",
                status=TaskStatus.IN_PROGRESS,
            )
    return len(tasks)


def load_demo_remedial(on: dt.date | None = None) -> str:
    """Never raises: the demo must load even if this part fails (the failure is logged and
    returned as a note; nothing of it is kept)."""
    try:
        with transaction.atomic():
            count = _load(on or today())
    except Exception as exc:  # the plan is a bonus of the demo, never a blocker
        log.exception("demo remedial plan could not be created")
        return f"demo remedial plan could not be created ({type(exc).__name__}: {exc})"
    log.info("demo remedial plan: %d tasks", count)
    return ""
