"""Maps core: the packaged tile grid of the 34 provinces, class breaks (known answers),
colours, GeoJSON validation (every refusal with its message) and projection to SVG."""

from __future__ import annotations

import json
import math
import re
import time
from importlib import resources

import pytest

from parindex.analysis import maps as M
from parindex.errors import InputError

# --- the tile grid --------------------------------------------------------------------------


def package_grid() -> list[M.Tile]:
    text = resources.files("parindex").joinpath("data", "maps", "vn34_tilegrid.csv")
    return M.load_tile_grid(text.read_text(encoding="utf-8"), "vn34_tilegrid.csv")


def test_tile_grid_has_the_34_provinces_of_vietnam_provinces_once_without_overlap():
    vp = pytest.importorskip("vietnam_provinces")  # installed with the test extras
    official = {
        f"{int(p.code):02d}": p.name.removeprefix("Thành phố ") for p in vp.Province.iter_all()
    }
    tiles = package_grid()
    assert len(official) == 34
    assert len(tiles) == 34
    assert sorted(t.code for t in tiles) == sorted(official)  # each code exactly once
    assert {t.code: t.name for t in tiles} == official
    cells = [(t.row, t.col) for t in tiles]
    assert len(set(cells)) == 34  # no two provinces on one square
    labels = [t.label for t in tiles]
    assert len(set(labels)) == 34 and all(1 <= len(label) <= 4 for label in labels)


SIX_REGIONS = {
    "Trung du và miền núi phía Bắc",
    "Đồng bằng sông Hồng",
    "Bắc Trung Bộ và duyên hải miền Trung",
    "Tây Nguyên",
    "Đông Nam Bộ",
    "Đồng bằng sông Cửu Long",
}

# Approximate position (longitude, latitude, to about 0.1°) of each province's
# administrative centre since 1/7/2025 — an independent reference for the layout.
CENTRES = {
    "12": (103.5, 22.4), "11": (103.0, 21.4), "14": (103.9, 21.3), "15": (104.9, 21.7),
    "08": (105.2, 21.8), "04": (106.3, 22.7), "20": (106.8, 21.9), "19": (105.8, 21.6),
    "25": (105.4, 21.3), "01": (105.8, 21.0), "24": (106.2, 21.3), "22": (107.1, 21.0),
    "31": (106.7, 20.9), "33": (106.3, 20.5), "37": (106.0, 20.3), "38": (105.8, 19.8),
    "40": (105.7, 18.7), "42": (105.9, 18.3), "44": (106.6, 17.5), "46": (107.6, 16.5),
    "48": (108.2, 16.1), "51": (108.8, 15.1), "52": (109.2, 13.8), "66": (108.0, 12.7),
    "56": (109.2, 12.2), "68": (108.4, 11.9), "75": (106.8, 11.0), "79": (106.7, 10.8),
    "80": (106.4, 10.5), "82": (106.4, 10.4), "86": (106.0, 10.3), "91": (105.1, 10.0),
    "92": (105.8, 10.0), "96": (105.2, 9.2),
}  # fmt: skip


def test_tile_grid_reads_like_vietnam():
    tiles = {t.code: t for t in package_grid()}
    assert set(CENTRES) == set(tiles)
    assert {t.region for t in tiles.values()} == SIX_REGIONS
    # north at the top: a province clearly further north is on an upper row
    for a, (_lon_a, lat_a) in CENTRES.items():
        for b, (_lon_b, lat_b) in CENTRES.items():
            if lat_a > lat_b + 1.0:
                assert tiles[a].row < tiles[b].row, (tiles[a].name, tiles[b].name)
    # west on the left, among provinces of about the same latitude
    for a, (lon_a, lat_a) in CENTRES.items():
        for b, (lon_b, lat_b) in CENTRES.items():
            if abs(lat_a - lat_b) < 1.5 and lon_a + 1.5 < lon_b:
                assert tiles[a].col < tiles[b].col, (tiles[a].name, tiles[b].name)

    def distance(a: str, b: str) -> int:
        return max(abs(tiles[a].row - tiles[b].row), abs(tiles[a].col - tiles[b].col))

    # the Red River delta cluster and the southern cities sit together
    for code in ("31", "24", "33", "37"):  # Hải Phòng, Bắc Ninh, Hưng Yên, Ninh Bình
        assert distance("01", code) <= 2
    assert distance("79", "92") <= 2 and distance("79", "75") == 1  # HCMC, Cần Thơ, Đồng Nai
    # one piece (squares touching by a side or a corner): the S shape has no island
    seen, todo = {"01"}, ["01"]
    while todo:
        here = tiles[todo.pop()]
        for code, tile in tiles.items():
            near = abs(tile.row - here.row) <= 1 and abs(tile.col - here.col) <= 1
            if code not in seen and near:
                seen.add(code)
                todo.append(code)
    assert seen == set(tiles)


GRID_HEADER = "code,name,label,row,col,region\n"


def test_tile_grid_problems_name_row_and_column_in_both_languages():
    text = GRID_HEADER + "01,Hà Nội,HNI,0,0,R\n01,Bis,BIS,0,1,R\n02,Hai,HAI,0,0,R\n03,Ba,BA,x,2,R\n"
    with pytest.raises(InputError) as error:
        M.load_tile_grid(text, "grid.csv", lang="vi")
    messages = [str(p) for p in error.value.problems]
    assert messages == [
        "grid.csv: dòng 3: code: mã 01 đã có ở dòng 2",
        "grid.csv: dòng 4: row: ô (hàng 0, cột 0) đã được dùng cho 01",
        "grid.csv: dòng 5: row: 'x' không phải số nguyên ≥ 0",
    ]
    with pytest.raises(InputError) as error:
        M.load_tile_grid("code,name,row\n01,A,0\n", "grid.csv")
    assert str(error.value) == "grid.csv: missing columns: label, col, region"


# --- class breaks ---------------------------------------------------------------------------


def test_quantile_breaks_known_answers():
    b = M.quantile_breaks(range(1, 11), 5)
    assert b.edges == (3, 5, 7, 9) and (b.low, b.high) == (1, 10)
    assert b.counts(range(1, 11)) == [2, 2, 2, 2, 2]
    # 7 values in 3 classes: positions 0-2, 3-4, 5-6 (class ⌊i·3/7⌋)
    assert M.quantile_breaks([7, 1, 3, 2, 6, 5, 4], 3).edges == (4, 6)
    # missing values are left out
    assert M.quantile_breaks([None, 2, float("nan"), 1, 3, 4], 2).edges == (3,)


def test_quantile_breaks_keep_ties_together():
    values = [1, 2, 3, 3, 3, 4]  # the run of 3s starts at position 2: class ⌊2·2/6⌋ = 0
    b = M.quantile_breaks(values, 2)
    assert b.edges == (4,)
    assert b.counts(values) == [5, 1]
    # four equal lowest values: one class for them, one for the rest
    assert M.quantile_breaks([5, 5, 5, 5, 6], 2).edges == (6,)
    # more classes than distinct values: no empty class
    b = M.quantile_breaks([1, 1, 2, 2], 4)
    assert b.edges == (2,) and b.counts([1, 1, 2, 2]) == [2, 2]


def test_all_equal_values_make_one_class():
    for method in ("quantile", "equal"):
        b = M.make_breaks(method, [80.5, 80.5, 80.5], 5)
        assert b.count == 1 and b.edges == ()
        assert b.class_of(80.5) == 0 and b.counts([80.5] * 3) == [3]
    assert M.quantile_breaks([], 5).count == 1
    assert M.quantile_breaks([], 5).low is None


def test_equal_breaks_and_values_on_edges():
    b = M.equal_breaks([0, 10, 100], 4)
    assert b.edges == (25, 50, 75)
    assert [b.class_of(v) for v in (0, 24.999, 25, 50, 74.9, 75, 100)] == [0, 0, 1, 2, 2, 3, 3]
    # a change: symmetric around 0, so 0 is an edge
    assert M.equal_breaks([-3, 1], 4, symmetric_about=0).edges == (-1.5, 0, 1.5)
    # noise below 1e-9 counts as equal (as in the rankings)
    assert b.class_of(25 - 1e-12) == 1


def test_manual_breaks_and_their_validation():
    b = M.make_breaks("manual", [65, 70, 85, 95], manual=M.parse_manual_edges("70,80,90"))
    assert b.edges == (70, 80, 90) and b.count == 4
    assert [b.class_of(v) for v in (69.99, 70, 79.99, 80, 90, 120)] == [0, 1, 1, 2, 3, 3]
    assert b.counts([65, 70, 85, 95]) == [1, 1, 1, 1]
    assert b.class_of(None) is None
    assert M.parse_manual_edges("70; 80; 90") == [70, 80, 90]
    assert M.parse_manual_edges("72,5; 80") == [72.5, 80]  # decimal comma with ";"
    assert M.parse_manual_edges("72.5 80") == [72.5, 80]

    def refused(text, lang="vi"):
        with pytest.raises(InputError) as error:
            M.parse_manual_edges(text, lang)
        return [p.message for p in error.value.problems]

    assert refused("70;abc") == ["'abc' không phải là số"]
    assert refused("80;70") == ["các ngưỡng phân lớp phải tăng dần, không trùng nhau (80 rồi 70)"]
    assert refused("70;70", "en") == ["class limits must be strictly increasing (70 then 70)"]
    assert refused("") == ["hãy nhập ít nhất một ngưỡng phân lớp, ví dụ 70;80;90"]
    assert refused(";".join(str(v) for v in range(9)), "en") == ["at most 8 class limits (9 given)"]


def test_bad_method_and_number_of_classes():
    with pytest.raises(InputError, match="quantile, equal or manual"):
        M.make_breaks("jenks", [1, 2])
    with pytest.raises(InputError, match="between 1 and 9"):
        M.quantile_breaks([1, 2], 10)
    with pytest.raises(InputError, match="từ 1 đến 9"):
        M.equal_breaks([1, 2], 0, lang="vi")


# --- colours --------------------------------------------------------------------------------


def test_colours_are_colorbrewer_schemes():
    assert M.sequential_colours(5) == ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
    assert M.ordered_colours(3) == ["#2c7fb8", "#7fcdbb", "#edf8b1"]  # best first = darkest
    assert len(M.sequential_colours(9)) == 9 and len(M.sequential_colours(2)) == 2
    # a change with 0 on an edge: two reds below, two blues above
    assert M.diverging_colours(M.manual_breaks([-5, 0, 5])) == [
        "#ca0020", "#f4a582", "#92c5de", "#0571b0"
    ]  # fmt: skip
    # five symmetric classes: the middle one holds 0 and is neutral
    b = M.equal_breaks([-3, 1], 5, symmetric_about=0)
    assert M.diverging_colours(b) == ["#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"]
    # only rises: blues, lightest nearest to 0
    # one class below 0, two above: the intensity scale is the same on both sides
    assert M.diverging_colours(M.manual_breaks([0, 2])) == ["#f4a582", "#92c5de", "#0571b0"]
    assert M.text_colour("#253494") == "#ffffff"
    assert M.text_colour("#ffffcc") == M.INK


# --- GeoJSON validation ---------------------------------------------------------------------


def square(lon, lat, size=0.1, close=True):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return ring + [ring[0]] if close else ring


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


VALID = collection(
    feature({"ma_xa": "00004", "ten_xa": "Phường Ba Đình"}, polygon(square(105.8, 21.0))),
    feature(
        {"ma_xa": 8, "ten_xa": "Phường Ngọc Hà"},
        {
            "type": "MultiPolygon",
            "coordinates": [
                [square(105.9, 21.0, 0.2), square(105.95, 21.05, 0.05)],  # with a hole
                [square(106.2, 21.0, 0.05)],
            ],
        },
    ),
)


def test_valid_geojson_is_accepted_from_text_bytes_or_dict():
    for data in (json.dumps(VALID), json.dumps(VALID).encode("utf-8"), VALID):
        boundaries = M.parse_geojson(data)
        assert boundaries.codes() == ["00004", "8"]
        assert boundaries.code_property == "ma_xa"
        first, second = boundaries.features
        assert first.name == "Phường Ba Đình" and len(first.polygons) == 1
        assert [len(p) for p in second.polygons] == [2, 1] and second.positions == 15
        assert first.polygons[0][0][2] == pytest.approx((105.9, 21.1))
    # a property named by the user; a UTF-8 BOM is fine
    data = collection(feature({"MaTinh": "01", "code": "x"}, polygon(square(105.8, 21.0))))
    text = "\ufeff" + json.dumps(data)
    assert M.parse_geojson(text, code_property="MaTinh").codes() == ["01"]
    assert M.parse_geojson(text).codes() == ["x"]  # default order: code first


def problems(data, lang="en", **kwargs):
    with pytest.raises(InputError) as error:
        M.parse_geojson(data, source="ranh-gioi.geojson", lang=lang, **kwargs)
    return [(p.location, p.field, p.message) for p in error.value.problems]


def test_not_json_and_wrong_types_are_refused():
    assert problems('{"type": "FeatureCollection", "features": [}') == [
        ("", "", "the file is not valid JSON (line 1, column 44: Expecting value)")
    ]
    assert problems(b"\xff\xfe{}", "vi") == [("", "", "tệp không phải văn bản mã UTF-8")]
    assert problems("[1, 2]") == [
        ("", "", "a GeoJSON file must contain one object, here it is list")
    ]
    assert problems({"type": "Feature"}, "vi") == [
        ("", "type", 'kiểu (type) phải là "FeatureCollection", không phải "Feature"')
    ]
    assert problems(collection()) == [
        ("", "features", '"features" must be a non-empty list of features')
    ]
    point = collection(feature({"code": "1"}, {"type": "Point", "coordinates": [105.8, 21.0]}))
    assert problems(point, "vi") == [
        ("đối tượng thứ 1", "geometry.type",
         'không hỗ trợ kiểu hình học "Point": cần Polygon hoặc MultiPolygon')
    ]  # fmt: skip
    assert problems(collection(feature({"code": "1"}, None))) == [
        ("feature 1", "geometry", "the feature has no geometry")
    ]


def test_rings_must_be_closed_long_enough_and_made_of_numbers():
    ok = feature({"code": "1"}, polygon(square(105.8, 21.0)))
    open_ring = feature({"code": "2"}, polygon(square(105.8, 21.0, close=False)))
    assert problems(collection(ok, open_ring), "vi") == [
        ("đối tượng thứ 2", "geometry.coordinates",
         "vòng 1 không khép kín: điểm cuối phải trùng điểm đầu")
    ]  # fmt: skip
    short = feature({"code": "3"}, polygon([[105.8, 21.0], [105.9, 21.0], [105.8, 21.0]]))
    assert problems(collection(short)) == [
        ("feature 1", "geometry.coordinates",
         "ring 1 has 3 positions: a ring needs at least 4 (the first repeated at the end)")
    ]  # fmt: skip
    text_position = square(105.8, 21.0)
    text_position[2] = ["105.9", "21.1"]
    assert problems(collection(feature({"code": "4"}, polygon(text_position)))) == [
        ("feature 1", "geometry.coordinates",
         "position 3 of ring 1: a position must be 2 or 3 numbers [longitude, latitude]")
    ]  # fmt: skip
    flat = feature({"code": "5"}, {"type": "Polygon", "coordinates": square(105.8, 21.0)})
    assert problems(collection(flat))[0][2].startswith(
        "coordinates are not nested as a Polygon requires"
    )


def test_coordinates_outside_vietnam_are_refused_with_a_hint():
    projected = feature({"code": "1"}, polygon(square(585000.0, 2330000.0, 1000.0)))
    swapped = feature({"code": "2"}, polygon([[21.0, 105.8], [21.0, 105.9], [21.1, 105.9],
                                              [21.0, 105.8]]))  # fmt: skip
    elsewhere = feature({"code": "3"}, polygon(square(2.35, 48.85)))
    found = problems(collection(projected, swapped, elsewhere))
    assert [(loc, fld) for loc, fld, _m in found] == [
        ("feature 1", "geometry.coordinates"),
        ("feature 2", "geometry.coordinates"),
        ("feature 3", "geometry.coordinates"),
    ]
    assert found[0][2] == (
        "position 1 of ring 1 (585000, 2330000) is outside Vietnam (longitude 100–120, "
        "latitude 5–25); the coordinates look projected (metres, e.g. VN-2000): export the "
        "file in WGS 84 longitude/latitude (EPSG:4326)"
    )
    assert found[1][2].endswith(
        "longitude and latitude seem swapped (GeoJSON expects [longitude, latitude])"
    )
    assert found[2][2] == (
        "position 1 of ring 1 (2.35, 48.85) is outside Vietnam (longitude 100–120, latitude 5–25)"
    )
    vi = problems(collection(projected), "vi")[0][2]
    assert vi.startswith("điểm thứ 1 của vòng 1 (585000, 2330000) nằm ngoài Việt Nam")


def test_codes_missing_or_repeated_are_refused_naming_the_feature_and_property():
    a = feature({"ma_xa": "00004"}, polygon(square(105.8, 21.0)))
    b = feature({"ten": "Không mã"}, polygon(square(105.9, 21.0)))
    c = feature({"ma_xa": "4"}, polygon(square(106.0, 21.0)))  # same unit as 00004
    d = feature({"ma_xa": ["x"]}, polygon(square(106.1, 21.0)))
    assert problems(collection(a, b, c, d), "vi") == [
        ("đối tượng thứ 2", "properties",
         "không có mã đơn vị: cần một trong các thuộc tính code, ma, MaTinh, ma_xa"),
        ("đối tượng thứ 3", "properties.ma_xa", "mã 4 đã dùng cho đối tượng thứ 1"),
        ("đối tượng thứ 4", "properties.ma_xa",
         "mã đơn vị phải là chữ hoặc số nguyên, không phải list"),
    ]  # fmt: skip
    assert problems(collection(a), code_property="MaXa") == [
        ("feature 1", "properties.MaXa", "no unit code in the property MaXa")
    ]
    no_properties = {"type": "Feature", "geometry": polygon(square(105.8, 21.0))}
    assert problems(collection(no_properties)) == [
        ("feature 1", "properties", "the feature has no properties, so no unit code")
    ]


def test_too_large_files_are_refused_before_parsing():
    text = json.dumps(VALID)
    assert len(text) < 1536
    assert problems(text, max_bytes=100) == [
        ("", "", "the file is too large (1 KB; at most 1 KB): "
                 "simplify the boundaries (e.g. with mapshaper) before uploading")
    ]  # fmt: skip
    big = "x" * (2 * 1024 * 1024 + 300 * 1024)  # not even JSON: the size is checked first
    assert problems(big, "vi", max_bytes=1024 * 1024)[0][2].startswith(
        "tệp quá lớn (2,3 MB; tối đa 1 MB)"
    )


def test_every_problem_is_listed_up_to_a_cap():
    bad = [
        feature({}, polygon(square(105.8 + i * 0.001, 21.0))) for i in range(M.MAX_PROBLEMS + 50)
    ]
    found = problems(collection(*bad))
    assert len(found) == M.MAX_PROBLEMS
    assert found[0][0] == "feature 1" and found[-1][0] == f"feature {M.MAX_PROBLEMS}"


# --- projection -----------------------------------------------------------------------------


def parse_path(path: str) -> list[list[tuple[float, float]]]:
    rings = []
    for part in re.findall(r"M([^Z]*)Z", path):
        rings.append([tuple(float(v) for v in pair.split(",")) for pair in part.split()])
    return rings


def test_projection_of_a_square_known_answer():
    boundaries = M.parse_geojson(collection(feature({"code": "A"}, polygon(square(105, 10, 1)))))
    result = M.project(boundaries, width=600, max_height=800, padding=6, decimals=1)
    # 1° of longitude at 10.5° N is cos(10.5°) = 0.98325 of a degree of latitude: the square
    # is 588 units wide (600 − 2·6) and 588 / 0.98325 = 598.0 tall, plus the padding
    assert result.width == 600
    assert result.height == pytest.approx(610.0, abs=0.05)
    assert result.paths == {"A": "M6,604 594,604 594,6 6,6Z"}
    assert result.centres["A"] == (300.0, 305.0)
    # too tall for max_height: the height is fitted instead, the width shrinks
    tall = M.project(boundaries, width=600, max_height=300, padding=0)
    assert tall.height == 300 and tall.width == pytest.approx(
        300 * math.cos(math.radians(10.5)), abs=0.05
    )


def test_simplification_keeps_the_shape_and_small_units():
    n = 2000
    k = math.cos(math.radians(15.5))  # a circle on the map: the longitudes stretched by 1/k
    circle = [[105.5 + 0.4 / k * math.cos(2 * math.pi * i / n), 15.5 + 0.4 * math.sin(2 * math.pi * i / n)]
              for i in range(n)]  # fmt: skip
    circle.append(circle[0])
    tiny = square(105.5, 15.5, 0.0002)  # far below a view-box unit, at the circle's centre
    data = collection(
        feature({"code": "C"}, polygon(circle)), feature({"code": "T"}, polygon(tiny))
    )
    result = M.project(M.parse_geojson(data), width=600, tolerance=0.5, decimals=1)
    ring = parse_path(result.paths["C"])[0]
    assert 20 < len(ring) < 200  # 2,000 positions drawn with far fewer
    # the circle is 588 view-box units wide (600 − 2·6 of padding): radius 294, centre 300
    cx, cy = 300, 6 + 294
    radii = [math.hypot(x - cx, y - cy) for x, y in ring]
    assert max(abs(r - 294) for r in radii) < 0.2  # every kept point is on the circle
    tiny_ring = parse_path(result.paths["T"])[0]
    assert len(tiny_ring) >= 3  # the tiny unit is still drawn
    assert all(abs(x - 300) < 0.5 and abs(y - 300) < 0.5 for x, y in tiny_ring)


def test_a_file_of_3321_communes_gives_a_page_of_reasonable_size():
    features = []
    for i in range(3321):
        row, col = divmod(i, 60)
        lon, lat = 102.5 + col * 0.12, 22.5 - row * 0.25
        ring = []
        for k in range(120):  # a wobbly outline of 120 positions, as surveyed boundaries are
            angle = 2 * math.pi * k / 120
            r = 0.05 * (1 + 0.05 * math.sin(7 * angle) + 0.02 * math.sin(31 * angle + i))
            ring.append([round(lon + r * math.cos(angle), 6), round(lat + r * math.sin(angle), 6)])
        ring.append(ring[0])
        features.append(feature({"ma_xa": f"{i + 1:05d}"}, polygon(ring)))
    text = json.dumps(collection(*features))
    start = time.perf_counter()
    result = M.project(M.parse_geojson(text), width=600, max_height=800, tolerance=0.6)
    elapsed = time.perf_counter() - start
    size = sum(len(p) for p in result.paths.values())
    assert len(result.paths) == 3321 and all(result.paths.values())
    assert len(text) > 9_000_000 and size < 600_000  # ~10 MB of GeoJSON → under 0.6 MB of SVG
    assert elapsed < 60
