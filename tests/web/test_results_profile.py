"""The unit profile: fields against the peer group, the index year by year (a merged unit
through its predecessors, and saying so), lost points largest first, recurring losses over
consecutive campaigns, self-assessed against appraised points."""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import pytest
from test_results_support import (  # noqa: F401 (fixtures)
    campaigns,
    client_for,
    people,
    publish,
    unit_index,
    units,
)

pytestmark = pytest.mark.django_db


def profile_url(campaign, unit, public=False):
    return f"/{'results' if public else 'rankings'}/{campaign.pk}/units/{unit.pk}/"


def test_fields_against_the_peer_group(campaigns, people, units):
    response = client_for(people.viewer).get(profile_url(campaigns.c2025, units.d1))
    assert response.status_code == 200
    fields = {f["code"]: f for f in response.context["profile"].fields}
    # field 1 in the group: D1 85, D2 100, D3 90, D5 80, D4 50
    assert fields["1"]["value"] == pytest.approx(85)
    assert fields["1"]["average"] == pytest.approx(81)
    assert fields["1"]["best"] == pytest.approx(100)
    assert fields["1"]["best_units"] == ["Sở Tư pháp"]
    assert fields["1"]["label"] == "strength"  # +4 above the average
    assert fields["2"]["value"] == pytest.approx(90) and fields["2"]["label"] == "strength"
    html = response.content.decode()
    assert '<svg class="chart chart--bars"' in html and 'role="img"' in html
    assert "Trung bình của nhóm" in html  # legend and table, in Vietnamese
    assert "81,00" in html  # the data table beside the chart
    assert response.context["profile"].group_size == 5


def test_lost_points_largest_first(campaigns, people, units):
    profile = (
        client_for(people.viewer).get(profile_url(campaigns.c2025, units.d1)).context["profile"]
    )
    assert [(row["code"], row["lost"], row["field_code"]) for row in profile.lost] == [
        ("1.1", pytest.approx(1.5), "1"),
        ("2.2", pytest.approx(1.0), "2"),
    ]


def test_recurring_losses_over_consecutive_campaigns(campaigns, people, units):
    profile = (
        client_for(people.viewer).get(profile_url(campaigns.c2025, units.d1)).context["profile"]
    )
    # 1.1 lost in 2023 (1), 2024 (1) and 2025 (1.5); 2.1 only in 2024; 2.2 only in 2025
    assert profile.recurring == [
        {
            "code": "1.1",
            "name": "Kế hoạch cải cách hành chính",
            "years": "2023, 2024, 2025",
            "streak": 3,
            "total_lost": pytest.approx(3.5),
        }
    ]
    assert not profile.recurring_since_merger


def test_a_campaign_missing_from_the_chain_breaks_the_run(campaigns, people, units):
    """Publicly only published campaigns count: without 2024, 2023 and 2025 are not
    consecutive, so nothing recurs; the year-over-year line skips 2024 too."""
    from parindex.web.campaigns.models import Campaign

    c2025 = publish(campaigns.c2025, people.admin)
    Campaign.objects.filter(pk=campaigns.c2024.pk).update(status=Campaign.Status.FINALISED)
    profile = client_for().get(profile_url(c2025, units.d1, public=True)).context["profile"]
    assert [p.year for p in profile.yoy] == [2023, 2025]
    assert profile.recurring == []


def test_year_over_year_of_a_unit(campaigns, people, units):
    response = client_for(people.viewer).get(profile_url(campaigns.c2025, units.d1))
    yoy = response.context["profile"].yoy
    assert [(p.year, p.rank, p.merged) for p in yoy] == [
        (2023, 1, False),
        (2024, 2, False),
        (2025, 1, False),
    ]
    assert [p.index_pct for p in yoy] == [
        pytest.approx(unit_index(2023, "D1")),
        pytest.approx(unit_index(2024, "D1")),
        pytest.approx(87.5),
    ]
    assert '<svg class="chart chart--line"' in response.content.decode()


def test_a_merged_unit_is_compared_with_its_predecessors_and_says_so(campaigns, people, units):
    from parindex.web.campaigns.models import UnitResult

    response = client_for(people.viewer).get(profile_url(campaigns.c2025, units.d5))
    profile = response.context["profile"]
    stored = UnitResult.objects.get(campaign=campaigns.c2025, unit=units.d5, track="appraised")
    assert stored.yoy_note == "merged: D6×0.6, D7×0.4"
    by_year = {p.year: p for p in profile.yoy}
    # 2024: 0.6 × 80 + 0.4 × 60 = 72, exactly what finalisation stored as the previous index
    assert by_year[2024].index_pct == pytest.approx(stored.prev_index_pct) == pytest.approx(72)
    assert by_year[2023].index_pct == pytest.approx(0.6 * 75 + 0.4 * 50)
    assert by_year[2024].merged and by_year[2023].merged and not by_year[2025].merged
    assert by_year[2024].rank is None  # a merged unit had no rank of its own
    assert [(s["code"], s["weight"]) for s in by_year[2024].sources] == [("D6", 0.6), ("D7", 0.4)]
    assert profile.merged and profile.recurring_since_merger
    html = response.content.decode()
    assert "Đơn vị được hình thành do sáp nhập" in html
    assert "Sở Văn hóa (D6) × 0,60" in html and "Sở Thể thao (D7) × 0,40" in html
    assert "2024*" in html


def test_a_predecessor_missing_last_year_is_left_out_of_the_mean(campaigns, people, units):
    """Weights are renormalised over the predecessors that have a result (as the core)."""
    from parindex.web.campaigns.models import UnitResult

    UnitResult.objects.filter(campaign=campaigns.c2024, unit=units.d7).delete()
    profile = (
        client_for(people.viewer).get(profile_url(campaigns.c2025, units.d5)).context["profile"]
    )
    by_year = {p.year: p for p in profile.yoy}
    assert by_year[2024].index_pct == pytest.approx(80)  # D6 alone
    assert [s["code"] for s in by_year[2024].sources] == ["D6"]
    # D7's 2023 result is not reached any more through 2024: the chain follows who was there
    assert [s["code"] for s in by_year[2023].sources] == ["D6"]


def test_self_assessed_against_appraised(campaigns, people, units):
    profile = (
        client_for(people.reporter).get(profile_url(campaigns.c2025, units.d1)).context["profile"]
    )
    rows = {r["code"]: r for r in profile.self_diff}
    assert rows["1"]["self_points"] == pytest.approx(10)
    assert rows["1"]["points"] == pytest.approx(8.5)
    assert rows["1"]["diff_points"] == pytest.approx(-1.5)
    assert rows["1"]["diff_index"] == pytest.approx(-15)
    assert rows["2"]["diff_points"] == pytest.approx(-1)
    total = profile.self_total
    assert total["self_points"] == pytest.approx(20) and total["points"] == pytest.approx(17.5)
    assert total["diff_points"] == pytest.approx(-2.5)
    assert total["diff_index"] == pytest.approx(-12.5)


def test_profile_queries_do_not_grow_with_the_data(
    campaigns, people, units, django_assert_max_num_queries
):
    client = client_for(people.viewer)
    client.get(profile_url(campaigns.c2025, units.d5))
    with django_assert_max_num_queries(22):  # see queries.py: per earlier campaign ≤ 4
        assert client.get(profile_url(campaigns.c2025, units.d5)).status_code == 200


def test_unit_not_in_the_campaign_is_404(campaigns, people, units):
    client = client_for(people.admin)
    assert client.get(profile_url(campaigns.c2025, units.d6)).status_code == 404  # merged away
    assert client.get(f"/rankings/{campaigns.c2025.pk}/units/999999/").status_code == 404
    assert client.get(f"/rankings/999999/units/{units.d1.pk}/").status_code == 404
