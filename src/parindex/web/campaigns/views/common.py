"""What the campaign views share: finding the unit an object belongs to (for
`unit_scoped`), the rows and totals the self-assessment and appraisal pages render, and
answering a refused step the same way everywhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from parindex.web.accounts.rules import AppraisalTarget
from parindex.web.campaigns import services
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    Evidence,
    ExplanationRequest,
    LeafValue,
)
from parindex.web.campaigns.values import FieldSpec, LeafSpec
from parindex.web.units.models import Unit

# --- the unit behind an object (for unit_scoped(get_unit=...)) ---------------------------------


def campaign_root(request: HttpRequest, campaign_id: int, **kwargs: Any) -> Unit:
    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), pk=campaign_id)
    request.campaign = campaign
    return campaign.root_unit


def assessment_unit(request: HttpRequest, assessment_id: int, **kwargs: Any) -> Unit:
    assessment = get_object_or_404(
        Assessment.objects.select_related("campaign", "campaign__root_unit", "unit"),
        pk=assessment_id,
    )
    request.assessment = assessment
    return assessment.unit


def evidence_unit(request: HttpRequest, evidence_id: int, **kwargs: Any) -> Unit:
    evidence = get_object_or_404(
        Evidence.objects.select_related(
            "leaf_value__assessment__unit",
            "leaf_value__assessment__campaign",
            "explanation_request",
        ),
        pk=evidence_id,
    )
    request.evidence = evidence
    return evidence.leaf_value.assessment.unit


def request_unit(request: HttpRequest, request_id: int, **kwargs: Any) -> Unit:
    explanation = get_object_or_404(
        ExplanationRequest.objects.select_related(
            "leaf_value__assessment__unit", "leaf_value__assessment__campaign"
        ),
        pk=request_id,
    )
    request.explanation_request = explanation
    return explanation.leaf_value.assessment.unit


# --- answering ------------------------------------------------------------------------------------


def refuse(
    request: HttpRequest,
    message: str,
    to: str,
    problems: Iterable[str] = (),
    template: str = "campaigns/_notice.html",
    context: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """A step was refused: a notice in place (htmx) or a message on the page we return to."""
    problems = list(problems)
    if request.htmx:
        ctx = {"message": message, "problems": problems, "level": "error", **(context or {})}
        return render(request, template, ctx)
    messages.error(request, message)
    for problem in problems[:20]:
        messages.error(request, problem)
    return redirect(to)


def may_appraise_field(user: Any, unit: Unit, field_code: str) -> bool:
    return user.has_perm("parindex.appraise_field", AppraisalTarget(unit, field_code))


# --- rows and totals of the leaf pages ----------------------------------------------------------


@dataclass
class LeafRow:
    spec: LeafSpec
    lv: LeafValue | None
    evidence: list[Evidence] = field(default_factory=list)
    requests: list[ExplanationRequest] = field(default_factory=list)
    self_points: float | None = None
    appraised_points: float | None = None
    may_appraise: bool = False

    # self track
    @property
    def value(self) -> str:
        return self.lv.self_value if self.lv else ""

    @property
    def inputs(self) -> dict[str, Any]:
        return (self.lv.self_inputs or {}) if self.lv else {}

    @property
    def na(self) -> bool:
        return bool(self.lv and self.lv.not_applicable)

    @property
    def explanation(self) -> str:
        return self.lv.explanation if self.lv else ""

    @property
    def widget_value(self) -> str:
        return self.spec.widget_value(self.value)

    @property
    def input_pairs(self) -> list[tuple[str, str]]:
        return [(n, str(self.inputs.get(n, ""))) for n in self.spec.input_names]

    @property
    def display(self) -> str:
        return self.spec.display(self.value, self.inputs)

    @property
    def filled(self) -> bool:
        return self.spec.filled(self.value, self.inputs, self.na)

    @property
    def file_evidence(self) -> list[Evidence]:
        return [e for e in self.evidence if e.explanation_request_id is None]

    # appraised track
    @property
    def is_appraised(self) -> bool:
        return bool(self.lv and self.lv.is_appraised)

    @property
    def survey_display(self) -> str:
        if self.lv and self.lv.is_appraised:
            return self.spec.display(self.lv.appraised_value)
        return ""

    @property
    def appraised_value(self) -> str:
        """What the appraisal widget starts with: the appraised value, else the self one."""
        if self.is_appraised:
            return self.lv.appraised_value
        return self.value

    @property
    def appraised_inputs(self) -> dict[str, Any]:
        if self.is_appraised:
            return self.lv.appraised_inputs or {}
        return self.inputs

    @property
    def appraised_widget_value(self) -> str:
        return self.spec.widget_value(self.appraised_value)

    @property
    def appraised_input_pairs(self) -> list[tuple[str, str]]:
        return [(n, str(self.appraised_inputs.get(n, ""))) for n in self.spec.input_names]

    @property
    def appraised_display(self) -> str:
        if not self.is_appraised:
            return ""
        return self.spec.display(self.lv.appraised_value, self.lv.appraised_inputs)

    @property
    def appraised_na(self) -> bool | None:
        return self.lv.appraised_not_applicable if self.lv else None

    @property
    def effective_na(self) -> bool:
        return bool(self.lv and self.lv.effective_not_applicable)

    @property
    def differs(self) -> bool:
        if not self.is_appraised or self.spec.is_survey:
            return False
        return services.differs_from_self(
            self.spec,
            self.lv,
            self.lv.appraised_value,
            self.lv.appraised_inputs or {},
            self.lv.appraised_not_applicable,
        )

    @property
    def open_requests(self) -> list[ExplanationRequest]:
        return [r for r in self.requests if r.status == ExplanationRequest.Status.OPEN]


@dataclass
class FieldRow:
    spec: FieldSpec
    items: list[tuple[str, Any, int]]
    filled: int
    total: int
    self_points: float | None
    points: float | None
    max_points: float | None

    @property
    def self_pct(self) -> float | None:
        if self.self_points is None or not self.max_points:
            return None
        return self.self_points / self.max_points * 100

    @property
    def pct(self) -> float | None:
        if self.points is None or not self.max_points:
            return None
        return self.points / self.max_points * 100

    @property
    def progress_pct(self) -> int:
        return round(self.filled / self.total * 100) if self.total else 100


@dataclass
class Sheet:
    """Everything the self-assessment and appraisal pages show for one unit."""

    assessment: Assessment
    rows: dict[str, LeafRow]
    fields: list[FieldRow]
    scores: services.UnitScores
    filled: int
    total: int

    @property
    def progress_pct(self) -> int:
        return round(self.filled / self.total * 100) if self.total else 100


def build_sheet(
    assessment: Assessment,
    *,
    user: Any = None,
    with_requests: bool = False,
    only: Iterable[str] | None = None,
) -> Sheet:
    """Rows for every leaf (or only the leaves `only`), field totals and the core's scores."""
    campaign = assessment.campaign
    spec = campaign.spec()
    values = {lv.leaf_code: lv for lv in assessment.values.select_related("appraised_by")}
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    wanted = set(only) if only is not None else None
    ev_query = Evidence.objects.filter(leaf_value__assessment=assessment).select_related(
        "leaf_value", "uploaded_by"
    )
    if wanted is not None:
        ev_query = ev_query.filter(leaf_value__leaf_code__in=wanted)
    for ev in ev_query:
        evidence[ev.leaf_value.leaf_code].append(ev)
    requests: dict[str, list[ExplanationRequest]] = defaultdict(list)
    if with_requests:
        req_query = ExplanationRequest.objects.filter(
            leaf_value__assessment=assessment
        ).select_related("leaf_value", "requested_by", "responded_by")
        for req in req_query:
            requests[req.leaf_value.leaf_code].append(req)
    scores = services.unit_scores(assessment, values)
    allowed_fields = {
        f.code: user is not None and may_appraise_field(user, assessment.unit, f.code)
        for f in spec.fields
    }
    rows: dict[str, LeafRow] = {}
    for leaf in spec.leaves:
        if wanted is not None and leaf.code not in wanted:
            continue
        rows[leaf.code] = LeafRow(
            spec=leaf,
            lv=values.get(leaf.code),
            evidence=evidence.get(leaf.code, []),
            requests=requests.get(leaf.code, []),
            self_points=scores.leaf_points.get("self", {}).get(leaf.code),
            appraised_points=scores.leaf_points.get("appraised", {}).get(leaf.code),
            may_appraise=allowed_fields.get(leaf.field_code, False),
        )
    field_rows = []
    filled_total = required_total = 0
    for fspec in spec.fields:
        required = fspec.required_leaves
        filled = sum(
            1
            for leaf in required
            if leaf.filled(
                values[leaf.code].self_value if leaf.code in values else "",
                values[leaf.code].self_inputs if leaf.code in values else {},
                values[leaf.code].not_applicable if leaf.code in values else False,
            )
        )
        filled_total += filled
        required_total += len(required)
        if fspec.block == "main":
            node = scores.nodes.get(fspec.code, {})
            self_points, points, max_points = (
                node.get("self_points"),
                node.get("points"),
                node.get("max_points"),
            )
        else:
            self_points = _block_sum(scores, "self", fspec)
            points = _block_sum(scores, "appraised", fspec)
            max_points = fspec.max_points
        items = []
        for kind, item, depth in fspec.rows:
            if kind == "leaf":
                if item.code in rows:
                    items.append(("leaf", rows[item.code], depth))
            else:
                items.append((kind, item, depth))
        field_rows.append(
            FieldRow(fspec, items, filled, len(required), self_points, points, max_points)
        )
    return Sheet(assessment, rows, field_rows, scores, filled_total, required_total)


def _block_sum(scores: services.UnitScores, track: str, fspec: FieldSpec) -> float | None:
    points = [scores.leaf_points.get(track, {}).get(leaf.code) for leaf in fspec.leaves]
    given = [p for p in points if p is not None]
    if not given:
        return None
    return min(sum(given), fspec.max_points)
