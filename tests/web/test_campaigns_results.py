"""Finalisation writes exactly what `parindex.scoring.score` computes on the same values,
with the change since the previous campaign (mergers through unit predecessors), and the
demo loads campaigns every role can use."""

# ruff: noqa: F811 (pytest fixtures imported from test_campaigns_support)

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from test_campaigns_support import (  # noqa: F401 (fixtures)
    a1,
    a2,
    campaign,
    framework,
    open_windows,
    people,
    submitted,
    today,
)

from parindex.scoring import score
from parindex.web.campaigns import services
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    NodeResult,
    Track,
    UnitResult,
)
from parindex.web.units.models import Unit, UnitPredecessor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (outside a request the default language is vi)."""
    from django.utils import translation

    with translation.override("en"):
        yield


YEAR = 2025


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and abs(float(a) - float(b)) < 1e-9


@pytest.fixture(scope="module")
def demo_data():
    from parindex.demo import build_demo

    data = build_demo(seed=7, years=(YEAR - 1, YEAR))
    # A few communes are enough (and keep the suite fast): some of each peer group, and
    # every commune of the demo's mergers (X06+X07+X08 → X51, X34+X35 → X52, P10+P11 → P15).
    keep = {
        "P01",
        "P02",
        "P03",
        "P10",
        "P11",
        "P15",
        "X01",
        "X02",
        "X03",
        "X06",
        "X07",
        "X08",
        "X34",
        "X35",
        "X51",
        "X52",
    }
    for year in data.years:
        units = data.units[year]
        data.units[year] = units[
            (units["unit_kind"] != "commune") | units["unit_code"].isin(keep)
        ].reset_index(drop=True)
        inputs = data.inputs[year]["commune"]
        data.inputs[year]["commune"] = inputs[inputs["unit_code"].isin(keep)].reset_index(drop=True)
    return data


def _demo_units(data, kind, year, province):
    units = {}
    for row in data.units_of(year, kind).to_dict("records"):
        units[row["unit_code"]] = Unit.objects.create(
            code=row["unit_code"],
            name=row["unit_name"],
            kind=kind,
            parent=province,
            peer_group=row["peer_group"],
            valid_from=dt.date(2020, 1, 1),
        )
    return units


def _finalised_campaign(data, kind, year, province, user, previous=None):
    fw = data.frameworks[kind]
    campaign = services.create_campaign(
        name=f"{kind} {year}",
        year=year,
        root_unit=province,
        framework=fw,
        user=user,
        previous=previous,
    )
    services.open_campaign(campaign, user)
    services.import_inputs(campaign, data.inputs_of(year, kind), user=user)
    Assessment.objects.filter(campaign=campaign).update(status=Assessment.Status.SUBMITTED)
    services.finalise(campaign, user)
    return Campaign.objects.get(pk=campaign.pk)


@pytest.mark.parametrize("kind", ["department", "commune"])
def test_finalise_writes_the_results_of_the_core(demo_data, kind, people, tree):
    province = Unit.objects.create(
        code="MH", name="Tỉnh Minh Họa", kind="province", valid_from=dt.date(2020, 1, 1)
    )
    _demo_units(demo_data, kind, YEAR, province)
    campaign = _finalised_campaign(demo_data, kind, YEAR, province, people.admin)
    fw = demo_data.frameworks[kind]
    expected = score(fw, demo_data.inputs_of(YEAR, kind), demo_data.units_of(YEAR, kind))

    stored = {
        r.unit_code: r for r in UnitResult.objects.filter(campaign=campaign, track="appraised")
    }
    assert len(stored) == len(expected.results)
    for row in expected.results.to_dict("records"):
        got = stored[row["unit_code"]]
        assert _same(row["points"], got.points)
        assert _same(row["max_points"], got.max_points)
        assert _same(row["index_pct"], got.index_pct)
        assert got.rank == int(row["rank"])
        assert got.class_label == row["class"]
        assert _same(row["bonus_points"], got.bonus_points)
        assert _same(row["penalty_points"], got.penalty_points)
        for node in fw.nodes:
            assert _same(row[f"field_{node.code}_pct"], got.fields[node.code])
        assert (got.framework_id, got.framework_version) == (fw.id, fw.version)
    own = {r.unit_code: r for r in UnitResult.objects.filter(campaign=campaign, track="self")}
    for row in expected.results.to_dict("records"):
        assert _same(row["self_points"], own[row["unit_code"]].points)
        assert _same(row["self_index_pct"], own[row["unit_code"]].index_pct)
        assert own[row["unit_code"]].rank == int(row["self_rank"])
    detail = expected.detail.set_index(["unit_code", "node_code"])
    nodes = NodeResult.objects.filter(campaign=campaign).select_related("unit")
    assert nodes.count() == len(detail)
    for node in nodes:
        want = detail.loc[(node.unit.code, node.node_code)]
        assert _same(want["points"], node.points)
        assert _same(want["max_points"], node.max_points)
        assert _same(want["self_points"], node.self_points)
        assert bool(want["applicable"]) is node.applicable


def test_year_over_year_with_a_merger(demo_data, people, tree):
    """The merged communes of the demo's last year compare with their predecessors."""
    province = Unit.objects.create(
        code="MH", name="Tỉnh Minh Họa", kind="province", valid_from=dt.date(2020, 1, 1)
    )
    last = YEAR - 1
    old = _demo_units(demo_data, "commune", last, province)
    first = _finalised_campaign(demo_data, "commune", last, province, people.admin)
    # the reorganisation: merged communes end on 31/12, the new ones list predecessors
    units = demo_data.units_of(YEAR, "commune")
    merged_away = set(old) - set(units["unit_code"])
    Unit.objects.filter(code__in=merged_away).update(valid_to=dt.date(last, 12, 31))
    for row in units.to_dict("records"):
        if row["unit_code"] in old:
            continue
        unit = Unit.objects.create(
            code=row["unit_code"],
            name=row["unit_name"],
            kind="commune",
            parent=province,
            peer_group=row["peer_group"],
            valid_from=dt.date(YEAR, 1, 1),
        )
        for entry in row["predecessors"].split(";"):
            code, weight = entry.split(":")
            UnitPredecessor.objects.create(unit=unit, predecessor=old[code], weight=float(weight))
    second = _finalised_campaign(demo_data, "commune", YEAR, province, people.admin, first)
    assert second.assessments.count() == len(units)

    previous = score(
        demo_data.frameworks["commune"],
        demo_data.inputs_of(last, "commune"),
        demo_data.units_of(last, "commune"),
    ).results
    expected = score(
        demo_data.frameworks["commune"],
        demo_data.inputs_of(YEAR, "commune"),
        demo_data.units_of(YEAR, "commune"),
        previous,
    ).results.set_index("unit_code")
    stored = {r.unit_code: r for r in UnitResult.objects.filter(campaign=second, track="appraised")}
    for code, got in stored.items():
        want = expected.loc[code]
        assert _same(want["prev_index_pct"], got.prev_index_pct), code
        assert _same(want["index_change"], got.index_change), code
        if np.isnan(want["rank_change"]):
            assert got.rank_change is None
        else:
            assert got.rank_change == int(want["rank_change"])
        assert got.yoy_note == want["yoy_note"]
    assert stored["X51"].yoy_note.startswith("merged: ")
    assert stored["X51"].prev_rank is None


def test_units_not_submitted_keep_only_appraised_values(campaign, a1, a2, people):
    """A submitted unit's unappraised leaves keep the self value; a unit that never
    submitted is scored on appraised values only (here: none, so 0 points)."""
    submitted(a1, people)
    services.save_self_value(a2, "1.1.3", value="2", explanation="x", user=people.reporter2)
    services.finalise(campaign, people.admin)
    results = {
        r.unit_code: r for r in UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED)
    }
    own = {r.unit_code: r for r in UnitResult.objects.filter(campaign=campaign, track=Track.SELF)}
    assert results["D1"].points == pytest.approx(own["D1"].points)
    assert results["D1"].points == pytest.approx(2 + 1 + 1.5 + 2.4 + 2.5 + 3)
    assert results["D2"].points == 0 and results["D2"].missing_values == 7  # 6 + the survey leaf
    assert own["D2"].points == pytest.approx(2)
    assert (results["D1"].rank, results["D2"].rank) == (1, 2)


def test_recompute_keeps_one_row_per_unit_and_track(campaign, a1, people):
    submitted(a1, people)
    services.finalise(campaign, people.admin)
    campaign.refresh_from_db()
    services.recompute_results(campaign, people.admin)
    assert UnitResult.objects.filter(campaign=campaign).count() == 4


def test_the_demo_has_a_published_and_an_open_campaign_per_kind(db):
    """`load_demo` calls `load_demo_campaigns` after the units and accounts: run that part."""
    from parindex.web.accounts.models import Role, RoleAssignment, User
    from parindex.web.demo import PROVINCE_CODE, demo_unit_rows, load_demo_campaigns
    from parindex.web.units.services import import_unit_rows

    rows, _source, note = demo_unit_rows()
    assert note == ""
    import_unit_rows(rows, source="demo", reason="demo data")
    admin = User.objects.create_user(username="canbo.snv", password="x" * 12)
    RoleAssignment.objects.create(
        user=admin,
        role=Role.CAMPAIGN_ADMIN,
        unit=Unit.objects.get(code=PROVINCE_CODE),
        valid_from=dt.date(2020, 1, 1),
    )
    load_demo_campaigns()
    published = Campaign.objects.filter(status="published")
    opened = Campaign.objects.filter(status="open")
    assert published.count() == 2 and opened.count() == 2
    for each in published:
        assert each.unit_results.filter(track="appraised").count() == each.assessments.count()
    for each in opened:
        statuses = set(each.assessments.values_list("status", flat=True))
        assert {"in_progress", "submitted", "not_started"} <= statuses
        assert each.previous.status == "published"
        assert services.window_open(each, "self_assessment")
