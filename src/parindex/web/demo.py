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
    return DemoResult(units=report.created, accounts=accounts, source=source, note=note)
