"""Permissions of the dossiers app (registered with `rules`, autodiscovered).

| permission                     | roles                                              |
|--------------------------------|----------------------------------------------------|
| parindex.submit_dossiers       | sysadmin, campaign_admin (on the unit)             |
| parindex.manage_calendar       | sysadmin, campaign_admin (anywhere)                |

Viewing the dashboards uses `parindex.view_unit` (accounts/rules.py).
"""

from __future__ import annotations

from typing import Any

import rules

from parindex.web.accounts.models import Role
from parindex.web.accounts.rules import has_role, has_role_on_unit

SUBMIT_DOSSIER_ROLES = frozenset({Role.SYSADMIN, Role.CAMPAIGN_ADMIN})


@rules.predicate
def can_submit_dossiers(user: Any, unit: Any = None) -> bool:
    return has_role_on_unit(user, unit, SUBMIT_DOSSIER_ROLES)


@rules.predicate
def can_manage_calendar(user: Any) -> bool:
    return has_role(user, SUBMIT_DOSSIER_ROLES)


rules.add_perm("parindex.submit_dossiers", can_submit_dossiers)
rules.add_perm("parindex.manage_calendar", can_manage_calendar)
