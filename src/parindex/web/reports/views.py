"""Report pages. Every view acting on a unit is `unit_scoped`:

| page | permission (on the unit) |
|---|---|
| index | signed in (lists only what the user may open) |
| new type, type settings, periods, deadlines | parindex.admin_reports on the defining (root) unit |
| template download | parindex.view_unit on the root, or any role on a unit under it |
| matrix, Excel export | parindex.view_unit on the root |
| a unit's reports | parindex.view_unit on the unit |
| upload | parindex.submit_reports on the unit (reporter, unit_head) |
| file download | parindex.view_unit on the unit the file belongs to |
| campaign feed | parindex.admin_campaigns on the campaign's root unit |
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.web.accounts.permissions import unit_scoped
from parindex.web.accounts.rules import (
    CAMPAIGN_ROLES,
    EDIT_ROLES,
    assignments,
    scope_roots,
    visible_units,
)
from parindex.web.campaigns.models import Campaign
from parindex.web.campaigns.uploads import ACCEPT, UploadRefused
from parindex.web.reports import periods as P
from parindex.web.reports import services
from parindex.web.reports.export import matrix_workbook
from parindex.web.reports.forms import (
    DeadlinesForm,
    FeedForm,
    GenerateForm,
    MatrixFilterForm,
    ReportTypeForm,
    slot_inputs,
    uploads_from,
)
from parindex.web.reports.models import (
    ReportFile,
    ReportPeriod,
    ReportSubmission,
    ReportType,
    Status,
)
from parindex.web.units.models import Unit, today

ADMIN = "parindex.admin_reports"
SUBMIT = "parindex.submit_reports"
VIEW = "parindex.view_unit"
ROWS_PER_PAGE = 100


# --- the unit behind an object (for unit_scoped(get_unit=...)) ---------------------------------


def type_root(request: HttpRequest, type_id: int, **kwargs: Any) -> Unit:
    report_type = get_object_or_404(ReportType.objects.select_related("root_unit"), pk=type_id)
    request.report_type = report_type
    return report_type.root_unit


def period_root(request: HttpRequest, period_id: int, **kwargs: Any) -> Unit:
    period = get_object_or_404(
        ReportPeriod.objects.select_related("report_type__root_unit"), pk=period_id
    )
    request.period = period
    return period.report_type.root_unit


def file_unit(request: HttpRequest, file_id: int, **kwargs: Any) -> Unit:
    item = get_object_or_404(
        ReportFile.objects.select_related("submission__unit", "submission__period__report_type"),
        pk=file_id,
    )
    request.report_file = item
    return item.submission.unit


def campaign_root(request: HttpRequest, campaign_id: int, **kwargs: Any) -> Unit:
    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), pk=campaign_id)
    request.campaign = campaign
    return campaign.root_unit


def _private_file(handle: Any, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- index -----------------------------------------------------------------------------------------


def _admin_roots(user: Any) -> list[Unit]:
    roots = scope_roots(user, CAMPAIGN_ROLES)
    if roots is None or user.is_superuser:
        roots = list(Unit.objects.in_force().roots())
    return [u for u in roots if user.has_perm(ADMIN, u)]


def _own_units(user: Any) -> list[Unit]:
    """Units the user reports for: their reporter/head assignments' own units."""
    units = {a.unit.pk: a.unit for a in assignments(user) if a.role in EDIT_ROLES and a.unit_id}
    return sorted(units.values(), key=lambda u: u.code)


def index(request: HttpRequest) -> HttpResponse:
    """Report types by defining unit (for administrators and viewers), the user's own
    units with what is due, and the campaigns the figures can feed."""
    user = request.user
    admin_roots = _admin_roots(user)
    seen = visible_units(user)
    types = list(
        ReportType.objects.filter(root_unit__in=seen)
        .select_related("root_unit")
        .order_by("root_unit__code", "-active", "name")
    )
    roots: dict[int, dict[str, Any]] = {}
    for root in admin_roots:
        roots[root.pk] = {"unit": root, "admin": True, "types": []}
    for t in types:
        if not user.has_perm(VIEW, t.root_unit):
            continue
        entry = roots.setdefault(
            t.root_unit_id,
            {"unit": t.root_unit, "admin": user.has_perm(ADMIN, t.root_unit), "types": []},
        )
        entry["types"].append(t)
    own = _own_units(user)
    query = request.GET.get("q", "").strip()
    found: list[Unit] = []
    if query:
        kinds = set(ReportType.objects.filter(active=True).values_list("unit_kind", flat=True))
        found = list(
            seen.in_force()
            .filter(kind__in=kinds)
            .filter(Q(name__icontains=query) | Q(code__icontains=query))
            .order_by("kind", "code")[:50]
        )
    due = services.due_soon(units=own) if own else []
    missing = services.overdue_for(own) if own else []
    campaigns = []
    if admin_roots:
        campaigns = list(
            Campaign.objects.filter(
                root_unit__in=admin_roots,
                status__in=[Campaign.Status.DRAFT, Campaign.Status.OPEN],
            ).order_by("-year", "name")
        )
    return render(
        request,
        "reports/index.html",
        {
            "roots": list(roots.values()),
            "own": own,
            "due": due,
            "missing": missing,
            "campaigns": campaigns,
            "query": query,
            "found": found,
        },
    )


# --- report types ------------------------------------------------------------------------------------


@unit_scoped(ADMIN)
def type_create(request: HttpRequest, unit: Unit) -> HttpResponse:
    form = ReportTypeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report_type = form.save(commit=False)
        report_type.root_unit = unit
        template = form.cleaned_data.get("template_file")
        try:
            services.save_type(report_type, request.user)
            if template:
                services.set_template(report_type, template, request.user)
            year = form.cleaned_data.get("year")
            if year:
                services.generate_periods(report_type, year, request.user)
        except UploadRefused as exc:
            messages.warning(
                request, _("The report type was saved but not the template: %(why)s") % {"why": exc}
            )
        except services.ReportError as exc:
            form.add_error(None, exc.message)
            return render(request, "reports/type_form.html", {"form": form, "unit": unit})
        messages.success(request, _("Report type saved."))
        return redirect("reports:type", report_type.pk)
    return render(request, "reports/type_form.html", {"form": form, "unit": unit})


@unit_scoped(ADMIN, get_unit=type_root)
def type_detail(request: HttpRequest, type_id: int, unit: Unit) -> HttpResponse:
    """Settings, template and the periods of a year with their deadlines."""
    report_type: ReportType = request.report_type
    if request.method == "POST":
        form = ReportTypeForm(request.POST, request.FILES, instance=report_type)
        if form.is_valid():
            report_type = form.save(commit=False)
            template = form.cleaned_data.get("template_file")
            try:
                services.save_type(report_type, request.user)
                if template:
                    services.set_template(report_type, template, request.user)
            except UploadRefused as exc:
                form.add_error("template_file", str(exc))
            except services.ReportError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Report type saved."))
                return redirect("reports:type", report_type.pk)
        report_type.refresh_from_db()
    else:
        form = ReportTypeForm(instance=report_type)
    years = sorted(
        set(report_type.periods.values_list("year", flat=True)) | {today().year}, reverse=True
    )
    year = _int(request.GET.get("year"), today().year)
    period_list = list(report_type.periods.filter(year=year).order_by("number"))
    submitted = dict(
        ReportSubmission.objects.filter(period__in=period_list, submitted_at__isnull=False)
        .values_list("period_id")
        .annotate(n=Count("id"))
        .values_list("period_id", "n")
    )
    used = set(
        ReportSubmission.objects.filter(period__in=period_list).values_list("period_id", flat=True)
    )
    for period in period_list:
        period.submitted_count = submitted.get(period.pk, 0)
        period.has_submissions = period.pk in used
    context = {
        "report_type": report_type,
        "unit": unit,
        "form": form,
        "years": years,
        "year": year,
        "periods": period_list,
        "deadlines": DeadlinesForm(period_list),
        "generate": GenerateForm(initial={"year": year}),
    }
    return render(request, "reports/type_detail.html", context)


@require_POST
@unit_scoped(ADMIN, get_unit=type_root)
def type_generate(request: HttpRequest, type_id: int, unit: Unit) -> HttpResponse:
    report_type: ReportType = request.report_type
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return redirect("reports:type", report_type.pk)
    year = form.cleaned_data["year"]
    try:
        new = services.generate_periods(report_type, year, request.user)
    except services.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s period(s) created.") % {"count": len(new)})
    return redirect(reverse("reports:type", args=[report_type.pk]) + f"?year={year}")


@require_POST
@unit_scoped(ADMIN, get_unit=type_root)
def type_deadlines(request: HttpRequest, type_id: int, year: int, unit: Unit) -> HttpResponse:
    report_type: ReportType = request.report_type
    period_list = list(report_type.periods.filter(year=year).order_by("number"))
    form = DeadlinesForm(period_list, request.POST)
    back = reverse("reports:type", args=[report_type.pk]) + f"?year={year}"
    if not form.is_valid():
        messages.error(request, _("Give a valid date for every period."))
        return redirect(back)
    try:
        changed = services.set_due_dates(report_type, form.dates(), request.user)
    except services.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s deadline(s) changed.") % {"count": changed})
    return redirect(back)


@require_POST
@unit_scoped(ADMIN, get_unit=period_root)
def period_remove(request: HttpRequest, period_id: int, unit: Unit) -> HttpResponse:
    period: ReportPeriod = request.period
    back = reverse("reports:type", args=[period.report_type_id]) + f"?year={period.year}"
    try:
        services.remove_period(period, request.user)
    except services.ReportError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Period removed."))
    return redirect(back)


def _may_use_type(user: Any, report_type: ReportType) -> bool:
    root = report_type.root_unit
    if user.has_perm(VIEW, root):
        return True
    return any(a.unit_id and a.unit.is_descendant_of(root) for a in assignments(user))


def type_template(request: HttpRequest, type_id: int) -> HttpResponse:
    """The template, to anyone working in or above the units that send the report."""
    report_type = get_object_or_404(ReportType.objects.select_related("root_unit"), pk=type_id)
    if not _may_use_type(request.user, report_type):
        raise PermissionDenied
    if not report_type.template:
        raise Http404
    try:
        handle = report_type.template.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return _private_file(
        handle, report_type.template_name or "template", report_type.template_content_type
    )


# --- the matrix --------------------------------------------------------------------------------


def _matrix(request: HttpRequest, unit: Unit) -> tuple[MatrixFilterForm, services.Matrix, int]:
    types = list(ReportType.objects.filter(root_unit=unit).order_by("-active", "name"))
    years = services.report_years(unit) or [today().year]
    default_year = today().year if today().year in years else years[0]
    form = MatrixFilterForm(request.GET or None, years=years, types=types)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or default_year
    type_id = data.get("report_type")
    chosen = [t for t in types if t.pk == type_id] if type_id else [t for t in types if t.active]
    matrix = services.build_matrix(unit, year, types=chosen)
    status = data.get("status")
    query = (data.get("q") or "").strip().casefold()
    rows = matrix.rows
    if status:
        rows = [r for r in rows if r.has(status)]
    if query:
        rows = [
            r for r in rows if query in r.unit.name.casefold() or query in r.unit.code.casefold()
        ]
    matrix.rows = rows
    return form, matrix, year


@unit_scoped(VIEW)
def matrix(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Every unit × period of the reports `unit` defines: on time, late, missing."""
    form, result, year = _matrix(request, unit)
    page = Paginator(result.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "reports/matrix.html",
        {
            "unit": unit,
            "form": form,
            "matrix": result,
            "page": page,
            "year": year,
            "query_string": params.urlencode(),
            "can_admin": request.user.has_perm(ADMIN, unit),
        },
    )


@unit_scoped(VIEW)
def matrix_export(request: HttpRequest, unit: Unit) -> HttpResponse:
    _form, result, year = _matrix(request, unit)
    title = _("Periodic reform reports of %(unit)s, %(year)s") % {"unit": unit.name, "year": year}
    content = matrix_workbook(result, title)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    code = "".join(c for c in unit.code if c.isalnum()) or "unit"
    response["Content-Disposition"] = f'attachment; filename="bao-cao-cchc-{code}-{year}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- a unit's reports ------------------------------------------------------------------------------


def _unit_sections(unit: Unit, year: int) -> list[dict[str, Any]]:
    now = services._now()
    sections = []
    for report_type in services.types_for_unit(unit):
        period_list = list(report_type.periods.filter(year=year).order_by("number"))
        subs = {
            s.period_id: s
            for s in ReportSubmission.objects.filter(period__in=period_list, unit=unit)
            .select_related("submitted_by")
            .prefetch_related("files__uploaded_by")
        }
        rows = []
        for period in period_list:
            period.report_type = report_type
            submission = subs.get(period.pk)
            if not services.is_required(report_type, period, unit):
                status = P.NOT_REQUIRED
            else:
                status = P.classify(
                    period.due_on, submission.submitted_at if submission else None, now
                )
            rows.append(
                {
                    "period": period,
                    "status": status,
                    "status_label": Status(status).label,
                    "submission": submission,
                    "files": list(submission.files.all()) if submission else [],
                    "missing": services.missing_slots(submission, report_type)
                    if submission
                    else [],
                    "refusal": services.upload_refusal(period, unit),
                }
            )
        sections.append({"type": report_type, "rows": rows, "slots": slot_inputs(report_type)})
    return sections


@unit_scoped(VIEW)
def unit_reports(request: HttpRequest, unit: Unit) -> HttpResponse:
    """The unit's reports of a year: deadlines, status, files, upload forms; a banner
    for reports due within a few working days and for missing ones."""
    year = _int(request.GET.get("year"), today().year)
    years = sorted(
        set(
            ReportPeriod.objects.filter(report_type__in=services.types_for_unit(unit)).values_list(
                "year", flat=True
            )
        )
        | {today().year},
        reverse=True,
    )
    return render(
        request,
        "reports/unit.html",
        {
            "unit": unit,
            "year": year,
            "years": years,
            "sections": _unit_sections(unit, year),
            "due": services.due_soon(units=[unit]),
            "missing": services.overdue_for([unit]),
            "can_submit": request.user.has_perm(SUBMIT, unit),
            "accept": ACCEPT,
            "banner_days": services.BANNER_DAYS,
        },
    )


@require_POST
@unit_scoped(SUBMIT)
def upload(request: HttpRequest, period_id: int, unit: Unit) -> HttpResponse:
    period = get_object_or_404(
        ReportPeriod.objects.select_related("report_type__root_unit"), pk=period_id
    )
    back = reverse("reports:unit", args=[unit.pk]) + f"?year={period.year}#period-{period.pk}"
    try:
        submission = services.add_files(
            period,
            unit,
            uploads_from(request.FILES, period.report_type),
            user=request.user,
            note=request.POST.get("note", ""),
        )
    except (services.ReportError, UploadRefused) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(back)
    if submission.submitted_at is not None:
        status = submission.status(services._now())
        if status == P.LATE:
            messages.warning(request, _("Report received after the deadline (late)."))
        else:
            messages.success(request, _("Report received on time."))
    else:
        messages.info(
            request,
            _("File received. The report is submitted once every required document is uploaded."),
        )
    return redirect(back)


@unit_scoped(VIEW, get_unit=file_unit)
def file_download(request: HttpRequest, file_id: int, unit: Unit) -> HttpResponse:
    item: ReportFile = request.report_file
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return _private_file(handle, item.original_name or "report", item.content_type)


# --- feeding a campaign's reporting leaf --------------------------------------------------------


@unit_scoped("parindex.admin_campaigns", get_unit=campaign_root)
def feed(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """Figures per unit over the campaign's year, shown first; written on confirmation."""
    campaign: Campaign = request.campaign
    leaves = services.feed_leaves(campaign)
    all_types = list(services.campaign_types(campaign))
    data = request.POST if request.method == "POST" else (request.GET or None)
    if data is None:
        data = (
            {"leaf": services.suggested_leaf(campaign)}
            if services.suggested_leaf(campaign)
            else None
        )
    form = FeedForm(data, leaves=leaves, types=all_types)
    plan = None
    error = None
    if form.is_bound and form.is_valid():
        chosen = set(form.cleaned_data["types"])
        types = [t for t in all_types if t.pk in chosen] if chosen else all_types
        leaf_code = form.cleaned_data["leaf"]
        if request.method == "POST":
            try:
                written = services.apply_feed(campaign, leaf_code, user=request.user, types=types)
            except services.ReportError as exc:
                messages.error(request, exc.message)
                for problem in exc.problems[:20]:
                    messages.error(request, problem)
            else:
                messages.success(
                    request,
                    _("%(count)s value(s) written into the appraisal of %(code)s.")
                    % {"count": written, "code": leaf_code},
                )
                query = f"?leaf={leaf_code}" + "".join(f"&types={t}" for t in sorted(chosen))
                return redirect(reverse("reports:feed", args=[campaign.pk]) + query)
        try:
            plan = services.plan_feed(campaign, leaf_code, types=types)
        except services.ReportError as exc:
            error = exc.message
    rows = []
    if plan is not None:
        for row in plan.rows:
            rows.append(
                {
                    "row": row,
                    "new": plan.leaf.display(row.value, row.inputs) if not row.skip else "",
                }
            )
    return render(
        request,
        "reports/feed.html",
        {
            "campaign": campaign,
            "unit": unit,
            "form": form,
            "plan": plan,
            "rows": rows,
            "error": error,
            "refusal": services.feed_refusal(campaign),
            "leaves": leaves,
        },
    )
