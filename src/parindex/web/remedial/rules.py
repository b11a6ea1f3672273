"""Permissions of remedial plans (registered with `rules`, autodiscovered).

| permission                        | object | granted to                                         |
|-----------------------------------|--------|----------------------------------------------------|
| parindex.manage_remedial_plan     | plan   | campaign_admin covering the plan's unit (for a     |
|                                   |        | province-level plan: the campaign's root); for a   |
|                                   |        | unit plan also the unit's reporter / unit_head     |
| parindex.update_remedial_task     | task   | who manages the plan, and the reporter / unit_head |
|                                   |        | of the task's owner unit                           |

Managing a plan means editing its header and its tasks (add, change, delete) and updating
any task's progress. Seeing a plan is decided in `access.py` (any role on the plan's unit
sees every task; a role on some of its tasks' units sees those tasks; otherwise 403).
"""

from __future__ import annotations

from typing import Any

import rules

from parindex.web.accounts.rules import CAMPAIGN_ROLES, EDIT_ROLES, has_role, has_role_on_unit


@rules.predicate
def can_manage_plan(user: Any, plan: Any = None) -> bool:
    if plan is None:
        return has_role(user, CAMPAIGN_ROLES | EDIT_ROLES)
    if has_role_on_unit(user, plan.unit, CAMPAIGN_ROLES):
        return True
    return not plan.is_province_level and has_role_on_unit(user, plan.unit, EDIT_ROLES)


@rules.predicate
def can_update_task(user: Any, task: Any = None) -> bool:
    if task is None:
        return has_role(user, CAMPAIGN_ROLES | EDIT_ROLES)
    if can_manage_plan(user, task.plan):
        return True
    return has_role_on_unit(user, task.owner, EDIT_ROLES)


rules.add_perm("parindex.manage_remedial_plan", can_manage_plan)
rules.add_perm("parindex.update_remedial_task", can_update_task)
