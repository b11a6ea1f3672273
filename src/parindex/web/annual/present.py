"""The annual report made readable: formatted tables and charts for the PDF.

Table cells are built in Python (as `parindex.web.results.tables` does for the ranking):
a 1,000-unit ranking is more than 15,000 cells, too many to push through a template
variable and a filter each. Numbers go through `fmt_number` — the function behind the
`number` and `signed` template filters — once per cell, in the report's language (87,68
in Vietnamese), rounded only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parindex.analysis.annual import AnnualReport, Section, Table
from parindex.analysis.fmt import fmt_number
from parindex.web.annual import charts, labels
from parindex.web.results.queries import parse_yoy_note

CHART_ROWS = 40  # charts with one row per unit are drawn up to this many units
LIST_LIMIT = 6  # names printed in one cell of the PDF

INTEGER = {
    "rank", "prev_rank", "count", "units", "units_losing", "longest", "streak", "n", "tasks",
    "done", "in_progress", "not_started", "overdue", "par_rank", "unclassified",
}  # fmt: skip
SIGNED = {"index_change", "change"}
LISTS = {"leaders", "lowest_units", "similar"}
# shown in the workbook but not in the PDF (the PDF puts them in other cells or omits them)
PDF_SKIPPED_TABLES = {"rank_intervals"}
PDF_SKIPPED_WHEN_EMPTY = {"bottom"}  # small groups: every unit is already in the top
PDF_HIDDEN = {"unit_code", "field_code", "max_points", "prev_rank", "yoy_note", "element"}
TEXT = {
    "unit_code", "unit_name", "peer_group", "class", "yoy_note", "label", "name", "field_code",
    "field_name", "region", "node_code", "node_name", "years", "element", "element_name",
    "group", "group_name", "rank_change", "kind",
}  # fmt: skip


def lang_of(language: str | None) -> str:
    return "en" if (language or "vi").startswith("en") else "vi"


def is_number_column(key: str) -> bool:
    """Columns the workbook stores as numbers with two decimals."""
    if key in INTEGER or key in LISTS or key.startswith("class_"):
        return False
    return key not in TEXT


def yoy_text(note: str) -> str:
    parsed = parse_yoy_note(note)
    if parsed.kind == "new":
        return _("new unit")
    if parsed.kind == "merged":
        return _("merged: %(units)s") % {"units": parsed.sources}
    return parsed.sources


def short_list(names: Sequence[str], limit: int = LIST_LIMIT) -> str:
    """Names joined by commas; beyond `limit`, the first ones and how many more (a tie or
    an indistinguishable group can hold hundreds of units; the workbook lists them all)."""
    if len(names) <= limit:
        return ", ".join(names)
    return _("%(names)s and %(n)s more") % {
        "names": ", ".join(names[:limit]),
        "n": len(names) - limit,
    }


def choice_text(kind: str, field_code: str = "") -> str:
    """An uncertain choice of the uncertainty analysis, in words."""
    text = labels.CHOICES.get(kind)
    if text is None:
        return kind
    return str(text) % {"code": field_code} if kind == "weight" else str(text)


def method_lines(method: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The main settings of the uncertainty analysis, translated (the workbook has all)."""
    out = []
    for key, label in labels.METHOD.items():
        if key not in method:
            continue
        value = method[key]
        if isinstance(value, bool):
            text = _("yes") if value else _("no")
        elif key == "weight_range":
            text = fmt_number(float(value) * 100, 0, lang)
        elif isinstance(value, float):
            text = fmt_number(value, 2, lang)
        else:
            text = str(value)
        out.append((str(label), text))
    return out


def cell_text(key: str, value: Any, row: dict[str, Any], lang: str, table: str = "") -> str:
    """One cell as text in the report's language (not escaped); in the ranking, the likely
    ranks (5th–95th percentile) share one cell."""
    if table == "ranking" and key == "rank_p05":
        low, high = value, row.get("rank_p95")
        if low is None or high is None:
            return "–"
        return f"{fmt_number(low, 0, lang)}–{fmt_number(high, 0, lang)}"
    if key in LISTS:
        return short_list(value or [])
    if key == "rank_change":
        if value is None:
            return yoy_text(row.get("yoy_note") or "")
        return fmt_number(value, 0, lang, signed=True)
    if key in SIGNED:
        return fmt_number(value, 2, lang, signed=True)
    if key in INTEGER or key.startswith("class_"):
        return fmt_number(value, 0, lang)
    if key in ("median_rank", "rank_p05", "rank_p95", "width"):
        if value is None:
            return "–"
        return fmt_number(value, 0 if float(value).is_integer() else 1, lang)
    if key == "min" and value is not None:
        prefix = "≥ " if row.get("inclusive", True) else "> "
        return prefix + fmt_number(value, 2, lang)
    if key == "upper":
        if value is None:
            return "–"
        return ("≤ " if row.get("upper_inclusive") else "< ") + fmt_number(value, 2, lang)
    if key.endswith("_est"):
        base = key[: -len("_est")]
        text = fmt_number(value, 2, lang)
        low, high = row.get(f"{base}_low"), row.get(f"{base}_high")
        if value is not None and low is not None and high is not None:
            text += f" ({fmt_number(low, 2, lang)}–{fmt_number(high, 2, lang)})"
        return text
    if key == "kind":
        return choice_text(value, row.get("field_code") or "")
    if key == "index":
        return fmt_number(value, 3, lang)
    if key == "field_name" and row.get("field_code"):
        return f"{row['field_code']}. {value or ''}".strip()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if is_number_column(key):
        return fmt_number(value, 2, lang)
    return "" if value is None else str(value)


def pdf_columns(table: Table) -> list[str]:
    hidden = set(PDF_HIDDEN)
    if table.key == "ranking":
        hidden |= {"prev_index_pct", "rank_p95"}
    if table.key == "survey_units":
        hidden |= {c for c in table.columns if c.endswith("_low") or c.endswith("_high")}
    return [c for c in table.columns if c not in hidden]


WIDE = {"unit_name", "node_name", "field_name", "leaders", "lowest_units", "element_name",
        "group_name", "name", "similar"}  # fmt: skip
MEDIUM = {"peer_group", "region", "class", "label", "rank_change", "years", "yoy_note"}


def column_weight(key: str) -> float:
    """Relative width of a column in the PDF's fixed table layout (names get room)."""
    if key in WIDE:
        return 4.0
    if key in MEDIUM:
        return 1.8
    if key.endswith("_est"):
        return 2.6
    return 1.2


def heading(table: Table, column: str) -> str:
    if table.key == "ranking" and column == "rank_p05":
        return str(labels.LIKELY_RANK)
    return labels.column_label(column, table.labels)


def table_class(table: Table) -> str:
    return f"t-{table.key.replace('_', '-')}"


def table_css(report: AnnualReport) -> str:
    """Column widths of the PDF's tables (fixed layout: fast, and names get room), as CSS
    rules per table kind — the report's HTML has no style attributes."""
    rules: dict[str, str] = {}
    for section in report.sections:
        for table in section.tables:
            css = table_class(table)
            if css in rules:
                continue
            columns = pdf_columns(table)
            weights = [column_weight(c) for c in columns]
            total = sum(weights)
            rules[css] = "".join(
                f"table.{css} col:nth-child({i}) {{ width: {w / total * 100:.2f}%; }}\n"
                for i, w in enumerate(weights, start=1)
            )
    return "".join(rules.values())


def table_html(table: Table, lang: str) -> SafeString:
    """A `<table>` of the PDF: headings translated, numbers right-aligned and formatted."""
    columns = pdf_columns(table)
    numeric = {c for c in columns if is_number_column(c) or c in INTEGER or c.startswith("class_")}
    numeric |= {"rank_change"}
    head = "".join(
        f'<th scope="col"{" class=num" if c in numeric else ""}>{escape(heading(table, c))}</th>'
        for c in columns
    )
    body = []
    for row in table.rows:
        cells = []
        for c in columns:
            text = escape(cell_text(c, row.get(c), row, lang, table.key))
            if c == "rank_change" and row.get(c) is None:
                cells.append(f'<td class="note">{text}</td>')  # "merged: …" wraps
            elif c in numeric:
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cols = "<col>" * len(columns)
    css = table_class(table)
    return mark_safe(
        f'<table class="{css}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


@dataclass
class TableView:
    key: str
    title: str
    group: str | None
    html: SafeString
    empty: bool


@dataclass
class SectionView:
    key: str
    number: int
    title: str
    anchor: str
    available: bool
    reason: str
    figures: dict[str, Any]
    tables: list[TableView]
    charts: list[SafeString] = field(default_factory=list)
    lang: str = "vi"

    @property
    def method(self) -> list[tuple[str, str]]:
        return method_lines(self.figures.get("method") or {}, self.lang)

    @property
    def template(self) -> str:
        return f"annual/pdf/_{self.key}.html"

    def table(self, key: str) -> list[TableView]:
        return [t for t in self.tables if t.key == key]


def _tables(section: Section, lang: str) -> list[TableView]:
    """The section's tables for the PDF; per-unit rank intervals are in the ranking tables
    (and the workbook), so the PDF does not print them twice."""
    return [
        TableView(
            key=t.key,
            title=str(labels.TABLES.get(t.key, t.key)),
            group=t.group,
            html=table_html(t, lang),
            empty=not t.rows,
        )
        for t in section.tables
        if t.key not in PDF_SKIPPED_TABLES and (t.rows or t.key not in PDF_SKIPPED_WHEN_EMPTY)
    ]


# --- charts per section -------------------------------------------------------------------------


def _bins(values: Sequence[float]) -> list[charts.Bar]:
    """Units per 5-point band of the index, from the lowest band reached to 100."""
    if not values:
        return []
    start = min(95, int(min(values) // 5 * 5))
    bars = []
    for low in range(start, 100, 5):
        high = low + 5
        n = sum(1 for v in values if low <= v < high or (high == 100 and v >= 100))
        bars.append(charts.Bar(f"{low}–{high}", (float(n),)))
    return bars


def _chart_summary(report: AnnualReport, lang: str) -> list[SafeString]:
    ranking = report.section("ranking")
    values = [r["index_pct"] for t in ranking.tables for r in t.rows if r["index_pct"] is not None]
    return [
        charts.columns(
            _bins(values),
            chart_id="chart-distribution",
            title=_("Units by index band (%)"),
            desc=_("How many units have an index in each band of 5 points."),
            lang=lang,
        )
    ]


def _chart_classes(section: Section, lang: str) -> list[SafeString]:
    table = section.table("class_counts")
    bars = [
        charts.Bar(f"{r['label']}{' – ' + r['name'] if r['name'] else ''}", (float(r["count"]),))
        for r in (table.rows if table else [])
    ]
    return [
        charts.hbars(
            bars, [_("Units")], chart_id="chart-classes", title=_("Units per class"),
            desc=_("Number of units in each class of the framework."), lang=lang, decimals=0,
        )
    ]  # fmt: skip


def _chart_fields(section: Section, lang: str) -> list[SafeString]:
    table = section.table("field_averages")
    if not table:
        return []
    bars = [
        charts.Bar(f"{r['field_code']}. {r['field_name']}", (r["average"], r["best_value"]))
        for r in table.rows
    ]
    return [
        charts.hbars(
            bars, [_("Average"), _("Highest")], chart_id="chart-fields",
            title=_("Field indices (%)"),
            desc=_("For each field: the average index of all units and the highest."),
            lang=lang, scale_max=100,
        )
    ]  # fmt: skip


def _chart_averages(section: Section, report: AnnualReport, lang: str) -> list[SafeString]:
    out = []
    for key, label_key in (("peer_group_averages", "peer_group"), ("region_averages", "region")):
        table = section.table(key)
        if not table or not table.rows:
            continue
        with_prev = report.has_previous
        bars = [
            charts.Bar(
                r[label_key] or _("Without a peer group"),
                (r["average_index"], r["previous_average"]) if with_prev else (r["average_index"],),
            )
            for r in table.rows
        ]
        series = [_("This year"), _("Previous year")] if with_prev else [_("This year")]
        out.append(
            charts.hbars(
                bars, series, chart_id=f"chart-{key}", title=str(labels.TABLES[key]),
                desc=_("Average index of each group, this year and the previous year."),
                lang=lang, scale_max=100,
            )
        )  # fmt: skip
    return out


def _chart_movers(section: Section, lang: str) -> list[SafeString]:
    up, down = section.table("index_up"), section.table("index_down")
    rows = (up.rows if up else []) + list(reversed(down.rows if down else []))
    bars = [charts.Bar(r["unit_name"], (r["index_change"],)) for r in rows]
    return [
        charts.diverging(
            bars, chart_id="chart-movers", title=_("Largest changes of the index (points)"),
            desc=_("Units whose index rose or fell the most since the previous year."),
            lang=lang,
        )
    ]  # fmt: skip


def _chart_lost(section: Section, lang: str) -> list[SafeString]:
    table = section.table("lost_criteria")
    rows = [r for r in (table.rows if table else []) if (r["total_lost"] or 0) > 0]
    bars = [charts.Bar(f"{r['node_code']} {r['node_name']}", (r["total_lost"],)) for r in rows]
    return [
        charts.hbars(
            bars, [_("Points lost")], chart_id="chart-lost",
            title=_("Criteria that lost the most points"),
            desc=_("Points lost on each criterion, summed over all units."), lang=lang,
        )
    ]  # fmt: skip


def _chart_survey(section: Section, lang: str) -> list[SafeString]:
    table = section.table("survey_units")
    if not table or len(table.rows) > CHART_ROWS:
        return []
    out = []
    for i, key in enumerate(c for c in table.columns if c.endswith("_est")):
        base = key[: -len("_est")]
        rows = sorted(table.rows, key=lambda r: -(r.get(key) or -1))
        items = [
            charts.Interval(r["unit_name"], r.get(key), r.get(f"{base}_low"), r.get(f"{base}_high"))
            for r in rows
        ]
        out.append(
            charts.intervals(
                items, chart_id=f"chart-survey-{i}",
                title=_("%(name)s: estimates with 95%% intervals (%%)") % {"name": table.labels.get(key, key)},
                # xgettext:no-python-format
                desc=_("Each unit's estimate (dot) and its 95% confidence interval (line)."),
                lang=lang,
            )
        )  # fmt: skip
    return out


def _chart_service(section: Section, lang: str) -> list[SafeString]:
    table = section.table("service_groups")
    if not table:
        return []
    bars = [
        charts.Bar(
            r["group_name"],
            (
                r["average_score"] / r["max_score"] * 100
                if r["max_score"] and r["average_score"] is not None
                else None,
            ),
        )
        for r in table.rows
    ]
    return [
        charts.hbars(
            bars, [_("Average")], chart_id="chart-service",
            # xgettext:no-python-format
            title=_("Service index: average score by group (% of the maximum)"),
            desc=_("For each group of the service index, the units' average score as a share of the group's maximum."),
            lang=lang, scale_max=100,
        )
    ]  # fmt: skip


def _chart_plans(section: Section, lang: str) -> list[SafeString]:
    table = section.table("plan_status")
    if not table or not table.rows or len(table.rows) > CHART_ROWS:
        return []
    bars = [
        charts.Bar(r["unit_name"] or r["unit_code"], (r["completion_pct"],)) for r in table.rows
    ]
    return [
        charts.hbars(
            bars, [_("Completion (%)")], chart_id="chart-plans",
            title=_("Completion of remedial-plan tasks (%)"),
            desc=_("Share of each unit's remedial-plan tasks that are done."),
            lang=lang, scale_max=100,
        )
    ]  # fmt: skip


def _chart_robustness(section: Section, lang: str) -> list[SafeString]:
    out = []
    for i, table in enumerate(t for t in section.tables if t.key == "rank_intervals"):
        if len(table.rows) < 2 or len(table.rows) > CHART_ROWS:
            continue
        items = [
            charts.Interval(
                r["unit_name"],
                r["median_rank"] if r["median_rank"] is not None else r["rank"],
                r["rank_p05"],
                r["rank_p95"],
            )
            for r in table.rows
        ]
        out.append(
            charts.intervals(
                items, chart_id=f"chart-ranks-{i}",
                title=_("Likely ranks: %(group)s") % {"group": table.group or _("Without a peer group")},
                desc=_("Each unit's median rank (dot) and the ranks between the 5th and the 95th percentile (line)."),
                lang=lang, low_end=1, decimals=0,
            )
        )  # fmt: skip
    return out


def _charts(report: AnnualReport, section: Section, lang: str) -> list[SafeString]:
    if not section.available:
        return []
    match section.key:
        case "summary":
            return _chart_summary(report, lang)
        case "classes":
            return _chart_classes(section, lang)
        case "field_leaders":
            return _chart_fields(section, lang)
        case "averages":
            return _chart_averages(section, report, lang)
        case "movers":
            return _chart_movers(section, lang)
        case "lost_points":
            return _chart_lost(section, lang)
        case "survey":
            return _chart_survey(section, lang)
        case "service_index":
            return _chart_service(section, lang)
        case "remedial":
            return _chart_plans(section, lang)
        case "robustness":
            return _chart_robustness(section, lang)
    return []


def section_views(report: AnnualReport, lang: str) -> list[SectionView]:
    """Every section, numbered, with its title, charts and formatted tables."""
    views = []
    for number, section in enumerate(report.sections, start=1):
        views.append(
            SectionView(
                key=section.key,
                number=number,
                title=str(labels.SECTIONS[section.key]),
                anchor=f"section-{section.key.replace('_', '-')}",
                available=section.available,
                reason=str(labels.REASONS.get(section.reason, section.reason)),
                figures=section.figures,
                tables=_tables(section, lang),
                charts=[c for c in _charts(report, section, lang) if c],
                lang=lang,
            )
        )
    return views
