"""The texts of the maps' errors, in Vietnamese and English.

The core has no translation machinery, so every message is written in both languages here
and picked by the `lang` ("vi" or "en") the caller passes.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("vi", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Vietnamese)
    "too_large": (
        "the file is too large ({size}; at most {limit}): simplify the boundaries "
        "(e.g. with mapshaper) before uploading",
        "tệp quá lớn ({size}; tối đa {limit}): hãy đơn giản hóa ranh giới (ví dụ bằng "
        "mapshaper) trước khi tải lên",
    ),
    "not_utf8": (
        "the file is not UTF-8 text",
        "tệp không phải văn bản mã UTF-8",
    ),
    "not_json": (
        "the file is not valid JSON (line {line}, column {column}: {error})",
        "tệp không phải JSON hợp lệ (dòng {line}, cột {column}: {error})",
    ),
    "not_object": (
        "a GeoJSON file must contain one object, here it is {found}",
        "tệp GeoJSON phải chứa một đối tượng, ở đây là {found}",
    ),
    "not_collection": (
        'the type must be "FeatureCollection", not {found}',
        'kiểu (type) phải là "FeatureCollection", không phải {found}',
    ),
    "no_features": (
        '"features" must be a non-empty list of features',
        '"features" phải là danh sách các đối tượng (feature), không được rỗng',
    ),
    "not_feature": (
        'each element of "features" must be an object of type "Feature"',
        'mỗi phần tử của "features" phải là một đối tượng kiểu "Feature"',
    ),
    "no_geometry": (
        "the feature has no geometry",
        "đối tượng không có hình học (geometry)",
    ),
    "geometry_type": (
        "geometry type {found} is not supported: Polygon or MultiPolygon expected",
        "không hỗ trợ kiểu hình học {found}: cần Polygon hoặc MultiPolygon",
    ),
    "bad_structure": (
        "coordinates are not nested as a {kind} requires (lists of rings of [longitude, latitude] positions)",
        "tọa độ không đúng cấu trúc của {kind} (danh sách các vòng gồm các điểm [kinh độ, vĩ độ])",
    ),
    "bad_position": (
        "position {position} of ring {ring}: a position must be 2 or 3 numbers [longitude, latitude]",
        "điểm thứ {position} của vòng {ring}: mỗi điểm phải gồm 2 hoặc 3 số [kinh độ, vĩ độ]",
    ),
    "short_ring": (
        "ring {ring} has {count} positions: a ring needs at least 4 (the first repeated at the end)",
        "vòng {ring} chỉ có {count} điểm: mỗi vòng cần ít nhất 4 điểm (điểm đầu lặp lại ở cuối)",
    ),
    "open_ring": (
        "ring {ring} is not closed: its last position must repeat the first",
        "vòng {ring} không khép kín: điểm cuối phải trùng điểm đầu",
    ),
    "out_of_range": (
        "position {position} of ring {ring} ({lon}, {lat}) is outside Vietnam "
        "(longitude {lon_min}–{lon_max}, latitude {lat_min}–{lat_max}){hint}",
        "điểm thứ {position} của vòng {ring} ({lon}, {lat}) nằm ngoài Việt Nam "
        "(kinh độ {lon_min}–{lon_max}, vĩ độ {lat_min}–{lat_max}){hint}",
    ),
    "hint_projected": (
        "; the coordinates look projected (metres, e.g. VN-2000): export the file in WGS 84 "
        "longitude/latitude (EPSG:4326)",
        "; tọa độ có vẻ đã chiếu (mét, ví dụ VN-2000): hãy xuất tệp theo kinh độ/vĩ độ "
        "WGS 84 (EPSG:4326)",
    ),
    "hint_swapped": (
        "; longitude and latitude seem swapped (GeoJSON expects [longitude, latitude])",
        "; kinh độ và vĩ độ có vẻ bị đảo (GeoJSON ghi [kinh độ, vĩ độ])",
    ),
    "no_properties": (
        "the feature has no properties, so no unit code",
        "đối tượng không có thuộc tính (properties) nên không có mã đơn vị",
    ),
    "missing_code": (
        "no unit code: expected one of the properties {names}",
        "không có mã đơn vị: cần một trong các thuộc tính {names}",
    ),
    "missing_named_code": (
        "no unit code in the property {name}",
        "không có mã đơn vị trong thuộc tính {name}",
    ),
    "bad_code": (
        "the unit code must be text or a whole number, not {found}",
        "mã đơn vị phải là chữ hoặc số nguyên, không phải {found}",
    ),
    "duplicate_code": (
        "the code {code} is already used by feature {first}",
        "mã {code} đã dùng cho đối tượng thứ {first}",
    ),
    "manual_empty": (
        "give at least one class limit, e.g. 70;80;90",
        "hãy nhập ít nhất một ngưỡng phân lớp, ví dụ 70;80;90",
    ),
    "manual_number": (
        "{found} is not a number",
        "{found} không phải là số",
    ),
    "manual_order": (
        "class limits must be strictly increasing ({previous} then {found})",
        "các ngưỡng phân lớp phải tăng dần, không trùng nhau ({previous} rồi {found})",
    ),
    "manual_count": (
        "at most {limit} class limits ({count} given)",
        "tối đa {limit} ngưỡng phân lớp (đã nhập {count})",
    ),
    "classes_count": (
        "the number of classes must be between 1 and {limit}",
        "số lớp phải từ 1 đến {limit}",
    ),
    "method": (
        "unknown classification method {found} (quantile, equal or manual)",
        "không có phương pháp phân lớp {found} (quantile, equal hoặc manual)",
    ),
    "grid_columns": (
        "missing columns: {names}",
        "thiếu cột: {names}",
    ),
    "grid_empty": (
        "the cell is empty",
        "ô trống",
    ),
    "grid_integer": (
        "{found} is not a whole number ≥ 0",
        "{found} không phải số nguyên ≥ 0",
    ),
    "grid_duplicate_code": (
        "the code {code} is already on row {first}",
        "mã {code} đã có ở dòng {first}",
    ),
    "grid_duplicate_cell": (
        "the cell (row {row}, column {col}) is already taken by {code}",
        "ô (hàng {row}, cột {col}) đã được dùng cho {code}",
    ),
    "feature": ("feature {number}", "đối tượng thứ {number}"),
    "row": ("row {number}", "dòng {number}"),
}


def message(key: str, lang: str = "en", **values: Any) -> str:
    """The message `key` in `lang` ("vi" or "en"), with `values` filled in."""
    english, vietnamese = MESSAGES[key]
    return (vietnamese if lang == "vi" else english).format(**values)


def _plain(value: float) -> str:
    """A number as typed: no exponent, no trailing zeros (585000, 105.8)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
