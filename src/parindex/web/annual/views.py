"""The annual report of a campaign as PDF and Excel (`/annual/`, namespace `annual`).

| URL                                   | who                                              |
|---------------------------------------|--------------------------------------------------|
| /annual/<c>/report.pdf, report.xlsx   | signed in, seeing the whole ranking (`access.py`) |
| /annual/public/<c>/report.pdf, .xlsx  | anyone; published campaigns only (else 404)       |

The files are built on request from the stored results (`data.build_report`, then
`render`); a PDF already rendered from the same HTML is served from disk (`cache.py`).
Without WeasyPrint the PDF answers 503 and the workbook still works.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from parindex.web.annual import access
from parindex.web.annual import render as files
from parindex.web.annual.cache import cached_pdf
from parindex.web.annual.data import Edition, build_report, has_results
from parindex.web.annual.present import lang_of
from parindex.web.campaigns.models import Campaign
from parindex.web.pdf import PdfUnavailable, html_to_pdf


def _campaign(campaign_id: int, public: bool) -> Campaign:
    qs = Campaign.objects.select_related("root_unit")
    if public:
        qs = qs.filter(status=Campaign.Status.PUBLISHED)
    campaign = get_object_or_404(qs, pk=campaign_id)
    if public and not has_results(campaign):
        raise Http404
    return campaign


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(request: HttpRequest, campaign: Campaign, edition: Edition) -> HttpResponse:
    report = build_report(campaign, edition)
    html = files.report_html(report, campaign, edition.internal)
    kind = "internal" if edition.internal else "public"
    key = f"{campaign.pk}-{kind}-{lang_of(get_language())}"
    try:
        content = cached_pdf(key, html, html_to_pdf)
    except PdfUnavailable:
        return render(request, "results/pdf_unavailable.html", status=503)
    return _attachment(content, "application/pdf", files.file_name(campaign, "pdf"))


def _xlsx(campaign: Campaign, edition: Edition) -> HttpResponse:
    report = build_report(campaign, edition)
    content = files.report_xlsx(report, campaign)
    return _attachment(content, files.XLSX, files.file_name(campaign, "xlsx"))


@require_safe
def report_pdf(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=False)
    return _pdf(request, campaign, access.signed_in_edition(request.user, campaign))


@require_safe
def report_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=False)
    return _xlsx(campaign, access.signed_in_edition(request.user, campaign))


@login_not_required
@require_safe
def public_report_pdf(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _pdf(request, _campaign(campaign_id, public=True), Edition(internal=False))


@login_not_required
@require_safe
def public_report_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _xlsx(_campaign(campaign_id, public=True), Edition(internal=False))
