"""Fixtures for the web tests: a small unit tree and users holding roles on it.

P  Tỉnh Phước (province)            Q  Tỉnh Quý (another province)
├─ D1 Sở Nội vụ                      └─ QX1 Xã Quý Một
├─ D2 Sở Tư pháp
└─ X1 Xã Một
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

START = dt.date(2020, 1, 1)
PASSWORD = "a-long-test-password"


@pytest.fixture
def tree(db):
    from parindex.web.units.models import Unit

    def unit(code, name, kind, parent=None, **extra):
        return Unit.objects.create(
            code=code, name=name, kind=kind, parent=parent, valid_from=START, **extra
        )

    p = unit("P", "Tỉnh Phước", "province")
    d1 = unit("D1", "Sở Nội vụ", "department", p, peer_group="Sở, ban, ngành")
    d2 = unit("D2", "Sở Tư pháp", "department", p, peer_group="Sở, ban, ngành")
    x1 = unit("X1", "Xã Một", "commune", p, peer_group="Xã")
    q = unit("Q", "Tỉnh Quý", "province")
    qx1 = unit("QX1", "Xã Quý Một", "commune", q, peer_group="Xã")
    return SimpleNamespace(p=p, d1=d1, d2=d2, x1=x1, q=q, qx1=qx1)


@pytest.fixture
def make_user(db):
    """make_user("name", role, unit, **assignment_fields) → a fresh User with that role."""
    from parindex.web.accounts.models import RoleAssignment, User

    def make(username, role=None, unit=None, **assignment):
        user = User.objects.create_user(username=username, password=PASSWORD)
        if role is not None:
            assignment.setdefault("valid_from", START)
            RoleAssignment.objects.create(user=user, role=role, unit=unit, **assignment)
        return User.objects.get(pk=user.pk)  # no cached assignments

    return make
