"""The ranking page: order from the stored ranks (ties), one table per peer group, sorting
and filters on the server (and with htmx, only the table), Vietnamese numbers, the change
since last year with the merged unit marked."""

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

GROUP = "Sở, ban, ngành"


def url(campaign):
    return f"/rankings/{campaign.pk}/"


def test_rank_order_with_ties_per_peer_group(campaigns, people):
    response = client_for(people.viewer).get(url(campaigns.c2025))
    assert response.status_code == 200
    assert rows_of(response) == [
        ("Ban", ["B1"]),
        # D2 and D3 tie at 85 % (rank 2, in name order: Tài chính before Tư pháp); next is 4
        (GROUP, ["D1", "D3", "D2", "D5", "D4"]),
    ]
    ranks = {r["unit_code"]: r["rank"] for g in response.context["groups"] for r in g["rows"]}
    assert ranks == {"B1": 1, "D1": 1, "D2": 2, "D3": 2, "D5": 4, "D4": 5}


def test_numbers_are_vietnamese_and_the_merged_unit_is_marked(campaigns, people):
    html = client_for(people.viewer).get(url(campaigns.c2025)).content.decode()
    assert "87,50" in html and "87.50" not in html  # index of D1
    assert "-2,50" in html  # D1: 90 → 87.5
    assert "sáp nhập" in html  # D5 has no rank change: it is marked as merged
    assert "D6×0.6, D7×0.4" in html  # …with its predecessors (title of the badge)
    assert "LV1" in html and "Công tác chỉ đạo, điều hành" in html  # field columns


def test_english_numbers(campaigns, people):
    client = client_for(people.viewer)
    client.cookies["parindex_language"] = "en"
    html = client.get(url(campaigns.c2025)).content.decode()
    assert "87.50" in html and "Ranking" in html


SORTS = [
    # 2025: D1 87.5 %, D2 85, D3 85, D5 80, D4 50; ties keep the name order
    ("index", ["D4", "D5", "D3", "D2", "D1"]),
    ("-index", ["D1", "D3", "D2", "D5", "D4"]),
    ("-points", ["D1", "D3", "D2", "D5", "D4"]),
    ("unit", ["D1", "D3", "D2", "D5", "D4"]),  # Nội vụ, Tài chính, Tư pháp, Văn hóa, Y tế
    ("-unit", ["D4", "D5", "D2", "D3", "D1"]),
    ("-change", ["D5", "D4", "D1", "D3", "D2"]),  # +8, 0, -2.5, -5, -10
    ("-places", ["D1", "D4", "D3", "D2", "D5"]),  # +1, +1, 0, -1; merged D5 has none: last
    ("places", ["D2", "D3", "D1", "D4", "D5"]),  # still last when ascending
    ("-f.2", ["D1", "D3", "D5", "D2", "D4"]),  # field 2: 90, 80, 80, 70, 50
    ("f.1", ["D4", "D5", "D1", "D3", "D2"]),  # field 1: 50, 80, 85, 90, 100
    ("class", ["D1", "D3", "D2", "D5", "D4"]),  # Tốt before Khá (framework order)
]


def test_sorting_on_the_server(campaigns, people):
    client = client_for(people.viewer)
    for sort, expected in SORTS:
        response = client.get(url(campaigns.c2025), {"sort": sort, "group": GROUP})
        assert rows_of(response) == [(GROUP, expected)], sort
        header = {c["key"]: c["aria_sort"] for c in response.context["columns"]}
        assert header[sort.lstrip("-")] == ("descending" if sort.startswith("-") else "ascending")


def test_sort_links_toggle_and_keep_the_filters(campaigns, people):
    response = client_for(people.viewer).get(
        url(campaigns.c2025), {"sort": "-index", "class": "Tốt", "q": "sở"}
    )
    links = {c["key"]: c["url"] for c in response.context["columns"]}
    assert "sort=index" in links["index"]  # descending now → ascending next
    assert "sort=-points" in links["points"]  # numbers start descending
    assert "sort=unit" in links["unit"]
    assert "class=T%E1%BB%91t" in links["unit"] and "q=s%E1%BB%9F" in links["unit"]
    assert "sort=" not in links["rank"]  # the default order has a clean URL


def test_unknown_sort_falls_back_to_rank(campaigns, people):
    response = client_for(people.viewer).get(url(campaigns.c2025), {"sort": "__class__"})
    assert response.status_code == 200
    assert rows_of(response)[1][1] == ["D1", "D3", "D2", "D5", "D4"]


def test_filters_peer_group_class_and_search(campaigns, people):
    client = client_for(people.viewer)
    assert rows_of(client.get(url(campaigns.c2025), {"group": "Ban"})) == [("Ban", ["B1"])]
    assert rows_of(client.get(url(campaigns.c2025), {"class": "Khá"})) == [(GROUP, ["D4"])]
    # search ignores case and Vietnamese diacritics; also matches codes
    assert rows_of(client.get(url(campaigns.c2025), {"q": "van hoa"})) == [(GROUP, ["D5"])]
    assert rows_of(client.get(url(campaigns.c2025), {"q": "TƯ PHÁP"})) == [(GROUP, ["D2"])]
    assert rows_of(client.get(url(campaigns.c2025), {"q": "b1"})) == [("Ban", ["B1"])]
    empty = client.get(url(campaigns.c2025), {"q": "không có"})
    assert rows_of(empty) == [] and "không có" in empty.content.decode()
    # an unknown group or class is ignored rather than hiding everything
    assert len(rows_of(client.get(url(campaigns.c2025), {"group": "x", "class": "y"}))) == 2


def test_htmx_swaps_only_the_table(campaigns, people):
    response = client_for(people.viewer).get(
        url(campaigns.c2025),
        {"sort": "unit"},
        headers={"HX-Request": "true", "HX-Target": "ranking-results"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ranking-results"') and "<html" not in html
    assert 'name="sort" value="unit" form="ranking-filters"' in html


def test_ranking_reads_the_stored_unrounded_values(
    campaigns, people, django_assert_max_num_queries
):
    """Two units 1e-12 apart share a rank only if the core said so: the page never
    re-ranks. Make D2 and D3 differ below display precision but keep their stored ranks."""
    from parindex.web.campaigns.models import UnitResult

    UnitResult.objects.filter(campaign=campaigns.c2025, unit_code="D3", track="appraised").update(
        index_pct=85.0 + 1e-12
    )
    client = client_for(people.viewer)
    client.get(url(campaigns.c2025))  # warm caches (session, framework)
    with django_assert_max_num_queries(8):
        response = client.get(url(campaigns.c2025))
    ranks = {r["unit_code"]: r["rank"] for g in response.context["groups"] for r in g["rows"]}
    assert ranks["D2"] == ranks["D3"] == 2


def test_a_campaign_without_results_says_so(tree, units, people):
    from test_results_support import build_campaign

    running = build_campaign(2025, tree.p, people.admin, status="open")
    response = client_for(people.admin).get(url(running))
    assert response.status_code == 200
    assert "groups" not in response.context
    assert f"/campaigns/{running.pk}/" in response.content.decode()  # the progress dashboard


def test_results_list_and_navigation(campaigns, people):
    response = client_for(people.reporter).get("/rankings/")
    assert response.status_code == 200
    listed = [e["campaign"].pk for e in response.context["entries"]]
    assert listed == [campaigns.c2025.pk, campaigns.c2024.pk, campaigns.c2023.pk]
    assert not any(e["whole"] for e in response.context["entries"])
    html = response.content.decode()
    assert 'href="/rankings/"' in html  # the menu entry
    admin = client_for(people.admin).get("/rankings/").content.decode()
    assert f"/campaigns/{campaigns.c2025.pk}/" in admin  # progress dashboard link
    assert client_for(people.admin_q).get("/rankings/").context["entries"] == []
