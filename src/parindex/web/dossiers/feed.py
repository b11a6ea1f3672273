"""A PAR framework leaf valued from a service-index metric (the 766 catalogue).

The metrics are computed from the dossier store for the campaign's year over the campaign's
root subtree (`services.compute_counts`, i.e. `compute_metrics`); each unit's ratio
numerator / denominator is shown first and written, on confirmation, into the appraised
track of the chosen leaf with the history reason "from dossier data":

- bands and linear leaves get the ratio (0–1);
- formula leaves get their inputs: the formula must declare exactly two inputs, the first
  receives the metric's numerator and the second its denominator (e.g. inputs
  ``[on_time, received]`` of ``on_time / received * max_points``).

Units with no dossier counted (denominator 0) are left alone. Only an OPEN campaign is fed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parindex.dossiers import Period, load_default_catalogue
from parindex.errors import InputError
from parindex.scoring.inputs import prepare_inputs
from parindex.web.campaigns.models import Assessment, Campaign, LeafValue, Track
from parindex.web.campaigns.services import INPUT_COLUMNS, WorkflowError
from parindex.web.campaigns.values import LeafSpec, number_text
from parindex.web.dossiers import services

REASON_FROM_DOSSIERS = gettext_noop("from dossier data")
FEED_RULES = ("formula", "bands", "linear")


class FeedError(WorkflowError):
    """A feed the rules do not allow; `message` is for the user."""


@dataclass
class MetricRow:
    assessment: Assessment
    numerator: float = 0.0
    denominator: float = 0.0
    value: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    current: str = ""
    skip: str = ""
    changed: bool = False

    @property
    def unit(self):
        return self.assessment.unit

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator > 0 else None


@dataclass
class MetricPlan:
    campaign: Campaign
    leaf: LeafSpec
    metric: Any  # CatalogueMetric
    rows: list[MetricRow]
    problems: list[str] = field(default_factory=list)

    @property
    def to_write(self) -> list[MetricRow]:
        return [r for r in self.rows if not r.skip and r.changed]


def metric_choices() -> list[tuple[str, str]]:
    return [(m.code, f"{m.number} {m.name_vi}") for m in load_default_catalogue().metrics]


def feed_leaves(campaign: Campaign) -> list[LeafSpec]:
    return [leaf for leaf in campaign.spec().leaves if leaf.rule_type in FEED_RULES]


def feed_refusal(campaign: Campaign) -> str | None:
    if campaign.status != Campaign.Status.OPEN:
        return _("Only an open campaign can take values from the dossier data.")
    return None


def campaign_counts(campaign: Campaign) -> pd.DataFrame:
    """compute_metrics over the store for the campaign's year and root subtree."""
    return services.compute_counts(campaign.root_unit, Period(campaign.year))


def plan_feed(campaign: Campaign, leaf_code: str, metric_code: str) -> MetricPlan:
    leaf = campaign.spec().by_code.get(leaf_code)
    if leaf is None or leaf.rule_type not in FEED_RULES:
        raise FeedError(
            _("Criterion %(code)s is not scored by a formula, bands or a linear rule.")
            % {"code": leaf_code}
        )
    if leaf.rule_type == "formula" and len(leaf.input_names) != 2:
        raise FeedError(
            _(
                "The formula of %(code)s must have two inputs (numerator, denominator); "
                "it has: %(names)s."
            )
            % {"code": leaf.code, "names": ", ".join(leaf.input_names) or "—"}
        )
    catalogue = load_default_catalogue()
    code = catalogue.lookup().get(str(metric_code))
    if not code:
        raise FeedError(_("Unknown metric %(code)s.") % {"code": metric_code})
    metric = catalogue.metric(code)
    counts = campaign_counts(campaign)
    sel = counts[counts["metric"].astype(str) == metric.code]
    by_unit = {
        str(u): (float(n), float(d))
        for u, n, d in zip(sel["unit_code"], sel["numerator"], sel["denominator"], strict=True)
    }
    current = {
        lv.assessment_id: lv
        for lv in LeafValue.objects.filter(assessment__campaign=campaign, leaf_code=leaf.code)
    }
    plan = MetricPlan(campaign, leaf, metric, [])
    for assessment in campaign.assessments.select_related("unit").order_by("unit__code"):
        num, den = by_unit.get(assessment.unit.code, (0.0, 0.0))
        row = MetricRow(assessment, num, den)
        lv = current.get(assessment.pk)
        if lv is not None and lv.is_appraised:
            row.current = leaf.display(lv.appraised_value, lv.appraised_inputs or {})
        if den <= 0:
            row.skip = _("No dossier counted.")
        elif leaf.rule_type == "formula":
            first, second = leaf.input_names
            row.inputs = {first: number_text(num), second: number_text(den)}
        else:
            row.value = number_text(num / den)
        if not row.skip:
            row.changed = not (
                lv is not None
                and lv.is_appraised
                and (lv.appraised_value or "") == row.value
                and {k: str(v) for k, v in (lv.appraised_inputs or {}).items()} == row.inputs
            )
        plan.rows.append(row)
    plan.problems = _core_problems(plan)
    return plan


def _core_problems(plan: MetricPlan) -> list[str]:
    rows: list[dict[str, Any]] = []
    for row in plan.rows:
        if row.skip:
            continue
        pairs = row.inputs.items() if row.inputs else [("", row.value)]
        rows += [
            {"unit_code": row.unit.code, "criterion_code": plan.leaf.code, "value": v,
             "input": n, "track": Track.APPRAISED, "applicable": True}
            for n, v in pairs
        ]  # fmt: skip
    if not rows:
        return []
    try:
        prepare_inputs(
            pd.DataFrame(rows, columns=INPUT_COLUMNS),
            plan.campaign.framework(),
            sorted({r["unit_code"] for r in rows}),
            known_units=False,
            source=plan.leaf.code,
        )
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


def apply_feed(campaign: Campaign, leaf_code: str, metric_code: str, *, user: Any) -> int:
    """Write the plan into the appraised track (reason "from dossier data"); returns the
    number of values written (values already equal are left alone)."""
    stamp = timezone.now()
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        refusal = feed_refusal(campaign)
        if refusal:
            raise FeedError(refusal)
        plan = plan_feed(campaign, leaf_code, metric_code)
        if plan.problems:
            raise FeedError(_("The values were not written."), plan.problems)
        existing = {
            lv.assessment_id: lv
            for lv in LeafValue.objects.select_for_update().filter(
                assessment__campaign=campaign, leaf_code=plan.leaf.code
            )
        }
        note = _("From dossier data: metric %(metric)s %(name)s.") % {
            "metric": plan.metric.number,
            "name": plan.metric.name_vi,
        }
        to_create, to_update = [], []
        for row in plan.to_write:
            lv = existing.get(row.assessment.pk)
            if lv is None:
                lv = LeafValue(assessment=row.assessment, leaf_code=plan.leaf.code)
                to_create.append(lv)
            else:
                to_update.append(lv)
            lv.appraised_value = row.value
            lv.appraised_inputs = dict(row.inputs)
            lv.appraisal_reason = (
                f"{note} {number_text(row.numerator)}/{number_text(row.denominator)}"
            )
            lv.appraised_at, lv.appraised_by = stamp, actor
            lv.appraised_round = row.assessment.round
        fields = ["appraised_value", "appraised_inputs", "appraisal_reason", "appraised_at",
                  "appraised_by", "appraised_round"]  # fmt: skip
        if to_create:
            bulk_create_with_history(
                to_create, LeafValue, batch_size=1000, default_user=actor,
                default_change_reason=REASON_FROM_DOSSIERS,
            )  # fmt: skip
        if to_update:
            bulk_update_with_history(
                to_update, LeafValue, fields, batch_size=1000, default_user=actor,
                default_change_reason=REASON_FROM_DOSSIERS,
            )  # fmt: skip
    return len(to_create) + len(to_update)
