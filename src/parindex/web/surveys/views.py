"""Survey administration pages (`/surveys/`, namespace `surveys`).

| URL                              | view       | who                                          |
|----------------------------------|------------|----------------------------------------------|
| /surveys/                        | survey_list| signed in (lists the surveys the user runs)   |
| /surveys/new/                    | create     | campaign_admin somewhere (unit checked)       |
| /surveys/<s>/                    | detail     | `parindex.admin_campaigns` on the root unit   |
| /surveys/<s>/sample/             | sample     | same: import a frame, draw the sample         |
| /surveys/<s>/codes/              | codes      | same: printable one-time codes with QR codes  |
| /surveys/<s>/import/             | import     | same: ODK / Kobo / paper exports              |
| /surveys/<s>/entry-template.xlsx | template   | same                                          |
| /surveys/<s>/estimates/ (.xlsx)  | estimates  | same                                          |
| /surveys/<s>/distribution/ (.xlsx) | distribution | same (weighted shares of each answer) |
| /surveys/<s>/feed/ (POST)        | feed       | same, and on the campaign's root unit          |
| /surveys/<s>/status/ (POST)      | status     | same                                          |

Not signed in → sign-in page; unknown survey → 404; no campaign_admin role covering the
survey's root unit → 403. The citizen form is in `citizen.py`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from parindex.errors import InputError, Problem
from parindex.survey import (
    ALL,
    BUILTIN_INSTRUMENTS,
    answer_distribution,
    bar_chart_svg,
    entry_template,
    estimates_to_excel,
)
from parindex.survey.reports import HEADERS_VI
from parindex.web.accounts.permissions import unit_scoped
from parindex.web.accounts.rules import CAMPAIGN_ROLES, visible_units
from parindex.web.campaigns.models import Campaign
from parindex.web.surveys import services
from parindex.web.surveys.models import Response, Survey
from parindex.web.units.models import Unit

ADMIN = "parindex.admin_campaigns"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _survey_unit(request: HttpRequest, survey_id: int, **kwargs: Any) -> Unit:
    request.survey = get_object_or_404(Survey.objects.select_related("root_unit"), pk=survey_id)
    return request.survey.root_unit


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def admin_view(view):
    return unit_scoped(ADMIN, get_unit=_survey_unit)(view)


# ----------------------------------------------------------------------------- list / create


@require_safe
def survey_list(request: HttpRequest) -> HttpResponse:
    units = visible_units(request.user, CAMPAIGN_ROLES)
    surveys = Survey.objects.filter(root_unit__in=units).select_related("root_unit")
    can_create = request.user.has_perm(ADMIN)
    return render(request, "surveys/list.html", {"surveys": surveys, "can_create": can_create})


class SurveyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=255)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    root_unit = forms.ModelChoiceField(label=gettext_lazy("Run by"), queryset=Unit.objects.none())
    builtin = forms.ChoiceField(
        label=gettext_lazy("Built-in instrument"),
        choices=[(i, i) for i in BUILTIN_INSTRUMENTS],
        initial="sipas-bnv-2022",
        required=False,
    )
    xlsform = forms.FileField(
        label=gettext_lazy("Or an XLSForm (.xlsx) of your own"),
        required=False,
        help_text=gettext_lazy("Its settings sheet needs form_id and version."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["root_unit"].queryset = (
            visible_units(user, CAMPAIGN_ROLES).in_force().order_by("path")
        )
        self.fields["year"].initial = dt.date.today().year


def _problems(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ADMIN):
        raise PermissionDenied
    problems: list[str] = []
    form = SurveyForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["root_unit"]
        if not request.user.has_perm(ADMIN, unit):
            raise PermissionDenied
        upload = form.cleaned_data.get("xlsform")
        data = upload.read() if upload else b""
        builtin = "" if data else (form.cleaned_data.get("builtin") or "sipas-bnv-2022")
        try:
            instrument = services.check_instrument(builtin, data)
        except InputError as error:
            problems = _problems(error.problems)
        else:
            survey = Survey.objects.create(
                root_unit=unit,
                year=form.cleaned_data["year"],
                name=form.cleaned_data["name"].strip(),
                instrument_id=instrument.id,
                instrument_version=instrument.version,
                instrument_builtin=builtin,
                instrument_file=data,
                design_yaml=services.default_design_yaml(instrument.id),
                sampling_yaml=services.DEFAULT_SAMPLING_YAML,
            )
            messages.success(request, _("The survey was created."))
            return redirect("surveys:detail", survey.pk)
    return render(request, "surveys/create.html", {"form": form, "problems": problems})


# ----------------------------------------------------------------------------- one survey


@require_safe
@admin_view
def detail(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    rows = services.progress(survey)
    totals = {
        "sampled": sum(r["sampled"] for r in rows),
        "answered": sum(r["answered"] for r in rows),
    }
    totals["pct"] = 100.0 * totals["answered"] / totals["sampled"] if totals["sampled"] else 0.0
    unlinked = survey.responses.filter(submitted=True, household=None).count()
    units: dict[str, dict] = {}
    for r in rows:
        u = units.setdefault(
            r["unit_code"],
            {"unit_code": r["unit_code"], "unit_name": r["unit_name"], "sampled": 0, "answered": 0},
        )
        u["sampled"] += r["sampled"]
        u["answered"] += r["answered"]
    for u in units.values():
        u["pct"] = 100.0 * u["answered"] / u["sampled"] if u["sampled"] else 0.0
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "rows": rows,
            "units": list(units.values()),
            "totals": totals,
            "unlinked": unlinked,
            "statuses": Survey.Status.choices,
        },
    )


@require_POST
@admin_view
def set_status(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    status = request.POST.get("status", "")
    if status in Survey.Status.values:
        survey.status = status
        survey.save(update_fields=["status"])
        messages.success(request, _("The status was changed."))
    return redirect("surveys:detail", survey.pk)


class SampleForm(forms.Form):
    frame = forms.FileField(
        label=gettext_lazy("Sampling frame (CSV or XLSX)"),
        help_text=gettext_lazy("Columns: unit_code, village, household_code."),
    )
    design = forms.CharField(label=gettext_lazy("Sampling design (YAML)"), widget=forms.Textarea)
    seed = forms.IntegerField(
        label=gettext_lazy("Seed"),
        required=False,
        help_text=gettext_lazy(
            "Leave empty for a random seed; the same seed draws the same sample."
        ),
    )


@admin_view
def sample(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    problems: list[str] = []
    form = SampleForm(
        request.POST or None,
        request.FILES or None,
        initial={"design": survey.sampling_yaml or services.DEFAULT_SAMPLING_YAML},
    )
    if request.method == "POST" and form.is_valid():
        seed = form.cleaned_data["seed"]
        if seed is None:
            seed = secrets.randbelow(10**9)
        try:
            frame = services.read_table(form.cleaned_data["frame"])
            n = services.draw_sample(survey, frame, form.cleaned_data["design"], seed)
        except InputError as error:
            problems = _problems(error.problems)
        else:
            messages.success(
                request,
                _("%(n)s households were drawn (seed %(seed)s).") % {"n": n, "seed": seed},
            )
            return redirect("surveys:sample", survey.pk)
    return render(
        request,
        "surveys/sample.html",
        {
            "survey": survey,
            "form": form,
            "problems": problems,
            "sampled": survey.households.count(),
        },
    )


@require_safe
@admin_view
def codes(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    households = survey.households.filter(used_at=None).select_related("unit")
    unit_code = request.GET.get("unit", "")
    if unit_code:
        households = households.filter(unit__code=unit_code)
    cards = []
    for hh in households:
        url = request.build_absolute_uri(reverse("survey_form:start", args=[hh.access_code]))
        svg = segno.make(url, error="m").svg_inline(scale=3, title=hh.access_code)
        cards.append({"household": hh, "url": url, "qr": mark_safe(svg)})
    unit_codes = sorted(set(survey.households.values_list("unit__code", flat=True)))
    return render(
        request,
        "surveys/codes.html",
        {"survey": survey, "cards": cards, "unit_codes": unit_codes, "unit_code": unit_code},
    )


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Collected with"),
        choices=[(k, v) for k, v in Response.Source.choices if k != Response.Source.WEB],
    )
    file = forms.FileField(label=gettext_lazy("Export (CSV or XLSX)"))
    accept_versions = forms.CharField(
        label=gettext_lazy("Other accepted form versions"),
        required=False,
        help_text=gettext_lazy("Comma-separated, e.g. Kobo's deployment version."),
    )


@admin_view
def import_view(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"survey": survey, "form": form, "problems": [], "result": None}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        versions = [v.strip() for v in form.cleaned_data["accept_versions"].split(",")]
        try:
            frame = services.read_table(upload)
            result = services.import_export(
                survey, frame, form.cleaned_data["source"], upload.name, versions
            )
        except InputError as error:
            context["problems"] = _problems(error.problems)
        else:
            context["result"] = result
            context["rejected"] = [
                {"row": p.location, "column": p.field, "reason": p.message} for p in result.rejected
            ]
    return render(request, "surveys/import.html", context)


@require_safe
@admin_view
def template_xlsx(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    content = entry_template(services.survey_instrument(survey))
    return _attachment(content, XLSX, f"entry-template-{survey.pk}.xlsx")


def _estimate_rows(survey: Survey, est) -> list[dict]:
    names = services.element_names(survey)
    units = dict(Unit.objects.filter(surveys=survey).values_list("code", "name"))
    units.update(dict(survey.households.values_list("unit__code", "unit__name").distinct()))
    rows = []
    for r in est.to_dict("records"):
        code = str(r["unit_code"])
        rows.append(
            {
                "unit_code": code,
                "unit_name": _("All units") if code == ALL else units.get(code, code),
                "element": r["element"],
                "name": names.get(r["element"], r["element"]),
                "estimate": r["estimate_pct"],
                "low": r["ci_low_pct"],
                "high": r["ci_high_pct"],
                "n": int(r["n"]),
                "flagged": bool(r["small_sample"] or r["high_cv"]),
            }
        )
    return rows


@admin_view
def estimates(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    context: dict[str, Any] = {"survey": survey, "problems": []}
    try:
        est = services.survey_estimates(survey)
    except InputError as error:
        context["problems"] = _problems(error.problems)
        return render(request, "surveys/estimates.html", context)
    codes_ = [c for c in dict.fromkeys(str(c) for c in est["unit_code"])]
    chart_unit = request.GET.get("unit", ALL)
    if chart_unit not in codes_:
        chart_unit = ALL
    svg = bar_chart_svg(est, chart_unit, _lang(), names=services.element_names(survey))
    svg = svg[svg.find("<svg") :] if "<svg" in svg else ""
    campaigns = Campaign.objects.filter(
        root_unit__in=visible_units(request.user, CAMPAIGN_ROLES),
        status__in=(Campaign.Status.DRAFT, Campaign.Status.OPEN, Campaign.Status.FINALISED),
    ).order_by("-year", "name")
    context.update(
        rows=_estimate_rows(survey, est),
        chart=mark_safe(svg),
        unit_codes=codes_,
        chart_unit=chart_unit,
        campaigns=campaigns,
        has_mapping=services.survey_mapping(survey) is not None,
    )
    return render(request, "surveys/estimates.html", context)


@require_safe
@admin_view
def estimates_xlsx(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    try:
        est = services.survey_estimates(survey)
    except InputError as error:
        messages.error(request, "; ".join(_problems(error.problems)))
        return redirect("surveys:estimates", survey.pk)
    content = estimates_to_excel(est, names=services.element_names(survey), lang=_lang())
    return _attachment(content, XLSX, f"survey-estimates-{survey.pk}.xlsx")


def _distribution(survey: Survey, unit_code: str) -> tuple[Any, list[str]]:
    """The weighted answer distribution of the submitted responses (of one unit if
    `unit_code` is one of the survey's units), and the survey's unit codes."""
    frame = services.responses_frame(survey)
    codes_ = sorted(set(frame["unit_code"].astype(str)))
    if unit_code in codes_:
        frame = frame[frame["unit_code"].astype(str) == unit_code]
    return answer_distribution(frame, services.survey_instrument(survey), "weight"), codes_


@require_safe
@admin_view
def distribution(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    survey: Survey = request.survey
    unit_code = request.GET.get("unit", "")
    table, codes_ = _distribution(survey, unit_code)
    if unit_code not in codes_:
        unit_code = ""
    questions: dict[str, dict] = {}
    for r in table.to_dict("records"):
        q = questions.setdefault(
            r["question"], {"question": r["question"], "label": r["label"], "answers": []}
        )
        q["answers"].append(
            {
                "answer": r["answer"],
                "label": r["answer_label"],
                "count": int(r["count"]),
                "weighted": float(r["weighted"]),
                "share": r["share_pct"],
            }
        )
    return render(
        request,
        "surveys/distribution.html",
        {
            "survey": survey,
            "questions": list(questions.values()),
            "unit_codes": codes_,
            "unit_code": unit_code,
        },
    )


@require_safe
@admin_view
def distribution_xlsx(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    import io

    survey: Survey = request.survey
    unit_code = request.GET.get("unit", "")
    table, codes_ = _distribution(survey, unit_code)
    lang = _lang()
    if lang == "vi":
        table = table.rename(columns={c: HEADERS_VI.get(c, c) for c in table.columns})
    out = io.BytesIO()
    table.to_excel(out, sheet_name="Phân bố trả lời" if lang == "vi" else "Answers", index=False)
    suffix = f"-{unit_code}" if unit_code in codes_ else ""
    return _attachment(out.getvalue(), XLSX, f"survey-answers-{survey.pk}{suffix}.xlsx")


@require_POST
@admin_view
def feed(request: HttpRequest, survey_id: int, unit: Unit) -> HttpResponse:
    from parindex.web.campaigns.services import WorkflowError

    survey: Survey = request.survey
    campaign = get_object_or_404(Campaign, pk=request.POST.get("campaign") or 0)
    if not request.user.has_perm(ADMIN, campaign.root_unit):
        raise PermissionDenied
    try:
        n = services.feed_campaign(survey, campaign, request.user)
    except InputError as error:
        messages.error(request, "; ".join(_problems(error.problems)[:20]))
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(n)s survey values were written into %(campaign)s.")
            % {"n": n, "campaign": campaign.name},
        )
    return redirect("surveys:estimates", survey.pk)
