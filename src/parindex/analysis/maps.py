"""Maps of units coloured by a value: class breaks, colours, the tile grid, GeoJSON
boundaries and their projection to SVG paths.

Pure functions, no Django, no files: the tile grid arrives as CSV text, boundaries as
GeoJSON text or a dict, and the results are plain data the web pages draw.

- **Class breaks** split the values into classes for the legend. A class is an interval
  closed below and open above, `[edge_i, edge_{i+1})` (the last one also holds its upper
  end), so a unit whose value equals an edge belongs to the class *above* it — the way
  classification thresholds read ("from 80 %"). Three methods:
  - *quantile*: about as many units per class. With `n` values sorted ascending and `k`
    classes, the unit at position `i` (0-based) ideally belongs to class `⌊i·k/n⌋`. Equal
    values share a class: a run of ties goes where its first member would, so an edge is
    the first value of a run whose ideal class is higher than the previous run's. Many
    ties can therefore give fewer classes than asked (never an empty class).
  - *equal*: classes of equal width between the lowest and highest value (for a change,
    symmetric around 0, so that 0 falls on an edge or in the middle class).
  - *manual*: edges given by the user, strictly increasing; the first class is "below the
    first edge" and the last "from the last edge".
  All values equal, or a single value: one class.
- **Colours**: ColorBrewer schemes (Cynthia Brewer, Pennsylvania State University, Apache
  2.0 licence), chosen because they stay distinct for colour-blind readers: YlGnBu
  (sequential: light = low, dark = high) and RdBu (diverging: red = fell, blue = rose,
  white around 0).
- **Tile grid**: one square per unit at a (row, column); see `load_tile_grid`.
- **GeoJSON**: `parse_geojson` validates an uploaded FeatureCollection of Polygon /
  MultiPolygon features in longitude/latitude and raises `InputError` listing every
  problem (feature number, property, what is wrong) in Vietnamese or English.
- **Projection**: `project` turns the boundaries into SVG path data: equirectangular with
  the longitudes scaled by cos(mid-latitude) (good enough for a province or the country),
  fitted to a view box, simplified (Douglas–Peucker) and rounded so that even a file of the
  3,321 communes gives a page of reasonable size.
"""

from __future__ import annotations

import csv
import io
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from parindex.errors import InputError, Problem

# --- messages (both languages: the core has no translation machinery) -----------------------

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


# --- class breaks ---------------------------------------------------------------------------

METHODS = ("quantile", "equal", "manual")
MAX_CLASSES = 9  # the largest ColorBrewer sequential scheme
EPS = 1e-9  # values closer than this are equal (as in the rankings)


@dataclass(frozen=True)
class ClassBreaks:
    """Classes `[edges[i-1], edges[i])` between the values' extremes.

    `edges` are the interior edges, ascending; `count` = len(edges) + 1 classes. `low` and
    `high` are the lowest and highest classified value (None without values).
    """

    method: str
    edges: tuple[float, ...]
    low: float | None
    high: float | None

    @property
    def count(self) -> int:
        return len(self.edges) + 1

    def class_of(self, value: float | None) -> int | None:
        """0-based class of `value` (None for a missing value)."""
        if value is None or _missing(value):
            return None
        return bisect_right(self.edges, float(value) + EPS)

    def bounds(self, index: int) -> tuple[float | None, float | None]:
        """(lower, upper) of a class; None where it is open (first / last class)."""
        lower = self.edges[index - 1] if index > 0 else None
        upper = self.edges[index] if index < len(self.edges) else None
        return lower, upper

    def counts(self, values: Iterable[float | None]) -> list[int]:
        """How many of `values` fall in each class."""
        out = [0] * self.count
        for value in values:
            index = self.class_of(value)
            if index is not None:
                out[index] += 1
        return out


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _clean(values: Iterable[float | None]) -> list[float]:
    return sorted(float(v) for v in values if not _missing(v))


def _dedupe(edges: Iterable[float], low: float | None) -> tuple[float, ...]:
    """Ascending distinct edges strictly above the lowest value (no empty first class)."""
    out: list[float] = []
    for edge in sorted(edges):
        if low is not None and edge <= low + EPS:
            continue
        if out and edge <= out[-1] + EPS:
            continue
        out.append(float(edge))
    return tuple(out)


def _check_classes(classes: int, lang: str) -> None:
    if not isinstance(classes, int) or isinstance(classes, bool) or not 1 <= classes <= MAX_CLASSES:
        raise InputError(
            [Problem("classes", "", "classes", message("classes_count", lang, limit=MAX_CLASSES))]
        )


def quantile_breaks(
    values: Iterable[float | None], classes: int = 5, lang: str = "en"
) -> ClassBreaks:
    """About the same number of units per class (see the module's docstring)."""
    _check_classes(classes, lang)
    data = _clean(values)
    if not data:
        return ClassBreaks("quantile", (), None, None)
    n = len(data)
    edges: list[float] = []
    current = 0
    start = 0
    while start < n:
        value = data[start]
        ideal = start * classes // n  # the class of the tie's first member
        if ideal > current:
            edges.append(value)
            current = ideal
        while start < n and data[start] <= value + EPS:
            start += 1
    return ClassBreaks("quantile", tuple(edges), data[0], data[-1])


def equal_breaks(
    values: Iterable[float | None],
    classes: int = 5,
    *,
    symmetric_about: float | None = None,
    lang: str = "en",
) -> ClassBreaks:
    """Classes of equal width from the lowest to the highest value; with
    `symmetric_about=c`, from `c − m` to `c + m` where m is the largest distance to c."""
    _check_classes(classes, lang)
    data = _clean(values)
    if not data:
        return ClassBreaks("equal", (), None, None)
    low, high = data[0], data[-1]
    start, stop = low, high
    if symmetric_about is not None:
        reach = max(abs(low - symmetric_about), abs(high - symmetric_about))
        start, stop = symmetric_about - reach, symmetric_about + reach
    if stop - start <= EPS:
        return ClassBreaks("equal", (), low, high)
    width = (stop - start) / classes
    edges = [start + j * width for j in range(1, classes)]
    if symmetric_about is not None:
        # keep the symmetric edges even where no value lies below/above them
        return ClassBreaks("equal", tuple(edges), low, high)
    return ClassBreaks("equal", _dedupe(edges, low), low, high)


def manual_breaks(edges: Sequence[float], values: Iterable[float | None] = ()) -> ClassBreaks:
    """The user's edges as they are (validate them with `parse_manual_edges`)."""
    data = _clean(values)
    low, high = (data[0], data[-1]) if data else (None, None)
    return ClassBreaks("manual", tuple(float(e) for e in edges), low, high)


def parse_manual_edges(
    text: str | Sequence[Any], lang: str = "en", source: str = "manual"
) -> list[float]:
    """Class limits typed by a user: "70;80;90", "70 80 90" or "70,80,90".

    With ";" (or spaces only) as separator a comma is a decimal comma ("72,5;80"); without
    ";" commas separate the limits and the decimal mark is ".". Raises InputError when a
    limit is not a number, the limits do not strictly increase, or there are too many.
    """
    if isinstance(text, str):
        raw = text.strip()
        if ";" in raw:
            parts = [p.strip().replace(",", ".") for p in raw.split(";")]
        else:
            parts = raw.replace(",", " ").split()
        parts = [p for p in parts if p]
    else:
        parts = [str(p).strip() for p in text]
    problems: list[Problem] = []
    if not parts:
        problems.append(Problem(source, "", "manual", message("manual_empty", lang)))
    numbers: list[float] = []
    for part in parts:
        try:
            number = float(part)
            if not math.isfinite(number):
                raise ValueError(part)
        except ValueError:
            problems.append(
                Problem(source, "", "manual", message("manual_number", lang, found=repr(part)))
            )
            continue
        if numbers and number <= numbers[-1]:
            problems.append(
                Problem(
                    source,
                    "",
                    "manual",
                    message("manual_order", lang, previous=_plain(numbers[-1]), found=part),
                )
            )
        numbers.append(number)
    if len(parts) > MAX_CLASSES - 1:
        problems.append(
            Problem(
                source,
                "",
                "manual",
                message("manual_count", lang, limit=MAX_CLASSES - 1, count=len(parts)),
            )
        )
    if problems:
        raise InputError(problems)
    return numbers


def _plain(value: float) -> str:
    """A number as typed: no exponent, no trailing zeros (585000, 105.8)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def make_breaks(
    method: str,
    values: Iterable[float | None],
    classes: int = 5,
    manual: Sequence[float] | None = None,
    *,
    symmetric_about: float | None = None,
    lang: str = "en",
) -> ClassBreaks:
    """Dispatch on `method` ("quantile", "equal", "manual")."""
    values = list(values)
    if method == "quantile":
        return quantile_breaks(values, classes, lang)
    if method == "equal":
        return equal_breaks(values, classes, symmetric_about=symmetric_about, lang=lang)
    if method == "manual":
        return manual_breaks(parse_manual_edges(list(manual or []), lang), values)
    raise InputError([Problem("breaks", "", "method", message("method", lang, found=repr(method)))])


# --- colours --------------------------------------------------------------------------------

# ColorBrewer YlGnBu (sequential) for 3–9 classes, RdBu (diverging) for 3–11 classes.
YLGNBU: dict[int, tuple[str, ...]] = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    8: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    9: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494",
        "#081d58"),
}  # fmt: skip
RDBU: dict[int, tuple[str, ...]] = {
    3: ("#ef8a62", "#f7f7f7", "#67a9cf"),
    5: ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"),
    7: ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"),
    9: ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3",
        "#2166ac"),
    11: ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de",
         "#4393c3", "#2166ac", "#053061"),
}  # fmt: skip
NO_DATA = "#e3e6e9"  # units without a value
OUTLINE = "#ffffff"
INK = "#1b1f24"


def sequential_colours(count: int) -> list[str]:
    """`count` colours from light (low) to dark (high)."""
    if count <= 0:
        return []
    if count == 1:
        return [YLGNBU[3][1]]
    if count == 2:
        return [YLGNBU[3][0], YLGNBU[3][2]]
    return list(YLGNBU[min(count, MAX_CLASSES)])


def diverging_colours(breaks: ClassBreaks, center: float = 0.0) -> list[str]:
    """One colour per class: reds for classes below `center`, blues above, the neutral
    white for a class containing it; the further from the centre, the darker."""
    below, above, neutral = [], [], []
    for index in range(breaks.count):
        lower, upper = breaks.bounds(index)
        if upper is not None and upper <= center + EPS:
            below.append(index)
        elif lower is not None and lower >= center - EPS:
            above.append(index)
        else:
            neutral.append(index)
    side = max(len(below), len(above), 1)
    scheme = RDBU[min(2 * side + 1, 11)]
    middle = len(scheme) // 2
    colours: dict[int, str] = {}
    for distance, index in enumerate(reversed(below), start=1):
        colours[index] = scheme[max(0, middle - distance)]
    for distance, index in enumerate(above, start=1):
        colours[index] = scheme[min(len(scheme) - 1, middle + distance)]
    for index in neutral:
        colours[index] = scheme[middle]
    return [colours[i] for i in range(breaks.count)]


def ordered_colours(count: int) -> list[str]:
    """Colours for ordered categories listed best first (classification labels): the best
    is the darkest."""
    return list(reversed(sequential_colours(count)))


def text_colour(fill: str) -> str:
    """Dark or white text, whichever contrasts more with `fill` (WCAG relative luminance)."""
    value = fill.lstrip("#")
    if len(value) != 6:
        return INK
    channels = []
    for i in (0, 2, 4):
        c = int(value[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return INK if luminance > 0.179 else "#ffffff"


# --- codes ----------------------------------------------------------------------------------


def code_key(code: Any) -> str:
    """A unit code for matching: trimmed, case-folded, and numeric codes without leading
    zeros, so "01", "1" and 1 match (GSO codes are written with 2 or 5 digits)."""
    text = str(code).strip()
    if text.isdigit():
        return str(int(text))
    return text.casefold()


# --- tile grid ------------------------------------------------------------------------------

TILE_COLUMNS = ("code", "name", "label", "row", "col", "region")


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    label: str  # a few letters written on the square
    row: int  # 0 = northernmost
    col: int  # 0 = westernmost
    region: str


def load_tile_grid(text: str, source: str = "tile grid", lang: str = "en") -> list[Tile]:
    """Tiles from CSV text with the columns of `TILE_COLUMNS` (lines starting with "#" are
    comments). Raises InputError naming the row and column of every problem: missing
    columns or cells, non-integer positions, a code or a cell used twice."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in TILE_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [Problem(source, "", "", message("grid_columns", lang, names=", ".join(missing)))]
        )
    problems: list[Problem] = []
    tiles: list[Tile] = []
    codes: dict[str, int] = {}
    cells: dict[tuple[int, int], str] = {}
    for number, record in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        where = message("row", lang, number=number)
        bad = False
        for column in ("code", "name", "label"):
            if not row.get(column):
                problems.append(Problem(source, where, column, message("grid_empty", lang)))
                bad = True
        position: dict[str, int] = {}
        for column in ("row", "col"):
            cell = row.get(column, "")
            if not cell.isdigit():
                problems.append(
                    Problem(source, where, column, message("grid_integer", lang, found=repr(cell)))
                )
                bad = True
            else:
                position[column] = int(cell)
        if bad:
            continue
        key = code_key(row["code"])
        if key in codes:
            problems.append(
                Problem(
                    source,
                    where,
                    "code",
                    message("grid_duplicate_code", lang, code=row["code"], first=codes[key]),
                )
            )
            continue
        codes[key] = number
        cell = (position["row"], position["col"])
        if cell in cells:
            problems.append(
                Problem(
                    source,
                    where,
                    "row",
                    message(
                        "grid_duplicate_cell", lang, row=cell[0], col=cell[1], code=cells[cell]
                    ),
                )
            )
            continue
        cells[cell] = row["code"]
        tiles.append(
            Tile(row["code"], row["name"], row["label"], cell[0], cell[1], row.get("region", ""))
        )
    if problems:
        raise InputError(problems)
    return tiles


# --- GeoJSON boundaries ---------------------------------------------------------------------

DEFAULT_CODE_PROPERTIES = ("code", "ma", "MaTinh", "ma_xa")
DEFAULT_NAME_PROPERTIES = ("name", "ten", "TenTinh", "ten_xa", "Ten")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_PROBLEMS = 200  # stop collecting after this many: the file is clearly not usable


@dataclass(frozen=True)
class Bounds:
    """The longitude/latitude box every position must lie in."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


VIETNAM = Bounds(100.0, 120.0, 5.0, 25.0)

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # the outer ring, then holes


@dataclass(frozen=True)
class BoundaryFeature:
    code: str
    name: str
    polygons: tuple[Polygon, ...]

    @property
    def positions(self) -> int:
        return sum(len(ring) for polygon in self.polygons for ring in polygon)


@dataclass(frozen=True)
class Boundaries:
    features: tuple[BoundaryFeature, ...]
    code_property: str  # the property the codes were read from ("" if they differ by feature)

    def codes(self) -> list[str]:
        return [f.code for f in self.features]


class _Collector:
    """Problems of one file, with a cap so a broken 3,000-feature file stays readable."""

    def __init__(self, source: str, lang: str):
        self.source, self.lang, self.problems = source, lang, []

    def add(self, location: str, field: str, key: str, **values: Any) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Problem(self.source, location, field, message(key, self.lang, **values))
            )

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return {dict: "object", list: "list", bool: "true/false", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _load_json(data: str | bytes | Mapping[str, Any], limit: int, out: _Collector) -> Any:
    if isinstance(data, Mapping):
        size = len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    elif isinstance(data, bytes):
        size = len(data)
    else:
        size = len(data.encode("utf-8"))
    if size > limit:
        out.add("", "", "too_large", size=_size(size, out.lang), limit=_size(limit, out.lang))
        out.raise_if_any()
    if isinstance(data, Mapping):
        return data
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            out.add("", "", "not_utf8")
            out.raise_if_any()
    try:
        return json.loads(data.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        out.add("", "", "not_json", line=exc.lineno, column=exc.colno, error=exc.msg)
        out.raise_if_any()


def _size(size: int, lang: str) -> str:
    """1.5 MB / 12 KB (1,5 MB in Vietnamese)."""
    if size >= 1024 * 1024:
        text = f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    else:
        text = f"{max(1, round(size / 1024))} KB"
    return text.replace(".", ",") if lang == "vi" else text


def parse_geojson(
    data: str | bytes | Mapping[str, Any],
    *,
    source: str = "boundaries.geojson",
    code_property: str | None = None,
    bounds: Bounds = VIETNAM,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lang: str = "en",
) -> Boundaries:
    """Validated boundaries from GeoJSON text (or bytes, or an already parsed dict).

    Requires a FeatureCollection whose features are Polygon or MultiPolygon in
    longitude/latitude within `bounds`, with closed rings of at least 4 positions, each
    carrying a unit code in `code_property` (default: the first present of
    `DEFAULT_CODE_PROPERTIES`), no code twice. Every problem is listed (up to
    `MAX_PROBLEMS`) with the feature's number (1 = the first) and the property concerned,
    in `lang`; nothing is returned unless there is none.
    """
    out = _Collector(source, lang)
    document = _load_json(data, max_bytes, out)
    if not isinstance(document, dict):
        out.add("", "", "not_object", found=_type_name(document))
        out.raise_if_any()
    if document.get("type") != "FeatureCollection":
        out.add("", "type", "not_collection", found=_type_name(document.get("type")))
        out.raise_if_any()
    items = document.get("features")
    if not isinstance(items, list) or not items:
        out.add("", "features", "no_features")
        out.raise_if_any()
    features: list[BoundaryFeature] = []
    seen: dict[str, int] = {}
    used_properties: set[str] = set()
    for number, item in enumerate(items, start=1):
        if out.full:
            break
        where = message("feature", lang, number=number)
        if not isinstance(item, dict) or item.get("type") != "Feature":
            out.add(where, "type", "not_feature")
            continue
        code, prop = _feature_code(item, code_property, where, out)
        polygons = _feature_polygons(item.get("geometry"), bounds, where, out)
        if code is None or polygons is None:
            continue
        key = code_key(code)
        if key in seen:
            out.add(where, f"properties.{prop}", "duplicate_code", code=code, first=seen[key])
            continue
        seen[key] = number
        used_properties.add(prop)
        features.append(BoundaryFeature(code, _feature_name(item), polygons))
    out.raise_if_any()
    used = used_properties.pop() if len(used_properties) == 1 else ""
    return Boundaries(tuple(features), used)


def _feature_code(
    item: dict[str, Any], code_property: str | None, where: str, out: _Collector
) -> tuple[str | None, str]:
    properties = item.get("properties")
    names = (code_property,) if code_property else DEFAULT_CODE_PROPERTIES
    if not isinstance(properties, dict):
        out.add(where, "properties", "no_properties")
        return None, ""
    for name in names:
        value = properties.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            out.add(where, f"properties.{name}", "bad_code", found=_type_name(value))
            return None, name
        if isinstance(value, float):
            if not value.is_integer():
                out.add(where, f"properties.{name}", "bad_code", found=repr(value))
                return None, name
            value = int(value)
        return str(value).strip(), name
    if code_property:
        out.add(where, f"properties.{code_property}", "missing_named_code", name=code_property)
    else:
        out.add(where, "properties", "missing_code", names=", ".join(DEFAULT_CODE_PROPERTIES))
    return None, ""


def _feature_name(item: dict[str, Any]) -> str:
    properties = item.get("properties") or {}
    for name in DEFAULT_NAME_PROPERTIES:
        value = properties.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _feature_polygons(
    geometry: Any, bounds: Bounds, where: str, out: _Collector
) -> tuple[Polygon, ...] | None:
    if not isinstance(geometry, dict):
        out.add(where, "geometry", "no_geometry")
        return None
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        raw_polygons = [coordinates]
    elif kind == "MultiPolygon":
        raw_polygons = coordinates if isinstance(coordinates, list) and coordinates else None
    else:
        out.add(where, "geometry.type", "geometry_type", found=_type_name(kind))
        return None
    if raw_polygons is None or not all(
        isinstance(p, list) and p and all(isinstance(r, list) for r in p) for p in raw_polygons
    ):
        out.add(where, "geometry.coordinates", "bad_structure", kind=kind)
        return None
    polygons: list[Polygon] = []
    ring_number = 0
    ok = True
    for raw_polygon in raw_polygons:
        rings: list[Ring] = []
        for raw_ring in raw_polygon:
            ring_number += 1
            ring = _ring(raw_ring, ring_number, kind, bounds, where, out)
            if ring is None:
                ok = False
            else:
                rings.append(ring)
        polygons.append(tuple(rings))
    return tuple(polygons) if ok else None


def _ring(
    raw: list[Any], number: int, kind: str, bounds: Bounds, where: str, out: _Collector
) -> Ring | None:
    field = "geometry.coordinates"
    if raw and all(isinstance(c, int | float) for c in raw):
        out.add(where, field, "bad_structure", kind=kind)  # a position where a ring belongs
        return None
    points: list[tuple[float, float]] = []
    for position, value in enumerate(raw, start=1):
        if (
            not isinstance(value, list)
            or len(value) not in (2, 3)
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in value
            )
        ):
            out.add(where, field, "bad_position", position=position, ring=number)
            return None
        points.append((float(value[0]), float(value[1])))
    if len(points) < 4:
        out.add(where, field, "short_ring", ring=number, count=len(points))
        return None
    if points[0] != points[-1]:
        out.add(where, field, "open_ring", ring=number)
        return None
    for position, (lon, lat) in enumerate(points, start=1):
        if not (
            bounds.lon_min <= lon <= bounds.lon_max and bounds.lat_min <= lat <= bounds.lat_max
        ):
            out.add(
                where,
                field,
                "out_of_range",
                position=position,
                ring=number,
                lon=_plain(lon),
                lat=_plain(lat),
                lon_min=_plain(bounds.lon_min),
                lon_max=_plain(bounds.lon_max),
                lat_min=_plain(bounds.lat_min),
                lat_max=_plain(bounds.lat_max),
                hint=_range_hint(lon, lat, bounds, out.lang),
            )
            return None  # one message per ring: the others are usually the same mistake
    return tuple(points)


def _range_hint(lon: float, lat: float, bounds: Bounds, lang: str) -> str:
    if bounds.lon_min <= lat <= bounds.lon_max and bounds.lat_min <= lon <= bounds.lat_max:
        return message("hint_swapped", lang)
    if abs(lon) > 180 or abs(lat) > 90:
        return message("hint_projected", lang)
    return ""


# --- projection to SVG ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectedMap:
    """SVG path data per code in a `width` × `height` view box (y downwards, north up)."""

    width: float
    height: float
    paths: dict[str, str]
    centres: dict[str, tuple[float, float]]  # a point inside each unit's largest polygon


def project(
    boundaries: Boundaries | Sequence[BoundaryFeature],
    *,
    width: float = 600.0,
    max_height: float = 800.0,
    padding: float = 6.0,
    tolerance: float = 0.5,
    decimals: int = 1,
) -> ProjectedMap:
    """Fit the features into a view box `width` wide (narrower if the shape would be taller
    than `max_height`), simplify every ring to `tolerance` view-box units and round the
    coordinates to `decimals` places.

    x = (lon − lon_min)·cos(φ₀), y = lat_max − lat, scaled; φ₀ the middle latitude. A ring
    keeps at least 3 distinct corners, so small units stay visible.
    """
    features = boundaries.features if isinstance(boundaries, Boundaries) else tuple(boundaries)
    if not features:
        return ProjectedMap(width, 0.0, {}, {})
    lons = [p[0] for f in features for poly in f.polygons for ring in poly for p in ring]
    lats = [p[1] for f in features for poly in f.polygons for ring in poly for p in ring]
    lon_min, lon_max, lat_min, lat_max = min(lons), max(lons), min(lats), max(lats)
    k = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x = max((lon_max - lon_min) * k, 1e-9)
    span_y = max(lat_max - lat_min, 1e-9)
    inner_w = width - 2 * padding
    scale = inner_w / span_x
    if span_y * scale > max_height - 2 * padding:
        scale = (max_height - 2 * padding) / span_y
    out_w = round(span_x * scale + 2 * padding, decimals)
    out_h = round(span_y * scale + 2 * padding, decimals)

    def to_xy(ring: Ring) -> np.ndarray:
        array = np.asarray(ring, dtype=float)
        x = (array[:, 0] - lon_min) * k * scale + padding
        y = (lat_max - array[:, 1]) * scale + padding
        return np.column_stack((x, y))

    paths: dict[str, str] = {}
    centres: dict[str, tuple[float, float]] = {}
    for feature in features:
        parts: list[str] = []
        best_area, best_centre = -1.0, (0.0, 0.0)
        for polygon in feature.polygons:
            for index, ring in enumerate(polygon):
                projected = to_xy(ring)
                places = decimals
                xy = _round(simplify_ring(projected, tolerance), places)
                if len(xy) < 3 and index == 0:  # a unit smaller than the rounding: finer
                    places = decimals + 2
                    xy = _round(projected, places)
                if len(xy) < 3:
                    continue
                parts.append(_path(xy, places))
                if index == 0:
                    area, centre = _area_centre(xy)
                    if area > best_area:
                        best_area, best_centre = area, centre
        paths[feature.code] = "".join(parts)
        centres[feature.code] = (round(best_centre[0], decimals), round(best_centre[1], decimals))
    return ProjectedMap(out_w, out_h, paths, centres)


def simplify_ring(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker on a closed ring (first = last may be given or not), returned
    without the closing point and with at least 3 corners when the ring had them.

    The ring is split at its first point and the point farthest from it, and each half is
    simplified on its own, so the shape cannot collapse to a line; a sliver thinner than
    the tolerance keeps its farthest point from that line.
    """
    points = np.asarray(points, dtype=float)
    if len(points) > 1 and np.allclose(points[0], points[-1]):
        points = points[:-1]
    n = len(points)
    if n <= 3 or tolerance <= 0:
        return points
    far = int(np.argmax(np.hypot(*(points - points[0]).T)))
    if far == 0:
        return points[:1]
    closed = np.vstack((points, points[:1]))
    keep = np.zeros(n + 1, dtype=bool)
    keep[[0, far, n]] = True
    _douglas_peucker(closed, 0, far, tolerance, keep)
    _douglas_peucker(closed, far, n, tolerance, keep)
    if keep.sum() < 4:  # only the two ends (and the closing point): keep a third corner
        distances = _distances(closed, closed[0], closed[far])
        keep[int(np.argmax(distances))] = True
    return closed[keep][:-1]


def _distances(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances of `points` to the segment a–b."""
    ab = b - a
    length2 = float(ab @ ab)
    if length2 == 0.0:
        return np.hypot(*(points - a).T)
    t = np.clip(((points - a) @ ab) / length2, 0.0, 1.0)
    nearest = a + np.outer(t, ab)
    return np.hypot(*(points - nearest).T)


def _douglas_peucker(
    points: np.ndarray, first: int, last: int, tolerance: float, keep: np.ndarray
) -> None:
    stack = [(first, last)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        distances = _distances(points[start + 1 : end], points[start], points[end])
        index = int(np.argmax(distances))
        if distances[index] > tolerance:
            middle = start + 1 + index
            keep[middle] = True
            stack.append((start, middle))
            stack.append((middle, end))


def _round(points: np.ndarray, decimals: int) -> np.ndarray:
    """Round and drop consecutive repeats (and a last point equal to the first)."""
    if not len(points):
        return points
    rounded = np.round(points, decimals)
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)
    rounded = rounded[keep]
    if len(rounded) > 1 and np.all(rounded[0] == rounded[-1]):
        rounded = rounded[:-1]
    return rounded


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _path(points: np.ndarray, decimals: int) -> str:
    coords = " ".join(f"{_number(x, decimals)},{_number(y, decimals)}" for x, y in points)
    return f"M{coords}Z"


def _area_centre(points: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Area and centroid of a polygon ring (the vertices' mean if it has no area)."""
    x, y = points[:, 0], points[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y2 - x2 * y
    area = float(cross.sum()) / 2
    if abs(area) < 1e-12:
        return 0.0, (float(x.mean()), float(y.mean()))
    cx = float(((x + x2) * cross).sum()) / (6 * area)
    cy = float(((y + y2) * cross).sum()) / (6 * area)
    return abs(area), (cx, cy)
