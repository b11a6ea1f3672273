"""Remedial plans: proposals from lost points, the plan's life (tasks, progress, evidence),
dashboards, recovery at the next campaign, and the status other apps read.

No request objects here. Lost points and recurring losses come from the results app
(`parindex.web.results.queries.unit_profile`, itself built on
`parindex.analysis.lost_points`), so a plan proposes exactly what the unit profile shows;
statuses, summaries and recovery are computed by `parindex.analysis.remedial`.

Contract read by the annual report (keep the names):

    plan_status(campaign) -> list[dict]        one dict per owner unit
    completion_by_unit(campaign) -> dict[str, float | None]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from parindex.analysis import remedial as core
from parindex.web.campaigns.models import Campaign, NodeResult, Track, UnitResult
from parindex.web.campaigns.uploads import check_upload
from parindex.web.remedial.models import RemedialPlan, RemedialTask, TaskProgress, TaskStatus
from parindex.web.units.models import Unit, today

EPS = core.EPS
RESULT_STATUSES = (Campaign.Status.FINALISED, Campaign.Status.PUBLISHED)
REASON_PLAN_CREATED = "remedial plan created"
REASON_PLAN_CHANGED = "remedial plan changed"
REASON_TASK_CREATED = "task created from lost points"
REASON_TASK_CHANGED = "task changed"
REASON_PROGRESS = "progress reported"
REASON_DEMO = "demo data"


def points_text(points: float) -> str:
    """Points as a user types them in the active language (0,75 on a Vietnamese page), for
    messages and prefilled boxes: the forms accept both separators."""
    return f"{points:g}".replace(".", get_format("DECIMAL_SEPARATOR"))


class RemedialError(Exception):
    """A refused change; `problems` lists every reason (nothing was changed)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


def _stamp(obj: Any, user: Any, reason: str) -> Any:
    obj._change_reason = reason
    if user is not None and getattr(user, "is_authenticated", False):
        obj._history_user = user
    return obj


# --- proposals ---------------------------------------------------------------------------------


def lost_criteria(campaign: Campaign, unit: Unit) -> list[dict[str, Any]]:
    """The criteria (leaves) the unit lost points on in `campaign`, recurring losses first
    (longest run, then largest loss), then the largest losses; [] without a result.

    Each: code, name, field_code, field_name, max_points, points, lost, share (% of the
    maximum lost), recurring_years ("2023, 2024, 2025" when the loss continues a run of
    consecutive years, else ""), streak.
    """
    from parindex.web.results.queries import unit_profile

    if campaign.status not in RESULT_STATUSES:
        return []
    profile = unit_profile(campaign, unit, public=False)
    if profile is None:
        return []
    year, previous = str(campaign.year), str(campaign.year - 1)
    runs = {}
    for row in profile.recurring:
        years = [y.strip() for y in str(row["years"]).split(",")]
        if year in years and previous in years:
            runs[row["code"]] = row
    out = []
    for row in profile.lost:
        run = runs.get(row["code"])
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "field_code": row["field_code"],
                "field_name": row["field_name"],
                "max_points": row["max_points"],
                "points": row["points"],
                "lost": row["lost"],
                "share": row["share"],
                "recurring_years": run["years"] if run else "",
                "streak": run["streak"] if run else 0,
            }
        )
    recurring = sorted((r for r in out if r["streak"]), key=lambda r: (-r["streak"], -r["lost"]))
    others = [r for r in out if not r["streak"]]  # already largest first
    return recurring + others


def default_deadline(campaign: Campaign, on: dt.date | None = None) -> dt.date:
    """30 September of the year after the campaign's (before the next self-assessment), or
    90 days from today when that day has passed."""
    on = on or today()
    deadline = dt.date(campaign.year + 1, 9, 30)
    return deadline if deadline > on else on + dt.timedelta(days=90)


# --- plans -------------------------------------------------------------------------------------


def plan_units(plan: RemedialPlan):
    """Units whose lost points the plan may address: the plan's unit for a unit plan; every
    unit with a result in the campaign for a province-level plan."""
    results = UnitResult.objects.filter(campaign=plan.campaign, track=Track.APPRAISED)
    if not plan.is_province_level:
        results = results.filter(unit=plan.unit)
    return Unit.objects.filter(pk__in=results.values("unit_id")).order_by("code")


def owner_choices(plan: RemedialPlan):
    """Units a task may be given to: the campaign root's subtree, in force today."""
    return (
        Unit.objects.subtree(plan.campaign.root_unit)
        .in_force()
        .order_by("depth", "code")
        .only("id", "code", "name", "depth")
    )


@transaction.atomic
def create_plan(
    *,
    campaign: Campaign,
    unit: Unit,
    title: str,
    user: Any,
    number: str = "",
    issued_on: dt.date | None = None,
    issuer: str = "",
    summary: str = "",
) -> RemedialPlan:
    """A province-level plan when `unit` is the campaign's root, else the unit's own plan."""
    if campaign.status not in RESULT_STATUSES:
        raise RemedialError(_("The campaign has no results yet."))
    province = unit.pk == campaign.root_unit_id
    if (
        not province
        and not UnitResult.objects.filter(
            campaign=campaign, unit=unit, track=Track.APPRAISED
        ).exists()
    ):
        raise RemedialError(_("The unit has no result in this campaign."))
    if not title.strip():
        raise RemedialError(_("Give the plan a title."))
    plan = RemedialPlan(
        campaign=campaign,
        unit=unit,
        level=RemedialPlan.Level.PROVINCE if province else RemedialPlan.Level.UNIT,
        number=number.strip(),
        issued_on=issued_on,
        title=title.strip(),
        issuer=issuer.strip(),
        summary=summary.strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _stamp(plan, user, REASON_PLAN_CREATED).save()
    return plan


def update_plan(plan: RemedialPlan, user: Any, **values: Any) -> RemedialPlan:
    """Change the header (number, issued_on, title, issuer, summary)."""
    allowed = {"number", "issued_on", "title", "issuer", "summary"}
    for key, value in values.items():
        if key not in allowed:
            raise ValueError(f"not a plan field: {key}")
        setattr(plan, key, value.strip() if isinstance(value, str) else value)
    if not plan.title:
        raise RemedialError(_("Give the plan a title."))
    _stamp(plan, user, REASON_PLAN_CHANGED).save()
    return plan


# --- tasks -------------------------------------------------------------------------------------


@dataclass
class TaskDraft:
    node_code: str
    action: str
    deadline: dt.date | None
    expected_points: float | None
    owner: Unit | None = None


def _owner_ok(plan: RemedialPlan, owner: Unit) -> bool:
    return owner.pk == plan.unit_id or owner.is_descendant_of(plan.campaign.root_unit)


@transaction.atomic
def add_tasks(
    plan: RemedialPlan, unit: Unit, drafts: Sequence[TaskDraft], user: Any
) -> list[RemedialTask]:
    """Tasks on criteria `unit` lost points on: names and points frozen from the results.
    Every problem is listed; nothing is created unless there is none."""
    if not drafts:
        raise RemedialError(_("Choose at least one criterion."))
    if not plan_units(plan).filter(pk=unit.pk).exists():
        raise RemedialError(_("This plan does not cover %(unit)s.") % {"unit": unit.name})
    lost = {row["code"]: row for row in lost_criteria(plan.campaign, unit)}
    existing = set(plan.tasks.filter(unit=unit).values_list("node_code", flat=True))
    problems: list[str] = []
    tasks = []
    seen: set[str] = set()
    for draft in drafts:
        code = draft.node_code
        row = lost.get(code)
        label = f"{code}"
        if row is None:
            problems.append(
                _("%(code)s: the unit lost no points on this criterion.") % {"code": label}
            )
            continue
        if code in existing or code in seen:
            problems.append(_("%(code)s: the plan already has a task on it.") % {"code": label})
            continue
        seen.add(code)
        if not draft.action.strip():
            problems.append(_("%(code)s: describe the task.") % {"code": label})
        if draft.deadline is None:
            problems.append(_("%(code)s: give a deadline.") % {"code": label})
        expected = draft.expected_points
        if expected is None:
            problems.append(_("%(code)s: give the points expected to recover.") % {"code": label})
        elif expected < 0 or expected > row["lost"] + EPS:
            problems.append(
                _("%(code)s: the points expected must be between 0 and the %(lost)s lost.")
                % {"code": label, "lost": points_text(row["lost"])}
            )
        owner = draft.owner or unit
        if not _owner_ok(plan, owner):
            problems.append(
                _("%(code)s: %(owner)s is not a unit of this campaign's province.")
                % {"code": label, "owner": owner.name}
            )
        tasks.append(
            RemedialTask(
                plan=plan,
                unit=unit,
                owner=owner,
                node_code=code,
                node_name=row["name"],
                field_code=row["field_code"] or "",
                field_name=row["field_name"] or "",
                max_points=row["max_points"],
                points=row["points"] or 0.0,
                lost_points=row["lost"],
                recurring_years=row["recurring_years"],
                action=draft.action.strip(),
                deadline=draft.deadline,
                expected_points=expected or 0.0,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
        )
    if problems:
        raise RemedialError(_("No task was added."), problems)
    created = []
    try:
        with transaction.atomic():
            for task in tasks:
                _stamp(task, user, REASON_TASK_CREATED).save()
                created.append(task)
    except IntegrityError:
        raise RemedialError(
            _("No task was added."), [_("Another task was added meanwhile.")]
        ) from None
    return created


def update_task(
    task: RemedialTask,
    user: Any,
    *,
    action: str,
    deadline: dt.date,
    expected_points: float,
    owner: Unit,
) -> RemedialTask:
    """Change what a task says (the criterion and its frozen points stay)."""
    problems = []
    if not action.strip():
        problems.append(_("Describe the task."))
    if expected_points is None or expected_points < 0 or expected_points > task.lost_points + EPS:
        problems.append(
            _("The points expected must be between 0 and the %(lost)s lost.")
            % {"lost": points_text(task.lost_points)}
        )
    if deadline is None:
        problems.append(_("Give the task a deadline."))
    if owner is None or not _owner_ok(task.plan, owner):
        problems.append(_("Choose a unit of this campaign's province as owner."))
    if problems:
        raise RemedialError(_("The task was not changed."), problems)
    task.action = action.strip()
    task.deadline = deadline
    task.expected_points = expected_points
    task.owner = owner
    _stamp(task, user, REASON_TASK_CHANGED).save()
    return task


def delete_task(task: RemedialTask, user: Any) -> None:
    _stamp(task, user, "task deleted")
    for item in task.progress.all():
        if item.file:
            item.file.delete(save=False)
    task.delete()


@transaction.atomic
def add_progress(
    task: RemedialTask, user: Any, *, note: str, status: str, upload: Any = None
) -> TaskProgress:
    """A progress note setting the task's status, with an optional evidence file (checked
    by content and size like campaign evidence; raises UploadRefused with the reason)."""
    if status not in TaskStatus.values:
        raise RemedialError(_("Choose a status."))
    if not note.strip():
        raise RemedialError(_("Write what was done."))
    item = TaskProgress(
        task=task,
        note=note.strip(),
        status=status,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if upload is not None:
        checked = check_upload(upload)
        item.original_name = checked.original_name
        item.content_type = checked.content_type
        item.size = checked.size
        item.sha256 = checked.sha256
        item.file.save(checked.original_name, upload, save=False)
    _stamp(item, user, REASON_PROGRESS).save()
    if task.status != status:
        task.status = status
        task.completed_on = today() if status == TaskStatus.DONE else None
        _stamp(task, user, REASON_PROGRESS).save()
    return item


# --- dashboards --------------------------------------------------------------------------------


def tasks_frame(tasks: Iterable[RemedialTask]) -> pd.DataFrame:
    """One row per task (unit and owner already selected): what the core summarises."""
    rows = [
        {
            "task_id": t.pk,
            "unit_code": t.unit.code,
            "unit_name": t.unit.name,
            "owner_code": t.owner.code,
            "owner_name": t.owner.name,
            "field_code": t.field_code,
            "field_name": t.field_name,
            "node_code": t.node_code,
            "max_points": t.max_points,
            "points": t.points,
            "expected_points": t.expected_points,
            "status": t.status,
            "deadline": t.deadline,
        }
        for t in tasks
    ]
    columns = [
        "task_id", "unit_code", "unit_name", "owner_code", "owner_name", "field_code",
        "field_name", "node_code", "max_points", "points", "expected_points", "status",
        "deadline",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in table.to_dict("records"):
        for key in ("tasks", "done", "in_progress", "not_started", "overdue"):
            row[key] = int(row[key])
        completion = row["completion"]
        row["completion"] = None if pd.isna(completion) else float(completion)
        row["completion_pct"] = None if row["completion"] is None else row["completion"] * 100
        out.append(row)
    return out


def _field_sort_key(code: str) -> tuple:
    parts = []
    for part in str(code).split("."):
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(parts)


def dashboard(tasks: Sequence[RemedialTask], on: dt.date | None = None) -> dict[str, Any]:
    """Completion in total, by owner unit and by field, and the overdue tasks."""
    on = on or today()
    frame = tasks_frame(tasks).assign(all="all")
    total = _records(core.status_summary(frame, on, "all"))
    by_unit = _records(core.status_summary(frame, on, ["owner_code", "owner_name"]))
    by_unit.sort(key=lambda r: r["owner_code"])
    for row in by_unit:
        row["key"], row["name"] = row["owner_code"], row["owner_name"]
    by_field = _records(core.status_summary(frame, on, ["field_code", "field_name"]))
    by_field.sort(key=lambda r: _field_sort_key(r["field_code"]))
    for row in by_field:
        row["key"] = row["field_code"]
        row["name"] = " ".join(p for p in (row["field_code"], row["field_name"]) if p)
    overdue = [t for t in tasks if t.display_status(on) == core.OVERDUE]
    overdue.sort(key=lambda t: (t.deadline, t.owner.code, t.node_code))
    empty = {"tasks": 0, "done": 0, "in_progress": 0, "not_started": 0, "overdue": 0}
    return {
        "total": total[0] if total else {**empty, "completion": None, "completion_pct": None},
        "by_unit": by_unit,
        "by_field": by_field,
        "overdue": overdue,
        "on": on,
    }


# --- the next campaign -------------------------------------------------------------------------


def next_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign following `campaign` (its `previous` is `campaign`) once it has results."""
    return (
        Campaign.objects.filter(previous=campaign, status__in=RESULT_STATUSES)
        .defer("framework_yaml")
        .order_by("year", "pk")
        .first()
    )


def recovery_by_task(
    tasks: Sequence[RemedialTask], campaign: Campaign
) -> tuple[Campaign | None, dict[int, dict[str, Any]]]:
    """(the next campaign, per task id the comparison of `core.recovery`); ({}) when the
    next campaign has no results yet. Units are matched by code (a unit keeping its code
    across a reorganisation is the same unit; a merged unit under a new code has no
    result to compare)."""
    later_campaign = next_campaign(campaign)
    if later_campaign is None or not tasks:
        return later_campaign, {}
    frame = tasks_frame(tasks)
    codes = sorted(set(frame["unit_code"]))
    nodes = sorted(set(frame["node_code"]))
    later = pd.DataFrame(
        list(
            NodeResult.objects.filter(
                campaign=later_campaign, unit__code__in=codes, node_code__in=nodes
            ).values("unit__code", "node_code", "max_points", "points", "applicable")
        ),
        columns=["unit__code", "node_code", "max_points", "points", "applicable"],
    ).rename(columns={"unit__code": "unit_code"})
    present = UnitResult.objects.filter(
        campaign=later_campaign, track=Track.APPRAISED, unit_code__in=codes
    ).values_list("unit_code", flat=True)
    table = core.recovery(frame, later, units_with_result=list(present))
    out = {}
    for row in table.to_dict("records"):
        out[int(row["task_id"])] = {
            k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()
        }
    return later_campaign, out


# --- contract for other apps (annual report, heads) -------------------------------------------


def _campaign_tasks(campaign: Campaign) -> list[RemedialTask]:
    return list(
        RemedialTask.objects.filter(plan__campaign=campaign)
        .select_related("unit", "owner")
        .order_by("owner__code", "id")
    )


def plan_status(campaign: Campaign, on: dt.date | None = None) -> list[dict[str, Any]]:
    """One dict per owner unit of the tasks of every plan made from `campaign`'s results:
    unit_code, unit_name, tasks, done, in_progress, not_started, overdue (a partition of
    the tasks: overdue = not done and past the deadline on `on`, default today) and
    completion (done / tasks, 0–1; None when there is no task). Ordered by unit code."""
    on = on or today()
    frame = tasks_frame(_campaign_tasks(campaign))
    table = core.status_summary(frame, on, ["owner_code", "owner_name"])
    rows = []
    for row in _records(table):
        rows.append(
            {
                "unit_code": row["owner_code"],
                "unit_name": row["owner_name"],
                "tasks": row["tasks"],
                "done": row["done"],
                "in_progress": row["in_progress"],
                "not_started": row["not_started"],
                "overdue": row["overdue"],
                "completion": row["completion"],
            }
        )
    rows.sort(key=lambda r: r["unit_code"])
    return rows


def completion_by_unit(campaign: Campaign, on: dt.date | None = None) -> dict[str, float | None]:
    """Owner unit code → share of its tasks done (0–1), from `plan_status`."""
    return {row["unit_code"]: row["completion"] for row in plan_status(campaign, on)}
