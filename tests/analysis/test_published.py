"""The published datasets and their consistency check, against figures worked by hand."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from parindex.analysis.published import (
    DATASETS,
    Finding,
    consistency_check,
    load_published,
    published_results,
)

# The shared folder sits beside the repository (as in CI).
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return consistency_check()


def _about(findings, kind, text):
    return [f for f in findings if f.kind == kind and text in f.where]


# --------------------------------------------------------------------- the data itself


@pytest.mark.parametrize("name", DATASETS)
def test_package_copies_are_byte_identical(name):
    packaged = files("parindex").joinpath("data", "published", f"{name}.csv").read_bytes()
    assert SHARED.is_dir(), f"the shared data folder {SHARED} must sit beside the repository"
    assert packaged == (SHARED / f"{name}.csv").read_bytes()


def test_load_published():
    prov = load_published("par_index_provinces")
    assert list(prov.columns) == ["year", "province", "index_pct", "rank", "note", "source"]
    assert len(prov) == 60
    dvc = load_published("dvcqg_progress_phutho_2026.csv")
    assert dvc["unit_code"].iloc[0] == "H44" and dvc["level"].iloc[0] == "PROVINCE_TOTAL"
    assert dvc["unit_code"].iloc[1] == "H44.01"  # stays text
    with pytest.raises(ValueError, match="par_index_national"):
        load_published("par_index")


def test_published_results_shape():
    r = published_results(2023)
    for col in ("unit_code", "unit_name", "index_pct", "rank", "peer_group"):
        assert col in r.columns
    assert set(r["peer_group"]) == {"province"}
    dn = r[r["unit_code"] == "Đà Nẵng"].iloc[0]
    assert dn["index_pct"] == 88.68 and dn["rank"] == 12
    assert len(published_results(2020)) == 10  # the components table
    with pytest.raises(ValueError, match="2023"):
        published_results(2017)


def test_2020_components_add_up_to_the_index():
    comps = load_published("par_index_components_2020")
    parts = ["appraisal_points", "sipas_points", "leaders_survey_points"]
    parts.append("socioeconomic_impact_points")
    for _, row in comps.iterrows():
        total = sum(float(row[p]) for p in parts)
        assert abs(total - row["index_pct"]) <= 0.005 * 4 + 1e-9, row["province"]
    qn = comps[comps["province"] == "Quảng Ninh"].iloc[0]
    assert round(57.66 + 9.56 + 18.83 + 5, 2) == 91.05
    assert qn["index_pct"] == 91.04


def test_2012_appraisal_plus_survey_add_up_to_the_index():
    prov = load_published("par_index_provinces")
    rows = prov[prov["year"] == 2012]
    assert len(rows) == 19
    for _, row in rows.iterrows():
        a, s = map(float, re.findall(r"\d+(?:\.\d+)?", row["note"]))
        assert round(a + s, 2) == row["index_pct"], row["province"]
    qn = rows[rows["province"] == "Quảng Ninh"].iloc[0]
    assert (qn["index_pct"], qn["note"]) == (80.21, "appraisal 49.75 + survey 30.46")


# --------------------------------------------------------------------- the check


def test_components_findings(findings):
    comps = [f for f in findings if f.kind == "components_sum"]
    assert len(comps) == 10
    assert all(f.severity == "ok" for f in comps)
    qn = _about(findings, "components_sum", "Quảng Ninh")[0]
    assert "91.05" in qn.message and "91.04" in qn.message and "tolerance" in qn.message
    # Đồng Tháp 55.94 + 8.89 + 20.09 + 1.84 = 86.76 vs 86.77, Phú Thọ 85.73 vs 85.74
    assert "86.76" in _about(findings, "components_sum", "Đồng Tháp")[0].message
    assert "85.73" in _about(findings, "components_sum", "Phú Thọ")[0].message


def test_appraisal_survey_findings(findings):
    sums = [f for f in findings if f.kind == "appraisal_survey_sum"]
    assert len(sums) == 19 and all(f.severity == "ok" for f in sums)


def test_conflicting_printed_values_are_flagged(findings):
    conflicts = [f for f in findings if f.severity == "conflict"]
    assert {f.kind for f in conflicts} == {"printed_value"}
    dn = [f for f in conflicts if "Đà Nẵng" in f.where]
    hp = [f for f in conflicts if "Hải Phòng" in f.where]
    assert len(dn) == 1 and len(hp) == 1 and len(conflicts) == 2
    assert "88.68" in dn[0].message and "87.68" in dn[0].message
    # against 2022's 87.54: 88.68 − 87.54 = +1.14, 87.68 − 87.54 = +0.14
    assert "+1.14" in dn[0].message and "+0.14" in dn[0].message
    # rank 12 sits between Ninh Bình 88.72 (11) and Hà Tĩnh 88.35 (18): only 88.68 fits
    assert "87.68 does not fit" in dn[0].message and "88.68 fits" in dn[0].message
    assert "91.87" in hp[0].message and "91.81" in hp[0].message
    # 2024 "+4.30 points" from 96.17: 96.17 − 91.87 = 4.30; 96.17 − 91.81 = 4.36
    assert "+4.30 agrees" in hp[0].message and "+4.36 does not" in hp[0].message


def test_2024_up_plus_down_is_not_63(findings):
    counts = {f.where: f for f in findings if f.kind == "up_down_count"}
    y2024 = next(f for w, f in counts.items() if "2024" in w)
    assert y2024.severity == "warning"
    assert "62" in y2024.message and "63" in y2024.message
    assert "one unit unchanged or missing" in y2024.message
    for year in ("2022", "2023"):  # 10 + 53 and 57 + 6 = 63
        assert next(f for w, f in counts.items() if year in w).severity == "ok"
    warnings = [f for f in findings if f.severity == "warning"]
    assert warnings == [y2024]


def test_national_average_changes(findings):
    changes = {f.where: f for f in findings if f.kind == "average_change"}
    assert len(changes) == 2  # 2023 and 2024; 2022's base year 2021 is not in the data
    assert all(f.severity == "ok" for f in changes.values())
    assert any("+2.19" in f.message for f in changes.values())  # 86.98 − 84.79
    assert any("+1.39" in f.message for f in changes.values())  # 88.37 − 86.98


def test_rank_and_points_claims(findings):
    def claim(kind, where):
        hits = _about(findings, kind, where)
        assert len(hits) == 1, (kind, where, hits)
        return hits[0]

    dn = claim("rank_claim", "2023 Đà Nẵng")
    assert dn.severity == "ok" and "rank 5" in dn.message and "rank 12" in dn.message
    assert claim("rank_claim", "2022 Hà Tĩnh").severity == "ok"  # 8 → 28: down 20
    assert claim("rank_claim", "2023 Hà Tĩnh").severity == "ok"  # 28 → 18: up 10
    assert claim("rank_claim", "2023 Nghệ An").severity == "ok"  # 16 → 15: up 1
    assert claim("rank_claim", "2024 Bà Rịa - Vũng Tàu").severity == "ok"  # 5 → 2: up 3
    pts = claim("points_claim", "2024 Hải Phòng")  # 91.87 → 96.17 = +4.30
    assert pts.severity == "ok" and "+4.30" in pts.message
    # Thái Nguyên 2019 "up 4 places on 2018": no 2018 rank to check against
    unverifiable = _about(findings, "unverifiable", "2019 Thái Nguyên")
    assert len(unverifiable) == 1 and "18" in unverifiable[0].message


def test_tampered_tables_are_flagged():
    prov = load_published("par_index_provinces").copy()
    # Đà Nẵng 2023 at rank 13 would be "down 8", not the printed "down 7"
    mask = (prov["year"] == 2023) & (prov["province"] == "Đà Nẵng")
    prov.loc[mask, "rank"] = 13
    national = load_published("par_index_national").copy()
    national.loc[national["year"] == 2023, "change_pct"] = 2.5  # 86.98 − 84.79 = 2.19
    comps = load_published("par_index_components_2020").copy()
    comps.loc[comps["province"] == "Hải Phòng", "index_pct"] = 90.60  # components: 90.51
    found = consistency_check(
        {
            "par_index_provinces": prov,
            "par_index_national": national,
            "par_index_components_2020": comps,
        }
    )
    bad = {(f.kind, f.where.split(" (")[-1]) for f in found if f.severity == "conflict"}
    assert ("rank_claim", "2023 Đà Nẵng)") in bad
    assert ("average_change", "2023)") in bad
    assert ("components_sum", "2020 Hải Phòng)") in bad
    with pytest.raises(ValueError):
        consistency_check({"nope": prov})


def test_rank_order_violation_is_flagged():
    prov = load_published("par_index_provinces").copy()
    mask = (prov["year"] == 2022) & (prov["province"] == "Hà Tĩnh")
    prov.loc[mask, "index_pct"] = 89.0  # rank 28 above Bắc Giang's 88.54 at rank 4
    found = consistency_check({"par_index_provinces": prov})
    order = [f for f in found if f.kind == "rank_order" and f.severity == "conflict"]
    assert order and "Hà Tĩnh" in order[0].message


def test_dvcqg_checks(findings):
    dvc = [f for f in findings if f.dataset == "dvcqg_progress_phutho_2026"]
    assert {f.kind for f in dvc} == {
        "dossier_counts",
        "on_time_ratio",
        "progress_score",
        "province_total",
    }
    assert all(f.severity == "ok" for f in dvc)
    total = next(f for f in dvc if f.kind == "province_total")
    assert "597918" in total.message  # H44: 528684 on time + 69234 overdue


def test_finding_str():
    f = Finding("d", "row 2", "k", "m", "warning")
    assert str(f) == "[warning] d: row 2: k: m"
    frame = pd.DataFrame([f.__dict__])
    assert list(frame.columns) == ["dataset", "where", "kind", "message", "severity"]
