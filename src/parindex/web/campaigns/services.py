"""The campaign workflow: every rule about who may change what, and when, lives here.

Pure functions on models — no request objects. Views check *who* (permissions on units,
`parindex.appraise_field` on fields) and then call these, which check *when* (campaign
status, windows and exceptions, assessment status, rounds) and raise `WorkflowError` with
a message for the user when a step is not allowed. Every change is saved with its author
and a reason in the history (django-simple-history `history_change_reason`).

Scoring is always done by the core: `inputs_frame` turns LeafValues into the long inputs
table of docs/ARCHITECTURE.md and `parindex.scoring.score` does the rest — for one unit
(the running totals of the self-assessment form, the appraisal page) and for all units at
finalisation, whose results are written to `UnitResult` / `NodeResult`.

The appraised track of a leaf is its appraised value once an appraiser set it
(`appraised_at`); until then, for a submitted assessment, the self-assessed value stands
(appraisers accept a value by leaving it, or explicitly with "accept"). Survey leaves
take the imported survey value on both tracks (the core does this for the self track).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parindex.errors import InputError, Problem
from parindex.framework import dump_yaml
from parindex.framework.model import Framework
from parindex.scoring import score
from parindex.scoring.engine import leaf_points
from parindex.scoring.inputs import FALSE_WORDS, prepare_inputs
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    CampaignWindow,
    Evidence,
    ExplanationRequest,
    LeafValue,
    NodeResult,
    Track,
    UnitResult,
    WindowException,
    WindowKind,
)
from parindex.web.campaigns.uploads import check_upload
from parindex.web.campaigns.values import LeafSpec, framework_spec, number_text, parse_decimal
from parindex.web.units.models import Unit, UnitPredecessor, today

INPUT_COLUMNS = ["unit_code", "criterion_code", "value", "input", "track", "applicable"]
ACTIVE = (Assessment.Status.NOT_STARTED, Assessment.Status.IN_PROGRESS)
SUBMITTED = (Assessment.Status.SUBMITTED, Assessment.Status.APPRAISED)

# Reasons recorded by the system (stored in English, shown translated; see `show_reason`).
REASON_CREATED = gettext_noop("campaign created")
REASON_SCOPE = gettext_noop("units in scope changed")
REASON_WINDOWS = gettext_noop("windows changed")
REASON_SETTINGS = gettext_noop("settings changed")
REASON_OPENED = gettext_noop("campaign opened")
REASON_SELF = gettext_noop("self-assessment")
REASON_STARTED = gettext_noop("first value entered")
REASON_SUBMITTED = gettext_noop("submitted by the head of unit")
REASON_ACCEPTED = gettext_noop("appraisal: self-assessed value accepted")
REASON_APPRAISAL_DONE = gettext_noop("appraisal completed")
REASON_ROUND_2 = gettext_noop("appraisal round 2 started")
REASON_EXPLANATION_ASKED = gettext_noop("explanation requested")
REASON_EXPLANATION_ANSWERED = gettext_noop("explanation answered")
REASON_EVIDENCE_ADDED = gettext_noop("evidence added")
REASON_EVIDENCE_REMOVED = gettext_noop("evidence removed")
REASON_FINALISED = gettext_noop("campaign finalised")
REASON_PUBLISHED = gettext_noop("results published")
REASON_SURVEY = gettext_noop("survey values imported")
REASON_IMPORTED = gettext_noop("values imported")
SYSTEM_REASONS = {
    REASON_CREATED,
    REASON_SCOPE,
    REASON_WINDOWS,
    REASON_SETTINGS,
    REASON_OPENED,
    REASON_SELF,
    REASON_STARTED,
    REASON_SUBMITTED,
    REASON_ACCEPTED,
    REASON_APPRAISAL_DONE,
    REASON_ROUND_2,
    REASON_EXPLANATION_ASKED,
    REASON_EXPLANATION_ANSWERED,
    REASON_EVIDENCE_ADDED,
    REASON_EVIDENCE_REMOVED,
    REASON_FINALISED,
    REASON_PUBLISHED,
    REASON_SURVEY,
    REASON_IMPORTED,
}


class WorkflowError(Exception):
    """A step the campaign's rules do not allow (now); `message` is for the user."""

    def __init__(self, message: Any, problems: Sequence[str] = ()):
        super().__init__(str(message))
        self.message = str(message)
        self.problems = list(problems)


def show_reason(reason: str | None) -> str:
    """A stored change reason for display: system reasons translated, people's verbatim."""
    if not reason:
        return ""
    head, sep, tail = reason.partition(": ")
    if reason in SYSTEM_REASONS:
        return _(reason)
    if sep and head in SYSTEM_REASONS:  # "survey values imported: file.csv"
        return f"{_(head)}: {tail}"
    return reason


def _stamp(obj: Any, user: Any, reason: str) -> Any:
    """Author and reason of the history record the next save() writes."""
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason
    return obj


def _now() -> dt.datetime:
    return timezone.now()


# --- windows ----------------------------------------------------------------------------------


def windows_of(campaign: Campaign) -> dict[str, CampaignWindow]:
    """The campaign's windows by kind (read each time: a few rows, never stale)."""
    return {w.kind: w for w in CampaignWindow.objects.filter(campaign_id=campaign.pk)}


def exception_until(campaign: Campaign, kind: str, unit: Unit) -> dt.date | None:
    """The latest date until which `unit` has an exception for `kind`, if any."""
    return (
        WindowException.objects.filter(campaign=campaign, kind=kind, unit=unit)
        .aggregate(until=Max("until"))
        .get("until")
    )


def window_open(
    campaign: Campaign,
    kind: str,
    unit: Unit | None = None,
    on: dt.date | None = None,
    *,
    windows: Mapping[str, CampaignWindow] | None = None,
) -> bool:
    """Is step `kind` open on `on` (default today) — for `unit`, honouring its exceptions?

    A window is open from `opens_on` to `closes_on`, both inclusive. An exception lets one
    unit act until its `until` date (it extends a window, it does not open one early).
    """
    on = on or today()
    window = (windows if windows is not None else windows_of(campaign)).get(kind)
    if window is not None and window.opens_on <= on <= window.closes_on:
        return True
    if unit is None:
        return False
    until = exception_until(campaign, kind, unit)
    if until is None or on > until:
        return False
    return window is None or on >= window.opens_on


@dataclass
class WindowState:
    kind: str
    label: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    exception_until: dt.date | None
    is_open: bool
    days_left: int | None  # days after today until the (effective) last day; 0 = last day
    opens_in: int | None

    @property
    def effective_close(self) -> dt.date | None:
        dates = [d for d in (self.closes_on, self.exception_until) if d]
        return max(dates) if dates else None


def window_states(campaign: Campaign, unit: Unit | None, on: dt.date | None = None) -> list:
    """Every step's dates for a unit, with days remaining (for the unit page)."""
    on = on or today()
    windows = windows_of(campaign)
    exceptions: dict[str, dt.date] = {}
    if unit is not None:
        for ex in WindowException.objects.filter(campaign=campaign, unit=unit):
            if ex.kind not in exceptions or ex.until > exceptions[ex.kind]:
                exceptions[ex.kind] = ex.until
    out = []
    for kind, label in WindowKind.choices:
        window = windows.get(kind)
        if window is None and kind not in exceptions:
            continue
        state = WindowState(
            kind=kind,
            label=str(label),
            opens_on=window.opens_on if window else None,
            closes_on=window.closes_on if window else None,
            exception_until=exceptions.get(kind),
            is_open=window_open(campaign, kind, unit, on, windows=windows),
            days_left=None,
            opens_in=None,
        )
        close = state.effective_close
        if state.is_open and close:
            state.days_left = (close - on).days
        elif state.opens_on and on < state.opens_on:
            state.opens_in = (state.opens_on - on).days
        out.append(state)
    return out


def set_windows(
    campaign: Campaign, dates: Mapping[str, tuple[dt.date | None, dt.date | None]], user: Any
) -> None:
    """Create, change or remove windows: kind → (opens_on, closes_on); (None, None) removes."""
    if campaign.status == Campaign.Status.PUBLISHED:
        raise WorkflowError(_("The campaign is published; its dates can no longer change."))
    with transaction.atomic():
        existing = {w.kind: w for w in campaign.windows.all()}
        for kind, (opens, closes) in dates.items():
            if kind not in WindowKind.values:
                continue
            window = existing.get(kind)
            if opens is None and closes is None:
                if window is not None:
                    _stamp(window, user, REASON_WINDOWS).delete()
                continue
            if opens is None or closes is None or closes < opens:
                raise WorkflowError(_("Give both dates; the last day cannot be before the first."))
            if window is None:
                window = CampaignWindow(campaign=campaign, kind=kind)
            elif window.opens_on == opens and window.closes_on == closes:
                continue
            window.opens_on, window.closes_on = opens, closes
            _stamp(window, user, REASON_WINDOWS).save()


def grant_exception(
    campaign: Campaign, unit: Unit, kind: str, until: dt.date, reason: str, user: Any
) -> WindowException:
    if not (reason or "").strip():
        raise WorkflowError(_("Give the reason for the exception."))
    if kind not in WindowKind.values:
        raise WorkflowError(_("Unknown step."))
    if not campaign.assessments.filter(unit=unit).exists():
        raise WorkflowError(_("This unit is not in the campaign."))
    if campaign.status == Campaign.Status.PUBLISHED:
        raise WorkflowError(_("The campaign is published."))
    exc = WindowException(
        campaign=campaign,
        unit=unit,
        kind=kind,
        until=until,
        reason=reason.strip(),
        granted_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _stamp(exc, user, reason.strip()).save()
    return exc


# --- creating a campaign and its scope --------------------------------------------------------


def candidate_units(campaign: Campaign):
    """Units of the framework's kind under the root that exist at some time in the year."""
    first, last = dt.date(campaign.year, 1, 1), dt.date(campaign.year, 12, 31)
    return (
        Unit.objects.subtree(campaign.root_unit)
        .filter(kind=campaign.unit_kind, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("peer_group", "code")
    )


def default_scope(campaign: Campaign):
    """The units of the framework's kind under the root in force on 31/12 of the year."""
    return candidate_units(campaign).in_force(dt.date(campaign.year, 12, 31))


def create_campaign(
    *,
    name: str,
    year: int,
    root_unit: Unit,
    framework: Framework,
    user: Any,
    previous: Campaign | None = None,
    scope: Iterable[Unit] | None = None,
) -> Campaign:
    """A draft campaign on a snapshot of `framework`, with its default scope."""
    text = dump_yaml(framework)
    framework_spec(text)  # the snapshot must read back (raises InputError); cached for later
    if previous is not None and previous.unit_kind != framework.unit_kind:
        raise WorkflowError(_("The previous campaign scored another kind of unit."))
    if Campaign.objects.filter(
        root_unit=root_unit, year=year, unit_kind=framework.unit_kind
    ).exists():
        raise WorkflowError(
            _("%(unit)s already has a campaign for %(year)s on this kind of unit.")
            % {"unit": root_unit.name, "year": year}
        )
    with transaction.atomic():
        campaign = Campaign(
            name=name.strip(),
            year=year,
            root_unit=root_unit,
            framework_id=framework.id,
            framework_version=framework.version,
            framework_name=framework.name[:255],
            unit_kind=framework.unit_kind,
            framework_yaml=text,
            previous=previous,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _stamp(campaign, user, REASON_CREATED).save()
        units = list(scope) if scope is not None else list(default_scope(campaign))
        set_scope(campaign, units, user)
    return campaign


def set_scope(campaign: Campaign, units: Iterable[Unit], user: Any) -> tuple[int, int]:
    """Make `units` the units in scope: (added, removed).

    Units can be added while the campaign is a draft or open; a unit can be removed only
    while nothing has been entered for it.
    """
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.OPEN):
        raise WorkflowError(_("Units can be changed only before the campaign is finalised."))
    wanted = {u.pk: u for u in units}
    candidates = set(candidate_units(campaign).values_list("pk", flat=True))
    outside = [u for pk, u in wanted.items() if pk not in candidates]
    if outside:
        raise WorkflowError(
            _("Not a unit of this kind under %(root)s in %(year)s: %(units)s")
            % {
                "root": campaign.root_unit.name,
                "year": campaign.year,
                "units": ", ".join(u.code for u in outside),
            }
        )
    codes: dict[str, int] = defaultdict(int)
    for u in wanted.values():
        codes[u.code] += 1
    twice = sorted(c for c, n in codes.items() if n > 1)
    if twice:
        raise WorkflowError(
            _("Two versions of the same unit cannot both be in scope: %(codes)s")
            % {"codes": ", ".join(twice)}
        )
    with transaction.atomic():
        current = {a.unit_id: a for a in campaign.assessments.all()}
        removed = [a for pk, a in current.items() if pk not in wanted]
        if removed:
            used = set(
                LeafValue.objects.filter(assessment__in=removed).values_list(
                    "assessment_id", flat=True
                )
            )
            blocked = [a for a in removed if a.pk in used or a.status not in ACTIVE]
            if blocked:
                raise WorkflowError(
                    _("These units already have values and cannot be removed: %(units)s")
                    % {"units": ", ".join(a.unit.code for a in blocked)}
                )
            for assessment in removed:
                _stamp(assessment, user, REASON_SCOPE).delete()
        new = [
            Assessment(campaign=campaign, unit=u) for pk, u in wanted.items() if pk not in current
        ]
        if new:
            bulk_create_with_history(
                new,
                Assessment,
                batch_size=500,
                default_user=user if getattr(user, "is_authenticated", False) else None,
                default_change_reason=REASON_SCOPE,
            )
    return len(new), len(removed)


def open_campaign(campaign: Campaign, user: Any) -> None:
    if campaign.status != Campaign.Status.DRAFT:
        raise WorkflowError(_("Only a draft campaign can be opened."))
    if not campaign.assessments.exists():
        raise WorkflowError(_("Choose the units in scope first."))
    campaign.status = Campaign.Status.OPEN
    _stamp(campaign, user, REASON_OPENED).save()


# --- building the core's inputs ------------------------------------------------------------------


def _rows_for(
    spec: LeafSpec, unit_code: str, track: str, value: str, inputs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    if spec.rule_type == "formula":
        return [
            {
                "unit_code": unit_code,
                "criterion_code": spec.code,
                "value": str(inputs[name]),
                "input": name,
                "track": track,
                "applicable": True,
            }
            for name in spec.input_names
            if str(inputs.get(name, "")).strip()
        ]
    if not str(value or "").strip():
        return []
    return [
        {
            "unit_code": unit_code,
            "criterion_code": spec.code,
            "value": str(value),
            "input": "",
            "track": track,
            "applicable": True,
        }
    ]


def assessment_rows(
    campaign: Campaign,
    assessment: Assessment,
    values: Mapping[str, LeafValue],
    *,
    self_track: bool = True,
    appraised_track: bool = True,
    self_as_appraised: bool = False,
) -> list[dict[str, Any]]:
    """The inputs rows of one unit (see the module docstring for the appraised track).

    `self_as_appraised` scores the self-assessment as if it were the appraisal (survey
    leaves keep the survey value): how the self track's own ranking is computed.
    """
    spec = campaign.spec()
    code = assessment.unit.code
    submitted = assessment.status not in ACTIVE
    rows: list[dict[str, Any]] = []
    for leaf in spec.leaves:
        lv = values.get(leaf.code)
        if lv is None:
            continue
        na = lv.not_applicable if self_as_appraised else lv.effective_not_applicable
        if na:
            rows.append(
                {
                    "unit_code": code,
                    "criterion_code": leaf.code,
                    "value": None,
                    "input": "",
                    "track": Track.APPRAISED,
                    "applicable": False,
                }
            )
            continue
        if leaf.is_survey:
            if lv.is_appraised and (appraised_track or self_track):
                rows += _rows_for(leaf, code, Track.APPRAISED, lv.appraised_value, {})
            continue
        if self_as_appraised:
            rows += _rows_for(leaf, code, Track.APPRAISED, lv.self_value, lv.self_inputs)
            continue
        if self_track:
            rows += _rows_for(leaf, code, Track.SELF, lv.self_value, lv.self_inputs)
        if appraised_track:
            if lv.is_appraised:
                rows += _rows_for(
                    leaf, code, Track.APPRAISED, lv.appraised_value, lv.appraised_inputs
                )
            elif submitted:
                rows += _rows_for(leaf, code, Track.APPRAISED, lv.self_value, lv.self_inputs)
    return rows


def values_by_assessment(assessments: Sequence[Assessment]) -> dict[int, dict[str, LeafValue]]:
    out: dict[int, dict[str, LeafValue]] = {a.pk: {} for a in assessments}
    for lv in LeafValue.objects.filter(assessment__in=[a.pk for a in assessments]).iterator(
        chunk_size=5000
    ):
        out.setdefault(lv.assessment_id, {})[lv.leaf_code] = lv
    return out


def inputs_frame(
    campaign: Campaign,
    assessments: Sequence[Assessment] | None = None,
    *,
    self_as_appraised: bool = False,
    values: Mapping[int, Mapping[str, LeafValue]] | None = None,
) -> pd.DataFrame:
    """The long inputs table (both tracks) of `assessments` (default: all in scope)."""
    if assessments is None:
        assessments = list(campaign.assessments.select_related("unit"))
    if values is None:
        values = values_by_assessment(assessments)
    rows: list[dict[str, Any]] = []
    for assessment in assessments:
        rows += assessment_rows(
            campaign, assessment, values.get(assessment.pk, {}), self_as_appraised=self_as_appraised
        )
    return pd.DataFrame(rows, columns=INPUT_COLUMNS)


def units_frame(campaign: Campaign, assessments: Sequence[Assessment]) -> pd.DataFrame:
    """The units table for the core: peer groups, and predecessors for units that were
    not themselves in last year's campaign (merged or split since)."""
    units = [a.unit for a in assessments]
    predecessors: dict[int, list[str]] = defaultdict(list)
    if campaign.previous_id:
        was_in_previous = set(
            Assessment.objects.filter(campaign_id=campaign.previous_id).values_list(
                "unit_id", flat=True
            )
        )
        links = UnitPredecessor.objects.filter(unit__in=units).select_related("predecessor")
        for link in links.order_by("unit_id", "predecessor__code"):
            if link.unit_id not in was_in_previous:
                predecessors[link.unit_id].append(f"{link.predecessor.code}:{link.weight:g}")
    return pd.DataFrame(
        {
            "unit_code": [u.code for u in units],
            "unit_name": [u.name for u in units],
            "unit_kind": [campaign.unit_kind for _u in units],
            "peer_group": [u.peer_group or "" for u in units],
            "predecessors": [";".join(predecessors.get(u.pk, [])) for u in units],
            "region": [u.region or "" for u in units],
        },
        columns=["unit_code", "unit_name", "unit_kind", "peer_group", "predecessors", "region"],
    )


def previous_frame(campaign: Campaign, track: str = Track.APPRAISED) -> pd.DataFrame | None:
    """Last year's results (unit_code, index_pct, rank) for the change since last year."""
    if not campaign.previous_id:
        return None
    rows = list(
        UnitResult.objects.filter(campaign_id=campaign.previous_id, track=track).values_list(
            "unit_code", "index_pct", "rank"
        )
    )
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["unit_code", "index_pct", "rank"])
    frame["index_pct"] = pd.to_numeric(frame["index_pct"], errors="coerce")
    frame["rank"] = pd.to_numeric(frame["rank"], errors="coerce")
    return frame


# --- one unit's scores (running totals) ---------------------------------------------------------


@dataclass
class UnitScores:
    """What the core computes for one unit, for the form and the appraisal page."""

    result: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    leaf_points: dict[str, dict[str, float | None]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, key: str) -> Any:
        value = self.result.get(key)
        if isinstance(value, float) and math.isnan(value):
            return None
        return value


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def unit_scores(
    assessment: Assessment, values: Mapping[str, LeafValue] | None = None
) -> UnitScores:
    """Score one unit on both tracks with the core (any problem is reported, not raised)."""
    campaign = assessment.campaign
    spec = campaign.spec()
    fw = spec.framework
    if values is None:
        values = {lv.leaf_code: lv for lv in assessment.values.all()}
    rows = assessment_rows(campaign, assessment, values)
    frame = pd.DataFrame(rows, columns=INPUT_COLUMNS)
    unit = assessment.unit
    units = pd.DataFrame(
        [[unit.code, unit.name, campaign.unit_kind, unit.peer_group or "", "", unit.region or ""]],
        columns=["unit_code", "unit_name", "unit_kind", "peer_group", "predecessors", "region"],
    )
    out = UnitScores()
    try:
        scored = score(fw, frame, units, source=assessment.unit.code)
        prepared = prepare_inputs(
            frame, fw, [assessment.unit.code], known_units=False, source=assessment.unit.code
        )
    except InputError as exc:
        out.problems = [p.message for p in exc.problems]
        return out
    out.result = scored.results.iloc[0].to_dict()
    for row in scored.detail.itertuples(index=False):
        out.nodes[row.node_code] = {
            "points": _float(row.points),
            "max_points": _float(row.max_points),
            "self_points": _float(row.self_points),
        }
    not_applicable = prepared.not_applicable[0]
    for track in ("self", "appraised"):
        raw = leaf_points(prepared, track)[0]
        per_leaf: dict[str, float | None] = {}
        for i, node in enumerate(prepared.leaves.nodes):
            if not_applicable[i] or np.isnan(raw[i]):
                per_leaf[node.code] = None
            else:
                per_leaf[node.code] = float(min(max(raw[i], 0.0), float(node.max_points)))
        out.leaf_points[track] = per_leaf
    return out


def check_leaf_value(
    assessment: Assessment, spec: LeafSpec, track: str, value: str, inputs: Mapping[str, Any]
) -> list[str]:
    """The core's own checks of one leaf's value (its messages, as the core words them)."""
    rows = _rows_for(spec, assessment.unit.code, track, value, inputs)
    if not rows:
        return []
    try:
        prepare_inputs(
            pd.DataFrame(rows, columns=INPUT_COLUMNS),
            assessment.campaign.framework(),
            [assessment.unit.code],
            known_units=False,
            source=spec.code,
        )
    except InputError as exc:
        return [p.message for p in exc.problems]
    return []


# --- self-assessment ----------------------------------------------------------------------------


def self_edit_refusal(assessment: Assessment, on: dt.date | None = None) -> str | None:
    """Why the unit cannot change its self-assessment now (None: it can)."""
    campaign = assessment.campaign
    if campaign.status != Campaign.Status.OPEN:
        return _("The campaign is not open.")
    if assessment.is_locked_for_unit:
        return _("The self-assessment has been submitted and is locked.")
    if not window_open(campaign, WindowKind.SELF_ASSESSMENT, assessment.unit, on):
        return _("The self-assessment window is closed.")
    return None


def _locked_assessment(assessment: Assessment) -> Assessment:
    """Re-read the assessment FOR UPDATE (inside a transaction): a head submitting and a
    reporter saving at the same moment are serialised."""
    fresh = Assessment.objects.select_for_update().get(pk=assessment.pk)
    assessment.status, assessment.round = fresh.status, fresh.round
    assessment.submitted_at, assessment.submitted_by_id = fresh.submitted_at, fresh.submitted_by_id
    return assessment


def _leaf_value(assessment: Assessment, leaf_code: str) -> LeafValue:
    """The leaf's value row, locked, or a new unsaved one (saved once, with its values, so
    the history has no empty first record). Call with the assessment locked."""
    lv = LeafValue.objects.select_for_update().filter(assessment=assessment, leaf_code=leaf_code)
    found = lv.first()
    if found is None:
        found = LeafValue(assessment=assessment, leaf_code=leaf_code)
    found.assessment = assessment
    return found


def leaf_spec(assessment: Assessment, leaf_code: str) -> LeafSpec:
    spec = assessment.campaign.spec().by_code.get(leaf_code)
    if spec is None:
        raise WorkflowError(_("Unknown criterion %(code)s.") % {"code": leaf_code})
    return spec


def save_self_value(
    assessment: Assessment,
    leaf_code: str,
    *,
    value: str = "",
    inputs: Mapping[str, str] | None = None,
    not_applicable: bool = False,
    explanation: str = "",
    user: Any,
    on: dt.date | None = None,
) -> LeafValue:
    """Save one leaf of the self-assessment (checked by the core before it is stored)."""
    spec = leaf_spec(assessment, leaf_code)
    if spec.is_survey:
        raise WorkflowError(_("Units do not self-assess survey criteria."))
    inputs = {k: str(v) for k, v in (inputs or {}).items() if k in spec.input_names and str(v)}
    problems = [] if not_applicable else check_leaf_value(assessment, spec, "self", value, inputs)
    if problems:
        raise WorkflowError(_("The value was not saved."), problems)
    with transaction.atomic():
        _locked_assessment(assessment)
        refusal = self_edit_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        lv = _leaf_value(assessment, leaf_code)
        new = (value or "", inputs, bool(not_applicable), (explanation or "").strip())
        old = (lv.self_value, lv.self_inputs or {}, lv.not_applicable, lv.explanation)
        if new != old:
            lv.self_value, lv.self_inputs, lv.not_applicable, lv.explanation = new
            lv.self_filled = spec.filled(lv.self_value, lv.self_inputs, lv.not_applicable)
            lv.self_updated_by = user if getattr(user, "is_authenticated", False) else None
            lv.self_updated_at = _now()
            _stamp(lv, user, REASON_SELF).save()
        if assessment.status == Assessment.Status.NOT_STARTED:
            assessment.status = Assessment.Status.IN_PROGRESS
            _stamp(assessment, user, REASON_STARTED).save()
    return lv


@dataclass
class SubmissionProblem:
    leaf_code: str
    leaf_index: int
    message: str


def validate_submission(assessment: Assessment) -> list[SubmissionProblem]:
    """Everything that stops the unit head from submitting, leaf by leaf.

    - every applicable leaf of the main tree is filled (survey leaves excluded);
    - the values pass the core's checks (range, step, labels...), run on this unit only;
    - wherever points are claimed (main tree and bonus), there is evidence or an
      explanation of why there is none.
    """
    campaign = assessment.campaign
    spec = campaign.spec()
    values = {lv.leaf_code: lv for lv in assessment.values.all()}
    evidence_counts = dict(
        Evidence.objects.filter(leaf_value__assessment=assessment)
        .values_list("leaf_value__leaf_code")
        .annotate(n=Count("id"))
        .values_list("leaf_value__leaf_code", "n")
    )
    problems: list[SubmissionProblem] = []

    def add(leaf: LeafSpec, message: str) -> None:
        problems.append(SubmissionProblem(leaf.code, leaf.index, message))

    rows: list[dict[str, Any]] = []
    row_leaf: list[LeafSpec] = []
    for leaf in spec.leaves:
        if leaf.is_survey:
            continue
        lv = values.get(leaf.code)
        if lv is None or not leaf.filled(lv.self_value, lv.self_inputs, lv.not_applicable):
            if leaf.required:
                if leaf.rule_type == "formula" and lv is not None and lv.self_inputs:
                    add(leaf, _("Some inputs of the formula are missing."))
                else:
                    add(leaf, _("No value yet: enter one, or mark it not applicable."))
            elif lv is not None and lv.self_inputs:
                add(leaf, _("Some inputs of the formula are missing."))
            continue
        if lv.not_applicable:
            continue
        new = _rows_for(leaf, assessment.unit.code, Track.SELF, lv.self_value, lv.self_inputs)
        rows += new
        row_leaf += [leaf] * len(new)
    frame = pd.DataFrame(rows, columns=INPUT_COLUMNS)
    points: dict[str, float] = {}
    try:
        prepared = prepare_inputs(
            frame, spec.framework, [assessment.unit.code], known_units=False, source="inputs"
        )
        raw = leaf_points(prepared, "self")[0]
        for i, node in enumerate(prepared.leaves.nodes):
            if not np.isnan(raw[i]):
                points[node.code] = float(min(max(raw[i], 0.0), float(node.max_points)))
    except InputError as exc:
        for problem in exc.problems:
            leaf = _leaf_of_problem(problem, row_leaf)
            if leaf is not None:
                add(leaf, problem.message)
            else:
                problems.append(SubmissionProblem("", -1, str(problem)))
    for leaf in spec.leaves:
        if leaf.is_survey or leaf.block == "penalty":
            continue
        lv = values.get(leaf.code)
        if lv is None or lv.not_applicable or (points.get(leaf.code) or 0) <= 0:
            continue
        if not evidence_counts.get(leaf.code) and not lv.explanation.strip():
            add(leaf, _("Points are claimed: add evidence, or explain why there is none."))
    problems.sort(key=lambda p: (p.leaf_index < 0, p.leaf_index))
    return problems


def _leaf_of_problem(problem: Problem, row_leaf: Sequence[LeafSpec]) -> LeafSpec | None:
    location = problem.location or ""
    if location.startswith("row "):
        try:
            position = int(location.split()[1]) - 2
        except (IndexError, ValueError):
            return None
        if 0 <= position < len(row_leaf):
            return row_leaf[position]
    return None


def submit(assessment: Assessment, user: Any, on: dt.date | None = None) -> None:
    """The head of unit submits: the self-assessment is then locked for the unit."""
    with transaction.atomic():
        _locked_assessment(assessment)
        refusal = self_edit_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        problems = validate_submission(assessment)
        if problems:
            raise WorkflowError(
                _("The self-assessment is not complete."), [p.message for p in problems]
            )
        assessment.status = Assessment.Status.SUBMITTED
        assessment.submitted_by = user if getattr(user, "is_authenticated", False) else None
        assessment.submitted_at = _now()
        _stamp(assessment, user, REASON_SUBMITTED).save()


# --- evidence -----------------------------------------------------------------------------------


def evidence_refusal(
    leaf_value: LeafValue,
    explanation_request: ExplanationRequest | None = None,
    on: dt.date | None = None,
) -> str | None:
    """Why evidence cannot be added or removed now (None: it can)."""
    if explanation_request is not None:
        return explanation_refusal(explanation_request, on)
    return self_edit_refusal(leaf_value.assessment, on)


def _leaf_value_for_edit(assessment: Assessment, leaf_code: str, user: Any) -> LeafValue:
    spec = leaf_spec(assessment, leaf_code)
    if spec.is_survey:
        raise WorkflowError(_("Units do not self-assess survey criteria."))
    lv = _leaf_value(assessment, leaf_code)
    if lv.pk is None:
        _stamp(lv, user, REASON_EVIDENCE_ADDED).save()
    return lv


def add_evidence_file(
    assessment: Assessment,
    leaf_code: str,
    upload: Any,
    *,
    user: Any,
    title: str = "",
    explanation_request: ExplanationRequest | None = None,
    on: dt.date | None = None,
) -> Evidence:
    """Store an uploaded file (type checked by content, size limited) as evidence."""
    checked = check_upload(upload)  # raises UploadRefused (a ValueError) with the reason
    with transaction.atomic():
        _locked_assessment(assessment)
        lv = _leaf_value_for_edit(assessment, leaf_code, user)
        refusal = evidence_refusal(lv, explanation_request, on)
        if refusal:
            raise WorkflowError(refusal)
        evidence = Evidence(
            leaf_value=lv,
            kind=Evidence.Kind.FILE,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            title=(title or "").strip()[:255],
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            explanation_request=explanation_request,
        )
        evidence.file.save(checked.original_name, upload, save=False)
        try:
            _stamp(evidence, user, REASON_EVIDENCE_ADDED).save()
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


def add_citation(
    assessment: Assessment,
    leaf_code: str,
    *,
    user: Any,
    doc_number: str = "",
    doc_date: dt.date | None = None,
    doc_issuer: str = "",
    title: str = "",
    explanation_request: ExplanationRequest | None = None,
    on: dt.date | None = None,
) -> Evidence:
    """Cite a document (number, date, issuer) as evidence."""
    if not (doc_number or "").strip() and not (title or "").strip():
        raise WorkflowError(_("Give at least the document number or its title."))
    with transaction.atomic():
        _locked_assessment(assessment)
        lv = _leaf_value_for_edit(assessment, leaf_code, user)
        refusal = evidence_refusal(lv, explanation_request, on)
        if refusal:
            raise WorkflowError(refusal)
        evidence = Evidence(
            leaf_value=lv,
            kind=Evidence.Kind.CITATION,
            doc_number=(doc_number or "").strip()[:100],
            doc_date=doc_date,
            doc_issuer=(doc_issuer or "").strip()[:255],
            title=(title or "").strip()[:255],
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            explanation_request=explanation_request,
        )
        _stamp(evidence, user, REASON_EVIDENCE_ADDED).save()
    return evidence


def remove_evidence(evidence: Evidence, user: Any, on: dt.date | None = None) -> None:
    """Remove evidence while it may still change. The file stays on disk: the history
    records the removal and the audit can still trace what was submitted."""
    with transaction.atomic():
        lv = evidence.leaf_value
        _locked_assessment(lv.assessment)
        refusal = evidence_refusal(lv, evidence.explanation_request, on)
        if refusal:
            raise WorkflowError(refusal)
        _stamp(evidence, user, REASON_EVIDENCE_REMOVED).delete()


# --- appraisal ----------------------------------------------------------------------------------


def appraisal_window(assessment: Assessment) -> str:
    return WindowKind.APPRAISAL_2 if assessment.round == 2 else WindowKind.APPRAISAL_1


def appraisal_refusal(assessment: Assessment, on: dt.date | None = None) -> str | None:
    """Why appraisers cannot change this unit's appraisal now (None: they can)."""
    campaign = assessment.campaign
    if campaign.status != Campaign.Status.OPEN:
        return _("The campaign is not open.")
    if assessment.status not in SUBMITTED:
        return _("The unit has not submitted its self-assessment yet.")
    if not window_open(campaign, appraisal_window(assessment), assessment.unit, on):
        if assessment.round == 2:
            return _("The window for appraisal round 2 is not open.")
        return _("The window for appraisal round 1 is not open.")
    return None


def _same_value(spec: LeafSpec, a: str, b: str) -> bool:
    if spec.rule_type == "options":
        return (spec.canonical_label(a) or a) == (spec.canonical_label(b) or b)
    try:
        x, y = parse_decimal(a), parse_decimal(b)
    except ValueError:
        return (a or "").strip() == (b or "").strip()
    return x == y


def differs_from_self(
    spec: LeafSpec,
    lv: LeafValue,
    value: str,
    inputs: Mapping[str, Any],
    not_applicable: bool | None,
) -> bool:
    """Would this appraised value differ from what the unit self-assessed?"""
    if not_applicable is not None and bool(not_applicable) != lv.not_applicable:
        return True
    if not_applicable or (not_applicable is None and lv.not_applicable):
        return False
    if spec.rule_type == "formula":
        names = spec.input_names
        return any(
            not _same_value(spec, str(inputs.get(n, "")), str((lv.self_inputs or {}).get(n, "")))
            for n in names
        )
    return not _same_value(spec, value, lv.self_value)


def set_appraised_value(
    assessment: Assessment,
    leaf_code: str,
    *,
    value: str = "",
    inputs: Mapping[str, str] | None = None,
    not_applicable: bool | None = None,
    reason: str = "",
    user: Any,
    on: dt.date | None = None,
) -> LeafValue:
    """Appraise one leaf; a value different from the self-assessed one needs a reason.

    `not_applicable`: None keeps the unit's declaration, True/False overrides it.
    """
    spec = leaf_spec(assessment, leaf_code)
    if spec.is_survey:
        raise WorkflowError(_("Survey criteria take the imported survey value."))
    inputs = {k: str(v) for k, v in (inputs or {}).items() if k in spec.input_names and str(v)}
    reason = (reason or "").strip()
    with transaction.atomic():
        _locked_assessment(assessment)
        refusal = appraisal_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        lv = _leaf_value(assessment, leaf_code)
        na = lv.not_applicable if not_applicable is None else bool(not_applicable)
        if not na:
            if not spec.filled(value, inputs, False):
                raise WorkflowError(_("Enter the appraised value."))
            problems = check_leaf_value(assessment, spec, "appraised", value, inputs)
            if problems:
                raise WorkflowError(_("The value was not saved."), problems)
        differs = differs_from_self(spec, lv, value, inputs, not_applicable)
        if differs and not reason:
            raise WorkflowError(
                _("The appraised value differs from the self-assessed one: give the reason.")
            )
        lv.appraised_value = "" if na else (value or "")
        lv.appraised_inputs = {} if na else inputs
        lv.appraised_not_applicable = (
            None if not_applicable is None or bool(not_applicable) == lv.not_applicable else na
        )
        lv.appraisal_reason = reason
        lv.appraised_by = user if getattr(user, "is_authenticated", False) else None
        lv.appraised_at = _now()
        lv.appraised_round = assessment.round
        _stamp(lv, user, reason or REASON_ACCEPTED).save()
    return lv


def accept_self_values(
    assessment: Assessment,
    leaf_codes: Iterable[str],
    *,
    user: Any,
    on: dt.date | None = None,
) -> int:
    """Accept the self-assessed value of every leaf in `leaf_codes` not yet appraised."""
    spec = assessment.campaign.spec()
    codes = [c for c in leaf_codes if c in spec.by_code and not spec.by_code[c].is_survey]
    count = 0
    with transaction.atomic():
        _locked_assessment(assessment)
        refusal = appraisal_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        for lv in LeafValue.objects.select_for_update().filter(
            assessment=assessment, leaf_code__in=codes, appraised_at__isnull=True
        ):
            lv.appraised_value = lv.self_value
            lv.appraised_inputs = dict(lv.self_inputs or {})
            lv.appraised_not_applicable = None
            lv.appraisal_reason = ""
            lv.appraised_by = user if getattr(user, "is_authenticated", False) else None
            lv.appraised_at = _now()
            lv.appraised_round = assessment.round
            _stamp(lv, user, REASON_ACCEPTED).save()
            count += 1
    return count


def complete_appraisal(assessment: Assessment, user: Any, on: dt.date | None = None) -> None:
    with transaction.atomic():
        _locked_assessment(assessment)
        refusal = appraisal_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        if assessment.status == Assessment.Status.APPRAISED:
            return
        assessment.status = Assessment.Status.APPRAISED
        _stamp(assessment, user, REASON_APPRAISAL_DONE).save()


def request_explanation(
    assessment: Assessment,
    leaf_code: str,
    *,
    message: str,
    deadline: dt.date | None,
    user: Any,
    on: dt.date | None = None,
) -> ExplanationRequest:
    """Ask the unit to explain one leaf: only in appraisal round 1, with a deadline."""
    on = on or today()
    spec = leaf_spec(assessment, leaf_code)
    if spec.is_survey:
        raise WorkflowError(_("Survey criteria are not explained by the unit."))
    if not (message or "").strip():
        raise WorkflowError(_("Say what the unit should explain."))
    if deadline is None:
        raise WorkflowError(_("Give a deadline."))
    if deadline < on:
        raise WorkflowError(_("The deadline cannot be in the past."))
    with transaction.atomic():
        _locked_assessment(assessment)
        if assessment.round != 1:
            raise WorkflowError(_("Explanations can be requested only in appraisal round 1."))
        refusal = appraisal_refusal(assessment, on)
        if refusal:
            raise WorkflowError(refusal)
        lv = _leaf_value(assessment, leaf_code)
        if lv.pk is None:
            _stamp(lv, user, REASON_EXPLANATION_ASKED).save()
        req = ExplanationRequest(
            leaf_value=lv,
            round=assessment.round,
            message=message.strip(),
            deadline=deadline,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
        )
        _stamp(req, user, REASON_EXPLANATION_ASKED).save()
    return req


def explanation_refusal(request: ExplanationRequest, on: dt.date | None = None) -> str | None:
    """Why the unit cannot answer this request now (None: it can)."""
    on = on or today()
    assessment = request.leaf_value.assessment
    campaign = assessment.campaign
    if campaign.status != Campaign.Status.OPEN:
        return _("The campaign is not open.")
    if request.status == ExplanationRequest.Status.CLOSED:
        return _("This request is closed.")
    if not window_open(campaign, WindowKind.EXPLANATION, assessment.unit, on):
        return _("The explanation window is not open.")
    if on > request.deadline:
        until = exception_until(campaign, WindowKind.EXPLANATION, assessment.unit)
        if until is None or on > until:
            return _("The deadline of this request has passed.")
    return None


def answer_explanation(
    request: ExplanationRequest, *, text: str, user: Any, on: dt.date | None = None
) -> ExplanationRequest:
    """The unit answers (may be changed until the deadline; files via add_evidence_file)."""
    if not (text or "").strip():
        raise WorkflowError(_("Write the explanation."))
    with transaction.atomic():
        request = ExplanationRequest.objects.select_for_update().get(pk=request.pk)
        refusal = explanation_refusal(request, on)
        if refusal:
            raise WorkflowError(refusal)
        request.response_text = text.strip()
        request.responded_by = user if getattr(user, "is_authenticated", False) else None
        request.responded_at = _now()
        request.status = ExplanationRequest.Status.ANSWERED
        _stamp(request, user, REASON_EXPLANATION_ANSWERED).save()
    return request


def start_round_2(assessment: Assessment, user: Any, on: dt.date | None = None) -> None:
    """Round 2 re-appraises after the explanations; open requests are closed."""
    with transaction.atomic():
        _locked_assessment(assessment)
        if assessment.round != 1:
            raise WorkflowError(_("Round 2 has already started."))
        if assessment.campaign.status != Campaign.Status.OPEN:
            raise WorkflowError(_("The campaign is not open."))
        if assessment.status not in SUBMITTED:
            raise WorkflowError(_("The unit has not submitted its self-assessment yet."))
        if not window_open(assessment.campaign, WindowKind.APPRAISAL_2, assessment.unit, on):
            raise WorkflowError(_("The window for appraisal round 2 is not open."))
        assessment.round = 2
        _stamp(assessment, user, REASON_ROUND_2).save()
        for req in ExplanationRequest.objects.filter(leaf_value__assessment=assessment).exclude(
            status=ExplanationRequest.Status.CLOSED
        ):
            req.status = ExplanationRequest.Status.CLOSED
            _stamp(req, user, REASON_ROUND_2).save()


def changed_since_submission(assessments: Iterable[Assessment]) -> dict[int, int]:
    """assessment id → number of leaves whose values changed after the submission."""
    ids = [a.pk for a in assessments if a.submitted_at is not None]
    if not ids:
        return {}
    history = LeafValue.history.model
    rows = (
        history.objects.filter(
            assessment_id__in=ids, history_date__gt=F("assessment__submitted_at")
        )
        .values("assessment_id")
        .annotate(n=Count("leaf_code", distinct=True))
    )
    return {row["assessment_id"]: row["n"] for row in rows}


# --- results ----------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    number = _float(value)
    return None if number is None else int(round(number))


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)[:64]


def compute_results(campaign: Campaign, user: Any = None) -> dict[str, Any]:
    """Score every unit in scope with the core and replace the campaign's results.

    The appraised track (with the change since the previous campaign's results) gives the
    ranking; the self track is scored the same way on the self-assessed values, so its
    ranks and classes are comparable. Raises InputError if the core finds a problem.
    """
    fw = campaign.framework()
    assessments = list(campaign.assessments.select_related("unit").order_by("unit__code"))
    if not assessments:
        raise WorkflowError(_("No unit is in scope."))
    values = values_by_assessment(assessments)
    units = units_frame(campaign, assessments)
    by_code = {a.unit.code: a.unit for a in assessments}
    appraised = score(
        fw,
        inputs_frame(campaign, assessments, values=values),
        units,
        previous_frame(campaign, Track.APPRAISED),
        source=campaign.name,
    )
    own = score(
        fw,
        inputs_frame(campaign, assessments, values=values, self_as_appraised=True),
        units,
        previous_frame(campaign, Track.SELF),
        source=campaign.name,
    )
    now = _now()
    field_codes = [n.code for n in fw.nodes]
    unit_rows = []
    for track, result in ((Track.APPRAISED, appraised), (Track.SELF, own)):
        for row in result.results.to_dict("records"):
            unit_rows.append(
                UnitResult(
                    campaign=campaign,
                    unit=by_code[row["unit_code"]],
                    unit_code=row["unit_code"],
                    unit_name=row["unit_name"][:255],
                    peer_group=row["peer_group"],
                    track=track,
                    points=_float(row["points"]) or 0.0,
                    max_points=_float(row["max_points"]) or 0.0,
                    index_pct=_float(row["index_pct"]),
                    rank=_int(row["rank"]),
                    class_label=_label(row.get("class")),
                    fields={c: _float(row.get(f"field_{c}_pct")) for c in field_codes},
                    bonus_points=_float(row["bonus_points"]) or 0.0,
                    penalty_points=_float(row["penalty_points"]) or 0.0,
                    missing_values=int(row.get("missing_values") or 0),
                    prev_index_pct=_float(row.get("prev_index_pct")),
                    index_change=_float(row.get("index_change")),
                    prev_rank=_int(row.get("prev_rank")),
                    rank_change=_int(row.get("rank_change")),
                    yoy_note=str(row.get("yoy_note") or "")[:500],
                    framework_id=fw.id,
                    framework_version=fw.version,
                    computed_at=now,
                )
            )
    detail = appraised.detail
    node_rows = [
        NodeResult(
            campaign=campaign,
            unit=by_code[unit_code],
            node_code=node_code,
            node_name=str(node_name)[:500],
            parent_code=parent_code,
            depth=int(depth),
            is_leaf=bool(is_leaf),
            points=float(points),
            max_points=float(max_points),
            lost_points=float(lost_points),
            self_points=_float(self_points),
            applicable=bool(applicable),
        )
        for (
            unit_code,
            node_code,
            node_name,
            parent_code,
            depth,
            is_leaf,
            points,
            max_points,
            lost_points,
            self_points,
            applicable,
        ) in detail[
            [
                "unit_code",
                "node_code",
                "node_name",
                "parent_code",
                "depth",
                "is_leaf",
                "points",
                "max_points",
                "lost_points",
                "self_points",
                "applicable",
            ]
        ].itertuples(index=False, name=None)
    ]
    with transaction.atomic():
        NodeResult.objects.filter(campaign=campaign).delete()
        UnitResult.objects.filter(campaign=campaign).delete()
        UnitResult.objects.bulk_create(unit_rows, batch_size=1000)
        NodeResult.objects.bulk_create(node_rows, batch_size=2000)
    return {"units": len(assessments), "warnings": appraised.warnings}


def finalise(campaign: Campaign, user: Any) -> dict[str, Any]:
    """The appraised values become the results; every assessment is finalised."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.OPEN:
            raise WorkflowError(_("Only an open campaign can be finalised."))
        summary = compute_results(campaign, user)
        changed = list(campaign.assessments.exclude(status=Assessment.Status.FINALISED))
        for assessment in changed:
            assessment.status = Assessment.Status.FINALISED
        if changed:
            bulk_update_with_history(
                changed,
                Assessment,
                ["status"],
                batch_size=500,
                default_user=user if getattr(user, "is_authenticated", False) else None,
                default_change_reason=REASON_FINALISED,
            )
        campaign.status = Campaign.Status.FINALISED
        campaign.finalised_by = user if getattr(user, "is_authenticated", False) else None
        campaign.finalised_at = _now()
        _stamp(campaign, user, REASON_FINALISED).save()
    return summary


def recompute_results(campaign: Campaign, user: Any) -> dict[str, Any]:
    """Compute the results of a finalised campaign again (e.g. after a survey import)."""
    if campaign.status != Campaign.Status.FINALISED:
        raise WorkflowError(_("Results can be recomputed only while finalised, not published."))
    return compute_results(campaign, user)


def reopen(
    assessment: Assessment,
    *,
    reason: str,
    user: Any,
    until: dt.date | None = None,
) -> None:
    """Give a unit back its self-assessment (reason required); optionally with an
    exception to the self-assessment window until `until`. Reopening a unit of a
    finalised campaign reopens the campaign (its results are computed again when it is
    finalised again)."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Give the reason for reopening."))
    campaign = assessment.campaign
    with transaction.atomic():
        _locked_assessment(assessment)
        if campaign.status == Campaign.Status.PUBLISHED:
            raise WorkflowError(_("The results are published; the unit cannot be reopened."))
        if campaign.status == Campaign.Status.DRAFT:
            raise WorkflowError(_("The campaign is not open."))
        if not assessment.is_locked_for_unit:
            raise WorkflowError(_("The unit can still change its self-assessment."))
        if campaign.status == Campaign.Status.FINALISED:
            campaign.status = Campaign.Status.OPEN
            _stamp(campaign, user, f"{assessment.unit.code}: {reason}").save()
        assessment.status = Assessment.Status.IN_PROGRESS
        _stamp(assessment, user, reason).save()
        if until is not None:
            grant_exception(
                campaign, assessment.unit, WindowKind.SELF_ASSESSMENT, until, reason, user
            )


def publish(campaign: Campaign, user: Any) -> None:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.FINALISED:
            raise WorkflowError(_("Only a finalised campaign can be published."))
        if not campaign.unit_results.exists():
            raise WorkflowError(_("The campaign has no results."))
        campaign.status = Campaign.Status.PUBLISHED
        campaign.published_by = user if getattr(user, "is_authenticated", False) else None
        campaign.published_at = _now()
        _stamp(campaign, user, REASON_PUBLISHED).save()


# --- imports --------------------------------------------------------------------------------------


def _text_cell(value: Any) -> str:
    return number_text(value)


def import_survey_values(campaign: Campaign, frame: pd.DataFrame, *, source: str, user: Any) -> int:
    """Survey results into the appraised track of survey leaves: columns unit_code,
    criterion_code, value (a fraction 0–1). Everything is checked first; nothing is
    written unless every row is right (InputError lists every problem)."""
    if campaign.status not in (
        Campaign.Status.DRAFT,
        Campaign.Status.OPEN,
        Campaign.Status.FINALISED,
    ):
        raise WorkflowError(_("The results are published; survey values can no longer change."))
    spec = campaign.spec()
    problems: list[Problem] = []
    missing = [c for c in ("unit_code", "criterion_code", "value") if c not in frame.columns]
    if missing:
        raise InputError(
            [Problem(source, "header", c, _("required column is missing")) for c in missing]
        )
    assessments = {a.unit.code: a for a in campaign.assessments.select_related("unit")}
    wanted: dict[tuple[int, str], str] = {}
    for i, row in enumerate(frame.to_dict("records")):
        where = f"row {i + 2}"
        unit_code = _text_cell(row.get("unit_code"))
        code = _text_cell(row.get("criterion_code"))
        raw = _text_cell(row.get("value"))
        assessment = assessments.get(unit_code)
        leaf = spec.by_code.get(code)
        if assessment is None:
            problems.append(
                Problem(
                    source,
                    where,
                    "unit_code",
                    _("%(code)s is not a unit of this campaign") % {"code": unit_code},
                )
            )
        if leaf is None or not leaf.is_survey:
            problems.append(
                Problem(
                    source,
                    where,
                    "criterion_code",
                    _("%(code)s is not a survey criterion of the framework") % {"code": code},
                )
            )
        try:
            number = parse_decimal(raw)
        except ValueError:
            number = None
            problems.append(
                Problem(source, where, "value", _("%(value)s is not a number") % {"value": raw})
            )
        else:
            if number is None:
                problems.append(Problem(source, where, "value", _("is empty")))
            elif number < 0 or number > 1:
                problems.append(
                    Problem(
                        source,
                        where,
                        "value",
                        _("%(value)s is outside 0–1 (give a fraction, e.g. 0.85)") % {"value": raw},
                    )
                )
        if assessment is not None and leaf is not None and leaf.is_survey and number is not None:
            key = (assessment.pk, code)
            if key in wanted:
                problems.append(
                    Problem(
                        source,
                        where,
                        "",
                        _("duplicate row for %(unit)s, %(code)s")
                        % {"unit": unit_code, "code": code},
                    )
                )
            wanted[key] = number_text(number)
    if problems:
        raise InputError(problems)
    reason = f"{REASON_SURVEY}: {source}"
    now = _now()
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        existing = {
            (lv.assessment_id, lv.leaf_code): lv
            for lv in LeafValue.objects.filter(
                assessment__campaign=campaign, leaf_code__in=spec.survey_codes
            )
        }
        to_create, to_update = [], []
        for (assessment_id, code), value in wanted.items():
            lv = existing.get((assessment_id, code))
            if lv is None:
                lv = LeafValue(assessment_id=assessment_id, leaf_code=code)
                to_create.append(lv)
            elif lv.appraised_value == value and lv.is_appraised:
                continue
            else:
                to_update.append(lv)
            lv.appraised_value = value
            lv.appraised_at, lv.appraised_by = now, actor
        if to_create:
            bulk_create_with_history(
                to_create,
                LeafValue,
                batch_size=1000,
                default_user=actor,
                default_change_reason=reason,
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                LeafValue,
                ["appraised_value", "appraised_at", "appraised_by"],
                batch_size=1000,
                default_user=actor,
                default_change_reason=reason,
            )
    return len(to_create) + len(to_update)


def import_inputs(
    campaign: Campaign,
    frame: pd.DataFrame,
    *,
    user: Any = None,
    reason: str = REASON_IMPORTED,
    units: Iterable[str] | None = None,
    explanation: str = "",
) -> int:
    """Load a long inputs table (docs/ARCHITECTURE.md) into the campaign's LeafValues.

    For migrating spreadsheets and for the demo: the core checks the table first (every
    problem is raised as InputError, nothing written). Self rows go to the self track,
    appraised rows to the appraised track (marked appraised), `applicable=false` marks the
    leaf not applicable. Only new LeafValues are written (units start empty).
    `explanation` is given to every leaf with a self-assessed value.
    """
    spec = campaign.spec()
    assessments = {a.unit.code: a for a in campaign.assessments.select_related("unit")}
    frame = frame.reset_index(drop=True)
    if units is not None:
        keep = set(units)
        frame = frame[frame["unit_code"].astype(str).isin(keep)].reset_index(drop=True)
    unit_table = units_frame(campaign, list(assessments.values())).assign(predecessors="")
    score(campaign.framework(), frame, unit_table, source=reason)  # checks everything
    now = _now()
    actor = user if getattr(user, "is_authenticated", False) else None
    records: dict[tuple[str, str], LeafValue] = {}
    existing = {
        (lv.assessment.unit.code, lv.leaf_code): lv
        for lv in LeafValue.objects.filter(
            assessment__campaign=campaign,
            assessment__unit__code__in=set(frame["unit_code"].astype(str)),
        ).select_related("assessment__unit")
    }
    columns = {
        c: frame[c] if c in frame.columns else pd.Series([""] * len(frame)) for c in INPUT_COLUMNS
    }
    for unit_code, code, value, input_name, track, applicable in zip(
        *(columns[c] for c in INPUT_COLUMNS), strict=True
    ):
        unit_code, code = str(unit_code), str(code)
        assessment = assessments[unit_code]
        lv = records.get((unit_code, code))
        if lv is None:
            lv = existing.get((unit_code, code)) or LeafValue(assessment=assessment, leaf_code=code)
            records[(unit_code, code)] = lv
        if str(applicable).strip().lower() in FALSE_WORDS:
            lv.not_applicable = True
            continue
        text = _text_cell(value)
        if text == "":
            continue
        appraised = str(track or "appraised").strip().lower() != "self"
        name = str(input_name or "").strip() if not _is_nan(input_name) else ""
        if appraised:
            if name:
                lv.appraised_inputs[name] = text
            else:
                lv.appraised_value = text
            lv.appraised_at, lv.appraised_by = now, actor
        else:
            if name:
                lv.self_inputs[name] = text
            else:
                lv.self_value = text
            lv.self_updated_at, lv.self_updated_by = now, actor
    for (_unit, code), lv in records.items():
        leaf = spec.by_code[code]
        lv.self_filled = leaf.filled(lv.self_value, lv.self_inputs, lv.not_applicable)
        if explanation and (lv.self_value or lv.self_inputs):
            lv.explanation = explanation
        if lv.appraised_at is not None and not leaf.is_survey:
            lv.appraised_round = 1
    new = [lv for lv in records.values() if lv.pk is None]
    old = [lv for lv in records.values() if lv.pk is not None]
    with transaction.atomic():
        if new:
            bulk_create_with_history(
                new, LeafValue, batch_size=1000, default_user=actor, default_change_reason=reason
            )
        if old:
            bulk_update_with_history(
                old,
                LeafValue,
                IMPORTED_FIELDS,
                batch_size=1000,
                default_user=actor,
                default_change_reason=reason,
            )
        started = {lv.assessment_id for lv in records.values() if lv.self_filled or lv.self_inputs}
        waiting = list(
            Assessment.objects.filter(pk__in=started, status=Assessment.Status.NOT_STARTED)
        )
        for assessment in waiting:
            assessment.status = Assessment.Status.IN_PROGRESS
        if waiting:
            bulk_update_with_history(
                waiting, Assessment, ["status"], default_user=actor, default_change_reason=reason
            )
    return len(records)


IMPORTED_FIELDS = [
    "self_value",
    "self_inputs",
    "not_applicable",
    "explanation",
    "self_filled",
    "self_updated_at",
    "self_updated_by",
    "appraised_value",
    "appraised_inputs",
    "appraised_at",
    "appraised_by",
    "appraised_round",
]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
