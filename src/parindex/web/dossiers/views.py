"""Dossier pages (namespace `dossiers`, mounted at /dossiers/).

| URL                                   | view           | who                               |
|---------------------------------------|----------------|-----------------------------------|
| /dossiers/                            | index          | signed in: the units they may see |
| /dossiers/units/<u>/?period=2025-Q1   | dashboard      | `parindex.view_unit` on <u>: service index of <u>'s subtree, ranks within level |
| /dossiers/units/<u>/detail/           | unit_detail    | view_unit: per procedure, monthly trend |
| /dossiers/units/<u>/overdue/?days=N   | overdue        | view_unit: open overdue / due soon |
| /dossiers/units/<u>/overdue.xlsx      | overdue_xlsx   | as overdue                        |
| /dossiers/campaigns/<c>/feed/        | metric_feed    | `parindex.admin_campaigns` on the campaign's root: a leaf valued from a metric (GET preview, POST apply) |
| /dossiers/calendar/ (GET, POST add)   | calendar_list  | `parindex.manage_calendar` (sysadmin, campaign_admin) |
| /dossiers/calendar/import/ (POST)     | calendar_import| manage_calendar (CSV day,kind,source[,note]) |
| /dossiers/calendar/<id>/delete/ (POST)| calendar_delete| manage_calendar                   |
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from parindex.dossiers import load_default_catalogue, parse_exceptions_csv
from parindex.errors import InputError
from parindex.web.accounts.permissions import unit_scoped
from parindex.web.accounts.rules import visible_units
from parindex.web.dossiers import charts, services
from parindex.web.dossiers.models import CalendarExceptionEntry
from parindex.web.units.models import Unit, today

VIEW = "parindex.view_unit"
MANAGE_CALENDAR = "parindex.manage_calendar"
MAX_WARN_DAYS = 30


def _period(request: HttpRequest):
    try:
        return services.parse_period(request.GET.get("period"), today().year), None
    except (ValueError, TypeError):
        return services.parse_period("", today().year), _("Unknown period; showing this year.")


def _period_choices(year: int) -> list[tuple[str, str]]:
    out = [(str(year), _("Year %(year)d") % {"year": year})]
    out += [
        (f"{year}-Q{q}", _("Quarter %(q)d/%(year)d") % {"q": q, "year": year}) for q in range(1, 5)
    ]
    out += [
        (f"{year}-{m:02d}", _("Month %(m)d/%(year)d") % {"m": m, "year": year})
        for m in range(1, 13)
    ]
    return out


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    units = visible_units(request.user).in_force(today()).filter(kind="province").order_by("code")
    if not units.exists():
        units = visible_units(request.user).in_force(today()).order_by("path", "code")[:50]
    return render(
        request,
        "dossiers/index.html",
        {"units": units, "can_manage_calendar": request.user.has_perm(MANAGE_CALENDAR)},
    )


@require_safe
@unit_scoped(VIEW)
def dashboard(request: HttpRequest, unit: Unit) -> HttpResponse:
    period, warning = _period(request)
    scores = services.dashboard_scores(unit, period)
    rows = services.dashboard_rows(scores)
    visible = {
        u.code: u.pk
        for u in visible_units(request.user).filter(code__in=[r["unit_code"] for r in rows])
    }
    for row in rows:
        row["unit_id"] = visible.get(row["unit_code"])
    return render(
        request,
        "dossiers/dashboard.html",
        {
            "unit": unit,
            "period": period,
            "warning": warning,
            "rows": rows,
            "groups": load_default_catalogue().groups,
            "choices": _period_choices(period.year),
            "years": range(today().year, today().year - 6, -1),
        },
    )


@require_safe
@unit_scoped(VIEW)
def unit_detail(request: HttpRequest, unit: Unit) -> HttpResponse:
    period, warning = _period(request)
    points = services.trend(unit, period.year)
    return render(
        request,
        "dossiers/unit.html",
        {
            "unit": unit,
            "period": period,
            "warning": warning,
            "procedures": services.procedure_rows(unit, period),
            "trend": points,
            "chart": charts.trend_line(points, unit.name, "trend"),
            "children": unit.children.in_force(today()).order_by("code"),
            "choices": _period_choices(period.year),
        },
    )


def _warn_days(request: HttpRequest) -> int:
    try:
        return max(0, min(MAX_WARN_DAYS, int(request.GET.get("days", 2))))
    except ValueError:
        return 2


def _overdue_rows(unit: Unit, days: int) -> list[dict]:
    frame = services.overdue_list(unit, services.now(), days)
    rows = []
    for r in frame.itertuples(index=False):
        rows.append(
            {
                "unit_code": r.unit_code,
                "dossier_code": r.dossier_code,
                "procedure_code": r.procedure_code or "",
                "due_at": None
                if pd.isna(r.first_due_at)
                else pd.Timestamp(r.first_due_at).to_pydatetime(),
                "overdue": bool(r.overdue),
                "days_overdue": int(r.days_overdue) if r.overdue else 0,
                "days_left": None if pd.isna(r.working_days_left) else int(r.working_days_left),
            }
        )
    return rows


@require_safe
@unit_scoped(VIEW)
def overdue(request: HttpRequest, unit: Unit) -> HttpResponse:
    days = _warn_days(request)
    rows = _overdue_rows(unit, days)
    return render(
        request,
        "dossiers/overdue.html",
        {
            "unit": unit,
            "days": days,
            "overdue_rows": [r for r in rows if r["overdue"]],
            "soon_rows": [r for r in rows if not r["overdue"]],
        },
    )


@require_safe
@unit_scoped(VIEW)
def overdue_xlsx(request: HttpRequest, unit: Unit) -> HttpResponse:
    from openpyxl import Workbook

    days = _warn_days(request)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Overdue")[:31]
    ws.append(
        [_("Unit"), _("Dossier code"), _("Procedure"), _("Appointed date"), _("Status"),
         _("Working days overdue"), _("Working days left")]
    )  # fmt: skip
    for r in _overdue_rows(unit, days):
        ws.append(
            [
                r["unit_code"],
                r["dossier_code"],
                r["procedure_code"],
                r["due_at"],
                _("overdue") if r["overdue"] else _("due soon"),
                r["days_overdue"],
                r["days_left"],
            ]
        )
    for col in "DE":
        ws.column_dimensions[col].width = 20
    ws.column_dimensions["B"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="overdue-{unit.code}-{today():%Y%m%d}.xlsx"'
    )
    return response


# --- calendar exceptions -----------------------------------------------------------------------


class EntryForm(forms.ModelForm):
    class Meta:
        model = CalendarExceptionEntry
        fields = ["day", "kind", "source", "note"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (day, kind, source, note)"))


def _require_calendar_admin(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_CALENDAR):
        raise PermissionDenied


def calendar_list(request: HttpRequest) -> HttpResponse:
    _require_calendar_admin(request)
    form = EntryForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            entry = form.save(commit=False)
            entry.created_by = request.user
            entry.save()
            messages.success(
                request, _("Exception of %(day)s added.") % {"day": entry.day.strftime("%d/%m/%Y")}
            )
            return redirect("dossiers:calendar")
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    return render(
        request,
        "dossiers/calendar.html",
        {
            "entries": CalendarExceptionEntry.objects.all(),
            "form": form,
            "import_form": ImportForm(),
        },
    )


@require_POST
def calendar_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require_calendar_admin(request)
    entry = get_object_or_404(CalendarExceptionEntry, pk=entry_id)
    day: date = entry.day
    entry.delete()
    messages.success(
        request, _("Exception of %(day)s deleted.") % {"day": day.strftime("%d/%m/%Y")}
    )
    return redirect("dossiers:calendar")


@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    _require_calendar_admin(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
        return redirect("dossiers:calendar")
    upload = form.cleaned_data["file"]
    try:
        text = upload.read().decode("utf-8-sig")
        parsed = parse_exceptions_csv(text, upload.name)
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return redirect("dossiers:calendar")
    except InputError as exc:
        for problem in exc.problems[:20]:
            messages.error(request, str(problem))
        return redirect("dossiers:calendar")
    with transaction.atomic():
        for exc_day in parsed:
            entry = CalendarExceptionEntry.objects.filter(
                day=exc_day.day
            ).first() or CalendarExceptionEntry(day=exc_day.day, created_by=request.user)
            entry.kind, entry.source, entry.note = exc_day.kind, exc_day.source, exc_day.note
            entry.save()
    messages.success(request, _("%(n)d exception(s) imported.") % {"n": len(parsed)})
    return redirect("dossiers:calendar")


# --- a campaign leaf valued from a service-index metric -------------------------------------


def _campaign_root(request: HttpRequest, campaign_id: int, **kwargs) -> Unit:
    from parindex.web.campaigns.models import Campaign

    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), pk=campaign_id)
    request.campaign = campaign
    return campaign.root_unit


class MetricFeedForm(forms.Form):
    leaf = forms.ChoiceField(label=gettext_lazy("Criterion"))
    metric = forms.ChoiceField(label=gettext_lazy("Service-index metric"))

    def __init__(self, *args, leaves=(), **kwargs):
        from parindex.web.dossiers import feed

        super().__init__(*args, **kwargs)
        self.fields["leaf"].choices = [(leaf.code, f"{leaf.code} {leaf.name}") for leaf in leaves]
        self.fields["metric"].choices = feed.metric_choices()


@unit_scoped("parindex.admin_campaigns", get_unit=_campaign_root)
def metric_feed(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """Per-unit ratios of a metric over the campaign's year, shown first (GET); written into
    the appraised track of the chosen leaf on confirmation (POST). See `feed`."""
    from django.urls import reverse

    from parindex.web.dossiers import feed

    campaign = request.campaign
    leaves = feed.feed_leaves(campaign)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = MetricFeedForm(data, leaves=leaves)
    plan, error = None, None
    if form.is_bound and form.is_valid():
        leaf_code, metric = form.cleaned_data["leaf"], form.cleaned_data["metric"]
        if request.method == "POST":
            try:
                written = feed.apply_feed(campaign, leaf_code, metric, user=request.user)
            except feed.FeedError as exc:
                messages.error(request, exc.message)
                for problem in exc.problems[:20]:
                    messages.error(request, problem)
            else:
                messages.success(
                    request,
                    _("%(count)s value(s) written into the appraisal of %(code)s.")
                    % {"count": written, "code": leaf_code},
                )
                url = reverse("dossiers:metric_feed", args=[campaign.pk])
                return redirect(f"{url}?leaf={leaf_code}&metric={metric}")
        try:
            plan = feed.plan_feed(campaign, leaf_code, metric)
        except feed.FeedError as exc:
            error = exc.message
    rows = [
        {"row": r, "new": plan.leaf.display(r.value, r.inputs) if not r.skip else ""}
        for r in (plan.rows if plan else [])
    ]
    return render(
        request,
        "dossiers/metric_feed.html",
        {
            "campaign": campaign,
            "unit": unit,
            "form": form,
            "plan": plan,
            "rows": rows,
            "error": error,
            "refusal": feed.feed_refusal(campaign),
            "leaves": leaves,
        },
    )
