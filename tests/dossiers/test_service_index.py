"""Service index (Decision 766): catalogue, scoring rules, portal rounding, ranks, errors,
and the real Phú Thọ 2026 progress scores."""

from __future__ import annotations

import copy
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
import yaml

from parindex.dossiers.catalogue import (
    DEFAULT_CATALOGUE,
    catalogue_from_dict,
    load_default_catalogue,
)
from parindex.dossiers.service_index import OUTPUT_COLUMNS, metric_score, score_counts
from parindex.errors import InputError

PHUTHO = "dvcqg_progress_phutho_2026.csv"


@pytest.fixture(scope="module")
def cat():
    return load_default_catalogue()


@pytest.fixture(scope="module")
def raw_catalogue() -> dict:
    text = (
        resources.files("parindex")
        .joinpath("data", "catalogues", DEFAULT_CATALOGUE)
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def counts(*rows, **extra) -> pd.DataFrame:
    """rows: (unit_code, metric, numerator, denominator[, level[, period]])."""
    records = []
    for r in rows:
        rec = {"unit_code": r[0], "metric": r[1], "numerator": r[2], "denominator": r[3]}
        if len(r) > 4:
            rec["level"] = r[4]
        if len(r) > 5:
            rec["period"] = r[5]
        records.append(rec)
    return pd.DataFrame(records)


def pick(scores: pd.DataFrame, unit: str, item: str, period: str = "") -> pd.Series:
    sel = scores[(scores.unit_code == unit) & (scores.item == item) & (scores.period == period)]
    assert len(sel) == 1
    return sel.iloc[0]


# -- catalogue -------------------------------------------------------------------------------


def test_catalogue_groups_and_maxima(cat):
    assert [(g.code, g.max) for g in cat.groups] == [
        ("transparency", 18),
        ("progress", 20),
        ("online_service", 12),
        ("online_payment", 10),
        ("digitization", 22),
        ("satisfaction", 18),
    ]
    for g in cat.groups:
        assert sum(m.max for m in cat.metrics_of(g.code)) == g.max
    assert cat.max_points == 100 and len(cat.metrics) == 22
    assert [m.max for m in cat.metrics_of("digitization")] == [6, 4, 2, 2, 4, 2, 2]


def test_catalogue_rules(cat):
    full_at = {m.code: m.threshold for m in cat.metrics if m.rule == "full_at"}
    assert full_at == {
        "online_service_coverage": Decimal("0.80"),
        "online_dossier_share": Decimal("0.50"),
        "payment_formality_used": Decimal("0.80"),
        "payment_formality_integrated": Decimal("0.80"),
        "digitized_data_reused": Decimal("0.80"),
        "dossier_satisfaction": Decimal("0.90"),
    }
    assert {m.code for m in cat.metrics if m.zero_denominator == "full"} == {
        "petition_on_time",
        "petition_satisfaction",
    }
    assert [m.code for m in cat.metrics if not m.scored] == ["avg_processing_days"]
    assert cat.metric("dossier_on_time").number == "2.1"
    assert cat.metric("certified_copy_electronic").number is None
    assert cat.lookup()["3.5b"] == "payment_formality_used"


@pytest.mark.parametrize(
    "mutate, location, field, message",
    [
        (lambda d: d["metrics"][0].update(max=5), "group transparency", "max", "add up to 17"),
        (lambda d: d["metrics"][0].update(group="nope"), "metric publish_on_time", "group", "unknown"),
        (lambda d: d["metrics"][0].update(rule="cubic"), "metric publish_on_time", "rule", "cubic"),
        (lambda d: d["metrics"][6].pop("threshold"), "metric online_service_coverage", "threshold", ""),
        (lambda d: d["metrics"][6].update(threshold=1.5), "metric online_service_coverage", "threshold", "(0, 1]"),
        (lambda d: d["metrics"][0].update(threshold=0.8), "metric publish_on_time", "threshold", "only"),
        (lambda d: d["metrics"][5].update(max=2), "metric avg_processing_days", "max", "reported"),
        (lambda d: d["metrics"][1].update(code="publish_on_time"), "metric publish_on_time", "code", "duplicate"),
        (lambda d: d["metrics"][0].update(zero_denominator="half"), "metric publish_on_time", "zero_denominator", "half"),
        (lambda d: d["groups"][0].update(max="x"), "group transparency", "max", "not a number"),
        (lambda d: d.pop("version"), "top", "version", "required"),
    ],
)  # fmt: skip
def test_catalogue_validation(raw_catalogue, mutate, location, field, message):
    d = copy.deepcopy(raw_catalogue)
    mutate(d)
    with pytest.raises(InputError) as err:
        catalogue_from_dict(d, "cat.yaml")
    hits = [
        p
        for p in err.value.problems
        if p.source == "cat.yaml" and p.location == location and p.field == field
    ]
    assert hits, [str(p) for p in err.value.problems]
    assert message in hits[0].message


def test_catalogue_total_must_match(raw_catalogue):
    d = copy.deepcopy(raw_catalogue)
    d["max_points"] = 90
    with pytest.raises(InputError, match="groups add up to 100, not 90"):
        catalogue_from_dict(d)


# -- scoring rules ---------------------------------------------------------------------------


def test_linear_and_full_at(cat):
    s = score_counts(
        counts(
            ("U", "publish_on_time", 7, 9),  # 6 × 7/9 = 4.666… → 4.67
            ("U", "online_dossier_share", 40, 100),  # min(6, 6 × 0.40/0.50) = 4.80
            ("U", "online_service_coverage", 70, 100),  # 2 × 0.70/0.80 = 1.75
            ("U", "digitized_data_reused", 95, 100),  # 0.95 ≥ 0.80 → full 2.00
            ("U", "dossier_satisfaction", 85, 100),  # 6 × 0.85/0.90 = 5.666… → 5.67
            ("U", "dossier_digitized", 80, 100),  # linear despite the 80% in the formula doc
        ),
        cat,
    )
    assert pick(s, "U", "publish_on_time").score == 4.67
    assert pick(s, "U", "online_dossier_share").score == 4.80
    assert pick(s, "U", "online_service_coverage").score == 1.75
    assert pick(s, "U", "digitized_data_reused").score == 2.00
    assert pick(s, "U", "dossier_satisfaction").score == 5.67
    assert pick(s, "U", "dossier_digitized").score == 3.20
    assert pick(s, "U", "publish_on_time").ratio_pct == 77.78
    assert pick(s, "U", "publish_on_time").max_score == 6


def test_full_at_exactly_at_threshold(cat):
    s = score_counts(counts(("U", "online_dossier_share", 1, 2), ("U", "3.1", 4, 5)), cat)
    assert pick(s, "U", "online_dossier_share").score == 6.00
    assert pick(s, "U", "online_service_coverage").score == 2.00


def test_zero_denominators(cat):
    s = score_counts(
        counts(
            ("U", "petition_on_time", 0, 0),
            ("U", "petition_satisfaction", 0, 0),
            ("U", "dossier_satisfaction", 0, 0),
            ("U", "publish_on_time", 0, 0),
            ("U", "dossier_on_time", 0, 0),
        ),
        cat,
    )
    assert pick(s, "U", "petition_on_time").score == 6.00
    assert pick(s, "U", "petition_satisfaction").score == 6.00
    assert pick(s, "U", "dossier_satisfaction").score == 0
    assert pick(s, "U", "publish_on_time").score == 0
    assert pick(s, "U", "dossier_on_time").score == 0
    assert pd.isna(pick(s, "U", "petition_on_time").ratio_pct)
    assert pick(s, "U", "satisfaction").score == 12.00
    assert not pick(s, "U", "petition_on_time").missing


def test_missing_metrics_score_zero_and_are_flagged(cat):
    s = score_counts(counts(("U", "dossier_on_time", 9, 10)), cat)
    assert list(s.columns) == OUTPUT_COLUMNS
    assert len(s) == 22 + 6 + 1
    pet = pick(s, "U", "petition_on_time")
    assert pet.score == 0 and pet.missing  # no free 6 points for a missing row
    assert pick(s, "U", "satisfaction").missing
    assert pick(s, "U", "satisfaction").score == 0
    assert not pick(s, "U", "dossier_on_time").missing
    assert not pick(s, "U", "progress").missing  # 2.2 is reported only
    assert pick(s, "U", "progress").score == 18.00
    assert pick(s, "U", "total").score == 18.00
    assert pick(s, "U", "total").missing


# -- rounding --------------------------------------------------------------------------------


def test_decimal_half_up_where_floats_fail(cat):
    m21 = cat.metric("dossier_on_time")
    # 20 × 1989 / 2080 = 19.125 exactly (UBND xã Xuân Viên, official 19.13)
    assert metric_score(m21, 1989, 2080) == Decimal("19.13")
    assert round(20 * 1989 / 2080, 2) == 19.12  # what binary floats would give
    # 6 × 7 / 16 = 2.625 exactly
    assert metric_score(cat.metric("publish_on_time"), 7, 16) == Decimal("2.63")
    assert round(6 * 7 / 16, 2) == 2.62
    # 2 × 201 / 400 = 1.005: the float is 1.00499999… and rounds down
    assert metric_score(cat.metric("public_content_full"), 201, 400) == Decimal("1.01")
    assert round(2 * 201 / 400, 2) == 1.0


def test_group_is_sum_of_rounded_metrics(cat):
    s = score_counts(
        counts(
            ("U", "1.1", 1, 7),  # 6/7 = 0.857… → 0.86
            ("U", "1.2", 1, 7),  # 4/7 = 0.571… → 0.57
            ("U", "1.3", 1, 7),  # 2/7 = 0.285… → 0.29
            ("U", "1.4", 1, 7),  # 6/7 → 0.86
            ("U", "2.1", 1, 3),  # 20/3 = 6.666… → 6.67
        ),
        cat,
    )
    # sum of rounded = 2.58, whereas 18/7 = 2.571… would round to 2.57
    assert pick(s, "U", "transparency").score == 2.58
    assert pick(s, "U", "progress").score == 6.67
    assert pick(s, "U", "total").score == 9.25  # 2.58 + 6.67, no float noise
    assert f"{pick(s, 'U', 'total').score:.17g}" == "9.25"


# -- ranks -----------------------------------------------------------------------------------


def test_competition_ranks_within_level_and_period(cat):
    s = score_counts(
        counts(
            ("A", "2.1", 95, 100, "COMMUNE"),  # 19.00
            ("B", "2.1", 19, 20, "COMMUNE"),  # 19.00 (tie)
            ("C", "2.1", 99, 100, "COMMUNE"),  # 19.80
            ("D", "2.1", 50, 100, "COMMUNE"),  # 10.00
            ("P", "2.1", 10, 100, "PROVINCE"),  # alone in its level
            ("A", "2.1", 10, 100, "COMMUNE", "2026-Q2"),
            ("D", "2.1", 20, 100, "COMMUNE", "2026-Q2"),
        ),
        cat,
    )
    ranks = {u: pick(s, u, "total")["rank"] for u in "ABCDP"}
    assert ranks == {"A": 2, "B": 2, "C": 1, "D": 4, "P": 1}
    assert pick(s, "D", "progress")["rank"] == 4
    assert pick(s, "A", "total", "2026-Q2")["rank"] == 2
    assert pick(s, "D", "total", "2026-Q2")["rank"] == 1
    # all units have 0 transparency: everybody shares rank 1
    assert {pick(s, u, "transparency")["rank"] for u in "ABCD"} == {1}
    assert pd.isna(pick(s, "A", "dossier_on_time")["rank"])


# -- inputs ----------------------------------------------------------------------------------


def test_text_counts_and_numbers_as_metric(cat):
    frame = pd.DataFrame(
        {
            "unit_code": [" U "],
            "metric": ["2.1"],
            "numerator": ["9"],
            "denominator": ["10.0"],
            "unit_name": ["Xã U"],
        }
    )
    s = score_counts(frame, cat)
    row = pick(s, "U", "dossier_on_time")
    assert row.score == 18.0 and row.unit_name == "Xã U"
    assert row.numerator == 9 and row.denominator == 10


def test_reported_metric_is_not_scored(cat):
    s = score_counts(counts(("U", "avg_processing_days", 4100, 1000)), cat)
    row = pick(s, "U", "avg_processing_days")
    assert row.score == 0 and row.max_score == 0 and not row.missing


def test_every_problem_is_reported_with_its_row(cat):
    frame = pd.DataFrame(
        {
            "unit_code": ["U", "U", "U", "U", "", "U", "U", "U", "U"],
            "metric": ["9.9", "1.1", "1.2", "1.3", "1.4", "2.1", "3.1", "2.1", "2.1"],
            "numerator": ["1", "2.5", "-1", "abc", "1", "5", "1", "1", "1"],
            "denominator": ["1", "3", "3", "3", "1", "4", "", "1", "1"],
            "period": ["", "", "", "", "", "", "", "", "Q2"],
        }
    )
    with pytest.raises(InputError) as err:
        score_counts(frame, cat, source="c.csv")
    shown = [str(p) for p in err.value.problems]
    assert shown == [
        "c.csv: row 6: unit_code: required",
        "c.csv: row 2: metric: unknown metric code '9.9'",
        "c.csv: row 3: numerator: 2.5 is not a whole number",
        "c.csv: row 4: numerator: -1 is negative",
        "c.csv: row 5: numerator: 'abc' is not a number",
        "c.csv: row 8: denominator: required",
        "c.csv: row 7: numerator: numerator 5 is greater than the denominator 4",
        "c.csv: row 9: metric: unit U, metric dossier_on_time already given in row 7",
    ]


def test_missing_columns(cat):
    with pytest.raises(InputError) as err:
        score_counts(pd.DataFrame({"unit_code": ["U"], "metric": ["2.1"]}), cat)
    assert [(p.location, p.field) for p in err.value.problems] == [
        ("header", "numerator"),
        ("header", "denominator"),
    ]


# -- real data: Phú Thọ 2026, metric 2.1 -----------------------------------------------------


def phutho_path() -> Path:
    try:
        packaged = resources.files("parindex.data.published").joinpath(PHUTHO)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, TypeError):
        pass
    repo = Path(__file__).resolve().parents[2]
    shared = repo.parent / "shared" / "data" / PHUTHO
    assert shared.is_file(), f"{PHUTHO} found neither in parindex.data.published nor {shared}"
    return shared


def test_phutho_progress_scores_match_every_official_row(cat):
    official = pd.read_csv(phutho_path(), dtype=str, keep_default_na=False)
    assert len(official) == 164
    frame = pd.DataFrame(
        {
            "unit_code": official.unit_code,
            "unit_name": official.unit_name,
            "level": official.level,
            "metric": "dossier_on_time",
            "numerator": official.total_on_time,
            "denominator": official.total_received,
        }
    )
    s = score_counts(frame, cat).set_index("unit_code")
    got = s[s.item == "dossier_on_time"]
    mismatches = []
    for row in official.itertuples():
        mine = got.loc[row.unit_code]
        if Decimal(f"{mine.score:.2f}") != Decimal(row.score):
            mismatches.append((row.unit_code, mine.score, row.score))
        ratio = "0" if pd.isna(mine.ratio_pct) else f"{mine.ratio_pct:.2f}"
        if Decimal(ratio) != Decimal(row.ratio_pct):
            mismatches.append((row.unit_code, ratio, row.ratio_pct))
    assert mismatches == []
    assert got.loc["H44"].score == 17.68  # 20 × 528684 / 597918 = 17.684…
    assert got.loc["H44.163"].score == 19.13  # the exact half: 19.125
    # the progress group equals the metric, so the ranks within each level follow the scores
    prog = s[s.item == "progress"]
    communes = prog[prog.level == "COMMUNE"]
    best = communes.score.max()
    assert set(communes[communes.score == best]["rank"]) == {1}
    assert (communes["rank"] == 1).sum() == (communes.score == best).sum()
