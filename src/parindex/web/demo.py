"""Demo data for the web application: a simulated province, its units and one account per role.

The units come from `parindex.demo.build_demo` (the same fictional "Tỉnh Minh Họa" as
`parindex demo`): every unit of every simulated year, dated by the years it appears in, so
the communes merged in the last year end on 31/12 of the year before and the new ones list
them as predecessors. If that module is missing or fails, a small built-in province is used.

Every demo account has the same password, `DEMO_PASSWORD`, printed by `parindex serve`.
Loaded only into an empty database: never mixed with real data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.units.models import Unit
from parindex.web.units.services import import_unit_rows

DEMO_PASSWORD = "cchc-demo-2025"
PROVINCE_CODE = "MH"
PROVINCE_NAME = "Tỉnh Minh Họa (dữ liệu mô phỏng)"
DEPARTMENT_GROUP = "Sở, ban, ngành"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    unit_code: str | None  # None: every unit (system administrator)
    fields: tuple[str, ...] = ()


@dataclass
class DemoResult:
    units: int
    accounts: list[DemoAccount]
    source: str  # "parindex.demo" or "built-in"
    note: str = ""


def _from_build_demo() -> tuple[list[dict[str, Any]], str]:
    from parindex.demo import build_demo

    data = build_demo(seed=2025)
    years = list(data.years)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    latest: dict[str, dict[str, Any]] = {}
    for year in years:
        for record in data.units[year].to_dict("records"):
            code = str(record["unit_code"])
            first.setdefault(code, year)
            last[code] = year
            latest[code] = record
    rows = [_province_row(dt.date(years[0], 1, 1))]
    for code, record in latest.items():
        rows.append(
            {
                "code": code,
                "name": str(record["unit_name"]),
                "kind": str(record["unit_kind"]),
                "parent_code": PROVINCE_CODE,
                "peer_group": str(record.get("peer_group") or ""),
                "region": str(record.get("region") or ""),
                "valid_from": dt.date(first[code], 1, 1),
                "valid_to": dt.date(last[code], 12, 31) if last[code] < years[-1] else "",
                "predecessors": str(record.get("predecessors") or ""),
            }
        )
    return rows, f"parindex.demo.build_demo (seed 2025, years {years[0]}–{years[-1]})"


def _province_row(valid_from: dt.date) -> dict[str, Any]:
    return {
        "code": PROVINCE_CODE,
        "name": PROVINCE_NAME,
        "short_name": "Minh Họa",
        "kind": "province",
        "parent_code": "",
        "peer_group": "",
        "region": "",
        "valid_from": valid_from,
        "valid_to": "",
        "predecessors": "",
    }


def _built_in() -> tuple[list[dict[str, Any]], str]:
    """A small fictional province, used when `parindex.demo` cannot be used."""
    start = dt.date(2023, 1, 1)
    merged = dt.date(2025, 1, 1)
    rows = [_province_row(start)]
    departments = [
        ("SNV", "Sở Nội vụ"),
        ("STC", "Sở Tài chính"),
        ("STP", "Sở Tư pháp"),
        ("SXD", "Sở Xây dựng"),
        ("SYT", "Sở Y tế"),
    ]
    for code, name in departments:
        rows.append(_row(code, name, "department", DEPARTMENT_GROUP, start))
    for number, name in enumerate(["Bắc Sơn", "Nam Thành", "Đông Hòa"], start=1):
        rows.append(_row(f"P{number:02d}", f"Phường {name}", "commune", "Phường", start))
    for number, name in enumerate(["An Phú", "Bình Hòa", "Cẩm Giang", "Đồng Tâm"], start=1):
        end = merged - dt.timedelta(days=1) if number >= 3 else None
        rows.append(_row(f"X{number:02d}", f"Xã {name}", "commune", "Xã", start, end))
    rows.append(
        _row("X51", "Xã Hòa Hưng", "commune", "Xã", merged, predecessors="X03:0.55;X04:0.45")
    )
    return rows, "built-in demo province"


def _row(
    code: str,
    name: str,
    kind: str,
    group: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    predecessors: str = "",
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "parent_code": PROVINCE_CODE,
        "peer_group": group,
        "region": "",
        "valid_from": valid_from,
        "valid_to": valid_to or "",
        "predecessors": predecessors,
    }


def demo_unit_rows() -> tuple[list[dict[str, Any]], str, str]:
    """Rows for `import_unit_rows`, where they come from, and a note if the fallback was used."""
    try:
        rows, source = _from_build_demo()
        return rows, source, ""
    except Exception as exc:  # the demo module is optional and may be mid-change
        rows, source = _built_in()
        return rows, source, f"parindex.demo could not be used ({type(exc).__name__}: {exc})"


def demo_accounts() -> list[DemoAccount]:
    """One account per role (reporters and heads for a department and a ward)."""
    department = Unit.objects.in_force().filter(kind="department").order_by("code")
    department_code = "STP" if department.filter(code="STP").exists() else department[0].code
    commune = Unit.objects.in_force().filter(kind="commune").order_by("code")
    commune_code = commune[0].code
    d, c = department_code.lower(), commune_code.lower()
    return [
        DemoAccount("quantri", "Quản trị hệ thống", Role.SYSADMIN, None),
        DemoAccount("canbo.snv", "Cán bộ Sở Nội vụ", Role.CAMPAIGN_ADMIN, PROVINCE_CODE),
        DemoAccount(
            f"baocao.{d}", f"Cán bộ báo cáo {department_code}", Role.REPORTER, department_code
        ),
        DemoAccount(
            f"thutruong.{d}", f"Thủ trưởng {department_code}", Role.UNIT_HEAD, department_code
        ),
        DemoAccount(f"baocao.{c}", f"Cán bộ báo cáo {commune_code}", Role.REPORTER, commune_code),
        DemoAccount(
            f"thutruong.{c}", f"Chủ tịch UBND {commune_code}", Role.UNIT_HEAD, commune_code
        ),
        DemoAccount("thamdinh", "Thành viên tổ thẩm định", Role.APPRAISER, PROVINCE_CODE),
        DemoAccount(
            "thamdinh.lv3",
            "Thẩm định lĩnh vực 3 (TTHC)",
            Role.APPRAISER,
            PROVINCE_CODE,
            fields=("3",),
        ),
        DemoAccount("lanhdao", "Lãnh đạo UBND tỉnh", Role.VIEWER, PROVINCE_CODE),
    ]


@transaction.atomic
def load_demo() -> DemoResult:
    """Create the demo units and accounts. Call only on an empty database."""
    rows, source, note = demo_unit_rows()
    report = import_unit_rows(rows, source="demo", reason="demo data")
    User = get_user_model()
    accounts = demo_accounts()
    start = Unit.objects.get(code=PROVINCE_CODE).valid_from
    for account in accounts:
        user = User(username=account.username, full_name=account.full_name)
        user.set_password(DEMO_PASSWORD)
        user.save()
        unit = Unit.objects.in_force().get(code=account.unit_code) if account.unit_code else None
        RoleAssignment.objects.create(
            user=user,
            role=account.role,
            unit=unit,
            fields=list(account.fields),
            valid_from=start,
            note="demo",
        )
    campaigns_note = load_demo_campaigns_safely()
    from parindex.web.reports.demo import load_demo_reports  # never raises; logs a failure

    load_demo_reports()
    from parindex.web.maps.demo import load_demo_maps
    from parindex.web.remedial.demo import load_demo_remedial

    load_demo_remedial()
    load_demo_maps()
    note = "; ".join(n for n in (note, campaigns_note) if n)
    return DemoResult(units=report.created, accounts=accounts, source=source, note=note)


# --- campaigns (parindex.web.campaigns) ----------------------------------------------------------

DEMO_KIND_NAMES = {"department": "các sở, ban, ngành", "commune": "UBND cấp xã"}
DEMO_IN_PROGRESS = {"department": ("STP", "SYT"), "commune": ("P01", "X01")}
DEMO_SUBMITTED = {"department": "SNV", "commune": "P02"}


def load_demo_campaigns_safely() -> str:
    """`load_demo_campaigns` in a savepoint: if it fails, the units and accounts stay and
    the failure is reported as a note instead."""
    try:
        with transaction.atomic():
            load_demo_campaigns()
    except Exception as exc:  # the campaigns are a bonus of the demo, never a blocker
        return f"demo campaigns could not be created ({type(exc).__name__}: {exc})"
    return ""


def load_demo_campaigns(on: dt.date | None = None) -> list[Any]:
    """Last year's campaigns published (simulated self-assessed and appraised values,
    results computed by the core) and this year's open, with the self-assessment window
    open today: two units of each kind in progress, one submitted.

    One campaign per unit kind of `parindex.demo` (departments, communes), run by the
    province. Needs the units and accounts of `load_demo` (from `parindex.demo`).
    """
    from parindex.demo import build_demo
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import Assessment, Evidence, WindowKind
    from parindex.web.units.models import today

    on = on or today()
    data = build_demo(seed=2025)
    current_year = max(on.year, data.last_year)
    previous_year = current_year - 1 if current_year - 1 in data.years else None
    draft = build_demo(seed=current_year, years=(data.last_year,))
    User = get_user_model()
    admin = User.objects.get(username="canbo.snv")
    province = Unit.objects.get(code=PROVINCE_CODE)
    day = dt.timedelta(days=1)
    created = []
    for kind in data.kinds:
        framework = data.frameworks[kind]
        previous = None
        if previous_year is not None:
            previous = services.create_campaign(
                name=f"Chỉ số CCHC {DEMO_KIND_NAMES.get(kind, kind)} năm {previous_year}",
                year=previous_year,
                root_unit=province,
                framework=framework,
                user=admin,
            )
            services.set_windows(previous, _demo_past_windows(previous_year), admin)
            services.open_campaign(previous, admin)
            services.import_inputs(
                previous,
                data.inputs_of(previous_year, kind),
                user=admin,
                reason="demo data",
                explanation="Dữ liệu mô phỏng.",
            )
            submitted_at = timezone.make_aware(dt.datetime(previous_year, 11, 5, 16, 30))
            assessments = list(previous.assessments.all())
            for assessment in assessments:
                assessment.status = Assessment.Status.APPRAISED
                assessment.submitted_at = submitted_at
            bulk_update_with_history(
                assessments,
                Assessment,
                ["status", "submitted_at"],
                default_user=admin,
                default_change_reason="demo data",
            )
            services.finalise(previous, admin)
            services.publish(previous, admin)
            created.append(previous)
        campaign = services.create_campaign(
            name=f"Chỉ số CCHC {DEMO_KIND_NAMES.get(kind, kind)} năm {current_year}",
            year=current_year,
            root_unit=province,
            framework=framework,
            user=admin,
            previous=previous,
        )
        services.set_windows(
            campaign,
            {
                WindowKind.SELF_ASSESSMENT: (on - 14 * day, on + 10 * day),
                WindowKind.APPRAISAL_1: (on - 3 * day, on + 25 * day),
                WindowKind.EXPLANATION: (on, on + 30 * day),
                WindowKind.APPRAISAL_2: (on + 31 * day, on + 45 * day),
                WindowKind.PUBLICATION: (on + 90 * day, on + 365 * day),
            },
            admin,
        )
        services.open_campaign(campaign, admin)
        in_scope = set(campaign.assessments.values_list("unit__code", flat=True))
        inputs = draft.inputs_of(data.last_year, kind)
        inputs = inputs[inputs["unit_code"].isin(in_scope)]
        survey_codes = set(campaign.spec().survey_codes)
        survey = inputs[inputs["criterion_code"].isin(survey_codes) & inputs["applicable"]]
        services.import_survey_values(
            campaign, survey[["unit_code", "criterion_code", "value"]], source="demo", user=admin
        )
        own = inputs[(inputs["track"] == "self") | ~inputs["applicable"].astype(bool)]
        leaves = [leaf.code for leaf in campaign.spec().leaves]
        started = [c for c in DEMO_IN_PROGRESS.get(kind, ()) if c in in_scope]
        for share, code in zip((0.6, 0.35), started, strict=False):
            part = set(leaves[: int(len(leaves) * share)])
            rows = own[(own["unit_code"] == code) & own["criterion_code"].isin(part)]
            services.import_inputs(campaign, rows, user=admin, reason="demo data")
        code = DEMO_SUBMITTED.get(kind)
        if code in in_scope:
            rows = own[own["unit_code"] == code]
            services.import_inputs(
                campaign,
                rows,
                user=admin,
                reason="demo data",
                explanation="Số liệu theo báo cáo CCHC năm của cơ quan (dữ liệu mô phỏng).",
            )
            assessment = campaign.assessments.get(unit__code=code)
            first = assessment.values.filter(self_filled=True, not_applicable=False).first()
            if first is not None:
                citation = Evidence(
                    leaf_value=first,
                    kind=Evidence.Kind.CITATION,
                    doc_number=f"15/KH-{code}",
                    doc_date=dt.date(current_year, 1, 10),
                    doc_issuer=assessment.unit.name,
                    title="Kế hoạch cải cách hành chính năm (mô phỏng)",
                )
                citation._change_reason = "demo data"
                citation.save()
            services.submit(assessment, None)
        created.append(campaign)
    return created


def _demo_past_windows(year: int) -> dict[str, tuple[dt.date, dt.date]]:
    from parindex.web.campaigns.models import WindowKind

    return {
        WindowKind.SELF_ASSESSMENT: (dt.date(year, 10, 15), dt.date(year, 11, 5)),
        WindowKind.APPRAISAL_1: (dt.date(year, 11, 10), dt.date(year, 11, 25)),
        WindowKind.EXPLANATION: (dt.date(year, 11, 26), dt.date(year, 12, 5)),
        WindowKind.APPRAISAL_2: (dt.date(year, 12, 8), dt.date(year, 12, 20)),
        WindowKind.PUBLICATION: (dt.date(year + 1, 3, 15), dt.date(year + 1, 12, 31)),
    }
