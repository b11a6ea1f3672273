"""Responsibility of heads of agencies: a rule set, given as data, that maps a unit's reform
results to its head's task-completion classification, with the reasons.

Quảng Nam Decision 1171/QĐ-UBND (16/5/2024) assigns heads responsibility across the 7
reform fields (direction; legal documents; procedures; apparatus; civil service; public
finance; e-government) and classifies each head's task completion from those results;
Hải Phòng 30/2018/QĐ-UBND does the same. Neither threshold table is published in our
sources, so the rules are data (YAML, `parindex/data/head_rules/`, versioned) and the
packaged default is an *example*, labelled as such.

A rule set declares its classes (best first), maps the 7 fields of 1171/QĐ-UBND to the
framework's field codes, and lists rules evaluated in order — the first whose conditions
hold gives the class. A rule is `all:` (every condition), `any:` (at least one) or
`otherwise: true` (the last rule, so every unit is classified). A condition is
`{metric, op, value}` on:

| metric                 | value read from the units table               | ops                  |
|------------------------|-----------------------------------------------|----------------------|
| index                  | index_pct (%)                                 | < <= > >= == !=      |
| field.<key>            | field_<code>_pct, code from `fields:` (%)     | < <= > >= == !=      |
| min_field              | the lowest of the mapped field indices (%)    | < <= > >= == !=      |
| class                  | class (the PAR classification label)          | in, not_in (a list)  |
| overdue_dossiers       | overdue_dossiers (count)                      | < <= > >= == !=      |
| remedial_completion    | remedial_completion (share 0–1), compared in %| < <= > >= == !=      |

A value that is missing (no dossier data, no remedial plan, a field the framework lacks)
makes the condition *ignored* by default — it neither helps nor blocks: in an `all:` rule
it counts as met, in an `any:` rule as not met, and the reasons say there was no data.
`when_missing: met | not_met` on a condition says otherwise.

Comparisons are made on unrounded values, noise below 1e-9 counting as equal. Reasons are
returned both as structured `Reason` items and as text in Vietnamese or English
("Chỉ số CCHC 78,20% < 80%", "3 hồ sơ quá hạn (> 0)").

Loaders take text (`head_rules_from_text`) and collect every problem into one
`InputError` naming the file and the rule; `load_default_head_rules` reads the packaged
example through importlib.resources, as the other package-data loaders do.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from parindex.analysis.fmt import fmt_number
from parindex.errors import InputError, Problem

EPS = 1e-9
DEFAULT_HEAD_RULES = "example-1171-qnam-30-2018-hp-v1.yaml"

FIELD_KEYS = (
    "direction",
    "legal_documents",
    "procedures",
    "apparatus",
    "civil_service",
    "public_finance",
    "e_government",
)
FIELD_LABELS = {
    "vi": {
        "direction": "Công tác chỉ đạo, điều hành CCHC",
        "legal_documents": "Văn bản quy phạm pháp luật",
        "procedures": "Cải cách thủ tục hành chính",
        "apparatus": "Cải cách tổ chức bộ máy",
        "civil_service": "Cải cách chế độ công vụ",
        "public_finance": "Cải cách tài chính công",
        "e_government": "Chính quyền điện tử, chính quyền số",
    },
    "en": {
        "direction": "Direction of reform",
        "legal_documents": "Legal documents",
        "procedures": "Administrative procedures",
        "apparatus": "Organisational apparatus",
        "civil_service": "Civil service",
        "public_finance": "Public finance",
        "e_government": "E-government",
    },
}
NUMERIC_METRICS = ("index", "min_field", "overdue_dossiers", "remedial_completion")
CLASS_METRIC = "class"
NUMERIC_OPS = ("<", "<=", ">", ">=", "==", "!=")
SET_OPS = ("in", "not_in")
WHEN_MISSING = ("ignore", "met", "not_met")
TOP_KEYS = {
    "id",
    "name",
    "version",
    "example",
    "official",
    "description",
    "modelled_on",
    "classes",
    "fields",
    "rules",
}
RULE_KEYS = {"id", "class", "all", "any", "otherwise", "note"}
CONDITION_KEYS = {"metric", "op", "value", "when_missing"}
RESULT_COLUMNS = (
    "unit_code",
    "unit_name",
    "index_pct",
    "class",
    "overdue_dossiers",
    "remedial_completion",
    "classification",
    "classification_name",
    "rule_id",
    "reasons",
    "missed",
    "met",
)


# --- the rule set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    metric: str  # index | min_field | overdue_dossiers | remedial_completion | class | field.<key>
    op: str
    value: float | tuple[str, ...]
    when_missing: str = "ignore"


@dataclass(frozen=True)
class HeadRule:
    id: str
    classification: str  # a class key
    mode: str  # all | any | otherwise
    conditions: tuple[Condition, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class HeadClass:
    key: str
    name: str


@dataclass(frozen=True)
class HeadRuleSet:
    id: str
    name: str
    version: str
    example: bool
    official: bool
    classes: tuple[HeadClass, ...]
    fields: dict[str, str]  # 1171 field key → framework field code
    rules: tuple[HeadRule, ...]
    description: str = ""
    modelled_on: str = ""
    source: str = ""

    def class_name(self, key: str) -> str:
        return next((c.name for c in self.classes if c.key == key), key)

    def class_rank(self, key: str) -> int:
        """0 for the best class; classes not declared come last."""
        keys = [c.key for c in self.classes]
        return keys.index(key) if key in keys else len(keys)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _rule_location(index: int, rule: Any) -> str:
    rule_id = _text(rule.get("id")) if isinstance(rule, Mapping) else ""
    return f"rule {index + 1}" + (f" ({rule_id})" if rule_id else "")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    return None


def _condition(
    raw: Any, where: str, key: str, fields: Mapping[str, str], source: str
) -> tuple[Condition | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(part: str, message: str) -> None:
        problems.append(Problem(source, where, f"{key}.{part}" if part else key, message))

    if not isinstance(raw, Mapping):
        problem("", "a condition must be a mapping {metric, op, value}")
        return None, problems
    for unknown in sorted(set(map(str, raw)) - CONDITION_KEYS):
        problem(unknown, f"unknown key; use {', '.join(sorted(CONDITION_KEYS))}")
    metric = _text(raw.get("metric"))
    op = _text(raw.get("op"))
    when_missing = _text(raw.get("when_missing")) or "ignore"
    if when_missing not in WHEN_MISSING:
        problem("when_missing", f"{when_missing!r} is not one of {', '.join(WHEN_MISSING)}")
    value: float | tuple[str, ...] | None = None
    if not metric:
        problem("metric", "missing")
    elif metric == CLASS_METRIC:
        if op not in SET_OPS:
            problem("op", f"{op!r} does not apply to class; use one of {', '.join(SET_OPS)}")
        raw_value = raw.get("value")
        items = raw_value if isinstance(raw_value, list) else None
        if not items or any(_text(v) == "" for v in items):
            problem("value", "give a non-empty list of class labels, e.g. [Tốt, Khá]")
        else:
            value = tuple(_text(v) for v in items)
    else:
        if metric.startswith("field."):
            field_key = metric[len("field.") :]
            if field_key not in FIELD_KEYS:
                problem(
                    "metric", f"unknown field {field_key!r}; use one of {', '.join(FIELD_KEYS)}"
                )
            elif field_key not in fields:
                problem(
                    "metric", f"field {field_key!r} is not mapped to a framework code in fields:"
                )
        elif metric not in NUMERIC_METRICS:
            known = ", ".join([*NUMERIC_METRICS, CLASS_METRIC, "field.<key>"])
            problem("metric", f"unknown metric {metric!r}; use one of {known}")
        if op not in NUMERIC_OPS:
            problem("op", f"{op!r} is not one of {' '.join(NUMERIC_OPS)}")
        value = _number(raw.get("value"))
        if value is None:
            problem("value", f"not a number: {raw.get('value')!r}")
    if problems:
        return None, problems
    return Condition(metric, op, value, when_missing), problems  # type: ignore[arg-type]


def head_rules_from_dict(data: Any, source: str = "head rules") -> HeadRuleSet:
    """A validated rule set from parsed YAML; every problem is collected into one
    InputError naming the file (`source`), the rule and the key."""
    if not isinstance(data, Mapping):
        raise InputError([Problem(source, "", "", "a rule set must be a YAML mapping")])
    problems: list[Problem] = []
    for unknown in sorted(set(map(str, data)) - TOP_KEYS):
        problems.append(
            Problem(source, "", unknown, f"unknown key; use {', '.join(sorted(TOP_KEYS))}")
        )
    for key in ("id", "name", "version"):
        if not _text(data.get(key)):
            problems.append(Problem(source, "", key, "missing"))
    for key in ("example", "official"):
        if key in data and not isinstance(data[key], bool):
            problems.append(Problem(source, "", key, "must be true or false"))
    example = bool(data.get("example", False))
    official = bool(data.get("official", False))
    if example and official:
        problems.append(Problem(source, "", "official", "an example rule set cannot be official"))

    classes: list[HeadClass] = []
    raw_classes = data.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        problems.append(Problem(source, "", "classes", "give a list of classes, best first"))
    else:
        for i, raw in enumerate(raw_classes):
            where = f"class {i + 1}"
            if not isinstance(raw, Mapping) or not _text(raw.get("key")):
                problems.append(Problem(source, where, "key", "each class needs a key and a name"))
                continue
            key, name = _text(raw.get("key")), _text(raw.get("name"))
            if not name:
                problems.append(Problem(source, where, "name", "missing"))
            if any(c.key == key for c in classes):
                problems.append(Problem(source, where, "key", f"duplicate class {key!r}"))
            classes.append(HeadClass(key, name or key))

    fields: dict[str, str] = {}
    raw_fields = data.get("fields") or {}
    if not isinstance(raw_fields, Mapping):
        problems.append(Problem(source, "", "fields", "map field keys to framework codes"))
    else:
        for key, code in raw_fields.items():
            if str(key) not in FIELD_KEYS:
                problems.append(
                    Problem(
                        source,
                        "fields",
                        str(key),
                        f"unknown field; use one of {', '.join(FIELD_KEYS)}",
                    )
                )
            elif not _text(code):
                problems.append(Problem(source, "fields", str(key), "give the framework code"))
            else:
                fields[str(key)] = _text(code)

    rules: list[HeadRule] = []
    raw_rules = data.get("rules")
    class_keys = {c.key for c in classes}
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append(Problem(source, "", "rules", "give a list of rules"))
        raw_rules = []
    seen_ids: set[str] = set()
    for i, raw in enumerate(raw_rules):
        where = _rule_location(i, raw)
        if not isinstance(raw, Mapping):
            problems.append(Problem(source, where, "", "a rule must be a mapping"))
            continue
        for unknown in sorted(set(map(str, raw)) - RULE_KEYS):
            problems.append(
                Problem(source, where, unknown, f"unknown key; use {', '.join(sorted(RULE_KEYS))}")
            )
        rule_id = _text(raw.get("id"))
        if not rule_id:
            problems.append(Problem(source, where, "id", "missing"))
        elif rule_id in seen_ids:
            problems.append(Problem(source, where, "id", f"duplicate rule id {rule_id!r}"))
        seen_ids.add(rule_id)
        klass = _text(raw.get("class"))
        if not klass:
            problems.append(Problem(source, where, "class", "missing"))
        elif classes and klass not in class_keys:
            problems.append(
                Problem(
                    source,
                    where,
                    "class",
                    f"{klass!r} is not a declared class ({', '.join(sorted(class_keys))})",
                )
            )
        modes = [m for m in ("all", "any", "otherwise") if m in raw]
        if len(modes) != 1:
            problems.append(
                Problem(source, where, "", "give exactly one of all:, any: or otherwise: true")
            )
            continue
        mode = modes[0]
        conditions: list[Condition] = []
        if mode == "otherwise":
            if raw.get("otherwise") is not True:
                problems.append(Problem(source, where, "otherwise", "must be true"))
            if i != len(raw_rules) - 1:
                problems.append(
                    Problem(
                        source,
                        where,
                        "otherwise",
                        "only the last rule may be otherwise: the rules after it never apply",
                    )
                )
        else:
            items = raw.get(mode)
            if not isinstance(items, list) or not items:
                problems.append(Problem(source, where, mode, "give a list of conditions"))
                items = []
            for j, item in enumerate(items):
                condition, found = _condition(item, where, f"{mode}[{j + 1}]", fields, source)
                problems += found
                if condition is not None:
                    conditions.append(condition)
        rules.append(HeadRule(rule_id, klass, mode, tuple(conditions), _text(raw.get("note"))))
    if rules and rules[-1].mode != "otherwise":
        problems.append(
            Problem(
                source,
                _rule_location(len(raw_rules) - 1, raw_rules[-1]),
                "otherwise",
                "the last rule must be otherwise: true, so that every unit is classified",
            )
        )
    if problems:
        raise InputError(problems)
    return HeadRuleSet(
        id=_text(data.get("id")),
        name=_text(data.get("name")),
        version=_text(data.get("version")),
        example=example,
        official=official,
        classes=tuple(classes),
        fields=fields,
        rules=tuple(rules),
        description=_text(data.get("description")),
        modelled_on=_text(data.get("modelled_on")),
        source=source,
    )


def head_rules_from_text(text: str, source: str = "head rules") -> HeadRuleSet:
    """Parse and validate a YAML rule set (`source`: the file name used in problems)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        message = str(getattr(exc, "problem", None) or exc).replace("\n", " ")
        raise InputError([Problem(source, where, "", f"not valid YAML: {message}")]) from None
    return head_rules_from_dict(data, source)


def default_head_rules_text() -> str:
    """The packaged example rule set, as text (to show or download it)."""
    path = resources.files("parindex").joinpath("data", "head_rules", DEFAULT_HEAD_RULES)
    return path.read_text(encoding="utf-8")


def load_default_head_rules() -> HeadRuleSet:
    """The packaged example rule set (modelled on 1171/QĐ-UBND and 30/2018/QĐ-UBND)."""
    return head_rules_from_text(default_head_rules_text(), DEFAULT_HEAD_RULES)


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One condition as evaluated for one unit.

    `met`: True/False; None when the value was missing (`missing` then says so and `met`
    is what `when_missing` decided for the rule). `detail` is the field key for field
    metrics and for min_field the key of the lowest field.
    """

    metric: str
    op: str
    threshold: float | tuple[str, ...]
    actual: float | str | None
    met: bool
    missing: bool = False
    detail: str = ""
    when_missing: str = "ignore"


@dataclass
class Outcome:
    classification: str
    rule_id: str
    met: list[Reason] = field(default_factory=list)
    missed: list[Reason] = field(default_factory=list)


def _value(row: Mapping[str, Any], column: str) -> float | None:
    raw = row.get(column)
    if raw is None or isinstance(raw, bool):
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _metric(row: Mapping[str, Any], metric: str, rules: HeadRuleSet) -> tuple[Any, str]:
    """(value, detail) of a metric for one unit; value None when missing."""
    if metric == "index":
        return _value(row, "index_pct"), ""
    if metric == "overdue_dossiers":
        return _value(row, "overdue_dossiers"), ""
    if metric == "remedial_completion":
        share = _value(row, "remedial_completion")
        return (None if share is None else share * 100.0), ""
    if metric == CLASS_METRIC:
        label = row.get("class")
        text = (
            "" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label)
        )
        return (text.strip() or None), ""
    if metric == "min_field":
        values = [
            (v, key)
            for key in FIELD_KEYS
            if key in rules.fields
            and (v := _value(row, f"field_{rules.fields[key]}_pct")) is not None
        ]
        if not values:
            return None, ""
        low = min(values, key=lambda item: item[0])
        return low[0], low[1]
    key = metric[len("field.") :]
    return _value(row, f"field_{rules.fields[key]}_pct"), key


def _holds(actual: Any, op: str, threshold: Any) -> bool:
    if op == "in":
        return actual in threshold
    if op == "not_in":
        return actual not in threshold
    a, t = float(actual), float(threshold)
    if op == "<":
        return a < t - EPS
    if op == "<=":
        return a <= t + EPS
    if op == ">":
        return a > t + EPS
    if op == ">=":
        return a >= t - EPS
    if op == "==":
        return abs(a - t) <= EPS
    return abs(a - t) > EPS  # !=


def _evaluate(row: Mapping[str, Any], condition: Condition, rules: HeadRuleSet, mode: str):
    actual, detail = _metric(row, condition.metric, rules)
    if actual is None:
        if condition.when_missing == "met":
            met = True
        elif condition.when_missing == "not_met":
            met = False
        else:
            met = mode == "all"  # ignored: neither helps nor blocks
        return Reason(
            condition.metric,
            condition.op,
            condition.value,
            None,
            met,
            missing=True,
            detail=detail,
            when_missing=condition.when_missing,
        )
    return Reason(
        condition.metric,
        condition.op,
        condition.value,
        actual,
        _holds(actual, condition.op, condition.value),
        detail=detail,
    )


def classify_row(row: Mapping[str, Any], rules: HeadRuleSet) -> Outcome:
    """The first rule whose conditions hold, the conditions that made it hold (`met`), and
    the conditions that kept the unit out of the nearest better class above it (`missed`)."""
    evaluated: list[tuple[HeadRule, bool, list[Reason]]] = []
    for rule in rules.rules:
        reasons = [_evaluate(row, c, rules, rule.mode) for c in rule.conditions]
        if rule.mode == "otherwise":
            holds = True
        elif rule.mode == "all":
            holds = all(r.met for r in reasons)
        else:
            holds = any(r.met for r in reasons)
        if holds:
            if rule.mode == "any":
                met = [r for r in reasons if r.met]
            else:
                met = reasons
            missed: list[Reason] = []
            rank = rules.class_rank(rule.classification)
            for earlier, _held, earlier_reasons in reversed(evaluated):
                if rules.class_rank(earlier.classification) < rank:
                    missed = [r for r in earlier_reasons if not r.met]
                    break
            return Outcome(rule.classification, rule.id, met, missed)
        evaluated.append((rule, holds, reasons))
    raise AssertionError("a validated rule set ends with otherwise")  # pragma: no cover


# --- reasons as text --------------------------------------------------------------------------------

_NEGATION = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
    "in": "not_in",
    "not_in": "in",
}
_SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_LABELS = {
    "vi": {
        "index": "Chỉ số CCHC",
        "min_field": "Lĩnh vực thấp nhất",
        "remedial_completion": "Tỷ lệ hoàn thành nhiệm vụ khắc phục",
        "field": "Lĩnh vực",
        "class": "Xếp loại CCHC",
        "in": "thuộc",
        "not_in": "không thuộc",
        "overdue": "hồ sơ quá hạn",
        "no_data": {
            "index": "Không có chỉ số CCHC",
            "min_field": "Không có chỉ số lĩnh vực",
            "field": "Không có chỉ số lĩnh vực",
            "class": "Không có xếp loại CCHC",
            "overdue_dossiers": "Không có dữ liệu hồ sơ quá hạn",
            "remedial_completion": "Không có kế hoạch khắc phục",
        },
        "ignored": "điều kiện được bỏ qua",
        "counted_met": "coi như đạt",
        "counted_not_met": "coi như không đạt",
    },
    "en": {
        "index": "PAR index",
        "min_field": "Lowest field",
        "remedial_completion": "Remedial tasks done",
        "field": "Field",
        "class": "PAR class",
        "in": "in",
        "not_in": "not in",
        "overdue": "overdue dossier(s)",
        "no_data": {
            "index": "No PAR index",
            "min_field": "No field index",
            "field": "No field index",
            "class": "No PAR class",
            "overdue_dossiers": "No data on overdue dossiers",
            "remedial_completion": "No remedial plan",
        },
        "ignored": "condition ignored",
        "counted_met": "counted as met",
        "counted_not_met": "counted as not met",
    },
}


def _lang(lang: str) -> str:
    if lang not in _LABELS:
        raise ValueError(f"unknown language {lang!r}: use 'vi' or 'en'")
    return lang


def _threshold(value: float, lang: str) -> str:
    if abs(value - round(value)) <= EPS:
        return fmt_number(round(value), 0, lang)
    return fmt_number(value, 2, lang)


def reason_text(reason: Reason, lang: str = "vi") -> str:
    """One reason as a sentence fragment. A condition that did not hold is stated with the
    opposite operator ("Chỉ số CCHC 78,20% < 80%" for a rule asking ≥ 80)."""
    labels = _LABELS[_lang(lang)]
    field_label = FIELD_LABELS[lang].get(reason.detail, reason.detail)
    if reason.missing:
        group = "field" if reason.metric.startswith("field.") else reason.metric
        text = labels["no_data"].get(group, reason.metric)
        if reason.metric.startswith("field."):
            text += f" “{field_label}”"
        if reason.when_missing == "ignore":
            how = labels["ignored"]
        else:
            how = labels["counted_met"] if reason.met else labels["counted_not_met"]
        return f"{text} ({how})"
    op = reason.op if reason.met else _NEGATION[reason.op]
    if reason.metric == CLASS_METRIC:
        listed = ", ".join(reason.threshold)  # type: ignore[arg-type]
        return f"{labels['class']} “{reason.actual}” {labels[op]} {listed}"
    symbol = _SYMBOL[op]
    threshold = _threshold(float(reason.threshold), lang)  # type: ignore[arg-type]
    if reason.metric == "overdue_dossiers":
        count = fmt_number(reason.actual, 0, lang)  # type: ignore[arg-type]
        return f"{count} {labels['overdue']} ({symbol} {threshold})"
    actual = fmt_number(reason.actual, 2, lang)  # type: ignore[arg-type]
    if reason.metric == "index":
        label = labels["index"]
    elif reason.metric == "min_field":
        label = f"{labels['min_field']} ({field_label})"
    elif reason.metric == "remedial_completion":
        label = labels["remedial_completion"]
    else:
        label = f"{labels['field']} {field_label}"
    return f"{label} {actual}% {symbol} {threshold}%"


def _join(reasons: Sequence[Reason], lang: str) -> str:
    return "; ".join(reason_text(r, lang) for r in reasons)


def classify_heads(units: pd.DataFrame, rules: HeadRuleSet, *, lang: str = "vi") -> pd.DataFrame:
    """Classify the head of each unit.

    `units`: unit_code (required), unit_name, index_pct, class, field_<code>_pct...,
    overdue_dossiers (count; empty = no data), remedial_completion (share 0–1; empty = no
    plan). Returns, one row per unit in the order given: unit_code, unit_name, index_pct,
    class, overdue_dossiers, remedial_completion, classification (class key),
    classification_name, rule_id, reasons (why not higher, then why this class; text),
    missed, met (the two parts), and `details`: the `Outcome` (structured reasons).
    """
    _lang(lang)
    if "unit_code" not in units.columns:
        raise InputError([Problem("units", "header", "unit_code", "missing column")])
    rows = []
    for record in units.to_dict("records"):
        outcome = classify_row(record, rules)
        missed = _join(outcome.missed, lang)
        met = _join(outcome.met, lang)
        rows.append(
            {
                "unit_code": str(record["unit_code"]),
                "unit_name": record.get("unit_name", ""),
                "index_pct": _value(record, "index_pct"),
                "class": record.get("class", ""),
                "overdue_dossiers": _value(record, "overdue_dossiers"),
                "remedial_completion": _value(record, "remedial_completion"),
                "classification": outcome.classification,
                "classification_name": rules.class_name(outcome.classification),
                "rule_id": outcome.rule_id,
                "reasons": "; ".join(p for p in (missed, met) if p),
                "missed": missed,
                "met": met,
                "details": outcome,
            }
        )
    return pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "details"])
