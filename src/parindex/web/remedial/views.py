"""Remedial plan pages (namespace `remedial`, mounted at /plans/).

| URL                                   | view            | who                                      |
|---------------------------------------|-----------------|------------------------------------------|
| /plans/                               | index           | signed in: the plans they may see, and the campaigns they may make one from |
| /plans/campaigns/<c>/                 | campaign        | any role on the campaign's root: status by owner unit of every plan of the campaign |
| /plans/new/<c>/ (GET, POST)           | create          | campaign_admin on the root (province-level or any unit); a unit's reporter / unit_head (its plan) |
| /plans/<p>/                           | detail          | `access.task_scope`: the plan's unit → all tasks; a task's unit or owner → those tasks |
| /plans/<p>/edit/ (GET, POST)          | edit            | `parindex.manage_remedial_plan`          |
| /plans/<p>/units/<u>/ (GET, POST)     | propose         | manage: the unit's lost points, recurring first; chosen ones become tasks |
| /plans/<p>/plan.xlsx, plan.pdf        | exports         | as detail (only the tasks the user sees) |
| /plans/tasks/<t>/                     | task            | as detail, for the task                  |
| /plans/tasks/<t>/progress/ (POST)     | progress        | `parindex.update_remedial_task`          |
| /plans/tasks/<t>/edit/ (POST)         | task_edit       | manage                                   |
| /plans/tasks/<t>/delete/ (POST)       | task_delete     | manage                                   |
| /plans/evidence/<id>/                 | evidence        | as task: the file, as a download         |

Not signed in → sign-in page; no such object → 404; nothing of it visible → 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from parindex.analysis import remedial as core
from parindex.web.accounts.rules import CAMPAIGN_ROLES, has_role_on_unit
from parindex.web.campaigns.models import Campaign
from parindex.web.campaigns.uploads import UploadRefused
from parindex.web.remedial import access, charts, exports, services
from parindex.web.remedial.forms import PlanCreateForm, PlanForm, ProgressForm, TaskForm
from parindex.web.remedial.models import (
    DISPLAY_STATUS,
    RemedialPlan,
    RemedialTask,
    TaskProgress,
)
from parindex.web.results.access import result_campaigns
from parindex.web.units.models import Unit, today

PROVINCE_TARGET = "province"
REASONS = {
    services.REASON_PLAN_CREATED: gettext_lazy("Plan created"),
    services.REASON_PLAN_CHANGED: gettext_lazy("Plan changed"),
    services.REASON_TASK_CREATED: gettext_lazy("Task created from lost points"),
    services.REASON_TASK_CHANGED: gettext_lazy("Task changed"),
    services.REASON_PROGRESS: gettext_lazy("Progress reported"),
    services.REASON_DEMO: gettext_lazy("Demo data"),
}


# --- helpers -----------------------------------------------------------------------------------


def _plan(plan_id: int) -> RemedialPlan:
    return get_object_or_404(
        RemedialPlan.objects.select_related("campaign", "campaign__root_unit", "unit"), pk=plan_id
    )


def _task(task_id: int) -> RemedialTask:
    return get_object_or_404(
        RemedialTask.objects.select_related(
            "plan", "plan__campaign", "plan__campaign__root_unit", "plan__unit", "unit", "owner"
        ),
        pk=task_id,
    )


def _require(request: HttpRequest, perm: str, obj: Any) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _number(text: str | None) -> float | None:
    value = (text or "").strip().replace(" ", "")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- lists -------------------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    plans = list(access.visible_plans(user))
    on = today()
    for plan in plans:
        try:
            scope = access.task_scope(user, plan)
        except PermissionDenied:  # its only visible task went away meanwhile
            scope = set()
        plan.summary_row = services.dashboard(list(access.visible_tasks(plan, scope)), on)["total"]
    creatable = []
    for campaign in result_campaigns(user):
        province = access.may_create_province_plan(user, campaign)
        if province or access.creatable_units(user, campaign).exists():
            creatable.append({"campaign": campaign, "province": province})
    return render(request, "remedial/index.html", {"plans": plans, "creatable": creatable})


@require_safe
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), pk=campaign_id)
    if not request.user.has_perm(access.VIEW, campaign.root_unit):
        raise PermissionDenied
    rows = services.plan_status(campaign)
    for row in rows:
        row["completion_pct"] = None if row["completion"] is None else row["completion"] * 100
    plans = campaign.remedial_plans.select_related("unit").order_by("level", "unit__code", "id")
    return render(
        request,
        "remedial/campaign.html",
        {
            "campaign": campaign,
            "rows": rows,
            "plans": plans,
            "chart": charts.status_bars(rows, "chart-campaign-status") if rows else "",
            "can_create": access.may_create_province_plan(request.user, campaign)
            or access.creatable_units(request.user, campaign).exists(),
        },
    )


# --- a plan ------------------------------------------------------------------------------------


def _targets(user: Any, campaign: Campaign) -> list[tuple[str, str]]:
    choices = []
    if access.may_create_province_plan(user, campaign):
        choices.append(
            (
                PROVINCE_TARGET,
                _("%(unit)s (province-level plan)") % {"unit": campaign.root_unit.name},
            )
        )
    for unit in access.creatable_units(user, campaign).order_by("code"):
        choices.append((str(unit.pk), f"{unit.name} ({unit.code})"))
    return choices


def create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), pk=campaign_id)
    choices = _targets(request.user, campaign)
    if not choices:
        if not campaign.has_results:
            raise Http404
        raise PermissionDenied
    initial = {"target": request.GET.get("unit") or choices[0][0]}
    if request.method == "POST":
        form = PlanCreateForm(request.POST, choices=choices)
        if form.is_valid():
            target = form.cleaned_data["target"]
            unit = (
                campaign.root_unit
                if target == PROVINCE_TARGET
                else get_object_or_404(Unit, pk=int(target))
            )
            try:
                plan = services.create_plan(
                    campaign=campaign,
                    unit=unit,
                    user=request.user,
                    **{k: form.cleaned_data[k] for k in PlanForm.Meta.fields},
                )
            except services.RemedialError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Plan created. Now choose the criteria to act on."))
                return redirect("remedial:detail", plan.pk)
    else:
        form = PlanCreateForm(initial=initial, choices=choices)
    return render(request, "remedial/plan_form.html", {"form": form, "campaign": campaign})


def edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    _require(request, access.MANAGE, plan)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(
                plan, request.user, **{k: form.cleaned_data[k] for k in PlanForm.Meta.fields}
            )
        except services.RemedialError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("remedial:detail", plan.pk)
    return render(
        request, "remedial/plan_form.html", {"form": form, "campaign": plan.campaign, "plan": plan}
    )


def _filters(request: HttpRequest, tasks: list[RemedialTask]) -> tuple[list, dict[str, str]]:
    status = request.GET.get("status", "")
    owner = request.GET.get("owner", "")
    field = request.GET.get("field", "")
    status = status if status in core.STATUSES else ""
    owners = {t.owner.code for t in tasks}
    fields = {t.field_code for t in tasks}
    owner = owner if owner in owners else ""
    field = field if field in fields else ""
    shown = [
        t
        for t in tasks
        if (not status or t.shown_status == status)
        and (not owner or t.owner.code == owner)
        and (not field or t.field_code == field)
    ]
    return shown, {"status": status, "owner": owner, "field": field}


def _plan_data(request: HttpRequest, plan: RemedialPlan) -> dict[str, Any]:
    scope = access.task_scope(request.user, plan)
    return {**exports.plan_data(plan, list(access.visible_tasks(plan, scope))), "scope": scope}


@require_safe
def detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    data = _plan_data(request, plan)
    shown, current = _filters(request, data["tasks"])
    can_manage = request.user.has_perm(access.MANAGE, plan)
    units = list(services.plan_units(plan)) if can_manage else []
    board = data["board"]
    return render(
        request,
        "remedial/plan_detail.html",
        {
            **data,
            "shown": shown,
            "current": current,
            "can_manage": can_manage,
            "units": units,
            "status_choices": [(k, DISPLAY_STATUS[k]) for k in core.STATUSES],
            "owner_choices": [(r["owner_code"], r["owner_name"]) for r in board["by_unit"]],
            "field_choices": [(r["field_code"], r["field_name"]) for r in board["by_field"]],
            "chart": charts.status_bars(
                [{**r, "unit_code": r["owner_code"], "unit_name": r["owner_name"]}
                 for r in board["by_unit"]],
                "chart-plan-status",
            ) if board["by_unit"] else "",
            "restricted": data["scope"] is not None,
        },
    )  # fmt: skip


def propose(request: HttpRequest, plan_id: int, unit_id: int) -> HttpResponse:
    """The unit's lost points, recurring first; the criteria ticked become tasks."""
    plan = _plan(plan_id)
    unit = get_object_or_404(Unit, pk=unit_id)
    _require(request, access.MANAGE, plan)
    if not services.plan_units(plan).filter(pk=unit.pk).exists():
        raise Http404
    rows = services.lost_criteria(plan.campaign, unit)
    existing = set(plan.tasks.filter(unit=unit).values_list("node_code", flat=True))
    may_assign = has_role_on_unit(request.user, plan.campaign.root_unit, CAMPAIGN_ROLES)
    owners = list(services.owner_choices(plan)) if may_assign else []
    owner_by_id = {str(o.pk): o for o in owners}
    deadline = services.default_deadline(plan.campaign)
    problems: list[str] = []
    error = ""
    data = request.POST if request.method == "POST" else None
    for row in rows:
        code = row["code"]
        row["planned"] = code in existing
        if data is not None:
            row["selected"] = code in data.getlist("select")
            row["action"] = data.get(f"action-{code}", "")
            row["deadline"] = data.get(f"deadline-{code}", "")
            row["expected"] = data.get(f"expected-{code}", "")
            row["owner_id"] = data.get(f"owner-{code}", str(unit.pk))
        else:
            row["selected"] = False
            row["action"] = ""
            row["deadline"] = deadline.isoformat()
            row["expected"] = services.points_text(row["lost"])
            row["owner_id"] = str(unit.pk)
    if data is not None:
        drafts = []
        for row in rows:
            if not row["selected"] or row["planned"]:
                continue
            owner = owner_by_id.get(row["owner_id"]) if may_assign else None
            drafts.append(
                services.TaskDraft(
                    node_code=row["code"],
                    action=row["action"],
                    deadline=_date(row["deadline"]),
                    expected_points=_number(row["expected"]),
                    owner=owner or unit,
                )
            )
        try:
            created = services.add_tasks(plan, unit, drafts, request.user)
        except services.RemedialError as exc:
            error, problems = exc.message, exc.problems
        else:
            messages.success(request, _("%(count)d task(s) added.") % {"count": len(created)})
            return redirect("remedial:detail", plan.pk)
    return render(
        request,
        "remedial/propose.html",
        {
            "plan": plan,
            "campaign": plan.campaign,
            "unit": unit,
            "rows": rows,
            "owners": owners,
            "may_assign": may_assign,
            "error": error,
            "problems": problems,
        },
        status=400 if error else 200,
    )


def _export_data(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan_data(request, _plan(plan_id))


@require_safe
def plan_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    data = _export_data(request, plan_id)
    plan = data["plan"]
    content = exports.plan_xlsx(data)
    return _attachment(content, exports.XLSX, exports.file_name(plan, "xlsx"))


@require_safe
def plan_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    data = _export_data(request, plan_id)
    plan = data["plan"]
    try:
        content = exports.plan_pdf(data)
    except exports.PdfUnavailable:
        return render(request, "results/pdf_unavailable.html", status=503)
    return _attachment(content, "application/pdf", exports.file_name(plan, "pdf"))


# --- a task ------------------------------------------------------------------------------------


def _owner_options(task: RemedialTask) -> list[tuple[str, str]]:
    return [(str(u.pk), f"{u.name} ({u.code})") for u in services.owner_choices(task.plan)]


def _history(task: RemedialTask) -> list[dict[str, Any]]:
    out = []
    for record in task.history.select_related("history_user").order_by("-history_date", "-pk"):
        out.append(
            {
                "when": record.history_date,
                "who": record.history_user.get_full_name() if record.history_user else "",
                "what": REASONS.get(record.history_change_reason or "", "")
                or record.history_change_reason
                or "",
                "status": DISPLAY_STATUS.get(record.status, record.status),
                "deadline": record.deadline,
                "expected": record.expected_points,
                "owner_id": record.owner_id,
            }
        )
    return out


def _task_context(request: HttpRequest, task: RemedialTask, **extra: Any) -> dict[str, Any]:
    _later, recovery = services.recovery_by_task([task], task.plan.campaign)
    exports.decorate([task], recovery, today())
    can_manage = request.user.has_perm(access.MANAGE, task.plan)
    can_update = request.user.has_perm(access.UPDATE, task)
    context = {
        "task": task,
        "plan": task.plan,
        "campaign": task.plan.campaign,
        "later": _later,
        "progress": task.progress.select_related("created_by"),
        "history": _history(task),
        "can_manage": can_manage,
        "can_update": can_update,
        "progress_form": ProgressForm(initial={"status": task.status}) if can_update else None,
        "task_form": TaskForm(
            initial={
                "action": task.action,
                "deadline": task.deadline,
                "expected_points": task.expected_points,
                "owner": str(task.owner_id),
            },
            owners=_owner_options(task),
        )
        if can_manage
        else None,
    }
    context.update(extra)
    return context


@require_safe
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    access.check_task(request.user, task)
    return render(request, "remedial/task_detail.html", _task_context(request, task))


@require_POST
def progress(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    access.check_task(request.user, task)
    _require(request, access.UPDATE, task)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_progress(
                task,
                request.user,
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"],
                upload=form.cleaned_data["file"],
            )
        except UploadRefused as exc:
            form.add_error("file", str(exc))
        except services.RemedialError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("remedial:task", task.pk)
    context = _task_context(request, task)
    context["progress_form"] = form
    return render(request, "remedial/task_detail.html", context, status=400)


@require_POST
def task_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    access.check_task(request.user, task)
    _require(request, access.MANAGE, task.plan)
    form = TaskForm(request.POST, owners=_owner_options(task))
    if form.is_valid():
        owner = Unit.objects.filter(pk=int(form.cleaned_data["owner"])).first()
        try:
            services.update_task(
                task,
                request.user,
                action=form.cleaned_data["action"],
                deadline=form.cleaned_data["deadline"],
                expected_points=form.cleaned_data["expected_points"],
                owner=owner,
            )
        except services.RemedialError as exc:
            for problem in exc.problems or [exc.message]:
                form.add_error(None, problem)
        else:
            messages.success(request, _("Task saved."))
            return redirect("remedial:task", task.pk)
    context = _task_context(request, task)
    context["task_form"] = form
    return render(request, "remedial/task_detail.html", context, status=400)


@require_POST
def task_delete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(task_id)
    access.check_task(request.user, task)
    _require(request, access.MANAGE, task.plan)
    plan_id = task.plan_id
    services.delete_task(task, request.user)
    messages.success(request, _("Task deleted."))
    return redirect("remedial:detail", plan_id)


@require_safe
def evidence(request: HttpRequest, progress_id: int) -> HttpResponse:
    """The evidence file of a progress note, only to people who see the task; a download."""
    item = get_object_or_404(
        TaskProgress.objects.select_related("task", "task__plan", "task__plan__unit"),
        pk=progress_id,
    )
    access.check_task(request.user, item.task)
    if not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.original_name or "evidence",
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
