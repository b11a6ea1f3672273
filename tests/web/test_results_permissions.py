"""Who may open which result page: every role × a unit in and out of its scope; anonymous
users are sent to the sign-in page (only /results/ is public, see test_results_public)."""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import pytest
from test_results_support import (  # noqa: F401 (fixtures)
    campaigns,
    client_for,
    people,
    rows_of,
    units,
)

pytestmark = pytest.mark.django_db

ALL = ["B1", "D1", "D2", "D3", "D4", "D5"]
EVERYONE = ["sysadmin", "admin", "appraiser", "viewer", "reporter", "head", "viewer_d2",
            "admin_q", "nobody", None]  # fmt: skip

# 2025 is finalised, not published: who sees which rows of its ranking (None = 403)
RANKING_2025 = {
    "sysadmin": ALL,
    "admin": ALL,
    "appraiser": ALL,
    "viewer": ALL,
    "reporter": ["D1"],  # a role on D1 only: their own unit's row (rank within the group)
    "head": ["D1"],
    "viewer_d2": ["D2"],
    "admin_q": None,  # another province
    "nobody": None,
}
# 2024 is published: everyone with a role in the campaign sees the whole ranking
RANKING_2024 = {**{k: ["B1", "D1", "D2", "D3", "D4", "D6", "D7"] for k in RANKING_2025},
                "admin_q": None, "nobody": None}  # fmt: skip
# the profile and score sheet of D1: parindex.view_unit on D1
PROFILE_D1 = {"sysadmin", "admin", "appraiser", "viewer", "reporter", "head"}


def client(people, who):
    return client_for(getattr(people, who) if who else None)


def codes(response):
    return sorted(code for _group, group_codes in rows_of(response) for code in group_codes)


def test_ranking_matrix(campaigns, people):
    for who in EVERYONE:  # one fixture for all roles: building the campaigns dominates
        _ranking_cases(campaigns, people, who)


def _ranking_cases(campaigns, people, who):
    c = client(people, who)
    for campaign, expected in ((campaigns.c2025, RANKING_2025), (campaigns.c2024, RANKING_2024)):
        for path in (f"/rankings/{campaign.pk}/", f"/rankings/{campaign.pk}/ranking.xlsx"):
            response = c.get(path)
            if who is None:
                assert response.status_code == 302, path
                assert response["Location"].startswith("/accounts/login/?next=")
            elif expected[who] is None:
                assert response.status_code == 403, (who, path)
            else:
                assert response.status_code == 200, (who, path)
                if path.endswith("/"):
                    assert codes(response) == expected[who], (who, campaign.year)


def test_profile_and_score_sheet_matrix(campaigns, people, units):
    for who in EVERYONE:
        _profile_cases(campaigns, people, units, who)


def _profile_cases(campaigns, people, units, who):
    c = client(people, who)
    base = f"/rankings/{campaigns.c2025.pk}/units/"
    for unit, allowed in ((units.d1, PROFILE_D1), (units.b1, PROFILE_D1 - {"reporter", "head"})):
        for suffix in ("", "score-sheet.xlsx"):
            response = c.get(f"{base}{unit.pk}/{suffix}")
            if who is None:
                assert response.status_code == 302
                assert response["Location"].startswith("/accounts/login/?next=")
            else:
                assert response.status_code == (200 if who in allowed else 403), (who, unit, suffix)


def test_out_of_scope_rows_link_to_the_public_profile_once_published(campaigns, people, units):
    response = client_for(people.reporter).get(f"/rankings/{campaigns.c2024.pk}/")
    links = {r["unit_code"]: r["url"] for g in response.context["groups"] for r in g["rows"]}
    assert links["D1"] == f"/rankings/{campaigns.c2024.pk}/units/{units.d1.pk}/"
    assert links["D2"] == f"/results/{campaigns.c2024.pk}/units/{units.d2.pk}/"
    response = client_for(people.reporter).get(f"/rankings/{campaigns.c2025.pk}/")
    assert response.context["scoped"]
    assert "trong phạm vi của mình" in response.content.decode()


def test_appraisal_notes_only_for_those_who_see_the_appraisal(campaigns, people, units):
    import io

    from openpyxl import load_workbook
    from test_results_support import SECRET_REASON

    from parindex.web.campaigns.models import LeafValue

    LeafValue.objects.filter(
        assessment__campaign=campaigns.c2025, assessment__unit=units.d1, leaf_code="1.1"
    ).update(appraisal_reason=SECRET_REASON)
    url = f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/score-sheet.xlsx"

    def notes(user):
        ws = load_workbook(io.BytesIO(client_for(user).get(url).content)).active
        return [ws.cell(row=r, column=6).value for r in range(6, ws.max_row + 1)]

    assert SECRET_REASON in notes(people.appraiser)
    assert SECRET_REASON in notes(people.admin)
    assert SECRET_REASON not in notes(people.reporter)
    assert SECRET_REASON not in notes(people.viewer)


def test_before_publication_a_unit_is_not_told_who_is_best(campaigns, people, units):
    url = f"/rankings/{campaigns.c2025.pk}/units/{units.d1.pk}/"
    own = client_for(people.reporter).get(url)
    assert own.context["hide_peer_names"] and "Sở Tư pháp" not in own.content.decode()
    assert "hiển thị khi công bố" in own.content.decode()
    assert "Sở Tư pháp" in client_for(people.viewer).get(url).content.decode()
    published = f"/rankings/{campaigns.c2024.pk}/units/{units.d1.pk}/"
    assert not client_for(people.reporter).get(published).context["hide_peer_names"]
