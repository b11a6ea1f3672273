"""Permissions of the maps app on top of the foundation's (`parindex/web/accounts/rules.py`).

`rules` autodiscovers this module.

| permission (with `user.has_perm(name, unit)`) | granted to                                   |
|-----------------------------------------------|----------------------------------------------|
| parindex.manage_boundaries                    | campaign_admin covering the unit, sysadmin   |

Boundaries of the whole country (a set without a scope unit) are for system
administrators only (`access.may_manage_boundaries(user, None)`). Seeing a map follows the
results pages (`parindex.web.results.access`).
"""

from __future__ import annotations

import rules

from parindex.web.accounts.rules import can_admin_campaigns, is_sysadmin

rules.add_perm("parindex.manage_boundaries", can_admin_campaigns | is_sysadmin)
