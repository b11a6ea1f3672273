"""POST /api/dossiers/batch: valid and invalid records, idempotent upsert, permissions."""

from __future__ import annotations

from datetime import datetime

import pytest
from test_api_support import call, token_for
from test_dossiers_support import *  # noqa: F403
from test_dossiers_support import record

pytestmark = pytest.mark.django_db
URL = "/api/dossiers/batch"
R = datetime(2025, 3, 3, 9, 0)
DUE = datetime(2025, 3, 10, 17, 0)
DONE = datetime(2025, 3, 7, 10, 0)


def batch():
    bad_status = record("D1-B0002", "D1", "1.000001", R, DUE, DONE)
    bad_status["TrangThaiHoSo"] = "42"
    bad_date = record("D1-B0004", "D1", "1.000001", R, DUE, DONE)
    bad_date["NgayHenTra"] = "not a date"
    return [
        record("D1-B0001", "D1", "1.000001", R, DUE, DONE),
        bad_status,
        record("X1-B0003", "X1", "2.000002", R, DUE, DONE),
        bad_date,
        record("Q1-B0005", "QX1", "2.000002", R, DUE, DONE),  # another province
        record("ZZ-B0006", "ZZ", "2.000002", R, DUE, DONE),  # unknown unit
    ]


def test_batch_stores_good_records_and_reports_bad_ones(tree, make_user, client, dossier_store):
    before = dossier_store.count()
    key = token_for(make_user("admin", "campaign_admin", tree.p), "sync")
    status, body = call(client, "POST", URL, batch(), token=key)
    assert status == 200, body
    assert (body["inserted"], body["updated"], body["rejected"]) == (2, 0, 4)
    errors = {e["position"]: e for e in body["errors"]}
    assert set(errors) == {1, 3, 4, 5}
    assert errors[1]["dossier_code"] == "D1-B0002" and errors[1]["field"] == "TrangThaiHoSo"
    assert errors[3]["field"] == "NgayHenTra"
    assert errors[4]["field"] == "MaDonVi" and "QX1" in errors[4]["message"]
    assert errors[5]["field"] == "MaDonVi" and "ZZ" in errors[5]["message"]
    assert dossier_store.count() == before + 2
    stored = dossier_store.read(where="dossier_code LIKE '%-B000%'")
    assert sorted(stored["dossier_code"]) == ["D1-B0001", "X1-B0003"]

    # re-sending updates, never duplicates
    again = [record("D1-B0001", "D1", "9.999999", R, DUE, DONE)]
    status, body = call(client, "POST", URL, again, token=key)
    assert status == 200
    assert (body["inserted"], body["updated"], body["rejected"]) == (0, 1, 0)
    assert dossier_store.count() == before + 2
    row = dossier_store.read(where="dossier_code = 'D1-B0001'")
    assert list(row["procedure_code"]) == ["9.999999"]


def test_unauthenticated_is_401(client, dossier_store):
    status, body = call(client, "POST", URL, batch())
    assert status == 401
    status, _ = call(client, "POST", URL, batch(), token="wrong")
    assert status == 401


def test_roles_without_submit_permission_get_403(tree, make_user, client, dossier_store):
    key = token_for(make_user("rep", "unit_head", tree.d1))
    status, body = call(client, "POST", URL, batch(), token=key)
    assert status == 403
    assert dossier_store.read(where="dossier_code = 'D1-B0001'").empty


def test_out_of_scope_records_are_rejected(tree, make_user, client, dossier_store):
    key = token_for(make_user("d1admin", "campaign_admin", tree.d1))
    status, body = call(client, "POST", URL, batch(), token=key)
    assert status == 200
    assert body["inserted"] == 1  # D1 only
    assert {e["position"] for e in body["errors"]} == {1, 2, 3, 4, 5}
    sysadmin = token_for(make_user("root", "sysadmin", None))
    status, body = call(client, "POST", URL, batch(), token=sysadmin)
    assert (body["inserted"], body["updated"]) == (2, 1)  # X1 and QX1 new, D1 updated


def test_session_caller_and_empty_batch(tree, make_user, client, dossier_store):
    from conftest import PASSWORD
    from django.test import Client

    user = make_user("admin", "campaign_admin", tree.p)
    c = Client(enforce_csrf_checks=False)
    assert c.login(username=user.username, password=PASSWORD)
    status, body = call(c, "POST", URL, [])
    assert status == 200 and body["inserted"] == 0
