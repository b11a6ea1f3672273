"""A simulated province to try parindex on: units, three years of inputs, both tracks.

"Tỉnh Minh Họa" is fictional and every number here is simulated; it is scored with the
product's EXAMPLE frameworks (`example-department-2025`, `example-commune-2025`). Real
department names are used because a Sở Nội vụ recognises them, never real scores.

How the values are made (all from one `numpy.random.Generator` per unit kind, so a seed
gives identical data):

- every unit has a latent quality (about 0.8) that drifts a little each year;
- each leaf has a difficulty, and each unit-year-leaf a performance
  p = quality − difficulty + noise in 0..1, turned into a value by the leaf's rule
  (an option label, a ratio, a count of cases, formula inputs, points);
- a few units have "weak" leaves on which they keep losing points every year, so that
  recurring losses show up;
- the self-assessment uses the same random draws with a higher performance on the leaves
  a unit over-claims, so appraised ≤ self on almost every leaf, and a few leaves are cut
  by the appraisers; units never self-score survey leaves (appraised track only);
- some leaves are not applicable to some units (units without their own procedures,
  without public investment capital, communes that issued no legal documents);
- in the last year three groups of communes merge (3 → 1, 2 → 1, 2 → 1) and the new units
  list their predecessors with population shares as weights.

Pure: returns data, reads only the shipped frameworks (package data), writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parindex.framework.builtin import load_builtin
from parindex.framework.model import Framework, Node

PROVINCE = "Tỉnh Minh Họa (dữ liệu mô phỏng)"
PROVINCE_EN = "Minh Hoa province (simulated data)"
KINDS = ("department", "commune")
FRAMEWORK_IDS = {"department": "example-department-2025", "commune": "example-commune-2025"}
INPUT_COLUMNS = ("unit_code", "criterion_code", "value", "input", "track", "applicable")
UNIT_COLUMNS = ("unit_code", "unit_name", "unit_kind", "peer_group", "predecessors", "region")

DEPARTMENT_GROUP = "Sở, ban, ngành"
AGENCY_GROUP = "Đơn vị sự nghiệp trực thuộc UBND tỉnh"
WARD_GROUP = "Phường"
COMMUNE_GROUP = "Xã"

DEPARTMENTS = (
    ("SNV", "Sở Nội vụ", DEPARTMENT_GROUP),
    ("STC", "Sở Tài chính", DEPARTMENT_GROUP),
    ("STP", "Sở Tư pháp", DEPARTMENT_GROUP),
    ("SXD", "Sở Xây dựng", DEPARTMENT_GROUP),
    ("SCT", "Sở Công Thương", DEPARTMENT_GROUP),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", DEPARTMENT_GROUP),
    ("SKHCN", "Sở Khoa học và Công nghệ", DEPARTMENT_GROUP),
    ("SGDDT", "Sở Giáo dục và Đào tạo", DEPARTMENT_GROUP),
    ("SYT", "Sở Y tế", DEPARTMENT_GROUP),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", DEPARTMENT_GROUP),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", DEPARTMENT_GROUP),
    ("SNGV", "Sở Ngoại vụ", DEPARTMENT_GROUP),
    ("TTT", "Thanh tra tỉnh", DEPARTMENT_GROUP),
    ("VPUBND", "Văn phòng UBND tỉnh", DEPARTMENT_GROUP),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp tỉnh", DEPARTMENT_GROUP),
    ("BQLDA-DDCN", "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp tỉnh", AGENCY_GROUP),
    ("BQLDA-GT", "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông tỉnh", AGENCY_GROUP),
    ("BPTTH", "Báo và Phát thanh, Truyền hình Minh Họa", AGENCY_GROUP),
    ("TCD", "Trường Cao đẳng Minh Họa", AGENCY_GROUP),
    ("QDTPT", "Quỹ Đầu tư phát triển tỉnh", AGENCY_GROUP),
)  # fmt: skip

WARDS = (
    "Bắc Sơn", "Nam Thành", "Đông Hòa", "Tây Lộc", "Hòa Bình", "Tân An", "Quang Trung",
    "Phú Hưng", "An Lạc", "Hưng Thịnh", "Bình Minh", "Thuận Thành", "Thanh Bình", "Phước Hòa",
)  # fmt: skip
COMMUNES = (
    "An Phú", "Bình Hòa", "Cẩm Giang", "Đồng Tâm", "Gia Lộc", "Hòa Lạc", "Hợp Thành",
    "Hưng Đạo", "Kim Sơn", "Lạc Hồng", "Long Hưng", "Minh Tân", "Mỹ Lộc", "Nam Hòa",
    "Ngọc Lâm", "Nghĩa Hưng", "Phú Lộc", "Phú Xuân", "Phước Thạnh", "Quảng Phú", "Quế Sơn",
    "Sơn Thủy", "Tam Hiệp", "Tân Lập", "Tân Phú", "Tân Thành", "Thạch Hòa", "Thanh Sơn",
    "Thanh Lâm", "Thuận Hòa", "Tiên Phong", "Trung Nghĩa", "Trường Xuân", "Vĩnh An",
    "Vĩnh Thạnh", "Xuân Lộc", "Xuân Hòa", "Yên Bình", "Yên Thịnh", "Đại Đồng", "Đức Hòa",
    "Hiệp Hòa", "Hòa Hiệp", "Khánh Bình", "Lương Sơn", "Mai Lâm", "Ninh Hải", "Tân Hiệp",
    "Phong Phú", "Cát Lâm",
)  # fmt: skip
COMMUNE_REGIONS = ("Vùng đồng bằng", "Vùng trung du", "Vùng ven biển")
WARD_REGION = "Khu vực đô thị"

# Mergers in the last year: new code, new name, peer group, predecessor codes.
MERGERS = (
    ("X51", "Xã Hòa Hưng", COMMUNE_GROUP, ("X06", "X07", "X08")),
    ("X52", "Xã Vĩnh Thành", COMMUNE_GROUP, ("X34", "X35")),
    ("P15", "Phường Bình An", WARD_GROUP, ("P10", "P11")),
)

# Leaves that are not applicable to some units (by unit kind).
NO_PROCEDURES_PREFIXES = ("2.1.", "3.", "7.2.")  # agencies without their own procedures
NO_INVESTMENT = {"department": {"SDTTG", "SNGV", "TTT", "BPTTH", "QDTPT"}}
NO_SERVICE_UNITS = {"TTT", "SNGV", "BQLDA-DDCN", "BQLDA-GT", "QDTPT"}

# The dossier leaves share one model (on-time ratio and apologies come from the same
# overdue dossiers); both example frameworks use these codes.
ON_TIME_LEAF = "3.2.1"
APOLOGY_LEAF = "3.2.2"

OPTION_THRESHOLDS = {1: [], 2: [0.3], 3: [0.7, 0.35], 4: [0.82, 0.62, 0.35]}


@dataclass
class DemoData:
    """The simulated province: frameworks, units per year, inputs per year and kind."""

    province: str
    seed: int
    years: tuple[int, ...]
    frameworks: dict[str, Framework]  # "department" | "commune" → framework
    units: dict[int, pd.DataFrame]  # year → units table (all kinds)
    inputs: dict[int, dict[str, pd.DataFrame]]  # year → kind → long inputs table
    notes: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.frameworks)

    @property
    def last_year(self) -> int:
        return self.years[-1]

    def units_of(self, year: int, kind: str) -> pd.DataFrame:
        """The units table of one year restricted to one unit kind."""
        table = self.units[year]
        return table[table["unit_kind"] == kind].reset_index(drop=True)

    def inputs_of(self, year: int, kind: str) -> pd.DataFrame:
        return self.inputs[year][kind]


@dataclass
class _Unit:
    code: str
    name: str
    peer_group: str
    region: str | None
    population: int
    volume: int  # dossiers per year
    optimism: float  # share of leaves the unit over-claims in its self-assessment
    weak: frozenset[str]  # leaves on which the unit keeps losing points
    predecessors: dict[str, float] = field(default_factory=dict)


def build_demo(seed: int = 2025, years: Sequence[int] = (2023, 2024, 2025)) -> DemoData:
    """Build the simulated province for `years` (sorted; mergers happen in the last one)."""
    years = tuple(sorted({int(y) for y in years}))
    if not years:
        raise ValueError("build_demo needs at least one year")
    frameworks = {kind: load_builtin(FRAMEWORK_IDS[kind]) for kind in KINDS}
    units: dict[int, list[pd.DataFrame]] = {y: [] for y in years}
    inputs: dict[int, dict[str, pd.DataFrame]] = {y: {} for y in years}
    for kind_index, kind in enumerate(KINDS):
        rng = np.random.default_rng([int(seed), kind_index])
        sim = _KindSimulation(kind, frameworks[kind], rng, years)
        for year in years:
            units[year].append(sim.units_table(year))
            inputs[year][kind] = sim.inputs(year)
    notes = [
        "Simulated data: the province, its scores and its mergers are invented.",
        "Frameworks are the product's EXAMPLE frameworks, not an official decision.",
    ]
    return DemoData(
        province=PROVINCE,
        seed=int(seed),
        years=years,
        frameworks=frameworks,
        units={y: pd.concat(units[y], ignore_index=True) for y in years},
        inputs=inputs,
        notes=notes,
    )


class _KindSimulation:
    """The units of one kind over the years, and their values on the kind's framework."""

    def __init__(self, kind: str, fw: Framework, rng: np.random.Generator, years: tuple):
        self.kind = kind
        self.fw = fw
        self.rng = rng
        self.years = years
        self.leaves = fw.leaves()
        self.scorable = [
            n
            for n in self.leaves
            if n.rule_type != "survey" and n.code not in (APOLOGY_LEAF,) and n.max_points >= 0.5
        ]
        self.difficulty = {
            n.code: float(d)
            for n, d in zip(self.leaves, rng.normal(0.02, 0.07, len(self.leaves)), strict=True)
        }
        self.roster: dict[int, list[_Unit]] = {}
        self.quality: dict[int, dict[str, float]] = {}
        self._build_roster()

    # --- units ------------------------------------------------------------------------

    def _new_unit(self, code: str, name: str, group: str, region: str | None) -> _Unit:
        rng = self.rng
        if self.kind == "department":
            population = 0
            volume = (
                0 if group == AGENCY_GROUP else int(np.exp(rng.uniform(np.log(300), np.log(15000))))
            )
        else:
            low, high = (12000, 40000) if group == WARD_GROUP else (5000, 22000)
            population = int(rng.integers(low, high))
            volume = int(population * rng.uniform(0.12, 0.35))
        weak: frozenset[str] = frozenset()
        if rng.random() < 0.35:
            k = int(rng.integers(1, 4))
            picks = rng.choice(len(self.scorable), size=k, replace=False)
            weak = frozenset(self.scorable[i].code for i in picks)
        return _Unit(
            code=code,
            name=name,
            peer_group=group,
            region=region,
            population=population,
            volume=volume,
            optimism=float(rng.uniform(0.05, 0.3)),
            weak=weak,
        )

    def _build_roster(self) -> None:
        rng = self.rng
        if self.kind == "department":
            base = [self._new_unit(c, n, g, None) for c, n, g in DEPARTMENTS]
        else:
            base = [
                self._new_unit(f"P{i:02d}", f"Phường {n}", WARD_GROUP, WARD_REGION)
                for i, n in enumerate(WARDS, start=1)
            ]
            regions = rng.choice(len(COMMUNE_REGIONS), size=len(COMMUNES))
            base += [
                self._new_unit(f"X{i:02d}", f"Xã {n}", COMMUNE_GROUP, COMMUNE_REGIONS[r])
                for i, (n, r) in enumerate(zip(COMMUNES, regions, strict=True), start=1)
            ]
        mean = 0.8 if self.kind == "department" else 0.77
        quality = np.clip(rng.normal(mean, 0.07, len(base)), 0.5, 0.97)
        current = base
        q = {u.code: float(v) for u, v in zip(base, quality, strict=True)}
        for i, year in enumerate(self.years):
            if i > 0:
                drift = rng.normal(0.015, 0.03, len(current))
                q = {
                    u.code: float(np.clip(q[u.code] + d, 0.45, 0.98))
                    for u, d in zip(current, drift, strict=True)
                }
            if i > 0 and i == len(self.years) - 1 and self.kind == "commune":
                current, q = self._merge(current, q)
            self.roster[year] = list(current)
            self.quality[year] = dict(q)

    def _merge(self, units: list[_Unit], q: dict[str, float]) -> tuple[list[_Unit], dict]:
        by_code = {u.code: u for u in units}
        merged_away: set[str] = set()
        new_units = []
        for code, name, group, preds in MERGERS:
            parts = [by_code[p] for p in preds]
            total = sum(p.population for p in parts)
            weights = [round(p.population / total, 3) for p in parts]
            weights[-1] = round(1.0 - sum(weights[:-1]), 3)
            largest = max(parts, key=lambda p: p.population)
            unit = _Unit(
                code=code,
                name=name,
                peer_group=group,
                region=largest.region,
                population=total,
                volume=sum(p.volume for p in parts),
                optimism=float(np.mean([p.optimism for p in parts])),
                weak=largest.weak,
                predecessors={p.code: w for p, w in zip(parts, weights, strict=True)},
            )
            # A merger disturbs the first year a little.
            q[code] = float(
                np.clip(
                    sum(q[p.code] * w for p, w in zip(parts, weights, strict=True)) - 0.02,
                    0.45,
                    0.98,
                )
            )
            merged_away |= set(preds)
            new_units.append(unit)
        kept = [u for u in units if u.code not in merged_away]
        for code in merged_away:
            q.pop(code)
        return kept + new_units, q

    def units_table(self, year: int) -> pd.DataFrame:
        rows = [
            {
                "unit_code": u.code,
                "unit_name": u.name,
                "unit_kind": self.kind,
                "peer_group": u.peer_group,
                "predecessors": ";".join(f"{c}:{w:g}" for c, w in u.predecessors.items())
                if self.years.index(year) == len(self.years) - 1
                else "",
                "region": u.region,
            }
            for u in self.roster[year]
        ]
        return pd.DataFrame(rows, columns=list(UNIT_COLUMNS))

    # --- applicability ----------------------------------------------------------------

    def _not_applicable(self, year: int) -> dict[str, set[str]]:
        """leaf code → unit codes for which the leaf is not applicable this year."""
        units = self.roster[year]
        out: dict[str, set[str]] = {}
        if self.kind == "department":
            agencies = {u.code for u in units if u.peer_group == AGENCY_GROUP}
            for leaf in self.leaves:
                if leaf.code.startswith(NO_PROCEDURES_PREFIXES):
                    out.setdefault(leaf.code, set()).update(agencies)
            out.setdefault("6.1.1", set()).update(NO_INVESTMENT["department"])
            out.setdefault("6.2.1", set()).update(NO_SERVICE_UNITS)
        else:
            codes = [u.code for u in units]
            no_docs = set(self.rng.choice(codes, size=max(1, len(codes) // 12), replace=False))
            out["2.1.1"] = set(no_docs)
            out["2.1.2"] = set(no_docs)
            out["6.1.2"] = set(self.rng.choice(codes, size=max(1, len(codes) // 20), replace=False))
        return out

    # --- values -----------------------------------------------------------------------

    def inputs(self, year: int) -> pd.DataFrame:
        rng = self.rng
        units = self.roster[year]
        n = len(units)
        codes = np.array([u.code for u in units], dtype=object)
        q = np.array([self.quality[year][u.code] for u in units])
        optimism = np.array([u.optimism for u in units])
        na = self._not_applicable(year)
        frames: list[pd.DataFrame] = []

        def emit(leaf: Node, track: str, values, mask=None, input_name: str = "") -> None:
            keep = np.ones(n, dtype=bool) if mask is None else mask
            frames.append(
                pd.DataFrame(
                    {
                        "unit_code": codes[keep],
                        "criterion_code": leaf.code,
                        "value": np.asarray(values, dtype=object)[keep],
                        "input": input_name,
                        "track": track,
                        "applicable": True,
                    }
                )
            )

        dossier_p: dict[str, np.ndarray] = {}
        for leaf in self.leaves:
            applicable = ~np.isin(codes, list(na.get(leaf.code, ())))
            if (~applicable).any():
                frames.append(
                    pd.DataFrame(
                        {
                            "unit_code": codes[~applicable],
                            "criterion_code": leaf.code,
                            "value": None,
                            "input": "",
                            "track": "appraised",
                            "applicable": False,
                        }
                    )
                )
            if leaf.rule_type == "survey":
                offset = rng.normal(0.0, 0.015)
                value = np.clip(0.62 + 0.3 * q + offset + rng.normal(0, 0.02, n), 0.70, 0.96)
                emit(leaf, "appraised", np.round(value, 4), applicable)
                continue
            p_app = np.clip(q - self.difficulty[leaf.code] + rng.normal(0, 0.12, n), 0, 1)
            weak = np.array([leaf.code in u.weak for u in units])
            p_app = np.where(weak, np.minimum(p_app, rng.uniform(0.0, 0.3, n)), p_app)
            over = rng.random(n) < optimism * (0.35 if leaf.method == "data" else 1.0)
            under = ~over & (rng.random(n) < 0.015)
            boost = np.where(over, rng.uniform(0.25, 0.6, n), 0.0)
            boost = np.where(under, -rng.uniform(0.1, 0.3, n), boost)
            p_self = np.clip(p_app + boost, 0, 1)
            draws = {"u": rng.random(n), "e": rng.exponential(1.0, n), "z": rng.normal(0, 1, n)}
            if leaf.code == ON_TIME_LEAF:
                dossier_p = {"appraised": p_app, "self": p_self, **draws}
                continue
            if leaf.code == APOLOGY_LEAF:
                continue
            for track, p in (("appraised", p_app), ("self", p_self)):
                if leaf.rule_type == "formula":
                    for name, vals in self._formula_inputs(leaf, p, draws).items():
                        emit(leaf, track, vals, applicable, name)
                else:
                    emit(leaf, track, self._value(leaf, p, draws), applicable)
        if dossier_p:
            self._dossiers(units, dossier_p, na, emit)
        self._blocks(units, q, emit)
        table = pd.concat(frames, ignore_index=True)
        # The order an official's sheet has: unit by unit, criteria in framework order,
        # appraised then self.
        leaf_order = [n.code for n in self.leaves]
        leaf_order += [n.code for w in ("bonus", "penalty") for n in self.fw.block_leaves(w)]
        keys = pd.DataFrame(
            {
                "u": table["unit_code"].map({c: i for i, c in enumerate(codes)}),
                "c": table["criterion_code"].map({c: i for i, c in enumerate(leaf_order)}),
                "t": (table["track"] == "self").astype(int),
            }
        )
        order = keys.sort_values(["u", "c", "t"], kind="mergesort").index
        return table.loc[order, list(INPUT_COLUMNS)].reset_index(drop=True)

    def _value(self, leaf: Node, p: np.ndarray, draws: dict[str, np.ndarray]) -> np.ndarray:
        """The value a unit enters for a (non-formula, non-survey) leaf at performance p."""
        rule = leaf.rule or {}
        kind = leaf.rule_type
        u, e, z = draws["u"], draws["e"], draws["z"]
        if kind == "options":
            labels = _options_by_points(leaf)
            idx = _level(p, len(labels))
            return np.array(labels, dtype=object)[idx]
        if kind == "bands":
            mins = sorted((float(b["min"]) for b in rule["bands"]), reverse=True)
            idx = _level(p, len(mins))
            return _ratio_in_band(mins, idx, u)
        if kind == "linear":
            target = float(rule.get("target", 1) or 1)
            f = np.clip(0.45 + 0.65 * p + 0.06 * z, 0.0, 1.25)
            return np.round(np.minimum(1.0, target * f), 4)
        if kind == "deduction":
            return np.minimum(5, np.floor(e * 2.5 * (1 - p))).astype(int)
        if kind == "manual":
            step = float(rule.get("step") or 0.25)
            x = leaf.max_points * np.clip(0.35 + 0.7 * p + 0.08 * z, 0.0, 1.0)
            return np.round(np.round(x / step) * step, 4)
        raise ValueError(f"no demo values for rule type {kind!r} of leaf {leaf.code}")

    def _formula_inputs(self, leaf: Node, p: np.ndarray, draws) -> dict[str, np.ndarray]:
        names = list((leaf.rule or {}).get("inputs", []))
        e, u = draws["e"], draws["u"]
        if set(names) == {"on_time", "required"}:
            required = np.full(len(p), 4)
            late = np.minimum(required, np.floor(e * 3 * (1 - p))).astype(int)
            return {"on_time": required - late, "required": required}
        # Any other formula: a count-like input per name (not used by the example frameworks).
        return {name: np.floor(10 * p * (0.8 + 0.4 * u)).astype(int) for name in names}

    def _dossiers(self, units: list[_Unit], d: dict, na: dict, emit) -> None:
        """On-time ratio (bands) and apologies (formula) from the same overdue dossiers."""
        on_time = next(n for n in self.leaves if n.code == ON_TIME_LEAF)
        apology = next((n for n in self.leaves if n.code == APOLOGY_LEAF), None)
        volume = np.array([max(u.volume, 1) for u in units])
        codes = np.array([u.code for u in units], dtype=object)
        for track in ("appraised", "self"):
            p = d[track]
            rate = 0.06 * (1 - p) ** 3
            overdue = np.minimum(volume, np.floor(volume * rate * d["e"])).astype(int)
            ratio = np.round((volume - overdue) / volume, 6)
            emit(on_time, track, ratio, ~np.isin(codes, list(na.get(on_time.code, ()))))
            if apology is not None:
                share = np.clip(0.5 + 0.5 * p + 0.1 * d["z"], 0, 1)
                apologised = np.round(overdue * share).astype(int)
                mask = ~np.isin(codes, list(na.get(apology.code, ())))
                emit(apology, track, overdue, mask, "overdue")
                emit(apology, track, apologised, mask, "apologised")

    def _blocks(self, units: list[_Unit], q: np.ndarray, emit) -> None:
        """Bonus and penalty leaves: rare events, likelier for strong (bonus) or weak units."""
        rng = self.rng
        n = len(units)
        for which in ("bonus", "penalty"):
            for leaf in self.fw.block_leaves(which):
                u = rng.random(n)
                strength = (q / 0.8) ** 2 if which == "bonus" else ((1.2 - q) / 0.4) ** 2
                claim = rng.random(n) < 0.1  # the unit claims more (bonus) / admits less
                kind = leaf.rule_type
                if kind == "options":
                    labels = _options_by_points(leaf)  # highest points first, "none" last
                    probs = [0.05, 0.15] if which == "bonus" else [0.006, 0.03]
                    level = np.full(n, len(labels) - 1)
                    edge = 0.0
                    for i, base in enumerate(probs[: len(labels) - 1]):
                        hit = (
                            (level == len(labels) - 1) & (u >= edge) & (u < edge + base * strength)
                        )
                        level = np.where(hit, i, level)
                        edge += base * strength
                    shift = -1 if which == "bonus" else 1
                    self_level = np.where(claim, np.clip(level + shift, 0, len(labels) - 1), level)
                    emit(leaf, "appraised", np.array(labels, dtype=object)[level])
                    emit(leaf, "self", np.array(labels, dtype=object)[self_level])
                elif kind == "formula":
                    names = list(leaf.rule.get("inputs", []))
                    counts = np.floor(rng.exponential(1.0, n) * 1.2 * (1 - q)).astype(int)
                    own = np.where(claim, np.maximum(0, counts - 1), counts)
                    for name in names:
                        emit(leaf, "appraised", counts, None, name)
                        emit(leaf, "self", own, None, name)
                elif kind == "manual":
                    step = float(leaf.rule.get("step") or 0.25)
                    hit = u < (0.06 if which == "bonus" else 0.04) * strength
                    k = np.where(hit, rng.integers(1, 3, n), 0)
                    points = np.minimum(leaf.max_points, k * step)
                    if which == "bonus":
                        own = np.where(claim, np.minimum(leaf.max_points, points + step), points)
                        emit(leaf, "appraised", points)
                        emit(leaf, "self", own)
                    else:  # appraisers' decision only (e.g. untruthful self-assessment)
                        emit(leaf, "appraised", points)
                else:  # not used by the example frameworks' blocks
                    emit(leaf, "appraised", self._value(leaf, np.zeros(n), _zero_draws(n)))


def _zero_draws(n: int) -> dict[str, np.ndarray]:
    return {"u": np.zeros(n), "e": np.zeros(n), "z": np.zeros(n)}


def _options_by_points(leaf: Node) -> list[str]:
    """Option labels, highest points first (ties in framework order)."""
    options = leaf.rule["options"]

    def pts(opt: dict) -> float:
        if opt.get("points") is not None:
            return float(opt["points"])
        return float(opt.get("share", 0)) * float(leaf.max_points)

    order = sorted(range(len(options)), key=lambda i: (-pts(options[i]), i))
    return [str(options[i]["label"]) for i in order]


def _level(p: np.ndarray, k: int) -> np.ndarray:
    """0 = best of k levels; a higher performance never gives a worse level."""
    thresholds = OPTION_THRESHOLDS.get(k) or list(np.linspace(0.85, 0.3, k - 1))
    return sum((p < t).astype(int) for t in thresholds) if thresholds else np.zeros(len(p), int)


def _ratio_in_band(mins: list[float], idx: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A ratio inside band `idx` (0 = highest band) of bands with these mins (descending)."""
    out = np.empty(len(idx))
    for i in range(len(mins)):
        sel = idx == i
        low = mins[i]
        high = 1.0 if i == 0 else mins[i - 1]
        if i == len(mins) - 1 and len(mins) > 1:
            low = max(0.0, mins[i - 1] - 0.15)  # near misses rather than zeros
        if i == 0 and low >= 1.0:
            out[sel] = 1.0
            continue
        ratio = np.round(low + u[sel] * (high - low), 4)
        upper = high if i == 0 else high - 1e-4
        out[sel] = np.clip(ratio, max(low, mins[i]), upper)
    return out
