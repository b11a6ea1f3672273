"""Reading a campaign's results snapshot for rankings, profiles and exports.

No request objects here, and no computation the core already does: ranks, classes and the
change since last year are read as finalisation stored them (unrounded; ranks were given
on unrounded values by `parindex.scoring`), and the profile's analyses come from
`parindex.analysis` (`strengths_weaknesses`, `lost_points_by_unit`, `recurring_losses`)
run on frames built from `UnitResult` / `NodeResult`.

Query budget (1,000 units × 100 leaves): a ranking is one query on `UnitResult`; a profile
is one query for the unit's results, one for its peer group's field indices, one for all
its `NodeResult` rows, and per earlier campaign one for the campaign, one or two for the
unit's (or its predecessors') result and one for its lost points.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import Q

from parindex.analysis.lost_points import EPS, lost_points_by_unit, recurring_losses
from parindex.analysis.profile import strengths_weaknesses
from parindex.web.campaigns.models import Campaign, NodeResult, Track, UnitResult
from parindex.web.units.models import Unit, UnitPredecessor

RESULT_STATUSES = (Campaign.Status.FINALISED, Campaign.Status.PUBLISHED)
PUBLIC_STATUSES = (Campaign.Status.PUBLISHED,)
MAX_YEARS = 10  # how far back the year-over-year line follows `previous`

RANKING_COLUMNS = (
    "unit_id",
    "unit_code",
    "unit_name",
    "peer_group",
    "points",
    "max_points",
    "index_pct",
    "rank",
    "class_label",
    "fields",
    "bonus_points",
    "penalty_points",
    "prev_index_pct",
    "index_change",
    "prev_rank",
    "rank_change",
    "yoy_note",
)
NODE_COLUMNS = (
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
)


# --- small helpers ---------------------------------------------------------------------------


def fold(text: Any) -> str:
    """Text for searching and sorting Vietnamese names: no case, no diacritics (đ → d)."""
    value = str(text or "").replace("đ", "d").replace("Đ", "D")
    value = unicodedata.normalize("NFD", value)
    return "".join(c for c in value if not unicodedata.combining(c)).casefold()


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class FieldInfo:
    code: str
    name: str
    max_points: float


def campaign_fields(campaign: Campaign) -> list[FieldInfo]:
    """The top-level fields of the campaign's framework snapshot, in framework order."""
    fw = campaign.framework()
    return [FieldInfo(str(n.code), str(n.name), float(n.max_points or 0)) for n in fw.nodes]


def class_order(campaign: Campaign) -> dict[str, int]:
    """Class label → position in the framework's classification (best first)."""
    fw = campaign.framework()
    return {str(band.label): i for i, band in enumerate(fw.classification or [])}


@dataclass(frozen=True)
class YoyNote:
    """The stored `yoy_note` of the core, split so that pages can translate it."""

    kind: str  # "" | "new" | "merged"
    sources: str = ""  # "A×0.6, B×0.4" for a merged unit
    detail: str = ""  # the core's remark in brackets, if any


def parse_yoy_note(note: str | None) -> YoyNote:
    text = (note or "").strip()
    if not text:
        return YoyNote("")
    if text == "new":
        return YoyNote("new")
    if text.startswith("merged:"):
        rest = text[len("merged:") :].strip()
        sources, _sep, detail = rest.partition(" (")
        return YoyNote("merged", sources.strip(), detail.rstrip(")").strip())
    return YoyNote("other", text)


# --- ranking ---------------------------------------------------------------------------------


def ranking_rows(campaign: Campaign, scope=None) -> list[dict[str, Any]]:
    """Every appraised-track result of the campaign (one query), as dicts.

    `scope` (a Unit queryset) keeps only those units' rows; ranks stay the ranks within
    the whole peer group.
    """
    qs = UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED)
    if scope is not None:
        qs = qs.filter(unit__in=scope)
    rows = list(qs.values(*RANKING_COLUMNS))
    for row in rows:
        row["fields"] = row["fields"] or {}
        row["yoy"] = parse_yoy_note(row["yoy_note"])
        row["places"] = None if row["rank_change"] is None else abs(row["rank_change"])
        row["_name"] = fold(row["unit_name"])
        row["_code"] = fold(row["unit_code"])
    return rows


SORT_KEYS = ("rank", "unit", "points", "index", "class", "change", "places")
DEFAULT_DESCENDING = {"points", "index", "change", "places", "field"}


def parse_sort(value: str | None, field_codes: Iterable[str]) -> tuple[str, bool]:
    """`?sort=` → (key, descending); unknown values fall back to the rank."""
    text = (value or "").strip()
    descending = text.startswith("-")
    key = text.lstrip("-")
    codes = set(field_codes)
    if key in SORT_KEYS or (key.startswith("f.") and key[2:] in codes):
        return key, descending
    return "rank", False


def _sort_value(key: str, class_rank: dict[str, int]):
    if key == "rank":
        return lambda r: r["rank"]
    if key == "unit":
        return lambda r: r["_name"]
    if key == "points":
        return lambda r: r["points"]
    if key == "index":
        return lambda r: r["index_pct"]
    if key == "change":
        return lambda r: r["index_change"]
    if key == "places":
        return lambda r: r["rank_change"]
    if key == "class":
        return lambda r: (
            class_rank.get(r["class_label"], len(class_rank)) if r["class_label"] else None
        )
    code = key[2:]
    return lambda r: _num(r["fields"].get(code))


def sort_rows(
    rows: list[dict[str, Any]], key: str, descending: bool, class_rank: dict[str, int]
) -> list[dict[str, Any]]:
    """Rows ordered by `key` (ties by name, rows without a value last), unrounded values."""
    value = _sort_value(key, class_rank)
    by_name = sorted(rows, key=lambda r: (r["_name"], r["_code"]))
    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    present.sort(key=value, reverse=descending)  # stable: ties keep name order
    return present + missing


def filter_rows(
    rows: Sequence[dict[str, Any]], group: str | None, class_label: str | None, query: str
) -> list[dict[str, Any]]:
    q = fold(query.strip()) if query else ""
    out = []
    for row in rows:
        if group is not None and row["peer_group"] != group:
            continue
        if class_label is not None and row["class_label"] != class_label:
            continue
        if q and q not in row["_name"] and q not in row["_code"]:
            continue
        out.append(row)
    return out


def group_rows(rows: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(peer group, rows) in the order of the group names (rows keep their order)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["peer_group"]].append(row)
    return sorted(groups.items(), key=lambda item: fold(item[0]))


def group_sizes(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    sizes: dict[str, int] = defaultdict(int)
    for row in rows:
        sizes[row["peer_group"]] += 1
    return dict(sizes)


# --- one unit: the profile --------------------------------------------------------------------


@dataclass
class YoyPoint:
    """The unit's index in one campaign; `merged`: compared through its predecessors."""

    campaign_id: int
    year: int
    name: str
    status: str
    index_pct: float | None
    rank: int | None
    class_label: str
    merged: bool = False
    sources: list[dict[str, Any]] = field(default_factory=list)  # code, name, weight
    current: bool = False


@dataclass
class Profile:
    campaign: Campaign
    unit: Unit
    result: dict[str, Any]
    self_result: dict[str, Any] | None
    group_size: int
    fields: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    lost: list[dict[str, Any]]
    yoy: list[YoyPoint]
    recurring: list[dict[str, Any]]
    recurring_since_merger: bool
    self_diff: list[dict[str, Any]]
    self_total: dict[str, Any] | None

    @property
    def merged(self) -> bool:
        return any(p.merged for p in self.yoy)


def unit_results(campaign: Campaign, unit: Unit, with_self: bool) -> dict[str, dict[str, Any]]:
    tracks = [Track.APPRAISED, Track.SELF] if with_self else [Track.APPRAISED]
    rows = UnitResult.objects.filter(campaign=campaign, unit=unit, track__in=tracks).values(
        "track", *RANKING_COLUMNS
    )
    out = {}
    for row in rows:
        row["fields"] = row["fields"] or {}
        row["yoy"] = parse_yoy_note(row["yoy_note"])
        row["places"] = None if row["rank_change"] is None else abs(row["rank_change"])
        out[row["track"]] = row
    return out


def unit_nodes(campaign: Campaign, unit: Unit) -> list[dict[str, Any]]:
    """The unit's NodeResult rows in framework (tree) order: one query."""
    return list(
        NodeResult.objects.filter(campaign=campaign, unit=unit).order_by("id").values(*NODE_COLUMNS)
    )


def field_profile(
    campaign: Campaign, result: dict[str, Any], fields: Sequence[FieldInfo]
) -> tuple[list[dict[str, Any]], int]:
    """Per field: the unit's index, its peer group's average and best (and who holds it),
    from `parindex.analysis.profile.strengths_weaknesses`; and the peer group's size."""
    peers = list(
        UnitResult.objects.filter(
            campaign=campaign, track=Track.APPRAISED, peer_group=result["peer_group"]
        ).values_list("unit_code", "unit_name", "fields")
    )
    codes = [f.code for f in fields]
    frame = pd.DataFrame(
        {
            "unit_code": [str(p[0]) for p in peers],
            "peer_group": [result["peer_group"]] * len(peers),
            **{
                f"field_{code}_pct": [_num((p[2] or {}).get(code)) for p in peers] for code in codes
            },
        }
    )
    if not codes:
        return [], len(peers)
    names = {f.code: f.name for f in fields}
    table = strengths_weaknesses(frame, str(result["unit_code"]), field_names=names)
    unit_names = {str(p[0]): p[1] for p in peers}
    out = []
    for row in table.to_dict("records"):
        best_codes = [c for c in str(row["best_units"] or "").split(", ") if c]
        out.append(
            {
                "code": row["field_code"],
                "name": row["field_name"],
                "value": _num(row["value"]),
                "average": _num(row["peer_average"]),
                "best": _num(row["best_value"]),
                "best_units": [unit_names.get(c, c) for c in best_codes],
                "gap_to_average": _num(row["gap_to_average"]),
                "gap_to_best": _num(row["gap_to_best"]),
                "label": row["label"],
            }
        )
    return out, len(peers)


def lost_points(unit: Unit, nodes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaves where the unit lost points, largest first (`lost_points_by_unit`), with the
    field each belongs to."""
    if not nodes:
        return []
    frame = pd.DataFrame(list(nodes)).assign(unit_code=unit.code)
    table = lost_points_by_unit(frame, leaves_only=True)
    parent = {n["node_code"]: n["parent_code"] for n in nodes}
    names = {n["node_code"]: n["node_name"] for n in nodes}

    def field_of(code: str) -> str:
        seen = 0
        while parent.get(code) and seen < 50:
            code, seen = parent[code], seen + 1
        return code

    out = []
    for row in table.to_dict("records"):
        top = field_of(row["node_code"])
        max_points = _num(row["max_points"]) or 0.0
        out.append(
            {
                "code": row["node_code"],
                "name": row["node_name"],
                "field_code": top,
                "field_name": names.get(top, ""),
                "max_points": max_points,
                "points": _num(row["points"]),
                "lost": _num(row["lost_points"]),
                "share": (_num(row["lost_points"]) or 0) / max_points * 100 if max_points else None,
            }
        )
    return out


def self_difference(
    nodes: Sequence[dict[str, Any]], result: dict[str, Any], self_result: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Per field and in total: self-assessed vs appraised points and index (appraised −
    self-assessed; negative = the appraisal took points off)."""
    rows = []
    for node in nodes:
        if node["depth"] != 0:
            continue
        own, appraised, max_points = node["self_points"], node["points"], node["max_points"]
        rows.append(
            {
                "code": node["node_code"],
                "name": node["node_name"],
                "max_points": max_points,
                "self_points": own,
                "points": appraised,
                "diff_points": None if own is None else appraised - own,
                "self_index": own / max_points * 100 if own is not None and max_points else None,
                "index": appraised / max_points * 100 if max_points else None,
                "diff_index": (appraised - own) / max_points * 100
                if own is not None and max_points
                else None,
            }
        )
    if self_result is None:
        return rows, None
    total = {
        "max_points": result["max_points"],
        "self_points": self_result["points"],
        "points": result["points"],
        "diff_points": result["points"] - self_result["points"],
        "self_index": self_result["index_pct"],
        "index": result["index_pct"],
        "diff_index": None
        if result["index_pct"] is None or self_result["index_pct"] is None
        else result["index_pct"] - self_result["index_pct"],
        "self_class": self_result["class_label"],
        "class": result["class_label"],
        "self_rank": self_result["rank"],
        "rank": result["rank"],
    }
    return rows, total


def campaign_chain(campaign: Campaign, statuses: Sequence[str]) -> list[Campaign]:
    """Earlier campaigns through `previous` (newest first) whose status is in `statuses`;
    campaigns in other states are skipped but the chain goes on through them."""
    chain: list[Campaign] = []
    seen = {campaign.pk}
    previous_id = campaign.previous_id
    steps = 0
    while previous_id and previous_id not in seen and steps < MAX_YEARS * 2:
        steps += 1
        previous = (
            Campaign.objects.filter(pk=previous_id)
            .only("id", "name", "year", "status", "previous_id")
            .first()
        )
        if previous is None:
            break
        seen.add(previous.pk)
        if previous.status in statuses:
            chain.append(previous)
            if len(chain) >= MAX_YEARS:
                break
        previous_id = previous.previous_id
    return chain


@dataclass
class _Entity:
    """A unit version that stands for the profiled unit in an earlier campaign."""

    unit_id: int
    code: str
    name: str
    weight: float


def _history(
    campaign: Campaign, unit: Unit, result: dict[str, Any], chain: Sequence[Campaign]
) -> tuple[list[YoyPoint], dict[int, int]]:
    """The index across the chain; and, per campaign, the unit version that *is* the unit
    there (same unit or same code, not through predecessors) for the recurring losses.

    Mirrors finalisation (services.units_frame + scoring.yoy): a unit that was not itself
    in the earlier campaign but has predecessors is compared with the weighted mean of
    its predecessors' indices (weights renormalised over those found); otherwise it is
    matched on its code. Mergers further back are followed the same way.
    """
    points = [
        YoyPoint(
            campaign.pk, campaign.year, campaign.name, campaign.status, result["index_pct"],
            result["rank"], result["class_label"], current=True,
        )
    ]  # fmt: skip
    same_unit = {campaign.pk: unit.pk}
    entities = [_Entity(unit.pk, unit.code, result["unit_name"], 1.0)]
    merged = False
    for earlier in chain:
        ids = [e.unit_id for e in entities]
        found = {
            r["unit_id"]: r
            for r in UnitResult.objects.filter(
                campaign=earlier, track=Track.APPRAISED, unit_id__in=ids
            ).values("unit_id", "unit_code", "unit_name", "index_pct", "rank", "class_label")
        }
        pending = [e for e in entities if e.unit_id not in found]
        links: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if pending:
            for link in (
                UnitPredecessor.objects.filter(unit_id__in=[e.unit_id for e in pending])
                .order_by("predecessor__code")
                .values(
                    "unit_id", "predecessor_id", "predecessor__code", "predecessor__name", "weight"
                )
            ):
                links[link["unit_id"]].append(link)
        matched: list[tuple[_Entity, dict[str, Any]]] = [
            (e, found[e.unit_id]) for e in entities if e.unit_id in found
        ]
        lookup: list[_Entity] = []
        by_code: list[_Entity] = []
        for e in pending:
            if links.get(e.unit_id):
                merged = True
                for link in links[e.unit_id]:
                    lookup.append(
                        _Entity(
                            link["predecessor_id"], link["predecessor__code"],
                            link["predecessor__name"], e.weight * float(link["weight"]),
                        )
                    )  # fmt: skip
            else:
                by_code.append(e)
        if lookup or by_code:
            rows = list(
                UnitResult.objects.filter(campaign=earlier, track=Track.APPRAISED)
                .filter(
                    Q(unit_id__in=[e.unit_id for e in lookup])
                    | Q(unit_code__in=[e.code for e in by_code])
                )
                .values("unit_id", "unit_code", "unit_name", "index_pct", "rank", "class_label")
            )
            rows_by_id = {r["unit_id"]: r for r in rows}
            rows_by_code = {r["unit_code"]: r for r in rows}
            for e in lookup:
                if e.unit_id in rows_by_id:
                    matched.append((e, rows_by_id[e.unit_id]))
            for e in by_code:
                if e.code in rows_by_code:
                    matched.append((e, rows_by_code[e.code]))
        usable = [(e, r) for e, r in matched if r["index_pct"] is not None]
        weights = sum(e.weight for e, _r in usable)
        if not matched:
            break
        value = sum(e.weight * r["index_pct"] for e, r in usable) / weights if weights > 0 else None
        single = not merged and len(matched) == 1
        point = YoyPoint(
            earlier.pk, earlier.year, earlier.name, earlier.status, value,
            matched[0][1]["rank"] if single else None,
            matched[0][1]["class_label"] if single else "",
            merged=merged,
            sources=[
                {"code": r["unit_code"], "name": r["unit_name"], "weight": e.weight}
                for e, r in matched
            ] if merged else [],
        )  # fmt: skip
        points.append(point)
        if single:
            same_unit[earlier.pk] = matched[0][1]["unit_id"]
        entities = [
            _Entity(r["unit_id"], r["unit_code"], r["unit_name"], e.weight) for e, r in matched
        ]
    points.sort(key=lambda p: p.year)
    return points, same_unit


def _recurring(
    unit: Unit,
    campaign: Campaign,
    nodes: Sequence[dict[str, Any]],
    chain: Sequence[Campaign],
    same_unit: dict[int, int],
) -> list[dict[str, Any]]:
    """Losses in at least two consecutive years (`recurring_losses`), for the years in
    which the unit existed as itself (before a merger its predecessors lost the points)."""
    details: dict[int, pd.DataFrame] = {}
    columns = ["node_code", "node_name", "is_leaf", "lost_points"]
    current = pd.DataFrame([{c: n[c] for c in columns} for n in nodes], columns=columns)
    details[campaign.year] = current.assign(unit_code=unit.code)
    for earlier in chain:
        unit_id = same_unit.get(earlier.pk)
        if unit_id is None:
            break  # merged: earlier years belong to the predecessors
        if earlier.year in details:
            continue
        rows = list(
            NodeResult.objects.filter(
                campaign=earlier, unit_id=unit_id, is_leaf=True, lost_points__gt=EPS
            ).values_list(*columns)
        )
        details[earlier.year] = pd.DataFrame(rows, columns=columns).assign(unit_code=unit.code)
    if len(details) < 2:
        return []
    table = recurring_losses(details, min_years=2)
    return [
        {
            "code": row["node_code"],
            "name": row["node_name"],
            "years": row["years"],
            "streak": int(row["streak"]),
            "total_lost": _num(row["total_lost"]),
        }
        for row in table.to_dict("records")
    ]


def unit_profile(campaign: Campaign, unit: Unit, *, public: bool) -> Profile | None:
    """Everything the profile page shows; None if the unit has no result in the campaign.

    `public`: published campaigns only along the chain, and nothing of the self-assessment.
    """
    results = unit_results(campaign, unit, with_self=not public)
    result = results.get(Track.APPRAISED)
    if result is None:
        return None
    fields = campaign_fields(campaign)
    field_rows, group_size = field_profile(campaign, result, fields)
    nodes = unit_nodes(campaign, unit)
    chain = campaign_chain(campaign, PUBLIC_STATUSES if public else RESULT_STATUSES)
    yoy, same_unit = _history(campaign, unit, result, chain)
    recurring = _recurring(unit, campaign, nodes, chain, same_unit)
    since_merger = any(p.merged for p in yoy)
    if public:
        self_rows, self_total = [], None
    else:
        self_rows, self_total = self_difference(nodes, result, results.get(Track.SELF))
    return Profile(
        campaign=campaign,
        unit=unit,
        result=result,
        self_result=results.get(Track.SELF),
        group_size=group_size,
        fields=field_rows,
        nodes=nodes,
        lost=lost_points(unit, nodes),
        yoy=yoy,
        recurring=recurring,
        recurring_since_merger=since_merger,
        self_diff=self_rows,
        self_total=self_total,
    )
