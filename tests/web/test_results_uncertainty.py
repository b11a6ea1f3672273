"""Rank uncertainty on the result pages: the figures are the core's on the same campaign
(built here from the known points of test_results_support, not read back from the page
code), they are cached per results and recomputed when the results are, survey
estimates with intervals are taken in, and who may see which rows.

2025 ranking of the "Sở, ban, ngành" group (fields of 10 points each):
D1 (8.5, 9) 87.5 %, D2 (10, 7) and D3 (9, 8) 85 % tied, D5 (8, 8) 80 %, D4 (5, 5) 50 %.
"""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import pandas as pd
import pytest
from test_results_support import (  # noqa: F401 (fixtures)
    VALUES,
    campaigns,
    client_for,
    people,
    publish,
    units,
)

from parindex.analysis.uncertainty import METHOD_VERSION, rank_uncertainty

pytestmark = pytest.mark.django_db

FIELD_MAX = {"1": 10.0, "2": 10.0}
GROUP = {"B1": "Ban"}


def expected_frame(year: int) -> pd.DataFrame:
    """The R table of a year from the points the fixture entered."""
    rows = []
    for code, (a, b, c, d) in VALUES[year].items():
        rows.append(
            {
                "unit_code": code,
                "peer_group": GROUP.get(code, "Sở, ban, ngành"),
                "index_pct": (a + b + c + d) / 20 * 100,
                "field_1_pct": (a + b) / 10 * 100,
                "field_2_pct": (c + d) / 10 * 100,
            }
        )
    return pd.DataFrame(rows)


def compare(got, expected, columns=("rank", "median_rank", "rank_p05", "rank_p95")):
    got = got.set_index("unit_code")
    expected = expected.set_index("unit_code")
    assert set(got.index) == set(expected.index)
    for col in columns:
        for code in expected.index:
            assert got.loc[code, col] == expected.loc[code, col], (code, col)


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_figures_equal_the_core_on_the_same_campaign(campaigns, fresh_cache):
    from parindex.web.results.uncertainty import campaign_uncertainty

    result = campaign_uncertainty(campaigns.c2025)
    expected = rank_uncertainty(expected_frame(2025), FIELD_MAX, runs=1000, seed=0)
    compare(result.table, expected.table, ("rank", "median_rank", "rank_p05", "rank_p95",
                                            "indistinguishable", "indistinguishable_from"))  # fmt: skip
    assert result.sensitivity["index"].round(12).tolist() == (
        expected.sensitivity["index"].round(12).tolist()
    )
    assert result.method["method_version"] == METHOD_VERSION
    assert result.method["runs"] == 1000 and result.method["seed"] == 0
    assert result.method["framework_id"] == "test-results"
    assert result.method["campaign_id"] == campaigns.c2025.pk
    # the tie D2 = D3 is split by the weights either way
    t = result.table.set_index("unit_code")
    assert (t.loc["D2", "rank_p05"], t.loc["D2", "rank_p95"]) == (2, 3)
    assert t.loc["D2", "indistinguishable_from"].split(", ")[0] == "D3"
    assert t.loc["D4", "rank_p05"] == t.loc["D4", "rank_p95"] == 5


def test_settings_change_the_run(campaigns, settings, fresh_cache):
    from parindex.web.results.uncertainty import campaign_uncertainty

    settings.PARINDEX_UNCERTAINTY_RUNS = 200
    settings.PARINDEX_UNCERTAINTY_SEED = 7
    settings.PARINDEX_UNCERTAINTY_WEIGHT_RANGE = 0.0
    result = campaign_uncertainty(campaigns.c2025)
    assert (result.method["runs"], result.method["seed"], result.method["weight_range"]) == (
        200, 7, 0.0,
    )  # fmt: skip
    t = result.table
    assert (t["rank_p05"] == t["rank"]).all() and (t["rank_p95"] == t["rank"]).all()


def test_cached_until_the_results_are_recomputed(campaigns, fresh_cache, monkeypatch):
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.results import uncertainty

    calls = []
    real = uncertainty.compute
    monkeypatch.setattr(uncertainty, "compute", lambda c: calls.append(c.pk) or real(c))
    first = uncertainty.campaign_uncertainty(campaigns.c2025)
    again = uncertainty.campaign_uncertainty(campaigns.c2025)
    client_for(None).get(f"/results/{campaigns.c2024.pk}/")  # another campaign: its own entry
    assert calls == [campaigns.c2025.pk, campaigns.c2024.pk]
    pd.testing.assert_frame_equal(first.table, again.table)

    # D4 recovers everything: 20/20, first of the group; scored again → new figures
    LeafValue.objects.filter(
        assessment__campaign=campaigns.c2025, assessment__unit__code="D4"
    ).update(appraised_value="")
    for leaf, value in zip(("1.1", "1.2", "2.1", "2.2"), (6, 4, 6, 4), strict=True):
        LeafValue.objects.filter(
            assessment__campaign=campaigns.c2025, assessment__unit__code="D4", leaf_code=leaf
        ).update(appraised_value=str(value))
    services.compute_results(campaigns.c2025)
    after = uncertainty.campaign_uncertainty(campaigns.c2025)
    assert calls[-1] == campaigns.c2025.pk and len(calls) == 3
    t = after.table.set_index("unit_code")
    assert t.loc["D4", "rank"] == t.loc["D4", "rank_p95"] == 1


def test_survey_estimates_with_intervals_are_drawn(campaigns, units, fresh_cache):
    from parindex.web.results.uncertainty import campaign_uncertainty
    from parindex.web.surveys.models import CampaignSurveyEstimate, Survey

    before = campaign_uncertainty(campaigns.c2025)
    assert before.method["survey"] is False
    survey = Survey.objects.create(
        root_unit=units.p, year=2025, name="SIPAS 2025", instrument_id="sipas",
        instrument_version="1",
    )  # fmt: skip
    for unit, low, high in ((units.d5, 50.0, 100.0), (units.d3, 75.0, 85.0)):
        CampaignSurveyEstimate.objects.create(
            campaign=campaigns.c2025, unit=unit, survey=survey, element="hai_long",
            leaf_codes=["2.1"], estimate_pct=80.0, ci_low_pct=low, ci_high_pct=high,
        )  # fmt: skip
    result = campaign_uncertainty(campaigns.c2025)  # a new key: not the cached one
    assert result.method["survey"] is True and result.method["survey_sources"] == 2
    survey_sd = pd.DataFrame(
        {"unit_code": ["D5", "D3"], "field_code": ["2", "2"],
         "sd_points": [6 * 0.50 / 3.92, 6 * 0.10 / 3.92], "source": ["hai_long"] * 2}
    )  # fmt: skip
    expected = rank_uncertainty(
        expected_frame(2025), FIELD_MAX, survey_sd=survey_sd, runs=1000, seed=0
    )
    compare(result.table, expected.table)
    assert "survey" in set(result.sensitivity["choice"])
    # D5 (80 %, always 4th before) can now reach the tied pair at 85 % in some runs
    assert before.table.set_index("unit_code").loc["D5", "rank_mean"] == 4
    assert result.table.set_index("unit_code").loc["D5", "rank_mean"] < 4


def test_ranking_page_shows_the_interval_and_the_mark(campaigns, people, fresh_cache):
    response = client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "(có thể từ 2 đến 3)" in html
    assert f'href="/rankings/{campaigns.c2025.pk}/uncertainty/"' in html
    assert 'class="rank-mark"' in html
    assert "Không phân biệt được về thống kê với Sở Tài chính" in html  # D2's neighbour D3
    rows = {r["unit_code"]: r for g in response.context["groups"] for r in g["rows"]}
    assert rows["D2"]["interval"]["low"] == 2 and rows["D2"]["interval"]["high"] == 3
    assert rows["D4"]["interval"] == {"low": 5, "high": 5, "median": 5,
                                      "indistinguishable": False, "similar": [],
                                      "similar_count": 0}  # fmt: skip
    assert 'style="' not in html


def test_the_ranking_page_does_not_recompute(campaigns, people, fresh_cache, monkeypatch):
    from parindex.web.results import uncertainty

    calls = []
    real = uncertainty.compute
    monkeypatch.setattr(uncertainty, "compute", lambda c: calls.append(c.pk) or real(c))
    client = client_for(people.viewer)
    for _ in range(3):
        assert client.get(f"/rankings/{campaigns.c2025.pk}/").status_code == 200
    assert client.get(f"/rankings/{campaigns.c2025.pk}/uncertainty/").status_code == 200
    assert calls == [campaigns.c2025.pk]


def test_uncertainty_page(campaigns, people, fresh_cache):
    response = client_for(people.viewer).get(f"/rankings/{campaigns.c2025.pk}/uncertainty/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "chart-sensitivity" in html
    assert "Trọng số lĩnh vực 1" in html
    assert "1000 lần mô phỏng" in html or "1.000 lần mô phỏng" in html
    groups = dict(response.context["groups"])
    assert [r["unit_code"] for r in groups["Sở, ban, ngành"]] == ["D1", "D2", "D3", "D5", "D4"]
    assert "có thể từ 2 đến 3" in html
    assert 'style="' not in html


def test_who_sees_the_uncertainty_page(campaigns, people, fresh_cache):
    path = f"/rankings/{campaigns.c2025.pk}/uncertainty/"
    assert client_for(people.admin_q).get(path).status_code == 403
    assert client_for(people.nobody).get(path).status_code == 403
    assert client_for(None).get(path).status_code == 302  # sign in
    # a reporter of D1 sees D1's row only before publication, and no neighbour's name
    response = client_for(people.reporter).get(path)
    assert response.status_code == 200
    rows = [r for _name, group in response.context["groups"] for r in group]
    assert [r["unit_code"] for r in rows] == ["D1"]
    assert all(s["code"] == "D1" for r in rows for s in r["similar"])
    assert "Sở Tư pháp" not in response.content.decode()
    # public: published campaigns only
    assert client_for(None).get(f"/results/{campaigns.c2025.pk}/uncertainty/").status_code == 404
    public = client_for(None).get(f"/results/{campaigns.c2024.pk}/uncertainty/")
    assert public.status_code == 200
    assert len([r for _n, g in public.context["groups"] for r in g]) == 7


def test_scoped_result_keeps_ranks_of_the_whole_group(campaigns, people, fresh_cache):
    from parindex.web.accounts.rules import visible_units
    from parindex.web.results.uncertainty import campaign_uncertainty

    whole = campaign_uncertainty(campaigns.c2025).table.set_index("unit_code")
    scoped = campaign_uncertainty(campaigns.c2025, visible_units(people.viewer_d2))
    assert list(scoped.table["unit_code"]) == ["D2"]
    row = scoped.table.iloc[0]
    for col in ("rank", "median_rank", "rank_p05", "rank_p95", "indistinguishable"):
        assert row[col] == whole.loc["D2", col]
    assert row["indistinguishable_from"] == ""  # D3, D1 are outside the scope


def test_public_ranking_and_profile_show_intervals(campaigns, units, fresh_cache):
    response = client_for(None).get(f"/results/{campaigns.c2024.pk}/")
    assert response.status_code == 200
    assert f'href="/results/{campaigns.c2024.pk}/uncertainty/"' in response.content.decode()
    profile = client_for(None).get(f"/results/{campaigns.c2024.pk}/units/{units.d2.pk}/")
    assert profile.status_code == 200
    assert profile.context["interval"] is not None
    assert "/whatif/" not in profile.content.decode()  # what-if is for signed-in users


def test_a_published_campaign_is_computed_the_same(campaigns, people, fresh_cache):
    from parindex.web.results.uncertainty import campaign_uncertainty

    c2025 = publish(campaigns.c2025, people.admin)
    result = campaign_uncertainty(c2025)
    expected = rank_uncertainty(expected_frame(2025), FIELD_MAX, runs=1000, seed=0)
    compare(result.table, expected.table)
