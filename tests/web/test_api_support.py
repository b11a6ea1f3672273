"""Shared fixtures of the API tests (imported with `from test_api_support import *`).

A small department framework with one leaf of each kind, a campaign run by province P
on its departments D1 and D2 (conftest.py's tree), users holding roles on them, and API
tokens. The campaigns are built with the campaigns services, as the pages do.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import pytest

__all__ = [
    "FRAMEWORK_YAML",
    "PASSWORD_FOR_TESTS",
    "api_client",
    "call",
    "campaigns",
    "people",
    "token_for",
]

FRAMEWORK_YAML = """\
id: api-test
name: API test framework
version: "1.0"
unit_kind: department
max_points: 10
classification:
  - {label: Good, min: 80}
  - {label: Fair, min: 50}
  - {label: Weak, min: 0}
nodes:
  - code: "1"
    name: Field one
    max_points: 6
    children:
      - code: "1.1"
        name: Manual points
        max_points: 2
        rule: {type: manual, step: 0.5}
      - code: "1.2"
        name: Options
        max_points: 1
        rule:
          type: options
          options:
            - {label: "Done", points: 1}
            - {label: "Late", points: 0.5}
            - {label: "Not done", points: 0}
      - code: "1.3"
        name: Bands
        max_points: 2
        rule:
          type: bands
          bands:
            - {min: 1.0, points: 2}
            - {min: 0.5, points: 1}
            - {min: 0, points: 0}
      - code: "1.4"
        name: Survey
        max_points: 1
        method: survey
        rule: {type: survey}
  - code: "2"
    name: Field two
    max_points: 4
    children:
      - code: "2.1"
        name: Formula
        max_points: 2
        rule:
          type: formula
          inputs: [done, required]
          expr: "min(1, done / required) * max_points"
      - code: "2.2"
        name: Deduction
        max_points: 2
        rule: {type: deduction, per: 0.5}
"""

PASSWORD_FOR_TESTS = "a-long-test-password"  # conftest.PASSWORD


@pytest.fixture
def people(tree, make_user):
    from parindex.web.accounts.models import Role

    return SimpleNamespace(
        admin=make_user("api-admin", Role.CAMPAIGN_ADMIN, tree.p),
        reporter_a=make_user("api-reporter-a", Role.REPORTER, tree.d1),
        reporter_b=make_user("api-reporter-b", Role.REPORTER, tree.d2),
        head_a=make_user("api-head-a", Role.UNIT_HEAD, tree.d1),
        viewer_a=make_user("api-viewer-a", Role.VIEWER, tree.d1),
        viewer_p=make_user("api-viewer-p", Role.VIEWER, tree.p),
        appraiser=make_user("api-appraiser", Role.APPRAISER, tree.p),
        outsider=make_user("api-outsider", Role.VIEWER, tree.q),
        nobody=make_user("api-nobody"),
    )


def _appraised_inputs(units: dict[str, dict[str, object]]) -> pd.DataFrame:
    rows = []
    for unit, values in units.items():
        for code, value in values.items():
            if isinstance(value, dict):
                for name, number in value.items():
                    rows.append([unit, code, number, name, "appraised", True])
            else:
                rows.append([unit, code, value, "", "appraised", True])
            if not isinstance(value, dict):
                rows.append([unit, code, value, "", "self", True])
    return pd.DataFrame(
        rows, columns=["unit_code", "criterion_code", "value", "input", "track", "applicable"]
    )


@pytest.fixture
def campaigns(tree, people):
    """`open`: this year's campaign, self-assessment window open (D1, D2 in scope);
    `published`: last year's, with results; `finalised`: two years ago, not published;
    `draft`: a campaign of province Q (commune kind is not needed: department under Q
    does not exist, so it has no unit)."""
    from parindex.framework import load_yaml_text
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import WindowKind
    from parindex.web.units.models import today

    fw = load_yaml_text(FRAMEWORK_YAML, "api-test.yaml")
    now = today()
    admin = people.admin

    def make(year: int, name: str):
        c = services.create_campaign(
            name=name, year=year, root_unit=tree.p, framework=fw, user=admin
        )
        services.set_windows(
            c,
            {WindowKind.SELF_ASSESSMENT: (now - dt.timedelta(days=5), now + dt.timedelta(days=5))},
            admin,
        )
        services.open_campaign(c, admin)
        return c

    open_ = make(now.year, "Open campaign")
    values = {
        "D1": {"1.1": 1.5, "1.2": "Done", "1.3": 0.75, "2.1": {"done": 3, "required": 4}, "2.2": 1},
        "D2": {"1.1": 2, "1.2": "Late", "1.3": 1, "2.1": {"done": 4, "required": 4}, "2.2": 0},
    }
    results = {}
    for year, name, publish in ((now.year - 1, "Published", True), (now.year - 2, "Final", False)):
        c = make(year, name)
        services.import_inputs(c, _appraised_inputs(values), user=admin)
        services.finalise(c, admin)
        if publish:
            services.publish(c, admin)
        c.refresh_from_db()
        results[publish] = c
    return SimpleNamespace(open=open_, published=results[True], finalised=results[False])


def token_for(user, name: str = "test", **extra) -> str:
    from parindex.web.api.models import ApiToken

    return ApiToken.issue(user, name, **extra)[1]


@pytest.fixture
def api_client():
    from django.test import Client

    return Client()


def call(client, method: str, url: str, body=None, token: str | None = None, **headers):
    """A JSON request; returns (status, parsed body)."""
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method.lower())(url, **kwargs, **headers)
    try:
        data = response.json()
    except ValueError:
        data = response.content
    return response.status_code, data
