"""`parindex survey`: instruments, sampling, weights, estimates and survey points.

All file reading and writing of the survey capability happens here; `parindex.survey` only
takes and returns data. On bad input every problem is printed (file, row, field) and the
command exits 1 without writing anything.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
import yaml

from parindex.commands.tableio import emit, fail, numeric_columns, read_table, write_table
from parindex.errors import InputError, Problem
from parindex.survey.estimate import compare, estimate, expectations, parse_design
from parindex.survey.instrument import (
    BUILTIN_INSTRUMENTS,
    Instrument,
    builtin_instrument,
    load_instrument,
)
from parindex.survey.mapping import (
    BUILTIN_MAPPINGS,
    SurveyMapping,
    builtin_mapping,
    check_mapping,
    load_mapping,
    survey_inputs,
)
from parindex.survey.reports import bar_chart_svg, estimates_to_excel
from parindex.survey.responses import entry_template, import_responses, response_keys
from parindex.survey.sampling import calibrate, sample_size, select_sample, yamane_size

ESTIMATE_NUMBERS = ("estimate_pct", "se_pct", "ci_low_pct", "ci_high_pct", "n", "deff")


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([Problem(path.name, "", "", f"is not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(path.name, "", "", "must be a YAML mapping of keys")])
    return data


def _instrument(value: str) -> Instrument:
    """A built-in instrument id or an XLSForm file."""
    if value in BUILTIN_INSTRUMENTS:
        return builtin_instrument(value)
    path = Path(value)
    if not path.is_file():
        raise InputError(
            [
                Problem(
                    value,
                    "",
                    "",
                    f"no such file, nor a built-in instrument ({', '.join(BUILTIN_INSTRUMENTS)})",
                )
            ]
        )
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError([Problem(path.name, "", "", "an instrument is an XLSForm .xlsx file")])
    return load_instrument(path.read_bytes(), path.name)


def _mapping(value: str) -> SurveyMapping:
    if value in BUILTIN_MAPPINGS:
        return builtin_mapping(value)
    path = Path(value)
    if not path.is_file():
        raise InputError(
            [
                Problem(
                    value,
                    "",
                    "",
                    f"no such file, nor a built-in mapping ({', '.join(BUILTIN_MAPPINGS)})",
                )
            ]
        )
    return load_mapping(path.read_text(encoding="utf-8"), path.name)


def _design(path: Path) -> tuple[dict, SurveyMapping | None]:
    """The design YAML; `mapping: <id or file>` in it supplies elements, parts and answers."""
    data = _read_yaml(path)
    mapping = None
    if "mapping" in data:
        mapping = _mapping(str(data.pop("mapping")))
        data = {**mapping.design(), **data}
    parse_design(data, path.name)
    return data, mapping


def _read_estimates(path: Path) -> pd.DataFrame:
    frame = read_table(path)
    missing = [c for c in ("unit_code", "element", "estimate_pct") if c not in frame.columns]
    if missing:
        raise InputError(
            [Problem(path.name, "header", c, "required column is missing") for c in missing]
        )
    present = [c for c in ESTIMATE_NUMBERS if c in frame.columns]
    return numeric_columns(frame, present, path.name)


def register(app: typer.Typer) -> None:
    sv = typer.Typer(
        help="Surveys (SIPAS, sociological survey): instruments, samples, weights, estimates.",
        no_args_is_help=True,
    )
    app.add_typer(sv, name="survey")

    @sv.command("estimate")
    def estimate_command(
        responses: Path = typer.Option(..., "--responses", help="Responses CSV/XLSX."),
        design: Path = typer.Option(..., "--design", help="Design YAML (columns, elements…)."),
        out: Path = typer.Option(..., "--out", help="Estimate table (CSV/XLSX/JSON)."),
        previous: Path | None = typer.Option(
            None, "--previous", help="Last year's estimate table: adds change, z, p_value."
        ),
        alpha: float = typer.Option(0.05, "--alpha", help="Significance level of the change."),
    ) -> None:
        """Estimates with SE, 95 % interval and deff per unit and element, part, overall."""
        try:
            spec, _ = _design(design)
            frame = read_table(responses)
            table = estimate(frame, spec, source=responses.name)
            if previous is not None:
                prev = _read_estimates(previous)
                if "se_pct" not in prev.columns:
                    raise InputError(
                        [Problem(previous.name, "header", "se_pct", "required column is missing")]
                    )
                table = compare(table, prev, alpha=alpha)
        except InputError as error:
            raise fail(error) from None
        emit(table, out)
        flagged = table[(table["unit_code"] != "ALL") & table["small_sample"]]
        if len(flagged):
            typer.echo(
                f"note: {len(flagged)} estimates rest on fewer than the minimum respondents "
                "(small_sample = True)",
                err=True,
            )

    @sv.command("sample")
    def sample_command(
        frame: Path = typer.Option(..., "--frame", help="Sampling frame: one row per household."),
        design: Path = typer.Option(..., "--design", help="Sampling design YAML (stages)."),
        seed: int = typer.Option(
            ..., "--seed", help="Random seed (the same seed, the same sample)."
        ),
        out: Path = typer.Option(..., "--out", help="Selected households with probabilities."),
    ) -> None:
        """Draw a multi-stage sample (e.g. communes → villages → households)."""
        try:
            spec = _read_yaml(design)
            table = read_table(frame)
            sample = select_sample(table, spec, seed, source=frame.name, design_source=design.name)
        except InputError as error:
            raise fail(error) from None
        emit(sample, out)
        typer.echo(
            f"design weights sum to {sample['design_weight'].sum():,.1f} (frame: {len(table):,})"
        )

    @sv.command("calibrate")
    def calibrate_command(
        sample: Path = typer.Option(..., "--sample", help="Sample with a weight column."),
        margins: Path = typer.Option(
            ..., "--margins", help="Population margins: variable, category, total [, by]."
        ),
        method: str = typer.Option("raking", "--method", help="raking | poststrat"),
        out: Path = typer.Option(..., "--out", help="Sample with calibrated weights."),
        weight: str = typer.Option("weight", "--weight", help="Weight column."),
        by: str | None = typer.Option(None, "--by", help="Calibrate each group (e.g. unit)."),
        max_iter: int = typer.Option(100, "--max-iter", help="Raking iterations at most."),
    ) -> None:
        """Post-stratify or rake the weights to population margins (sex, age group…)."""
        try:
            table = read_table(sample)
            margin_table = read_table(margins)
            result = calibrate(
                table,
                margin_table,
                method,
                weight=weight,
                by=by,
                max_iter=max_iter,
                source=sample.name,
                margins_source=margins.name,
            )
        except InputError as error:
            raise fail(error) from None
        emit(result, out)
        info = result.attrs.get("calibration", {})
        typer.echo(
            f"{method}: {info.get('iterations', 0)} iteration(s), largest margin gap "
            f"{info.get('gap', 0):.1e}"
        )

    @sv.command("size")
    def size_command(
        moe: float = typer.Option(..., "--moe", help="Margin of error, e.g. 0.05 for ±5 %."),
        confidence: float = typer.Option(0.95, "--confidence"),
        p: float = typer.Option(0.5, "--p", help="Expected proportion (0.5 = the safest)."),
        deff: float = typer.Option(1.0, "--deff", help="Design effect."),
        population: float | None = typer.Option(None, "--population", help="Population N."),
    ) -> None:
        """Respondents needed for a target margin of error."""
        try:
            n = sample_size(moe, confidence, p, deff, population)
            typer.echo(str(n))
            if population is not None:
                typer.echo(
                    f"(N / (1 + N·e²), the historical SIPAS pilot formula: "
                    f"{yamane_size(population, moe)})",
                    err=True,
                )
        except InputError as error:
            raise fail(error) from None

    @sv.command("validate-instrument")
    def validate_command(
        instrument: str = typer.Argument(..., help="XLSForm .xlsx, or a built-in id."),
    ) -> None:
        """Check an XLSForm (structure and pyxform); print its id, version and questions."""
        try:
            ins = _instrument(instrument)
        except InputError as error:
            raise fail(error) from None
        for warning in ins.warnings:
            typer.echo(f"warning: {warning}", err=True)
        selects = sum(q.is_select for q in ins.questions)
        typer.echo(
            f"{ins.id} v{ins.version}: valid; {len(ins.questions)} questions "
            f"({selects} with answer lists), {len(ins.choices)} lists"
        )

    @sv.command("template")
    def template_command(
        instrument: str = typer.Argument(..., help="XLSForm .xlsx, or a built-in id."),
        out: Path = typer.Option(..., "--out", help="Entry template (.xlsx)."),
        rows: int = typer.Option(1000, "--rows", help="Rows with drop-down lists."),
    ) -> None:
        """An Excel template to enter paper forms (drop-down answer lists)."""
        try:
            ins = _instrument(instrument)
        except InputError as error:
            raise fail(error) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(entry_template(ins, rows))
        typer.echo(f"entry template for {ins.id} v{ins.version} → {out}")

    @sv.command("import")
    def import_command(
        instrument: str = typer.Option(..., "--instrument", help="XLSForm .xlsx or built-in id."),
        responses: Path = typer.Option(..., "--responses", help="ODK/Kobo export or template."),
        out: Path = typer.Option(
            ..., "--out", help="Valid responses; if it exists, new rows are added to it."
        ),
        rejected: Path = typer.Option(..., "--rejected", help="Refused rows: row, field, reason."),
        sample: Path | None = typer.Option(None, "--sample", help="Sample: known households."),
        sample_key: str = typer.Option("household", "--sample-key", help="Household column."),
        accept_version: list[str] = typer.Option(
            [], "--accept-version", help="Other form versions to accept (repeatable)."
        ),
    ) -> None:
        """Import collected responses, keep the valid rows and list the refused ones."""
        try:
            ins = _instrument(instrument)
            frame = read_table(responses)
            sample_frame = read_table(sample) if sample else None
            existing = read_table(out) if out.exists() else None
            keys = response_keys(existing, ins) if existing is not None else set()
            valid, refused = import_responses(
                frame,
                ins,
                sample_frame,
                keys,
                responses.name,
                sample_key=sample_key,
                accept_versions=accept_version,
            )
        except InputError as error:
            raise fail(error) from None
        combined = valid
        if existing is not None and len(existing):
            combined = pd.concat([existing, valid.astype(str)], ignore_index=True).fillna("")
        write_table(combined, out)
        rows = pd.DataFrame(
            {
                "row": [p.location.removeprefix("row ") for p in refused],
                "field": [p.field for p in refused],
                "reason": [p.message for p in refused],
            }
        )
        write_table(rows, rejected)
        refused_rows = len({p.location for p in refused})
        typer.echo(
            f"{len(valid)} new response(s) → {out} ({len(combined)} in all); "
            f"{refused_rows} row(s) refused → {rejected}"
        )

    @sv.command("to-inputs")
    def to_inputs_command(
        estimates: Path = typer.Option(..., "--estimates", help="Estimate table (E.csv)."),
        mapping: str = typer.Option(..., "--mapping", help="Mapping YAML or built-in id."),
        out: Path = typer.Option(..., "--out", help="Scoring inputs (unit_code, criterion_code…)."),
        framework: str | None = typer.Option(
            None, "--framework", help="Check the leaves against this framework (file or id)."
        ),
    ) -> None:
        """Survey estimates → scoring inputs of the framework's survey leaves."""
        try:
            mp = _mapping(mapping)
            if framework is not None:
                from parindex.commands.framework import resolve_framework

                problems = check_mapping(mp, framework=resolve_framework(framework))
                if problems:
                    raise InputError(problems)
            table = survey_inputs(_read_estimates(estimates), mp, source=estimates.name)
        except InputError as error:
            raise fail(error) from None
        emit(table, out)

    @sv.command("expectations")
    def expectations_command(
        responses: Path = typer.Option(..., "--responses", help="Responses CSV/XLSX."),
        mapping: str = typer.Option(..., "--mapping", help="Mapping YAML or built-in id."),
        out: Path = typer.Option(..., "--out", help="Ranking of what to improve."),
        design: Path | None = typer.Option(
            None, "--design", help="Design YAML for the columns (stratum, psu, weight, unit)."
        ),
    ) -> None:
        """What respondents most want improved (question 10): weighted shares, ranked."""
        try:
            mp = _mapping(mapping)
            if not mp.expectations:
                raise InputError(
                    [Problem(mp.id or mapping, "", "expectations", "the mapping has none")]
                )
            spec = _read_yaml(design) if design else {}
            columns = spec.get("columns", {})
            ins = (
                builtin_instrument(mp.instrument_id)
                if mp.instrument_id in BUILTIN_INSTRUMENTS
                else None
            )
            items = mp.expectations["items"]
            labels = {q: (ins.question(q).label if ins else q) for q in items}
            table = expectations(
                read_table(responses),
                labels,
                top=mp.expectations["top"],
                scale=mp.expectations.get("scale", mp.expectations["top"]),
                columns=columns,
                lonely_psu=str(spec.get("lonely_psu", "adjust")),
            )
        except InputError as error:
            raise fail(error) from None
        emit(table, out)

    @sv.command("report")
    def report_command(
        estimates: Path = typer.Option(..., "--estimates", help="Estimate table (E.csv)."),
        out: Path = typer.Option(..., "--out", help="Excel report (.xlsx)."),
        mapping: str | None = typer.Option(None, "--mapping", help="For element names."),
        svg: Path | None = typer.Option(None, "--svg", help="Also write a bar chart (SVG)."),
        unit: str = typer.Option("ALL", "--unit", help="Unit of the chart."),
        lang: str = typer.Option("vi", "--lang", help="vi | en"),
    ) -> None:
        """Excel report of the estimates, and an SVG bar chart with intervals."""
        try:
            table = _read_estimates(estimates)
            names = _mapping(mapping).names if mapping else None
        except InputError as error:
            raise fail(error) from None
        for col in ("small_sample", "high_cv", "significant"):
            if col in table.columns:
                table[col] = table[col].astype(str).str.lower().eq("true")
        if svg is not None and not (table["unit_code"].astype(str) == unit).any():
            raise fail(InputError([Problem(estimates.name, "", "unit_code", f"no unit {unit!r}")]))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(estimates_to_excel(table, names=names, lang=lang))
        typer.echo(f"report → {out}")
        if svg is not None:
            svg.parent.mkdir(parents=True, exist_ok=True)
            svg.write_text(
                bar_chart_svg(table, unit=unit, lang=lang, names=names), encoding="utf-8"
            )
            typer.echo(f"chart → {svg}")
