"""Score every unit on a framework: leaf points, sums up the tree, index, rank, class.

Both tracks (self-assessed and appraised) are scored the same way so their difference
is exact. The tree sum is a matrix product with a leaf→node incidence matrix, so the
work is a handful of numpy operations whatever the number of units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parindex.framework.model import Framework, Node
from parindex.scoring import rules
from parindex.scoring.classify import classify
from parindex.scoring.inputs import TRACKS, LeafTable, Prepared, prepare_inputs, unit_column
from parindex.scoring.ranking import competition_rank
from parindex.scoring.units import predecessor_map, prepare_units, split_by_kind

BROADCAST_RULES = {
    "linear": rules.linear_points,
    "deduction": rules.deduction_points,
    "survey": rules.survey_points,
}


@dataclass
class TreeIndex:
    """The main tree flattened: nodes in walk order and which leaves sit under each."""

    nodes: list[Node]
    parent: list[str]
    depth: list[int]
    incidence: np.ndarray  # (main leaves, nodes): 1 where the leaf is under (or is) the node

    @classmethod
    def of(cls, fw: Framework, leaves: LeafTable) -> TreeIndex:
        nodes: list[Node] = []
        parent: list[str] = []
        depth: list[int] = []
        ancestors: list[list[int]] = []  # per node position: itself and its ancestors

        def visit(node: Node, d: int, parent_code: str, chain: list[int]) -> None:
            pos = len(nodes)
            nodes.append(node)
            parent.append(parent_code)
            depth.append(d)
            ancestors.append([*chain, pos])
            for child in node.children:
                visit(child, d + 1, node.code, [*chain, pos])

        for top in fw.nodes:
            visit(top, 0, "", [])
        main_leaves = [i for i, b in enumerate(leaves.block) if b == "main"]
        incidence = np.zeros((len(main_leaves), len(nodes)))
        pos_of = {n.code: i for i, n in enumerate(nodes)}
        for row, leaf in enumerate(main_leaves):
            incidence[row, ancestors[pos_of[leaves.nodes[leaf].code]]] = 1.0
        return cls(nodes, parent, depth, incidence)


@dataclass
class ScoreResult:
    """Results of one scoring run; `results` and `detail` follow docs/ARCHITECTURE.md."""

    framework_id: str
    framework_version: str
    results: pd.DataFrame
    detail: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def leaf_points(prepared: Prepared, track: str) -> np.ndarray:
    """Points (unclipped rule output, NaN = no value) of every leaf for one track."""
    leaves = prepared.leaves
    values = prepared.values[track].copy()
    survey_cols = [i for i, n in enumerate(leaves.nodes) if n.rule_type == "survey"]
    if track == "self" and survey_cols:
        # Units never self-score survey criteria: both tracks use the survey's result.
        values[:, survey_cols] = prepared.values["appraised"][:, survey_cols]
    points = np.full_like(values, np.nan)
    n_units = values.shape[0]
    for i, node in enumerate(leaves.nodes):
        kind = node.rule_type
        column = values[:, i]
        if kind in ("manual", "options"):
            points[:, i] = column
        elif kind in BROADCAST_RULES:
            points[:, i] = BROADCAST_RULES[kind](column, node)
        elif kind == "bands":
            points[:, i] = rules.bands_points(column, node)
        elif kind == "formula":
            points[:, i] = rules.formula_points(prepared.formula[track][i], node, n_units)
        else:  # validation rejects unknown rule types before we get here
            raise ValueError(f"leaf {node.code} has no scorable rule ({kind!r})")
    return points


def _clip(points: np.ndarray, max_points: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.clip(np.nan_to_num(points, nan=0.0), 0.0, max_points)


def _track_totals(
    fw: Framework, prepared: Prepared, tree: TreeIndex, track: str
) -> dict[str, np.ndarray]:
    leaves = prepared.leaves
    max_points = leaves.max_points
    raw = leaf_points(prepared, track)
    applicable = ~prepared.not_applicable
    clipped = _clip(raw, max_points) * applicable
    block = np.array(leaves.block)
    main = block == "main"
    is_survey = leaves.rule_types == "survey"

    node_points = clipped[:, main] @ tree.incidence
    node_max = (applicable[:, main] * max_points[main]) @ tree.incidence
    bonus = _block_total(clipped[:, block == "bonus"], fw.bonus)
    penalty = _block_total(clipped[:, block == "penalty"], fw.penalty)
    base = clipped[:, main].sum(axis=1)
    points = np.maximum(0.0, base + bonus - penalty)
    max_total = (applicable[:, main] * max_points[main]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(max_total > 0, points / max_total * 100.0, np.nan)
    filled = ~np.isnan(raw) | ~applicable
    return {
        "node_points": node_points,
        "node_max": node_max,
        "points": points,
        "max_points": max_total,
        "index_pct": index,
        "bonus": bonus,
        "penalty": penalty,
        "missing": (~filled[:, main]).sum(axis=1),
        # A unit "has" a track only through values it was given, not the survey's copy.
        "any_value": (~np.isnan(raw[:, main & ~is_survey])).any(axis=1),
    }


def _block_total(points: np.ndarray, block) -> np.ndarray:
    if block is None or points.shape[1] == 0:
        return np.zeros(points.shape[0])
    return np.minimum(points.sum(axis=1), float(block.cap))


def score(
    fw: Framework,
    inputs: pd.DataFrame,
    units: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    *,
    source: str = "inputs",
    units_source: str = "units",
) -> ScoreResult:
    """Score all units of `inputs` on `fw`; raise InputError on any bad row or unit."""
    named = unit_column(inputs)
    unit_table = prepare_units(units, [t for t in named.texts if t], fw.unit_kind, units_source)
    unit_table, other_kinds = split_by_kind(unit_table, fw.unit_kind)
    unit_codes = unit_table["unit_code"].tolist()
    prepared = prepare_inputs(
        inputs,
        fw,
        unit_codes,
        known_units=units is not None,
        source=source,
        units_named=named,
        other_kinds=other_kinds,
    )
    tree = TreeIndex.of(fw, prepared.leaves)

    totals = {t: _track_totals(fw, prepared, tree, t) for t in TRACKS}
    results = _results_table(fw, unit_table, tree, totals)
    detail = _detail_table(unit_codes, tree, totals)
    warnings = _warnings(unit_codes, totals["appraised"])

    if previous is not None:
        from parindex.scoring.yoy import compare_with_previous

        results = compare_with_previous(results, previous, predecessor_map(unit_table))
    return ScoreResult(fw.id, fw.version, results, detail, warnings)


def _results_table(
    fw: Framework, units: pd.DataFrame, tree: TreeIndex, totals: dict[str, dict[str, np.ndarray]]
) -> pd.DataFrame:
    appraised, own = totals["appraised"], totals["self"]
    peer = units["peer_group"].to_numpy()
    out = units[["unit_code", "unit_name", "unit_kind", "peer_group"]].copy()
    out["points"] = appraised["points"]
    out["max_points"] = appraised["max_points"]
    out["index_pct"] = appraised["index_pct"]
    out["rank"] = competition_rank(appraised["index_pct"], peer)
    out["class"] = classify(appraised["index_pct"], fw.classification)
    for pos, node in enumerate(tree.nodes):
        if tree.depth[pos] == 0:
            with np.errstate(invalid="ignore", divide="ignore"):
                pts, mx = appraised["node_points"][:, pos], appraised["node_max"][:, pos]
                out[f"field_{node.code}_pct"] = np.where(mx > 0, pts / mx * 100.0, np.nan)
    out["bonus_points"] = appraised["bonus"]
    out["penalty_points"] = appraised["penalty"]
    has_self = own["any_value"]
    out["self_points"] = np.where(has_self, own["points"], np.nan)
    out["self_index_pct"] = np.where(has_self, own["index_pct"], np.nan)
    out["self_rank"] = competition_rank(out["self_index_pct"].to_numpy(), peer)
    out["self_class"] = np.where(has_self, classify(own["index_pct"], fw.classification), "")
    out["diff_points"] = out["points"] - out["self_points"]
    out["diff_index_pct"] = out["index_pct"] - out["self_index_pct"]
    out["missing_values"] = appraised["missing"]
    out["framework_id"] = fw.id
    out["framework_version"] = fw.version
    return out.reset_index(drop=True)


def _detail_table(
    unit_codes: list[str], tree: TreeIndex, totals: dict[str, dict[str, np.ndarray]]
) -> pd.DataFrame:
    n_units, n_nodes = len(unit_codes), len(tree.nodes)
    appraised, own = totals["appraised"], totals["self"]
    points = appraised["node_points"].ravel()
    max_points = appraised["node_max"].ravel()
    self_points = np.where(own["any_value"][:, None], own["node_points"], np.nan).ravel()
    return pd.DataFrame(
        {
            "unit_code": np.repeat(np.asarray(unit_codes, dtype=object), n_nodes),
            "node_code": np.tile(np.array([n.code for n in tree.nodes], dtype=object), n_units),
            "node_name": np.tile(np.array([n.name for n in tree.nodes], dtype=object), n_units),
            "parent_code": np.tile(np.asarray(tree.parent, dtype=object), n_units),
            "depth": np.tile(np.asarray(tree.depth), n_units),
            "is_leaf": np.tile(np.array([n.is_leaf for n in tree.nodes]), n_units),
            "points": points,
            "max_points": max_points,
            "lost_points": max_points - points,
            "self_points": self_points,
            "applicable": max_points > 0,
        }
    )


def _warnings(unit_codes: list[str], appraised: dict[str, np.ndarray]) -> list[str]:
    missing = appraised["missing"]
    out = []
    if missing.any():
        worst = np.argsort(-missing)[:5]
        names = ", ".join(f"{unit_codes[i]} ({missing[i]})" for i in worst if missing[i])
        out.append(
            f"{int((missing > 0).sum())} units have criteria without an appraised value "
            f"(scored 0): {names}"
        )
    return out
