"""`parindex report`: the annual report of a campaign of the web application, as PDF and Excel.

    parindex report --campaign 12 --out report.pdf [--xlsx report.xlsx] [--lang vi] [--data-dir D]

Reads the campaign's stored results (finalised or published) from the database of the
data directory and writes the report the web application offers as "Báo cáo thường niên":
cover, contents with page numbers, summary figures, rankings by peer group, classes, field
leaders, averages with their change, biggest movers, lost points, survey results, service
index, remedial plans and robustness of the ranks; `--xlsx` also writes the same tables as
an Excel workbook (one sheet per section). The command line sees everything: it is the
edition for the administration. Exit code 1 for an unknown campaign, a campaign without
results, or a server without WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path

import typer

from parindex.commands.webdata import DATA_DIR_OPTION, open_web_database


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        campaign_id: int = typer.Option(..., "--campaign", help="Campaign id (as in its URL)."),
        out: Path = typer.Option(..., "--out", help="PDF file to write."),
        xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write this Excel workbook."),
        lang: str = typer.Option("vi", "--lang", help="Language of the report: vi or en."),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Write the annual report (PDF, optionally Excel) of a campaign with results."""
        if lang not in ("vi", "en"):
            raise typer.BadParameter("use vi or en", param_hint="--lang")
        open_web_database(data_dir)
        from django.utils import translation

        from parindex.web.annual import render
        from parindex.web.annual.data import Edition, build_report, has_results
        from parindex.web.campaigns.models import Campaign
        from parindex.web.pdf import PdfUnavailable

        campaign = Campaign.objects.select_related("root_unit").filter(pk=campaign_id).first()
        if campaign is None:
            _fail(f"campaign {campaign_id}: no such campaign")
        if not has_results(campaign):
            _fail(
                f"campaign {campaign_id} ({campaign.name}): no results yet "
                f"(status {campaign.status}): a report needs a finalised campaign"
            )
        with translation.override(lang):
            report = build_report(campaign, Edition(internal=True))
            try:
                content = render.report_pdf(report, campaign, internal=True)
            except PdfUnavailable as exc:
                _fail(f"cannot write PDF files on this machine (WeasyPrint/Pango missing): {exc}")
            workbook = render.report_xlsx(report, campaign) if xlsx is not None else None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        typer.echo(f"wrote {out} ({len(content) // 1024} KiB): {campaign.name} ({campaign.year})")
        if xlsx is not None and workbook is not None:
            xlsx.parent.mkdir(parents=True, exist_ok=True)
            xlsx.write_bytes(workbook)
            typer.echo(f"wrote {xlsx} ({len(workbook) // 1024} KiB)")
