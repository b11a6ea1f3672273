"""Report data: answer distributions, an Excel export and an SVG bar chart with intervals.

Pure functions: tables in, tables / bytes / SVG text out.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import pandas as pd

from parindex.survey.estimate import ALL, OVERALL, answer_key
from parindex.survey.instrument import Instrument

HEADERS_VI = {
    "unit_code": "Mã đơn vị",
    "element": "Yếu tố / chỉ số",
    "name": "Tên",
    "estimate_pct": "Ước lượng (%)",
    "se_pct": "Sai số chuẩn (điểm %)",
    "ci_low_pct": "Cận dưới 95% (%)",
    "ci_high_pct": "Cận trên 95% (%)",
    "n": "Số người trả lời",
    "deff": "Hệ số thiết kế (deff)",
    "small_sample": "Mẫu nhỏ",
    "high_cv": "Hệ số biến thiên cao",
    "previous_pct": "Năm trước (%)",
    "change": "Thay đổi (điểm %)",
    "z": "z",
    "p_value": "p",
    "significant": "Có ý nghĩa thống kê",
    "question": "Câu hỏi",
    "label": "Nội dung",
    "answer": "Mã trả lời",
    "answer_label": "Câu trả lời",
    "count": "Số phiếu",
    "weighted": "Tổng trọng số",
    "share_pct": "Tỷ lệ (%)",
}
_CHART_TEXT = {
    "vi": {"title": "Chỉ số hài lòng", "axis": "%", "ci": "khoảng tin cậy 95%", "n": "n"},
    "en": {"title": "Satisfaction index", "axis": "%", "ci": "95% confidence interval", "n": "n"},
}


def answer_distribution(
    responses: pd.DataFrame,
    instrument: Instrument,
    weights: str | Sequence[float] | np.ndarray | None = None,
    *,
    questions: Sequence[str] | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Distribution of answers per select question (optionally per `by` group, e.g. unit).

    Columns: [by,] question, label, answer, answer_label, count, weighted, share_pct — the
    weighted share of each answer among the question's non-blank answers; every choice of
    the list appears (count 0 when nobody chose it); answers outside the list are shown as
    they are, with an empty answer_label. select_multiple answers count once per choice.
    """
    if isinstance(weights, str):
        w = pd.to_numeric(responses[weights], errors="coerce").to_numpy(dtype=float)
    elif weights is None:
        w = np.ones(len(responses))
    else:
        w = np.asarray(weights, dtype=float)
    groups = (
        responses[by].astype(str).to_numpy() if by else np.full(len(responses), "", dtype=object)
    )
    wanted = questions or [q.name for q in instrument.questions if q.is_select]
    frames = []
    for name in wanted:
        q = instrument.question(name)
        if name not in responses.columns:
            continue
        values = responses[name].map(answer_key)
        table = pd.DataFrame({"group": groups, "answer": values.to_numpy(), "w": w})
        if q.type == "select_multiple":
            table["answer"] = table["answer"].str.split()
            table = table.explode("answer").dropna(subset=["answer"])
        table = table[table["answer"] != ""]
        answered = (
            pd.DataFrame({"group": groups, "w": w, "a": values.to_numpy()})
            .query("a != ''")
            .groupby("group")["w"]
            .agg(["sum", "size"])
        )
        summary = table.groupby(["group", "answer"]).agg(count=("w", "size"), weighted=("w", "sum"))
        choices = instrument.choice_names(q)
        present_groups = sorted(set(groups)) if by else [""]
        full_index = pd.MultiIndex.from_product(
            [present_groups, choices], names=["group", "answer"]
        )
        summary = summary.reindex(full_index.union(summary.index, sort=False), fill_value=0)
        summary = summary.reset_index()
        total = summary["group"].map(answered["sum"]).astype(float)
        summary["share_pct"] = np.where(total > 0, summary["weighted"] / total * 100, np.nan)
        order = {c: i for i, c in enumerate(choices)}
        summary["_order"] = summary["answer"].map(order).fillna(len(order))
        summary = summary.sort_values(["group", "_order", "answer"]).drop(columns="_order")
        summary.insert(1, "question", name)
        summary.insert(2, "label", q.label)
        summary["answer_label"] = (
            summary["answer"]
            .map({c.name: c.label for c in instrument.choices.get(q.list_name, [])})
            .fillna("")
        )
        frames.append(summary)
    columns = [
        "group",
        "question",
        "label",
        "answer",
        "answer_label",
        "count",
        "weighted",
        "share_pct",
    ]
    if not frames:
        out = pd.DataFrame(columns=columns)
    else:
        out = pd.concat(frames, ignore_index=True)[columns]
    out["count"] = out["count"].astype(int)
    if by:
        return out.rename(columns={"group": by})
    return out.drop(columns="group")


def estimates_to_excel(
    estimates: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    distribution: pd.DataFrame | None = None,
    expectations: pd.DataFrame | None = None,
    lang: str = "vi",
) -> bytes:
    """An .xlsx workbook: the estimate table (with the element names and, if present, the
    change columns), optionally the answer distribution and the expectations ranking.
    Values are written unrounded; the cells show one decimal."""
    from openpyxl.styles import Font

    def prepare(table: pd.DataFrame) -> pd.DataFrame:
        table = table.copy()
        if names and "element" in table.columns:
            table.insert(
                table.columns.get_loc("element") + 1,
                "name",
                table["element"].map(lambda e: names.get(e, e)),
            )
        if lang == "vi":
            table = table.rename(columns={c: HEADERS_VI.get(c, c) for c in table.columns})
        return table

    sheets = [("Ước lượng" if lang == "vi" else "Estimates", prepare(estimates))]
    if distribution is not None:
        sheets.append(("Phân bố trả lời" if lang == "vi" else "Answers", prepare(distribution)))
    if expectations is not None:
        sheets.append(("Mong đợi" if lang == "vi" else "Expectations", prepare(expectations)))
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for title, table in sheets:
            table.to_excel(writer, sheet_name=title, index=False)
            ws = writer.sheets[title]
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for k, column in enumerate(table.columns, start=1):
                width = max(10, min(48, len(str(column)) + 2))
                ws.column_dimensions[ws.cell(row=1, column=k).column_letter].width = width
                if pd.api.types.is_float_dtype(table[column]):
                    for row in ws.iter_rows(min_row=2, min_col=k, max_col=k):
                        for cell in row:
                            cell.number_format = "0.0"
            ws.freeze_panes = "A2"
    return out.getvalue()


def bar_chart_svg(
    estimates: pd.DataFrame,
    unit: str = ALL,
    lang: str = "vi",
    *,
    elements: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    width: int = 760,
) -> str:
    """A horizontal bar chart (0–100 %) of one unit's estimates with their 95 % intervals
    as whiskers; an SVG document as text. Elements default to all rows of the unit, the
    overall index last and emphasised."""
    text = _CHART_TEXT.get(lang, _CHART_TEXT["en"])
    rows = estimates[estimates["unit_code"].astype(str) == str(unit)]
    if elements is not None:
        rows = rows.set_index("element").reindex(list(elements)).reset_index()
    else:
        rows = pd.concat([rows[rows["element"] != OVERALL], rows[rows["element"] == OVERALL]])
    names = dict(names or {})
    labels = [str(names.get(str(e), str(e))) for e in rows["element"]]
    longest = max((len(label) for label in labels), default=10)
    bar_h, gap, right, top = 22, 10, 110, 56
    left = int(min(max(7 * longest + 16, 120), width * 0.45))
    fits = max(8, int((left - 16) / 6.6))
    plot_w = width - left - right
    height = top + len(rows) * (bar_h + gap) + 40
    heading = title or f"{text['title']} — {unit}"

    def x(pct: float) -> float:
        return left + plot_w * min(max(pct, 0.0), 100.0) / 100.0

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label="{escape(heading)}">',
        f"<title>{escape(heading)}</title>",
        f'<text x="{left}" y="22" font-size="15" font-weight="bold">{escape(heading)}</text>',
        f'<text x="{left}" y="40" fill="#555">─┤├─ {escape(text["ci"])}</text>',
    ]
    for tick in range(0, 101, 20):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 34}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{tick}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#555">'
        f"{escape(text['axis'])}</text>"
    )
    for i, row in enumerate(rows.itertuples(index=False)):
        rec = row._asdict()
        element = str(rec["element"])
        y = top + i * (bar_h + gap)
        label = labels[i]
        shown = label if len(label) <= fits else label[: fits - 1].rstrip() + "…"
        est = rec.get("estimate_pct")
        strong = element == OVERALL
        bold = ' font-weight="bold"' if strong else ""
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end"{bold}>'
            f"<title>{escape(label)}</title>{escape(shown)}</text>"
        )
        if est is None or pd.isna(est):
            parts.append(f'<text x="{left + 4}" y="{y + bar_h * 0.7:.1f}" fill="#999">—</text>')
            continue
        color = "#1f4e79" if strong else "#5b9bd5"
        parts.append(
            f'<rect x="{left}" y="{y}" width="{x(est) - left:.1f}" height="{bar_h}" '
            f'fill="{color}"><title>{escape(label)}: {est:.1f}%</title></rect>'
        )
        low, high = rec.get("ci_low_pct"), rec.get("ci_high_pct")
        if low is not None and high is not None and not (pd.isna(low) or pd.isna(high)):
            cy = y + bar_h / 2
            parts.append(
                f'<line x1="{x(low):.1f}" y1="{cy:.1f}" x2="{x(high):.1f}" y2="{cy:.1f}" '
                f'stroke="#222" stroke-width="1.5"/>'
                f'<line x1="{x(low):.1f}" y1="{y + 5}" x2="{x(low):.1f}" y2="{y + bar_h - 5}" '
                f'stroke="#222" stroke-width="1.5"/>'
                f'<line x1="{x(high):.1f}" y1="{y + 5}" x2="{x(high):.1f}" y2="{y + bar_h - 5}" '
                f'stroke="#222" stroke-width="1.5"/>'
            )
        value = f"{est:.1f}".replace(".", ",") if lang == "vi" else f"{est:.1f}"
        n = rec.get("n")
        n_text = f" ({text['n']}={int(n)})" if n is not None and not pd.isna(n) else ""
        parts.append(
            f'<text x="{width - right + 6}" y="{y + bar_h * 0.7:.1f}">{value}{escape(n_text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
