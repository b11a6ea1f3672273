"""Who sees which remedial plans and tasks, and who may create a plan.

| what                        | who                                                             |
|-----------------------------|-----------------------------------------------------------------|
| a plan, every task          | any role on the plan's unit (campaign_admin, viewer, appraiser  |
|                             | of the province for a province-level plan; the unit's own roles |
|                             | for a unit plan)                                                |
| a plan, some of its tasks   | a role on the unit evaluated or on the owner unit of those      |
|                             | tasks (a department's reporter sees its tasks of the province   |
|                             | plan)                                                           |
| create a province-level plan| campaign_admin on the campaign's root unit                      |
| create a unit plan          | campaign_admin covering the unit, or its reporter / unit_head   |

Editing is in `rules.py`. Answers follow the foundation: no such plan → 404, nothing of it
visible → 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from parindex.web.accounts.rules import (
    CAMPAIGN_ROLES,
    EDIT_ROLES,
    has_role_on_unit,
    visible_units,
)
from parindex.web.campaigns.models import Campaign, Track, UnitResult
from parindex.web.remedial.models import RemedialPlan, RemedialTask
from parindex.web.units.models import Unit

VIEW = "parindex.view_unit"
MANAGE = "parindex.manage_remedial_plan"
UPDATE = "parindex.update_remedial_task"
RESULT_STATUSES = (Campaign.Status.FINALISED, Campaign.Status.PUBLISHED)


def task_scope(user: Any, plan: RemedialPlan) -> set[int] | None:
    """Unit ids whose tasks of `plan` the user sees (a task is seen when its unit or its
    owner is one of them); None = every task. PermissionDenied when nothing is visible."""
    if user.has_perm(VIEW, plan.unit):
        return None
    visible = visible_units(user)
    ids = set(
        visible.filter(
            Q(pk__in=plan.tasks.values("unit_id")) | Q(pk__in=plan.tasks.values("owner_id"))
        ).values_list("pk", flat=True)
    )
    if not ids:
        raise PermissionDenied
    return ids


def visible_tasks(plan: RemedialPlan, scope: set[int] | None) -> QuerySet[RemedialTask]:
    tasks = plan.tasks.select_related("unit", "owner")
    if scope is None:
        return tasks
    return tasks.filter(Q(unit_id__in=scope) | Q(owner_id__in=scope))


def task_visible(task: RemedialTask, scope: set[int] | None) -> bool:
    return scope is None or task.unit_id in scope or task.owner_id in scope


def check_task(user: Any, task: RemedialTask) -> set[int] | None:
    """The scope of the task's plan for `user`; PermissionDenied if the task is not in it."""
    scope = task_scope(user, task.plan)
    if not task_visible(task, scope):
        raise PermissionDenied
    return scope


def visible_plans(user: Any) -> QuerySet[RemedialPlan]:
    """Plans whose unit, or one of whose tasks' units or owners, the user may see."""
    visible = visible_units(user)
    return (
        RemedialPlan.objects.filter(
            Q(unit__in=visible) | Q(tasks__unit__in=visible) | Q(tasks__owner__in=visible)
        )
        .select_related("campaign", "unit")
        .distinct()
        .order_by("-campaign__year", "campaign__name", "level", "unit__code", "id")
    )


def result_units(campaign: Campaign) -> QuerySet[Unit]:
    """Units with an appraised result in the campaign."""
    return Unit.objects.filter(
        pk__in=UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values("unit_id")
    )


def may_create_province_plan(user: Any, campaign: Campaign) -> bool:
    return campaign.status in RESULT_STATUSES and has_role_on_unit(
        user, campaign.root_unit, CAMPAIGN_ROLES
    )


def creatable_units(user: Any, campaign: Campaign) -> QuerySet[Unit]:
    """Units of the campaign for which `user` may create a unit plan."""
    if campaign.status not in RESULT_STATUSES:
        return Unit.objects.none()
    return result_units(campaign).filter(
        pk__in=visible_units(user, CAMPAIGN_ROLES | EDIT_ROLES).values("pk")
    )


def may_create_unit_plan(user: Any, campaign: Campaign, unit: Unit) -> bool:
    return creatable_units(user, campaign).filter(pk=unit.pk).exists()
