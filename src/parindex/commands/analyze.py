"""`parindex analyze ...`: where units lose points, which losses recur, a unit's profile,
how robust the ranking is, and what recovering points or re-weighting a field would do.

The questions a Sở Nội vụ answers after every ranking: which criteria cost the most, which
keep costing year after year, in which fields a unit is strong or weak against its peers
and the best unit, whether "12th" is really behind "11th" (`uncertainty`), and which lost
points would move a unit up (`whatif`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from parindex.analysis import (
    lost_points_by_unit,
    recurring_losses,
    strengths_weaknesses,
    top_lost_criteria,
)
from parindex.analysis.fmt import fmt_number
from parindex.analysis.uncertainty import (
    FLIP_THRESHOLD,
    UncertaintyResult,
    rank_interval_text,
    rank_uncertainty,
    survey_sd_from_intervals,
)
from parindex.analysis.whatif import WhatIf, field_weight_effect, what_if
from parindex.commands.tableio import emit, fail, numeric_columns, read_table, write_table
from parindex.errors import InputError, Problem
from parindex.framework import Framework

analyze_app = typer.Typer(
    name="analyze",
    help="Lost points, recurring losses, strengths and weaknesses, rank uncertainty, what-if.",
    no_args_is_help=True,
)

NUMERIC = ("points", "max_points", "lost_points", "self_points", "depth")


def register(app: typer.Typer) -> None:
    app.add_typer(analyze_app, name="analyze")


def _numeric(frame: pd.DataFrame, columns, source: str) -> pd.DataFrame:
    out = numeric_columns(frame, columns, source)
    if "is_leaf" in out.columns:
        out["is_leaf"] = out["is_leaf"].astype(str).str.strip().str.lower().isin(["true", "1"])
    return out


def _read_detail(path: Path) -> pd.DataFrame:
    return _numeric(read_table(path), NUMERIC, path.name)


def _show(frame: pd.DataFrame, title: str, lang: str, decimals: dict[str, int]) -> None:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in decimals else "left")
    for rec in frame.to_dict("records"):
        table.add_row(
            *[
                fmt_number(rec[c], decimals[c], lang) if c in decimals else str(rec[c])
                for c in frame.columns
            ]
        )
    Console().print(table)


@analyze_app.command("lost")
def lost_command(
    detail: Path = typer.Option(..., "--detail", "-d", help="Detail file (D.csv) of one year."),
    unit: str | None = typer.Option(
        None, "--unit", "-u", help="One unit: its losses, largest first."
    ),
    top: int = typer.Option(10, "--top", "-n", help="How many rows to show."),
    depth: int | None = typer.Option(
        None, "--depth", help="Nodes at this depth (0 = fields) instead of leaves."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the whole table (csv/xlsx/json)."
    ),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """The criteria that lost the most points, over all units or for one unit."""
    try:
        d = _read_detail(detail)
        if unit:
            table = lost_points_by_unit(d[d["unit_code"] == unit], leaves_only=depth is None)
            if table.empty and not (d["unit_code"] == unit).any():
                raise InputError([Problem(detail.name, "", "unit_code", f"no unit {unit!r}")])
        else:
            table = top_lost_criteria(d, n=None, depth=depth)
    except InputError as error:
        raise fail(error) from None
    if out:
        return emit(table, out)
    decimals = {
        "max_points": 2,
        "points": 2,
        "lost_points": 2,
        "total_lost": 2,
        "mean_lost": 2,
        "share_of_max_lost": 3,
    }
    title = f"Điểm bị mất — {unit}" if unit else "Tiêu chí mất nhiều điểm nhất"
    _show(table.head(top), title if lang == "vi" else "Lost points", lang, decimals)


@analyze_app.command("recurring")
def recurring_command(
    details: list[str] = typer.Option(..., "--detail", "-d", help="YEAR=D.csv, once per year."),
    min_years: int = typer.Option(2, "--min-years", help="Consecutive years with a loss."),
    unit: str | None = typer.Option(None, "--unit", "-u"),
    top: int = typer.Option(20, "--top", "-n"),
    out: Path | None = typer.Option(None, "--out", "-o"),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """Criteria on which a unit lost points in consecutive years (tồn tại kéo dài)."""
    try:
        by_year = {}
        for item in details:
            year, sep, path = item.partition("=")
            if not sep or not year.strip().isdigit():
                raise InputError(
                    [Problem(item, "", "--detail", "write it as YEAR=FILE, e.g. 2024=D2024.csv")]
                )
            by_year[int(year)] = _read_detail(Path(path))
        table = recurring_losses(by_year, min_years=min_years)
        if unit:
            table = table[table["unit_code"] == unit]
    except InputError as error:
        raise fail(error) from None
    if out:
        return emit(table, out)
    title = "Tiêu chí mất điểm nhiều năm liên tiếp" if lang == "vi" else "Recurring losses"
    _show(table.head(top), title, lang, {"streak": 0, "total_lost": 2})


@analyze_app.command("profile")
def profile_command(
    results: Path = typer.Option(..., "--results", "-r", help="Results file (R.csv)."),
    unit: str = typer.Option(..., "--unit", "-u"),
    tolerance: float = typer.Option(
        0.5, "--tolerance", help="Points of % counted as 'at average'."
    ),
    out: Path | None = typer.Option(None, "--out", "-o"),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """A unit's field indices against its peer group's average and best unit."""
    try:
        frame = read_table(results)
        fields = [c for c in frame.columns if c.startswith("field_") and c.endswith("_pct")]
        frame = _numeric(frame, ["index_pct", "rank", *fields], results.name)
        table = strengths_weaknesses(frame, unit, tolerance=tolerance)
    except InputError as error:
        raise fail(error) from None
    except ValueError as error:
        typer.echo(f"{results.name}: {error}", err=True)
        raise typer.Exit(1) from None
    if out:
        return emit(table, out)
    shown = table[PROFILE_COLUMNS].rename(columns=PROFILE_HEADERS[lang])
    shown[PROFILE_HEADERS[lang]["label"]] = table["label"].map(LABELS[lang]).fillna("")
    numeric = {PROFILE_HEADERS[lang][c]: 2 for c in PROFILE_COLUMNS[1:5]}
    title = (
        f"Điểm mạnh, điểm yếu — {unit}" if lang == "vi" else f"Strengths and weaknesses — {unit}"
    )
    _show(shown, title, lang, numeric)


PROFILE_COLUMNS = [
    "field_code",
    "value",
    "peer_average",
    "best_value",
    "gap_to_average",
    "best_units",
    "label",
]
PROFILE_HEADERS = {
    "vi": {
        "field_code": "Lĩnh vực",
        "value": "Chỉ số",
        "peer_average": "TB nhóm",
        "best_value": "Cao nhất",
        "gap_to_average": "So với TB",
        "best_units": "Đơn vị cao nhất",
        "label": "Đánh giá",
    },
    "en": {
        "field_code": "Field",
        "value": "Index",
        "peer_average": "Peer avg",
        "best_value": "Best",
        "gap_to_average": "vs avg",
        "best_units": "Best unit",
        "label": "Assessment",
    },
}
LABELS = {
    "vi": {"strength": "điểm mạnh", "weakness": "điểm yếu", "at average": "ngang trung bình"},
    "en": {"strength": "strength", "weakness": "weakness", "at average": "at average"},
}


# --- uncertainty of the ranking ------------------------------------------------------------------


def _results_frame(path: Path) -> pd.DataFrame:
    frame = read_table(path)
    fields = [c for c in frame.columns if c.startswith("field_") and c.endswith("_pct")]
    numeric = ["index_pct", "rank", "points", "max_points", "bonus_points", "penalty_points"]
    return numeric_columns(frame, [*numeric, *fields], path.name)


def _framework(value: str) -> Framework:
    from parindex.commands.framework import resolve_framework

    return resolve_framework(value)


def _field_max(framework: str | None, detail: Path | None) -> dict[str, float]:
    """Field maxima from the framework; else from the detail file's top-level nodes (depth
    0), the largest maximum over units (a unit with a not-applicable criterion has less)."""
    if framework:
        fw = _framework(framework)
        return {str(n.code): float(n.max_points) for n in fw.nodes}
    if detail is None:
        raise InputError(
            [Problem("options", "", "--framework", "give --framework (or --detail D.csv)")]
        )
    d = _read_detail(detail)
    if "depth" not in d.columns:
        raise InputError([Problem(detail.name, "header", "depth", "required column is missing")])
    top = d[d["depth"] == 0]
    maxima = top.groupby("node_code", sort=False)["max_points"].max()
    return {str(code): float(value) for code, value in maxima.items()}


def _survey_sd(path: Path, framework: str | None) -> pd.DataFrame:
    """`unit_code, field_code, sd_points[, source]` as given, or computed from estimates
    with intervals per survey leaf (`unit_code, criterion_code, ci_low_pct, ci_high_pct[,
    element, max_points]`), which needs the framework (leaf → field, leaf maximum)."""
    frame = read_table(path)
    if "sd_points" in frame.columns:
        return numeric_columns(frame, ["sd_points"], path.name, required=True)
    if "criterion_code" not in frame.columns:
        raise InputError(
            [
                Problem(
                    path.name,
                    "header",
                    "sd_points",
                    "give sd_points per unit and field, or criterion_code with "
                    "ci_low_pct and ci_high_pct",
                )
            ]
        )
    if not framework:
        raise InputError(
            [Problem(path.name, "", "criterion_code", "survey leaves need --framework")]
        )
    fw = _framework(framework)
    leaf_field: dict[str, str] = {}
    leaf_max: dict[str, float] = {}
    for top in fw.nodes:
        for node, _depth in top.walk():
            if node.is_leaf:
                leaf_field[str(node.code)] = str(top.code)
                leaf_max[str(node.code)] = float(node.max_points)
    return survey_sd_from_intervals(frame, leaf_field, leaf_max, source=path.name)


def _write_uncertainty(result: UncertaintyResult, out: Path) -> None:
    """csv: the table; xlsx: sheets ranks, sensitivity, method; json: all three."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        method = pd.DataFrame(
            [{"key": k, "value": json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list)
              else v} for k, v in result.method.items()]
        )  # fmt: skip
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            result.table.to_excel(writer, sheet_name="ranks", index=False)
            result.sensitivity.to_excel(writer, sheet_name="sensitivity", index=False)
            method.to_excel(writer, sheet_name="method", index=False)
    elif suffix == ".json":
        out.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "method": result.method,
            "table": json.loads(result.table.to_json(orient="records", force_ascii=False)),
            "sensitivity": json.loads(
                result.sensitivity.to_json(orient="records", force_ascii=False)
            ),
        }
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        write_table(result.table, out)
    typer.echo(f"{len(result.table)} rows → {out}")


UNCERTAINTY_TEXT = {
    "vi": {
        "title": "Độ tin cậy của xếp hạng — nhóm {group}",
        "rank": "Hạng",
        "unit": "Đơn vị",
        "index": "Chỉ số (%)",
        "likely": "Hạng (khoảng 5–95 %)",
        "median": "Trung vị",
        "mark": "Khó phân biệt với",
        "sens_title": "Độ nhạy của thứ hạng (chỉ số bậc nhất)",
        "choice": "Lựa chọn",
        "share": "Tỷ lệ phương sai",
        "weight": "Trọng số lĩnh vực {code}",
        "survey": "Ước lượng khảo sát",
        "aggregation": "Cách tổng hợp (trung bình cộng / nhân)",
        "method": "{runs} lần mô phỏng, hạt giống {seed}, trọng số ±{range} %{survey}{agg}; "
        "khó phân biệt: thứ tự với đơn vị liền kề đảo ngược trong ít nhất {flip} % số lần.",
        "with_survey": ", có sai số khảo sát",
        "with_agg": ", có cách tổng hợp thay thế",
    },
    "en": {
        "title": "Robustness of the ranking — group {group}",
        "rank": "Rank",
        "unit": "Unit",
        "index": "Index (%)",
        "likely": "Rank (5–95 % interval)",
        "median": "Median",
        "mark": "Indistinguishable from",
        "sens_title": "Sensitivity of the ranks (first-order indices)",
        "choice": "Choice",
        "share": "Share of variance",
        "weight": "Weight of field {code}",
        "survey": "Survey estimates",
        "aggregation": "Aggregation (arithmetic / geometric)",
        "method": "{runs} runs, seed {seed}, weights ±{range} %{survey}{agg}; "
        "indistinguishable: the order with a neighbour flips in at least {flip} % of runs.",
        "with_survey": ", with survey error",
        "with_agg": ", with the alternative aggregation",
    },
}


def _show_uncertainty(result: UncertaintyResult, lang: str, top: int) -> None:
    text = UNCERTAINTY_TEXT[lang]
    console = Console()
    for group, rows in result.table.groupby("peer_group", sort=False):
        table = Table(title=text["title"].format(group=group or "—"), title_justify="left")
        table.add_column(text["rank"], justify="right")
        table.add_column(text["unit"])
        table.add_column(text["index"], justify="right")
        table.add_column(text["likely"])
        table.add_column(text["median"], justify="right")
        table.add_column(text["mark"])
        for rec in rows.head(top).to_dict("records"):
            ranked = not pd.isna(rec["rank"])
            table.add_row(
                str(int(rec["rank"])) if ranked else "–",
                f"{rec['unit_name'] or ''} ({rec['unit_code']})",
                fmt_number(rec["index_pct"], 2, lang),
                rank_interval_text(rec["rank"], rec["rank_p05"], rec["rank_p95"], lang),
                str(int(rec["median_rank"])) if ranked else "–",
                ("≈ " + rec["indistinguishable_from"]) if rec["indistinguishable"] else "",
            )
        console.print(table)
    sens = Table(title=text["sens_title"], title_justify="left")
    sens.add_column(text["choice"])
    sens.add_column(text["share"], justify="right")
    for rec in result.sensitivity.to_dict("records"):
        label = text[rec["kind"]].format(code=rec["field_code"])
        sens.add_row(label, fmt_number(rec["index"], 3, lang))
    console.print(sens)
    m = result.method
    console.print(
        text["method"].format(
            runs=fmt_number(m["runs"], 0, lang),
            seed=m["seed"],
            range=fmt_number(m["weight_range"] * 100, 0, lang),
            survey=text["with_survey"] if m["survey"] else "",
            agg=text["with_agg"] if m["alternative_aggregation"] else "",
            flip=fmt_number(m["flip_threshold"] * 100, 0, lang),
        ),
        highlight=False,
    )


@analyze_app.command("uncertainty")
def uncertainty_command(
    results: Path = typer.Option(..., "--results", "-r", help="Results file (R.csv)."),
    framework: str | None = typer.Option(
        None, "--framework", "-f", help="Framework id or file: the maxima of the fields."
    ),
    detail: Path | None = typer.Option(
        None,
        "--detail",
        "-d",
        help="Without --framework: field maxima from this D.csv (top-level nodes, "
        "largest over units).",
    ),
    survey: Path | None = typer.Option(
        None,
        "--survey",
        "-s",
        help="Survey uncertainty: unit_code, field_code, sd_points[, source]; or "
        "unit_code, criterion_code, ci_low_pct, ci_high_pct[, element] (with --framework).",
    ),
    runs: int = typer.Option(1000, "--runs", min=1, help="Monte Carlo runs."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same result."),
    weight_range: float = typer.Option(
        0.2, "--weight-range", min=0.0, max=0.99, help="Field weights vary by ± this share."
    ),
    alternative_aggregation: bool = typer.Option(
        False,
        "--alternative-aggregation",
        help="Half of the runs use the weighted geometric mean of the fields.",
    ),
    flip_threshold: float = typer.Option(
        FLIP_THRESHOLD,
        "--flip-threshold",
        min=0.001,
        max=1.0,
        help="Neighbours whose order flips in at least this share of runs are marked.",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the result (csv: ranks; xlsx/json: all)."
    ),
    top: int = typer.Option(50, "--top", "-n", help="Rows shown per peer group."),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """Rank intervals under uncertain weights, survey estimates and aggregation."""
    try:
        frame = _results_frame(results)
        field_max = _field_max(framework, detail)
        survey_sd = _survey_sd(survey, framework) if survey else None
        with _progress(runs) as report:
            result = rank_uncertainty(
                frame,
                field_max,
                survey_sd=survey_sd,
                runs=runs,
                weight_range=weight_range,
                alternative_aggregation=alternative_aggregation,
                seed=seed,
                flip_threshold=flip_threshold,
                progress=report,
                source=results.name,
                survey_source=survey.name if survey else "survey",
            )
    except InputError as error:
        raise fail(error) from None
    if out:
        return _write_uncertainty(result, out)
    _show_uncertainty(result, lang, top)


class _progress:
    """A progress bar on the terminal (stderr) for runs that take a moment; silent
    otherwise. Used as `with _progress(runs) as report: ... report(done, total)`."""

    def __init__(self, runs: int):
        from rich.progress import Progress

        console = Console(stderr=True)
        self.bar = Progress(console=console, transient=True, disable=not console.is_terminal)
        self.task = self.bar.add_task("Monte Carlo", total=runs)

    def __enter__(self):
        self.bar.__enter__()
        return lambda done, total: self.bar.update(self.task, completed=done)

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


# --- what-if ------------------------------------------------------------------------------------


def _weights_option(items: list[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    problems = []
    for item in items:
        code, sep, value = item.partition("=")
        try:
            weights[code.strip()] = float(value.replace(",", ".")) if sep else float("nan")
            if not sep or weights[code.strip()] != weights[code.strip()]:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(item, "", "--field-weight", "write it as FIELD=POINTS, e.g. 3=12")
            )
    if problems:
        raise InputError(problems)
    return weights


WHATIF_TEXT = {
    "vi": {
        "unit": "{name} ({code}): hạng {rank}/{size}, chỉ số {index} %, {points}/{max} điểm",
        "top": "Đơn vị đang đứng hạng 1.",
        "next": "Cần thêm ít nhất {points} điểm để lên hạng {rank} (ngang {units}).",
        "criteria": "Tiêu chí mất điểm — khôi phục thì lên được bao nhiêu hạng",
        "path": "Lộ trình khôi phục (lần lượt từng tiêu chí)",
        "effect": "Tác động khi đổi trọng số lĩnh vực {fields}",
        "cols": {
            "node_code": "Tiêu chí",
            "node_name": "Tên",
            "lost_points": "Điểm mất",
            "new_rank": "Hạng mới",
            "places_gained": "Tăng",
            "points_needed": "Điểm cần",
            "points_per_place": "Điểm/hạng",
            "step": "Bước",
            "points_recovered": "Khôi phục",
            "cumulative_points": "Cộng dồn",
            "min_cumulative_points": "Tối thiểu cần",
            "rank": "Hạng",
            "unit_code": "Mã",
            "unit_name": "Đơn vị",
            "index_pct": "Chỉ số",
            "new_index_pct": "Chỉ số mới",
            "rank_change": "Thay đổi",
        },
    },
    "en": {
        "unit": "{name} ({code}): rank {rank} of {size}, index {index} %, {points} of {max} points",
        "top": "The unit is ranked first.",
        "next": "At least {points} more points reach rank {rank} (level with {units}).",
        "criteria": "Criteria with lost points — places gained by recovering each",
        "path": "Recovery plan (one criterion after another)",
        "effect": "Effect of changing the weight of field {fields}",
        "cols": {
            "node_code": "Criterion",
            "node_name": "Name",
            "lost_points": "Lost",
            "new_rank": "New rank",
            "places_gained": "Gained",
            "points_needed": "Needed",
            "points_per_place": "Points/place",
            "step": "Step",
            "points_recovered": "Recovered",
            "cumulative_points": "Cumulative",
            "min_cumulative_points": "At least",
            "rank": "Rank",
            "unit_code": "Code",
            "unit_name": "Unit",
            "index_pct": "Index",
            "new_index_pct": "New index",
            "rank_change": "Change",
        },
    },
}


def points_up(value: float) -> float:
    """Points to recover, rounded *up* to 0.01 for display: rounding 1.2345 down to 1.23
    would tell a unit it is enough when it is not."""
    if value is None or pd.isna(value):
        return value
    return math.ceil(float(value) * 100 - 1e-7) / 100


def _show_whatif(answer: WhatIf, effect: pd.DataFrame | None, lang: str, top: int) -> None:
    text = WHATIF_TEXT[lang]
    cols = text["cols"]
    console = Console()
    console.print(
        text["unit"].format(
            name=answer.unit_name, code=answer.unit_code, rank=answer.rank,
            size=answer.group_size, index=fmt_number(answer.index_pct, 2, lang),
            points=fmt_number(answer.points, 2, lang), max=fmt_number(answer.max_points, 2, lang),
        ),
        highlight=False,
    )  # fmt: skip
    if answer.next_place is None:
        console.print(text["top"])
    else:
        nxt = answer.next_place
        console.print(
            text["next"].format(
                points=fmt_number(points_up(nxt["points_needed"]), 2, lang),
                rank=nxt["rank"],
                units=", ".join(nxt["unit_names"] or nxt["units"]),
            ),
            highlight=False,
        )
    criteria = answer.criteria.head(top).copy()
    for col in ("points_needed", "points_per_place"):
        criteria[col] = criteria[col].map(points_up)
    shown = ["node_code", "node_name", "lost_points", "new_rank", "places_gained",
             "points_needed", "points_per_place"]  # fmt: skip
    decimals = {cols[c]: 2 for c in ("lost_points", "points_needed", "points_per_place")}
    decimals.update({cols["new_rank"]: 0, cols["places_gained"]: 0})
    _show(criteria[shown].rename(columns=cols), text["criteria"], lang, decimals)
    if len(answer.path):
        path = answer.path[["step", "node_code", "points_recovered", "cumulative_points",
                            "min_cumulative_points", "rank"]].copy()  # fmt: skip
        path["min_cumulative_points"] = path["min_cumulative_points"].map(points_up)
        decimals = {cols[c]: 2 for c in ("points_recovered", "cumulative_points",
                                         "min_cumulative_points")}  # fmt: skip
        _show(path.rename(columns=cols), text["path"], lang, {**decimals, cols["rank"]: 0})
    if effect is not None:
        shown = ["unit_code", "unit_name", "index_pct", "rank", "new_index_pct", "new_rank",
                 "rank_change"]  # fmt: skip
        frame = effect[shown].rename(columns=cols)
        decimals = {cols["index_pct"]: 2, cols["new_index_pct"]: 2, cols["rank"]: 0,
                    cols["new_rank"]: 0, cols["rank_change"]: 0}  # fmt: skip
        _show(frame, text["effect"].format(fields=", ".join(effect.attrs.get("fields", []))),
              lang, decimals)  # fmt: skip


def _write_whatif(answer: WhatIf, effect: pd.DataFrame | None, out: Path) -> None:
    """csv: the criteria; xlsx: sheets criteria, path (and ranking); json: everything."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            answer.criteria.to_excel(writer, sheet_name="criteria", index=False)
            answer.path.to_excel(writer, sheet_name="path", index=False)
            if effect is not None:
                effect.to_excel(writer, sheet_name="ranking", index=False)
    elif suffix == ".json":

        def records(frame: pd.DataFrame) -> list:
            return json.loads(frame.to_json(orient="records", force_ascii=False))

        doc = {
            "unit_code": answer.unit_code,
            "rank": answer.rank,
            "index_pct": answer.index_pct,
            "next_place": answer.next_place,
            "criteria": records(answer.criteria),
            "path": records(answer.path),
            "ranking": records(effect) if effect is not None else None,
            "method": answer.method,
        }
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        write_table(answer.criteria, out)
    typer.echo(f"{len(answer.criteria)} rows → {out}")


@analyze_app.command("whatif")
def whatif_command(
    results: Path = typer.Option(..., "--results", "-r", help="Results file (R.csv)."),
    detail: Path = typer.Option(..., "--detail", "-d", help="Detail file (D.csv)."),
    unit: str = typer.Option(..., "--unit", "-u"),
    field_weight: list[str] = typer.Option(
        [], "--field-weight", "-w", help="FIELD=POINTS: a field's new maximum (repeatable)."
    ),
    framework: str | None = typer.Option(
        None, "--framework", "-f", help="Framework id or file (field maxima for --field-weight)."
    ),
    top: int = typer.Option(20, "--top", "-n", help="Criteria shown."),
    out: Path | None = typer.Option(None, "--out", "-o", help="csv/xlsx/json."),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """Which lost points would move a unit up, and what a field's weight does."""
    try:
        frame = _results_frame(results)
        d = _read_detail(detail)
        answer = what_if(frame, d, unit, source=results.name, detail_source=detail.name)
        effect = None
        if field_weight:
            weights = _weights_option(field_weight)
            effect = field_weight_effect(
                frame, _field_max(framework, detail), weights, detail=d, source=results.name
            )
            effect.attrs["fields"] = [f"{k}={v:g}" for k, v in weights.items()]
    except InputError as error:
        raise fail(error) from None
    if out:
        return _write_whatif(answer, effect, out)
    _show_whatif(answer, effect, lang, top)
