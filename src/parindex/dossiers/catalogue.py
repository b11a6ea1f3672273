"""The service-index catalogue (Decision 766) as versioned data, and the packaged
reference data of the dossiers package.

The catalogue lists the portal's 6 groups and their metrics with each metric's maximum,
scoring rule (`linear`, `full_at` a threshold, or `reported` = shown, not scored) and what a
zero denominator gives (`zero` or `full`). Thresholds are data, so a change in the portal's
method is a new catalogue version, not a code change.

`catalogue_from_dict` validates everything and raises one `InputError` listing every
problem. `load_default_catalogue()` and `load_default_exceptions()` read package data via
`importlib.resources` (the only reading done in this module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

import yaml

from parindex.dossiers.calendar import CalendarException, parse_exceptions_csv
from parindex.errors import InputError, Problem

RULES = ("linear", "full_at", "reported")
ZERO_DENOMINATOR = ("zero", "full")
DEFAULT_CATALOGUE = "service_index_766_v1.yaml"
DEFAULT_EXCEPTIONS = "vn_exceptions.csv"


@dataclass(frozen=True)
class CatalogueGroup:
    code: str
    name_vi: str
    max: Decimal


@dataclass(frozen=True)
class CatalogueMetric:
    code: str
    number: str | None  # the portal's number, e.g. "2.1"; None when it has none
    group: str
    name_vi: str
    max: Decimal
    rule: str  # linear | full_at | reported
    threshold: Decimal | None = None  # full_at only, a fraction in (0, 1]
    zero_denominator: str = "zero"  # zero | full
    numerator: str = ""  # what is counted
    denominator: str = ""
    note: str | None = None

    @property
    def scored(self) -> bool:
        return self.rule != "reported"


@dataclass
class ServiceCatalogue:
    id: str
    version: str
    name: str
    source: str
    max_points: Decimal
    groups: list[CatalogueGroup] = field(default_factory=list)
    metrics: list[CatalogueMetric] = field(default_factory=list)

    def metric(self, code: str) -> CatalogueMetric:
        for m in self.metrics:
            if m.code == code:
                return m
        raise KeyError(code)

    def group(self, code: str) -> CatalogueGroup:
        for g in self.groups:
            if g.code == code:
                return g
        raise KeyError(code)

    def metrics_of(self, group_code: str) -> list[CatalogueMetric]:
        return [m for m in self.metrics if m.group == group_code]

    def lookup(self) -> dict[str, str]:
        """Metric code and portal number → metric code (both accepted in inputs)."""
        out = {m.code: m.code for m in self.metrics}
        out.update({m.number: m.code for m in self.metrics if m.number})
        return out


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"'{value}' is not a number") from exc
    if not d.is_finite():
        raise ValueError(f"'{value}' is not a finite number")
    return d


def _text(d: dict, key: str, problems: list[Problem], source: str, loc: str, required=True):
    value = d.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(source, loc, key, "required"))
        return None
    return str(value).strip()


def catalogue_from_dict(d: Any, source: str = "catalogue") -> ServiceCatalogue:
    """Build and validate a catalogue from its YAML mapping; every problem in one error."""
    problems: list[Problem] = []
    if not isinstance(d, dict):
        raise InputError([Problem(source, "top", "", "the catalogue must be a mapping")])
    cat_id = _text(d, "id", problems, source, "top")
    version = _text(d, "version", problems, source, "top")
    name = _text(d, "name", problems, source, "top", required=False) or ""
    src = _text(d, "source", problems, source, "top")
    max_points = Decimal(100)
    if "max_points" in d:
        try:
            max_points = _decimal(d["max_points"])
        except ValueError as exc:
            problems.append(Problem(source, "top", "max_points", str(exc)))
    rounding = d.get("rounding") or {}
    if rounding and (
        rounding.get("decimals", 2) != 2 or rounding.get("mode", "half_up") != "half_up"
    ):
        problems.append(
            Problem(source, "top", "rounding", "only decimals: 2, mode: half_up is supported")
        )

    groups: list[CatalogueGroup] = []
    raw_groups = d.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        problems.append(Problem(source, "top", "groups", "a non-empty list is required"))
        raw_groups = []
    for i, g in enumerate(raw_groups, start=1):
        loc = f"group {i}"
        if not isinstance(g, dict):
            problems.append(Problem(source, loc, "", "must be a mapping"))
            continue
        code = _text(g, "code", problems, source, loc)
        loc = f"group {code or i}"
        gname = _text(g, "name_vi", problems, source, loc)
        try:
            gmax = _decimal(g.get("max"))
            if gmax < 0:
                raise ValueError("must be >= 0")
        except ValueError as exc:
            problems.append(Problem(source, loc, "max", str(exc)))
            gmax = None
        if code and any(x.code == code for x in groups):
            problems.append(Problem(source, loc, "code", "duplicate group code"))
            continue
        if code and gname is not None and gmax is not None:
            groups.append(CatalogueGroup(code, gname, gmax))
    group_codes = {g.code for g in groups}

    metrics: list[CatalogueMetric] = []
    raw_metrics = d.get("metrics")
    if not isinstance(raw_metrics, list) or not raw_metrics:
        problems.append(Problem(source, "top", "metrics", "a non-empty list is required"))
        raw_metrics = []
    seen_numbers: set[str] = set()
    for i, m in enumerate(raw_metrics, start=1):
        loc = f"metric {i}"
        if not isinstance(m, dict):
            problems.append(Problem(source, loc, "", "must be a mapping"))
            continue
        code = _text(m, "code", problems, source, loc)
        loc = f"metric {code or i}"
        ok = code is not None
        number = m.get("number")
        number = (
            None if number is None or str(number).strip() in ("", "—", "-") else str(number).strip()
        )
        if number is not None:
            if number in seen_numbers:
                problems.append(Problem(source, loc, "number", f"duplicate number {number}"))
                ok = False
            seen_numbers.add(number)
        group = _text(m, "group", problems, source, loc)
        if group is not None and group not in group_codes and raw_groups:
            problems.append(Problem(source, loc, "group", f"unknown group '{group}'"))
            ok = False
        mname = _text(m, "name_vi", problems, source, loc)
        try:
            mmax = _decimal(m.get("max"))
            if mmax < 0:
                raise ValueError("must be >= 0")
        except ValueError as exc:
            problems.append(Problem(source, loc, "max", str(exc)))
            mmax, ok = None, False
        rule = m.get("rule")
        threshold = None
        if rule not in RULES:
            problems.append(
                Problem(source, loc, "rule", f"'{rule}' is not one of {', '.join(RULES)}")
            )
            ok = False
        elif rule == "full_at":
            try:
                threshold = _decimal(m.get("threshold"))
                if not Decimal(0) < threshold <= Decimal(1):
                    raise ValueError("must be a fraction in (0, 1]")
            except ValueError as exc:
                problems.append(Problem(source, loc, "threshold", str(exc)))
                ok = False
        elif m.get("threshold") is not None:
            problems.append(Problem(source, loc, "threshold", f"only for rule full_at, not {rule}"))
            ok = False
        if rule == "reported" and mmax is not None and mmax != 0:
            problems.append(Problem(source, loc, "max", "a reported metric has max 0"))
            ok = False
        zero = m.get("zero_denominator", "zero")
        if zero not in ZERO_DENOMINATOR:
            problems.append(
                Problem(source, loc, "zero_denominator", f"'{zero}' is not one of zero, full")
            )
            ok = False
        if code and any(x.code == code for x in metrics):
            problems.append(Problem(source, loc, "code", "duplicate metric code"))
            ok = False
        if ok and group and mname is not None:
            metrics.append(
                CatalogueMetric(
                    code=code,
                    number=number,
                    group=group,
                    name_vi=mname,
                    max=mmax,
                    rule=rule,
                    threshold=threshold,
                    zero_denominator=zero,
                    numerator=str(m.get("numerator") or "").strip(),
                    denominator=str(m.get("denominator") or "").strip(),
                    note=(str(m["note"]).strip() if m.get("note") else None),
                )
            )
    metric_codes = {m.code for m in metrics}
    clash = sorted(metric_codes & (group_codes | {"total"}))
    for c in clash:
        problems.append(Problem(source, f"metric {c}", "code", "same code as a group or 'total'"))

    if not problems:
        for g in groups:
            total = sum((m.max for m in metrics if m.group == g.code), Decimal(0))
            if total != g.max:
                problems.append(
                    Problem(
                        source, f"group {g.code}", "max", f"metrics add up to {total}, not {g.max}"
                    )
                )
        total = sum((g.max for g in groups), Decimal(0))
        if total != max_points:
            problems.append(
                Problem(source, "top", "max_points", f"groups add up to {total}, not {max_points}")
            )
    if problems:
        raise InputError(problems)
    return ServiceCatalogue(
        id=cat_id,
        version=version,
        name=name,
        source=src,
        max_points=max_points,
        groups=groups,
        metrics=metrics,
    )


def catalogue_from_yaml(text: str, source: str = "catalogue") -> ServiceCatalogue:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError([Problem(source, "yaml", "", str(exc).replace("\n", " "))]) from exc
    return catalogue_from_dict(data, source)


def _package_text(*parts: str) -> str:
    return resources.files("parindex").joinpath("data", *parts).read_text(encoding="utf-8")


def load_default_catalogue() -> ServiceCatalogue:
    """The packaged Decision 766 catalogue (portal groups), version 1."""
    return catalogue_from_yaml(_package_text("catalogues", DEFAULT_CATALOGUE), DEFAULT_CATALOGUE)


def load_default_exceptions() -> list[CalendarException]:
    """The packaged Vietnam calendar exceptions (days the `holidays` package lacks)."""
    return parse_exceptions_csv(_package_text("calendar", DEFAULT_EXCEPTIONS), DEFAULT_EXCEPTIONS)
