"""Classifying heads of agencies for a campaign: the inputs gathered from the other apps,
the rule set in use, and the core's classification (`parindex.analysis.heads`).

Inputs per unit with a result in the campaign:
- index, class and field indices: the campaign's appraised `UnitResult` rows;
- overdue dossiers in the campaign's year: `parindex.web.dossiers.services.compute_counts`
  (handled − on time of metric 2.1 dossier_on_time); when the dossier data cannot be read
  or holds no dossier of the year, there is no dossier data (None) and the rules ignore the
  conditions on it;
- remedial completion: `parindex.web.remedial.services.completion_by_unit`, by default for
  the plans made from the *previous* campaign's results (those carried out during the year
  evaluated), else for the plans made from this campaign's results;
- the head's name: the active `unit_head` role assignment on the unit, if any.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from django.db import transaction

from parindex.analysis.heads import (
    DEFAULT_HEAD_RULES,
    HeadRuleSet,
    classify_heads,
    default_head_rules_text,
    head_rules_from_text,
    reason_text,
)
from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.campaigns.models import Campaign, Track, UnitResult
from parindex.web.heads.models import HeadRuleSetFile
from parindex.web.units.models import Unit, today

log = logging.getLogger(__name__)

PLANS_PREVIOUS = "previous"
PLANS_THIS = "this"


# --- the rule set ------------------------------------------------------------------------------


def active_record(root: Unit) -> HeadRuleSetFile | None:
    return HeadRuleSetFile.objects.filter(root_unit=root, active=True).order_by("-pk").first()


def rule_set_for(root: Unit) -> tuple[HeadRuleSet, str, HeadRuleSetFile | None]:
    """(rule set, its YAML text, the stored record or None for the packaged example)."""
    record = active_record(root)
    if record is not None:
        try:
            return (
                head_rules_from_text(record.yaml_text, record.file_name),
                record.yaml_text,
                record,
            )
        except Exception:  # validated on upload; a later core change must not break the page
            log.exception("stored heads' rule set %s no longer loads", record.pk)
    text = default_head_rules_text()
    return head_rules_from_text(text, DEFAULT_HEAD_RULES), text, None


@transaction.atomic
def upload_rule_set(root: Unit, text: str, file_name: str, user: Any) -> HeadRuleSetFile:
    """Validate (raises InputError naming the file and rule; nothing stored) and make it the
    root unit's rule set in use."""
    rules = head_rules_from_text(text, file_name)
    for old in HeadRuleSetFile.objects.filter(root_unit=root, active=True):
        old.active = False
        old._change_reason = "replaced"
        old.save()
    record = HeadRuleSetFile(
        root_unit=root,
        file_name=file_name,
        rule_set_id=rules.id,
        name=rules.name,
        version=rules.version,
        yaml_text=text,
        active=True,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record._change_reason = "uploaded"
    record.save()
    return record


@transaction.atomic
def use_default(root: Unit, user: Any) -> int:
    """Go back to the packaged example: the root's stored rule sets stop being in use."""
    count = 0
    for old in HeadRuleSetFile.objects.filter(root_unit=root, active=True):
        old.active = False
        old._change_reason = "back to the packaged example"
        if getattr(user, "is_authenticated", False):
            old._history_user = user
        old.save()
        count += 1
    return count


# --- inputs ------------------------------------------------------------------------------------


def results_frame(campaign: Campaign, scope: set[int] | None) -> pd.DataFrame:
    """unit_id, unit_code, unit_name, peer_group, index_pct, rank, class, field_<code>_pct."""
    qs = UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED)
    if scope is not None:
        qs = qs.filter(unit_id__in=scope)
    rows = []
    for r in qs.order_by("peer_group", "rank", "unit_code").values(
        "unit_id", "unit_code", "unit_name", "peer_group", "index_pct", "rank", "class_label",
        "fields",
    ):  # fmt: skip
        row = {
            "unit_id": r["unit_id"],
            "unit_code": r["unit_code"],
            "unit_name": r["unit_name"],
            "peer_group": r["peer_group"],
            "index_pct": r["index_pct"],
            "rank": r["rank"],
            "class": r["class_label"],
        }
        for code, value in (r["fields"] or {}).items():
            row[f"field_{code}_pct"] = value
        rows.append(row)
    base = ["unit_id", "unit_code", "unit_name", "peer_group", "index_pct", "rank", "class"]
    return pd.DataFrame(rows, columns=base if not rows else None)


def overdue_by_unit(campaign: Campaign) -> dict[str, int] | None:
    """Overdue dossiers per unit code in the campaign's year, from the dossiers app; None
    when there is no dossier data (nothing stored, nothing handled that year, or the data
    cannot be read — logged)."""
    try:
        from parindex.dossiers import Period
        from parindex.web.dossiers import services as dossiers

        counts = dossiers.compute_counts(campaign.root_unit, Period(campaign.year))
    except Exception:  # the service index is optional here: never break the heads page
        log.warning("no dossier data for the heads page of campaign %s", campaign.pk, exc_info=True)
        return None
    if counts is None or len(counts) == 0 or "metric" not in counts.columns:
        return None
    on_time = counts[counts["metric"] == "dossier_on_time"]
    if on_time.empty:
        return None
    handled = pd.to_numeric(on_time["denominator"], errors="coerce").fillna(0)
    if float(handled.sum()) <= 0:
        return None
    done = pd.to_numeric(on_time["numerator"], errors="coerce").fillna(0)
    overdue = (handled - done).clip(lower=0)
    return {
        str(code): int(round(value))
        for code, value in zip(on_time["unit_code"], overdue, strict=True)
    }


def plans_campaign(campaign: Campaign, choice: str | None) -> Campaign:
    """The campaign whose remedial plans count: the previous one (plans carried out during
    the year evaluated) unless told `this`, or when the previous one has no plan."""
    from parindex.web.remedial.models import RemedialPlan

    previous = campaign.previous
    if choice == PLANS_THIS or previous is None:
        return campaign
    if choice == PLANS_PREVIOUS:
        return previous
    if RemedialPlan.objects.filter(campaign=previous).exists():
        return previous
    return campaign


def remedial_completion(campaign: Campaign) -> dict[str, float | None]:
    from parindex.web.remedial.services import completion_by_unit

    return completion_by_unit(campaign)


def head_names(unit_ids: list[int]) -> dict[int, str]:
    """unit id → the name(s) of whoever holds the unit_head role on exactly that unit."""
    names: dict[int, list[str]] = {}
    for assignment in (
        RoleAssignment.objects.active(today())
        .filter(role=Role.UNIT_HEAD, unit_id__in=unit_ids)
        .select_related("user")
        .order_by("unit_id", "user__full_name", "user__username")
    ):
        names.setdefault(assignment.unit_id, []).append(assignment.user.get_full_name())
    return {unit_id: ", ".join(people) for unit_id, people in names.items()}


def classify(
    campaign: Campaign,
    scope: set[int] | None,
    rules: HeadRuleSet,
    *,
    lang: str = "vi",
    plans: str | None = None,
) -> dict[str, Any]:
    """Everything the page and the export show: rows (one per unit, in ranking order),
    whether dossier data exists, the campaign whose plans count, and the mapped fields."""
    frame = results_frame(campaign, scope)
    overdue = overdue_by_unit(campaign)
    source = plans_campaign(campaign, plans)
    completion = remedial_completion(source)
    if not frame.empty:
        frame["overdue_dossiers"] = [
            None if overdue is None else overdue.get(code, 0) for code in frame["unit_code"]
        ]
        frame["remedial_completion"] = [completion.get(code) for code in frame["unit_code"]]
    table = classify_heads(frame, rules, lang=lang) if not frame.empty else pd.DataFrame()
    names = head_names([int(i) for i in frame["unit_id"]]) if not frame.empty else {}
    fields = [(key, code) for key, code in rules.fields.items()]
    rows = []
    for base, result in zip(
        frame.to_dict("records"), table.to_dict("records") if not table.empty else [], strict=True
    ):
        outcome = result.pop("details")
        rows.append(
            {
                **result,
                "missed_list": [reason_text(r, lang) for r in outcome.missed],
                "met_list": [reason_text(r, lang) for r in outcome.met],
                "unit_id": base["unit_id"],
                "peer_group": base["peer_group"],
                "rank": base["rank"],
                "head": names.get(base["unit_id"], ""),
                "field_values": [
                    (key, code, _number(base.get(f"field_{code}_pct"))) for key, code in fields
                ],
                "completion_pct": None
                if result["remedial_completion"] is None or pd.isna(result["remedial_completion"])
                else result["remedial_completion"] * 100,
                "overdue": None
                if result["overdue_dossiers"] is None or pd.isna(result["overdue_dossiers"])
                else int(result["overdue_dossiers"]),
            }
        )
    return {
        "rows": rows,
        "has_dossiers": overdue is not None,
        "plans_campaign": source,
        "has_plans": bool(completion),
        "fields": fields,
    }


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number
