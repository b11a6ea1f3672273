"""The what-if page of a unit: who may open it, its figures against the core run on frames
built here from the fixture's known points, hand-computed answers, the field-weight form
(plain GET and htmx partial) and what a unit with a limited scope sees.

2025 "Sở, ban, ngành" (of 20 points): D1 17.5 (87.5 %, 1), D2 17 and D3 17 (85 %, 2),
D5 16 (80 %, 4), D4 10 (50 %, 5); every leaf is manual (maxima 6, 4, 6, 4).
"""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import pandas as pd
import pytest
from test_results_support import (  # noqa: F401 (fixtures)
    MAXIMA,
    VALUES,
    campaigns,
    client_for,
    people,
    units,
)

from parindex.analysis.whatif import field_weight_effect, what_if

pytestmark = pytest.mark.django_db

LEAVES = ("1.1", "1.2", "2.1", "2.2")
FIELD_MAX = {"1": 10.0, "2": 10.0}


def url(campaign, unit, query=""):
    return f"/rankings/{campaign.pk}/units/{unit.pk}/whatif/{query}"


def frames(year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """R and D tables of a year from the points the fixture entered."""
    results, detail = [], []
    for code, points in VALUES[year].items():
        a, b, c, d = points
        results.append(
            {
                "unit_code": code,
                "unit_name": code,
                "peer_group": "Ban" if code == "B1" else "Sở, ban, ngành",
                "points": sum(points),
                "max_points": 20.0,
                "index_pct": sum(points) / 20 * 100,
                "field_1_pct": (a + b) * 10,
                "field_2_pct": (c + d) * 10,
            }
        )
        for field, pair in (("1", (0, 1)), ("2", (2, 3))):
            detail.append(
                {"unit_code": code, "node_code": field, "parent_code": "", "depth": 0,
                 "is_leaf": False, "points": points[pair[0]] + points[pair[1]],
                 "max_points": 10.0}
            )  # fmt: skip
            for i in pair:
                detail.append(
                    {"unit_code": code, "node_code": LEAVES[i], "parent_code": field,
                     "depth": 1, "is_leaf": True, "points": points[i],
                     "max_points": float(MAXIMA[i])}
                )  # fmt: skip
    return pd.DataFrame(results), pd.DataFrame(detail)


def test_who_may_open_it(campaigns, units, people):
    allowed = {"sysadmin", "admin", "appraiser", "viewer", "reporter", "head"}
    for who in ("sysadmin", "admin", "appraiser", "viewer", "reporter", "head", "viewer_d2",
                "admin_q", "nobody"):  # fmt: skip
        status = client_for(getattr(people, who)).get(url(campaigns.c2025, units.d1)).status_code
        assert status == (200 if who in allowed else 403), who
    assert client_for(None).get(url(campaigns.c2025, units.d1)).status_code == 302
    viewer = client_for(people.viewer)
    assert viewer.get(f"/rankings/{campaigns.c2025.pk}/units/999999/whatif/").status_code == 404
    assert viewer.get(f"/rankings/999999/units/{units.d1.pk}/whatif/").status_code == 404
    # D6 existed before the merger only: no result in 2025
    assert viewer.get(url(campaigns.c2025, units.d6)).status_code == 404


def test_known_answers_for_d5(campaigns, units, people):
    """D5 at 80 %: one point anywhere reaches 85 %, level with D2 and D3 → rank 2."""
    response = client_for(people.viewer).get(url(campaigns.c2025, units.d5))
    assert response.status_code == 200
    answer = response.context["answer"]
    assert (answer.rank, answer.group_size) == (4, 5)
    nxt = response.context["next_place"]
    assert nxt["rank"] == 2 and nxt["points_needed"] == pytest.approx(1.0)
    assert sorted(nxt["units"]) == ["D2", "D3"]
    criteria = response.context["criteria"]
    assert {c["node_code"] for c in criteria} == set(LEAVES)  # lost 1 point on each
    for c in criteria:
        assert (c["new_rank"], c["places_gained"]) == (2, 2)
        assert c["points_needed"] == pytest.approx(1.0)
        assert c["points_per_place"] == pytest.approx(0.5)
    html = response.content.decode()
    assert "Sở Tư pháp" in html and "Sở Tài chính" in html  # whom it would draw level with


def test_figures_equal_the_core(campaigns, units, people):
    results, detail = frames(2025)
    client = client_for(people.viewer)
    for unit in (units.d4, units.d2, units.d5):
        response = client.get(url(campaigns.c2025, unit))
        expected = what_if(results, detail, unit.code)
        got = pd.DataFrame(response.context["criteria"])
        for col in ("node_code", "new_rank", "places_gained"):
            assert list(got[col]) == list(expected.criteria[col]), (unit.code, col)
        assert list(pd.DataFrame(response.context["path"])["rank"] if response.context["path"]
                    else []) == list(expected.path["rank"])  # fmt: skip


def test_field_weight_form(campaigns, units, people):
    """Field 1 worth 20: D2 (10+7 → 27/30) first, D1 (17+9) and D3 (18+8) tied second."""
    response = client_for(people.viewer).get(url(campaigns.c2025, units.d1, "?field=1&weight=20"))
    assert response.status_code == 200
    rows = {r["unit_code"]: r for r in response.context["effect"]}
    assert {c: rows[c]["new_rank"] for c in ("D2", "D1", "D3", "D5", "D4")} == {
        "D2": 1, "D1": 2, "D3": 2, "D5": 4, "D4": 5,
    }  # fmt: skip
    assert rows["D2"]["new_index_pct"] == pytest.approx(90.0)
    assert rows["D1"]["rank_change"] == -1 and rows["D2"]["rank_change"] == 1
    assert rows["D1"]["is_unit"] and not rows["D2"]["is_unit"]
    results, detail = frames(2025)
    expected = field_weight_effect(results, FIELD_MAX, {"1": 20.0}, detail=detail)
    assert {r["unit_code"]: r["new_rank"] for r in response.context["effect"]} == dict(
        zip(expected["unit_code"], expected["new_rank"], strict=True)
    )
    assert response.context["moved"] == 2
    html = response.content.decode()
    assert 'class="is-current"' in html and 'style="' not in html


def test_vietnamese_decimal_comma_and_bad_input(campaigns, units, people):
    client = client_for(people.viewer)
    response = client.get(url(campaigns.c2025, units.d1, "?field=2&weight=12,5"))
    assert response.context["weight"] == 12.5 and response.context["effect"] is not None
    bad = client.get(url(campaigns.c2025, units.d1, "?field=2&weight=abc"))
    assert bad.status_code == 200 and bad.context["effect"] is None and bad.context["error"]
    unknown = client.get(url(campaigns.c2025, units.d1, "?field=9&weight=3"))
    assert unknown.context["effect"] is None and unknown.context["error"]


def test_htmx_gets_the_partial(campaigns, units, people):
    response = client_for(people.viewer).get(
        url(campaigns.c2025, units.d1, "?field=1&weight=20"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="whatif-effect",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="whatif-effect"')
    assert "<html" not in html and "D2" in html


def test_scoped_users_see_their_rows_and_no_names(campaigns, units, people, make_user):
    from parindex.web.accounts.models import Role

    reporter_d5 = make_user("r-baocao.d5", Role.REPORTER, units.d5)
    response = client_for(reporter_d5).get(url(campaigns.c2025, units.d5, "?field=1&weight=20"))
    assert response.status_code == 200
    assert [r["unit_code"] for r in response.context["effect"]] == ["D5"]
    assert response.context["hide_peer_names"]
    html = response.content.decode()
    assert "Sở Tư pháp" not in html and "Sở Tài chính" not in html
    # once published, everything is public anyway
    from test_results_support import publish

    publish(campaigns.c2025, people.admin)
    response = client_for(reporter_d5).get(url(campaigns.c2025, units.d5, "?field=1&weight=20"))
    assert not response.context["hide_peer_names"]
    assert len(response.context["effect"]) == 6


def test_profile_links_to_the_whatif_page(campaigns, units, people):
    response = client_for(people.reporter).get(
        f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/"
    )
    assert f'href="{url(campaigns.c2025, units.d1)}"' in response.content.decode()
