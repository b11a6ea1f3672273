"""`parindex plans`: remedial plans of the web application, from the command line.

    parindex plans export --plan ID --out plan.xlsx|plan.pdf [--lang vi|en] [--data-dir D]

Writes the plan (every task, its status today and, once the next campaign has results,
the points it recovered) as the web page's Excel or PDF export, in Vietnamese by default.
The database is the one `parindex serve` uses (`--data-dir`, `DATABASE_URL`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from parindex.commands.webdata import DATA_DIR_OPTION, open_web_database


def export_plan(plan_id: int, out: Path, lang: str = "vi") -> int:
    """Write plan `plan_id` to `out` (.xlsx or .pdf); returns the number of tasks.
    Django must be set up."""
    from django.utils import translation

    from parindex.web.remedial import exports
    from parindex.web.remedial.models import RemedialPlan

    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise typer.BadParameter("give a file ending in .xlsx or .pdf", param_hint="--out")
    plan = (
        RemedialPlan.objects.select_related("campaign", "campaign__root_unit", "unit")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise typer.BadParameter(f"no remedial plan {plan_id}", param_hint="--plan")
    with translation.override(lang):
        tasks = list(plan.tasks.select_related("unit", "owner"))
        data = exports.plan_data(plan, tasks)
        content = exports.plan_xlsx(data) if suffix == ".xlsx" else exports.plan_pdf(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return len(tasks)


def register(app: typer.Typer) -> None:
    plans_app = typer.Typer(help="Remedial plans: export a plan.", no_args_is_help=True)
    app.add_typer(plans_app, name="plans")

    @plans_app.command("export")
    def export_command(
        plan: int = typer.Option(..., "--plan", help="The plan's number (as in its web address)."),
        out: Path = typer.Option(..., "--out", help="plan.xlsx or plan.pdf"),
        lang: str = typer.Option("vi", "--lang", help="vi or en."),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Write a remedial plan to Excel or PDF."""
        if lang not in ("vi", "en"):
            raise typer.BadParameter("use vi or en", param_hint="--lang")
        open_web_database(data_dir)
        from parindex.web.pdf import PdfUnavailable

        try:
            count = export_plan(plan, out, lang)
        except PdfUnavailable as exc:
            typer.echo(f"PDF cannot be made on this machine: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{count} task(s) → {out}")
