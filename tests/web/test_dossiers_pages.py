"""Dossier pages: the service-index dashboard, drill-down, overdue lists, permissions."""

from __future__ import annotations

import io
from datetime import date

import pytest
from conftest import PASSWORD
from openpyxl import load_workbook
from test_dossiers_support import *  # noqa: F403
from test_dossiers_support import YEAR, fill, open_records

from parindex.dossiers import compute_metrics, load_default_catalogue, score_counts
from parindex.web.dossiers import services

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_dashboard_numbers_equal_compute_metrics_and_score_counts(
    tree, make_user, client, dossier_store
):
    _login(client, make_user("viewer", "viewer", tree.p))
    response = client.get(f"/dossiers/units/{tree.p.pk}/", {"period": str(YEAR)})
    assert response.status_code == 200
    rows = {r["unit_code"]: r for r in response.context["rows"]}

    units = services.units_frame(tree.p, date(YEAR, 12, 31))
    counts = compute_metrics(dossier_store, None, YEAR, units=units)
    expected = score_counts(counts, load_default_catalogue())
    totals = expected[expected["item_kind"] == "total"].set_index("unit_code")
    assert set(rows) == {"P", "D1", "D2", "X1"}
    for code in ("D1", "D2", "X1"):
        assert rows[code]["total"] == pytest.approx(float(totals.loc[code, "score"]))
        assert rows[code]["rank"] == int(totals.loc[code, "rank"])
        groups = expected[(expected["unit_code"] == code) & (expected["item_kind"] == "group")]
        for g in groups.itertuples():
            assert rows[code]["groups"][g.item]["score"] == pytest.approx(float(g.score))
            assert rows[code]["groups"][g.item]["rank"] == int(g.rank)
    # the departments rank among themselves: D2 is less often late than D1
    assert rows["D2"]["rank"] == 1 and rows["D1"]["rank"] == 2
    assert rows["X1"]["rank"] == 1  # alone among communes
    assert b'id="service-index"' in response.content


def test_quarter_and_month_periods(tree, make_user, client, dossier_store):
    _login(client, make_user("viewer", "viewer", tree.p))
    for period in (f"{YEAR}-Q1", f"{YEAR}-03"):
        response = client.get(f"/dossiers/units/{tree.p.pk}/", {"period": period})
        assert response.status_code == 200
        assert response.context["period"].label == period
    response = client.get(f"/dossiers/units/{tree.p.pk}/", {"period": "rubbish"})
    assert response.status_code == 200 and response.context["warning"]


def test_drill_down_per_procedure_and_trend(tree, make_user, client, dossier_store):
    _login(client, make_user("viewer", "viewer", tree.p))
    response = client.get(f"/dossiers/units/{tree.d1.pk}/detail/", {"period": str(YEAR)})
    assert response.status_code == 200
    procs = {p["procedure_code"]: p for p in response.context["procedures"]}
    records = dossier_store.read(where="unit_code = 'D1'")
    counts = compute_metrics(records, None, YEAR)
    d1 = counts[(counts["unit_code"] == "D1") & (counts["metric"] == "dossier_on_time")]
    assert sum(p["handled"] for p in procs.values()) == int(d1["denominator"].iloc[0])
    assert sum(p["on_time"] for p in procs.values()) == int(d1["numerator"].iloc[0])
    assert set(procs) == {"1.000001", "2.000002"}
    trend = response.context["trend"]
    assert [p["month"] for p in trend] == list(range(1, 13))
    assert sum(p["handled"] for p in trend) == 14
    assert b"<polyline" in response.content
    # from the province dashboard, links lead to the units
    dash = client.get(f"/dossiers/units/{tree.p.pk}/", {"period": str(YEAR)})
    assert f"/dossiers/units/{tree.d1.pk}/detail/".encode() in dash.content


def test_overdue_list_and_excel(tree, make_user, client, dossier_store):
    fill(dossier_store, open_records(services.now().date()))
    _login(client, make_user("head", "unit_head", tree.d1))
    response = client.get(f"/dossiers/units/{tree.d1.pk}/overdue/", {"days": "2"})
    assert response.status_code == 200
    overdue = {r["dossier_code"]: r for r in response.context["overdue_rows"]}
    soon = {r["dossier_code"] for r in response.context["soon_rows"]}
    assert set(overdue) == {"D1-OPEN1", "D1-OPEN2"}
    assert overdue["D1-OPEN1"]["days_overdue"] > overdue["D1-OPEN2"]["days_overdue"] >= 0
    assert overdue["D1-OPEN1"]["procedure_code"] == "1.000001"
    assert overdue["D1-OPEN1"]["due_at"] is not None
    assert "D1-SOON1" in soon and "D1-LATER" not in soon and "X1-OPEN9" not in overdue
    xlsx = client.get(f"/dossiers/units/{tree.d1.pk}/overdue.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "D1-OPEN1" in codes and "D1-OPEN2" in codes


@pytest.mark.parametrize("suffix", ["", "detail/", "overdue/", "overdue.xlsx"])
def test_out_of_scope_is_403_and_anonymous_goes_to_login(
    tree, make_user, client, dossier_store, suffix
):
    url = f"/dossiers/units/{tree.p.pk}/{suffix}"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    _login(client, make_user("other", "viewer", tree.q))
    assert client.get(url).status_code == 403
    assert client.get(f"/dossiers/units/{tree.q.pk}/{suffix}").status_code == 200
    client.logout()
    _login(client, make_user("d1only", "reporter", tree.d1))
    assert client.get(url).status_code == 403
    assert client.get(f"/dossiers/units/{tree.d1.pk}/{suffix}").status_code == 200


def test_index_lists_visible_units_and_nav_link(tree, make_user, client, dossier_store):
    _login(client, make_user("viewer", "viewer", tree.p))
    response = client.get("/dossiers/")
    assert response.status_code == 200
    assert f"/dossiers/units/{tree.p.pk}/".encode() in response.content
    assert f"/dossiers/units/{tree.q.pk}/".encode() not in response.content
    assert b'href="/dossiers/"' in client.get("/").content
