"""Shared fixtures of the survey tests (imported by the other test_surveys_* modules).

A SIPAS survey (built-in instrument) run by the province P of conftest.py, a frame of
households in X1 and D1 (three villages each), a sample drawn with a fixed seed, and an
ODK-like export answering question 9 for the sampled households.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pandas as pd
import pytest

SEED = 20261121
Q9 = [f"q9_{i:02d}" for i in range(1, 34)]


def frame() -> pd.DataFrame:
    rows = []
    for unit in ("X1", "D1"):
        for v in range(1, 4):
            for h in range(1, 11):
                rows.append(
                    {
                        "unit_code": unit,
                        "village": f"{unit}-T{v}",
                        "household_code": f"{unit}-{v}{h:02d}",
                    }
                )
    return pd.DataFrame(rows)


def csv_upload(table: pd.DataFrame, name: str = "file.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, table.to_csv(index=False).encode("utf-8"), "text/csv")


def export_for(households, start: int = 0) -> pd.DataFrame:
    """An ODK Central-like export: one row per household, deterministic answers 1–5."""
    rows = []
    for i, hh in enumerate(households):
        row = {
            "meta-instanceID": f"uuid:inst-{hh.household_code}",
            "FormVersion": "2022.1",
            "a-household_code": hh.household_code,
        }
        for j, q in enumerate(Q9):
            row[f"b-q9-{q}"] = str(1 + (i * 7 + j * 3 + start) % 5)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def people(tree, make_user):
    from parindex.web.accounts.models import Role

    return SimpleNamespace(
        admin=make_user("canbo", Role.CAMPAIGN_ADMIN, tree.p),
        reporter=make_user("baocao.d1", Role.REPORTER, tree.d1),
        admin_q=make_user("canbo.q", Role.CAMPAIGN_ADMIN, tree.q),
    )


@pytest.fixture
def survey(tree):
    from parindex.web.surveys import services
    from parindex.web.surveys.models import Survey

    return Survey.objects.create(
        root_unit=tree.p,
        year=2026,
        name="SIPAS 2026",
        instrument_id="sipas-bnv-2022",
        instrument_version="2022.1",
        instrument_builtin="sipas-bnv-2022",
        design_yaml=services.default_design_yaml("sipas-bnv-2022"),
        sampling_yaml=services.DEFAULT_SAMPLING_YAML,
    )


@pytest.fixture
def sampled(survey):
    """The survey with its sample drawn (2 villages × 4 households per unit), collecting."""
    from parindex.web.surveys import services

    design = services.DEFAULT_SAMPLING_YAML.replace("n: 15", "n: 4")
    services.draw_sample(survey, frame(), design, SEED)
    survey.refresh_from_db()
    return survey


def signed_in(client, user):
    client.force_login(user)
    return client


def excel_bytes(table: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    table.to_excel(out, index=False)
    return out.getvalue()
