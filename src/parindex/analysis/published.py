"""Real published results shipped with the package, and a cross-check of them.

The tables under `parindex/data/published/` are copied from ministry announcements and
the press, byte for byte. Published figures do contradict each other (one outlet prints
91.87, another 91.81; a count of provinces up and down does not reach 63), so the data are
never corrected here: `consistency_check` recomputes every total, delta and rank claim it
can and reports what agrees, what cannot be checked and what conflicts, naming both values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
import pandas as pd

DATASETS = (
    "par_index_provinces",
    "par_index_components_2020",
    "par_index_national",
    "sipas_provinces",
    "dvcqg_progress_phutho_2026",
)
SEVERITIES = ("ok", "warning", "conflict")
ROUNDING = 0.005  # half a unit of the 2nd decimal: the error of one published figure
EPS = 1e-9


def provinces_in(year: int) -> int:
    """Number of provinces ranked in `year`: 63 until the 2025 merger, 34 from 2025."""
    return 63 if year <= 2024 else 34


# --------------------------------------------------------------------------- loading


def load_published(name: str) -> pd.DataFrame:
    """One published dataset by name (see DATASETS; ".csv" may be given), read from the
    package data. Integer columns with gaps (rank, counts) come as nullable Int64."""
    key = name[:-4] if name.endswith(".csv") else name
    if key not in DATASETS:
        raise ValueError(f"unknown published dataset {name!r}; known: {', '.join(DATASETS)}")
    text = files("parindex").joinpath("data", "published", f"{key}.csv").read_text("utf-8")
    frame = pd.read_csv(io.StringIO(text), dtype={"unit_code": str})
    for col in frame.columns:
        values = frame[col]
        if values.dtype.kind == "f" and values.notna().any():
            present = values.dropna()
            if (present == present.round()).all() and col not in _DECIMAL_COLUMNS:
                frame[col] = values.astype("Int64")
    return frame


# Value columns that may happen to hold only whole numbers but are measurements.
_DECIMAL_COLUMNS = {
    "index_pct",
    "sipas_pct",
    "average_pct",
    "change_pct",
    "appraisal_points",
    "sipas_points",
    "leaders_survey_points",
    "socioeconomic_impact_points",
    "avg_processing_days",
    "ratio_pct",
    "score",
    "max_score",
}


def published_results(year: int) -> pd.DataFrame:
    """The published PAR Index rows of `year` in the results-table shape, for use as a
    previous year: unit_code and unit_name = province name, unit_kind and peer_group
    "province", index_pct, rank (NaN where not published), note, source.

    2020 comes from the top-10 components table. Partial: never a complete ranking.
    """
    year = int(year)
    if year == 2020:
        src = load_published("par_index_components_2020").assign(note="", source="")
    else:
        table = load_published("par_index_provinces")
        src = table[table["year"] == year]
        if src.empty:
            years = sorted({*table["year"].tolist(), 2020})
            raise ValueError(
                f"no published PAR Index rows for {year}; years: {', '.join(map(str, years))}"
            )
    return pd.DataFrame(
        {
            "unit_code": src["province"].to_numpy(),
            "unit_name": src["province"].to_numpy(),
            "unit_kind": "province",
            "peer_group": "province",
            "index_pct": src["index_pct"].astype("float64").to_numpy(),
            "rank": src["rank"].astype("float64").to_numpy(),
            "note": src["note"].fillna("").to_numpy(),
            "source": src["source"].fillna("").to_numpy(),
        }
    )


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One result of the cross-check.

    `where` names the row as a spreadsheet would (the header is row 1, so the first data
    row is row 2) with the year and unit, or the set of rows concerned. severity: "ok"
    (agrees, or only checkable as far as said in `message`), "warning" (does not add up
    but has an innocent explanation), "conflict" (two published figures contradict).
    """

    dataset: str
    where: str
    kind: str
    message: str
    severity: str = "ok"

    def __str__(self) -> str:
        return f"[{self.severity}] {self.dataset}: {self.where}: {self.kind}: {self.message}"


def _f(x: float) -> str:
    return f"{x:.2f}"


def _signed(x: float) -> str:
    return f"{x:+.2f}"


def _row(i: int) -> str:
    return f"row {i + 2}"


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _claim_tolerance(text: str) -> float:
    """A claimed change printed with d decimals is off by up to half a unit of its last
    place, and each of the two indices it is the difference of by ROUNDING."""
    return 0.5 * 10 ** -_decimals(text) + 2 * ROUNDING


# --------------------------------------------------------------------------- sums


def _check_components(comps: pd.DataFrame) -> list[Finding]:
    parts = [
        "appraisal_points",
        "sipas_points",
        "leaders_survey_points",
        "socioeconomic_impact_points",
    ]
    tolerance = ROUNDING * len(parts)
    values = comps[parts].astype("float64")
    totals = values.sum(axis=1).round(6)
    out = []
    for i, row in comps.iterrows():  # 10 rows
        total, index = float(totals[i]), float(row["index_pct"])
        terms = " + ".join(f"{v:g}" for v in values.loc[i])
        diff = total - index
        where = f"{_row(i)} (2020 {row['province']})"
        if abs(diff) <= EPS:
            message, severity = f"{terms} = {_f(total)} = published index", "ok"
        elif abs(diff) <= tolerance + EPS:
            message = (
                f"{terms} = {_f(total)} vs published index {_f(index)}: difference "
                f"{_signed(diff)} within rounding tolerance ±{tolerance:.2f} "
                f"({len(parts)} rounded components)"
            )
            severity = "ok"
        else:
            message = (
                f"{terms} = {_f(total)} vs published index {_f(index)}: difference "
                f"{_signed(diff)} exceeds rounding tolerance ±{tolerance:.2f}"
            )
            severity = "conflict"
        out.append(Finding("par_index_components_2020", where, "components_sum", message, severity))
    return out


_APPRAISAL_SURVEY = re.compile(r"appraisal\s+(\d+(?:\.\d+)?)\s*\+\s*survey\s+(\d+(?:\.\d+)?)")


def _check_appraisal_survey(prov: pd.DataFrame) -> list[Finding]:
    out = []
    tolerance = 2 * ROUNDING
    for i, row in prov.iterrows():
        match = _APPRAISAL_SURVEY.search(str(row["note"])) if pd.notna(row["note"]) else None
        if not match:
            continue
        a, s = float(match.group(1)), float(match.group(2))
        total = round(a + s, 6)
        where = f"{_row(i)} ({row['year']} {row['province']})"
        if pd.isna(row["index_pct"]):
            out.append(
                Finding(
                    "par_index_provinces",
                    where,
                    "unverifiable",
                    f"appraisal {a:g} + survey {s:g} = {_f(total)} but no index is published",
                )
            )
            continue
        index = float(row["index_pct"])
        diff = total - index
        ok = abs(diff) <= tolerance + EPS
        message = f"appraisal {a:g} + survey {s:g} = {_f(total)}" + (
            " = published index"
            if abs(diff) <= EPS
            else f" vs published index {_f(index)} (difference {_signed(diff)}, tolerance "
            f"±{tolerance:.2f})"
        )
        out.append(
            Finding(
                "par_index_provinces",
                where,
                "appraisal_survey_sum",
                message,
                "ok" if ok else "conflict",
            )
        )
    return out


# --------------------------------------------------------------------------- national


def _check_national(national: pd.DataFrame) -> list[Finding]:
    out = []
    averages = {
        int(y): float(a)
        for y, a in zip(national["year"], national["average_pct"], strict=True)
        if pd.notna(a)
    }
    for i, row in national.iterrows():
        year = int(row["year"])
        where = f"{_row(i)} ({year})"
        total = provinces_in(year)
        if pd.notna(row["change_pct"]):
            change = float(row["change_pct"])
            if year - 1 in averages and year in averages:
                diff = averages[year] - averages[year - 1]
                tolerance = 3 * ROUNDING
                ok = abs(diff - change) <= tolerance + EPS
                message = (
                    f"average {_f(averages[year])} − {year - 1} average "
                    f"{_f(averages[year - 1])} = {_signed(diff)}"
                    + (
                        f" = published change {_signed(change)}"
                        if ok
                        else f" ≠ published change {_signed(change)}"
                    )
                )
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "average_change",
                        message,
                        "ok" if ok else "conflict",
                    )
                )
            else:
                implied = (
                    f"; implies a {year - 1} average of {_f(averages[year] - change)}"
                    if year in averages
                    else ""
                )
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "unverifiable",
                        f"change {_signed(change)}: the {year - 1} average is not in the "
                        f"dataset{implied}",
                    )
                )
        if pd.notna(row["units_up"]) and pd.notna(row["units_down"]):
            up, down = int(row["units_up"]), int(row["units_down"])
            counted = up + down
            if counted == total:
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "up_down_count",
                        f"{up} up + {down} down = {counted} = {total} provinces",
                    )
                )
            elif counted < total:
                gap = total - counted
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "up_down_count",
                        f"{up} up + {down} down = {counted} ≠ {total} provinces: "
                        f"{'one unit' if gap == 1 else f'{gap} units'} unchanged or missing",
                        "warning",
                    )
                )
            else:
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "up_down_count",
                        f"{up} up + {down} down = {counted} > {total} provinces",
                        "conflict",
                    )
                )
        groups = [row[c] for c in ("group_a", "group_b", "group_c")]
        if all(pd.notna(g) for g in groups):
            a, b, c = (int(g) for g in groups)
            counted = a + b + c
            text = f"groups A {a} + B {b} + C {c} = {counted}"
            if counted == total:
                out.append(
                    Finding(
                        "par_index_national", where, "group_count", f"{text} = {total} provinces"
                    )
                )
            elif counted < total:
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "group_count",
                        f"{text} ≠ {total} provinces: {total - counted} below 70% (no group) "
                        "or missing",
                        "warning",
                    )
                )
            else:
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "group_count",
                        f"{text} > {total} provinces",
                        "conflict",
                    )
                )
            note = str(row["note"]) if pd.notna(row["note"]) else ""
            match = re.search(r"all (\d+) provinces at or above 80", note)
            if match:
                claimed = int(match.group(1))
                ok = c == 0 and a + b == claimed == total
                out.append(
                    Finding(
                        "par_index_national",
                        where,
                        "all_above_80",
                        f"note says all {claimed} provinces ≥ 80; groups A {a} + B {b} = "
                        f"{a + b}, C {c}" + ("" if ok else ": does not match"),
                        "ok" if ok else "conflict",
                    )
                )
    return out


# --------------------------------------------------------------------------- rank tables


def _par_table(prov: pd.DataFrame, comps: pd.DataFrame) -> pd.DataFrame:
    """All PAR Index rows (year, province, index, rank) with where they come from."""
    a = pd.DataFrame(
        {
            "dataset": "par_index_provinces",
            "i": np.arange(len(prov)),
            "year": prov["year"].astype(int).to_numpy(),
            "province": prov["province"].to_numpy(),
            "value": prov["index_pct"].astype("float64").to_numpy(),
            "rank": prov["rank"].astype("float64").to_numpy(),
            "note": prov["note"].fillna("").to_numpy(),
            "source": prov["source"].fillna("").to_numpy(),
        }
    )
    b = pd.DataFrame(
        {
            "dataset": "par_index_components_2020",
            "i": np.arange(len(comps)),
            "year": 2020,
            "province": comps["province"].to_numpy(),
            "value": comps["index_pct"].astype("float64").to_numpy(),
            "rank": comps["rank"].astype("float64").to_numpy(),
            "note": "",
            "source": "",
        }
    )
    return pd.concat([a, b], ignore_index=True)


def _sipas_table(sipas: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": "sipas_provinces",
            "i": np.arange(len(sipas)),
            "year": sipas["year"].astype(int).to_numpy(),
            "province": sipas["province"].to_numpy(),
            "value": sipas["sipas_pct"].astype("float64").to_numpy(),
            "rank": sipas["rank"].astype("float64").to_numpy(),
            "note": sipas["note"].fillna("").to_numpy(),
            "source": "",
        }
    )


def _where(row: pd.Series) -> str:
    return f"{_row(int(row['i']))} ({row['year']} {row['province']})"


def _check_rank_order(table: pd.DataFrame, label: str) -> list[Finding]:
    """Within a year, a better rank must not have a lower value (ties share a rank)."""
    out = []
    for (dataset, year), rows in table.groupby(["dataset", "year"], sort=True):
        both = rows[rows["rank"].notna() & rows["value"].notna()].sort_values("rank")
        if len(both) < 2:
            continue
        bad = []
        ranks, values = both["rank"].to_numpy(), both["value"].to_numpy()
        names = both["province"].to_numpy()
        for k in range(1, len(both)):
            worse_value = values[k] > values[k - 1] + EPS
            tie_mismatch = ranks[k] == ranks[k - 1] and abs(values[k] - values[k - 1]) > EPS
            if worse_value or tie_mismatch:
                bad.append(
                    f"{names[k - 1]} rank {ranks[k - 1]:g} has {_f(values[k - 1])} but "
                    f"{names[k]} rank {ranks[k]:g} has {_f(values[k])}"
                )
        if bad:
            out += [
                Finding(
                    dataset, f"{year}", "rank_order", f"{label} out of rank order: {b}", "conflict"
                )
                for b in bad
            ]
        else:
            out.append(
                Finding(
                    dataset,
                    f"{year}",
                    "rank_order",
                    f"{len(both)} rows with rank and {label}: values fall as ranks rise",
                )
            )
    return out


def _group_of(value: float) -> str:
    return "A" if value >= 90 else "B" if value >= 80 else "C" if value >= 70 else "below 70"


def _check_groups(table: pd.DataFrame, national: pd.DataFrame) -> list[Finding]:
    """A province's rank and the group counts say which group it is in; its index must
    fall in that group's range (A ≥ 90, B 80–<90, C 70–<80)."""
    out = []
    extra = []
    for _, row in national.iterrows():  # "Quảng Ngãi last with 73.25": a ranked value too
        note = str(row["note"]) if pd.notna(row["note"]) else ""
        match = re.search(r"^(.+?) last with (\d+(?:\.\d+)?)", note)
        if match:
            extra.append((int(row["year"]), match.group(1), float(match.group(2))))
    for _, row in national.iterrows():
        groups = [row[c] for c in ("group_a", "group_b", "group_c")]
        if not all(pd.notna(g) for g in groups):
            continue
        year = int(row["year"])
        a, b, c = (int(g) for g in groups)
        rows = table[(table["year"] == year) & table["rank"].notna() & table["value"].notna()]
        checks = [
            (r["province"], float(r["rank"]), float(r["value"]), _where(r), r["dataset"])
            for _, r in rows.iterrows()
        ]
        checks += [
            (name, float(provinces_in(y)), v, f"note of {y}", "par_index_national")
            for y, name, v in extra
            if y == year
        ]
        bad = []
        for name, rank, value, where, dataset in checks:
            expected = (
                "A"
                if rank <= a
                else "B"
                if rank <= a + b
                else "C"
                if rank <= a + b + c
                else "below 70"
            )
            if _group_of(value) != expected:
                bad.append(
                    Finding(
                        dataset,
                        where,
                        "group_boundary",
                        f"{name} rank {rank:g} with {_f(value)} is in group {_group_of(value)}, "
                        f"but {year}'s counts (A {a}, B {b}, C {c}) put rank {rank:g} in "
                        f"group {expected}",
                        "conflict",
                    )
                )
        if checks and not bad:
            out.append(
                Finding(
                    "par_index_national",
                    f"{year}",
                    "group_boundary",
                    f"{len(checks)} published ranks and indices agree with groups "
                    f"A {a}, B {b}, C {c}",
                )
            )
        out += bad
    return out


_RANK_CLAIM = re.compile(r"\b(up|down)\s+(\d+)\s+places?\b")
_POINTS_CLAIM = re.compile(r"([+\-−]\d+(?:\.\d+)?)\s+points?\b")
_ON_YEAR = re.compile(r"\bon\s+(\d{4})\b")
_PRINTS = re.compile(r"([A-Za-z][A-Za-z ]*?)\s+prints\s+(\d+(?:\.\d+)?)")


def _lookup(table: pd.DataFrame, dataset_family: set[str]) -> dict[tuple[int, str], pd.Series]:
    rows = table[table["dataset"].isin(dataset_family)]
    return {(int(r["year"]), str(r["province"])): r for _, r in rows.iterrows()}


def _complete_top(table: pd.DataFrame) -> dict[int, int]:
    """Per year, the K for which ranks 1..K are all in the table: a province absent from
    that complete top K cannot have had a rank ≤ K."""
    tops = {}
    for year, ranks in table.groupby("year")["rank"]:
        present = set(ranks.dropna().astype(int))
        k = 0
        while k + 1 in present:
            k += 1
        tops[int(year)] = k
    return tops


def _check_claims(table: pd.DataFrame, label: str) -> list[Finding]:
    """Notes claiming "up N places" / "down N places" / "+X points" against the previous
    year's row (the year named by "on YYYY", else the year before)."""
    out = []
    index = _lookup(table, set(table["dataset"]))
    complete_top = _complete_top(table)
    for _, row in table.iterrows():
        note = row["note"]
        if not note:
            continue
        year, name = int(row["year"]), str(row["province"])
        on = _ON_YEAR.search(note)
        ref_year = int(on.group(1)) if on else year - 1
        ref = index.get((ref_year, name))
        where = _where(row)
        dataset = row["dataset"]
        for match in _RANK_CLAIM.finditer(note):
            direction, n = match.group(1), int(match.group(2))
            claim = f"{match.group(0)} on {ref_year}"
            if pd.isna(row["rank"]):
                out.append(
                    Finding(dataset, where, "unverifiable", f"'{claim}': no {year} rank published")
                )
                continue
            rank = float(row["rank"])
            implied = rank + n if direction == "up" else rank - n
            if ref is None or pd.isna(ref["rank"]):
                top = complete_top.get(ref_year, 0)
                if ref is None and 1 <= implied <= top:
                    out.append(
                        Finding(
                            dataset,
                            where,
                            "rank_claim",
                            f"'{claim}': implies {ref_year} rank {implied:g}, but {name} is "
                            f"not in the dataset's complete {ref_year} top {top}",
                            "conflict",
                        )
                    )
                    continue
                consistent = (
                    f"; consistent with its absence from the complete {ref_year} top {top}"
                    if ref is None and implied > top > 0
                    else ""
                )
                out.append(
                    Finding(
                        dataset,
                        where,
                        "unverifiable",
                        f"'{claim}': implies {ref_year} rank {implied:g}; no {ref_year} rank "
                        f"in the dataset{consistent}",
                    )
                )
                continue
            prev = float(ref["rank"])
            moved = prev - rank
            actual = (
                f"up {moved:g}" if moved > 0 else f"down {-moved:g}" if moved < 0 else "unchanged"
            )
            ok = prev == implied
            out.append(
                Finding(
                    dataset,
                    where,
                    "rank_claim",
                    f"'{claim}': {ref_year} rank {prev:g} → {year} rank {rank:g} is {actual}"
                    + ("" if ok else f", not {match.group(0)}"),
                    "ok" if ok else "conflict",
                )
            )
        for match in _POINTS_CLAIM.finditer(note):
            text = match.group(1).replace("−", "-")
            claimed = float(text)
            claim = f"{match.group(0)} on {ref_year}"
            if pd.isna(row["value"]):
                out.append(Finding(dataset, where, "unverifiable", f"'{claim}': no {year} {label}"))
                continue
            value = float(row["value"])
            if ref is None or pd.isna(ref["value"]):
                out.append(
                    Finding(
                        dataset,
                        where,
                        "unverifiable",
                        f"'{claim}': implies {ref_year} {label} {_f(value - claimed)}; none "
                        "in the dataset",
                    )
                )
                continue
            prev = float(ref["value"])
            delta = value - prev
            ok = abs(delta - claimed) <= _claim_tolerance(text.lstrip("+-")) + EPS
            out.append(
                Finding(
                    dataset,
                    where,
                    "points_claim",
                    f"'{claim}': {_f(value)} − {ref_year} {_f(prev)} = {_signed(delta)}"
                    + (" agrees" if ok else f" ≠ {text}"),
                    "ok" if ok else "conflict",
                )
            )
    return out


def _check_printed_values(table: pd.DataFrame, label: str) -> list[Finding]:
    """Notes naming another printed value: always a conflict, with the evidence that can
    tell the two apart — the change on the year before, a later year's "+X points" claim,
    and where each value would sit among the year's ranked values."""
    out = []
    index = _lookup(table, set(table["dataset"]))
    for _, row in table.iterrows():
        for match in _PRINTS.finditer(row["note"] or ""):
            if pd.isna(row["value"]):
                continue
            who, other = match.group(1).strip(), float(match.group(2))
            year, name, value = int(row["year"]), str(row["province"]), float(row["value"])
            source = row["source"] or "this dataset"
            parts = [
                f"{name} {year} {label} printed as {_f(value)} ({source}) and as "
                f"{_f(other)} ({who})"
            ]
            prev = index.get((year - 1, name))
            if prev is not None and pd.notna(prev["value"]):
                p = float(prev["value"])
                parts.append(
                    f"change on {year - 1} ({_f(p)}): {_signed(value - p)} with {_f(value)}, "
                    f"{_signed(other - p)} with {_f(other)}"
                )
            later = index.get((year + 1, name))
            if later is not None and pd.notna(later["value"]):
                for claim in _POINTS_CLAIM.finditer(later["note"]):
                    on = _ON_YEAR.search(later["note"])
                    if on and int(on.group(1)) != year:
                        continue
                    text = claim.group(1).replace("−", "-")
                    claimed, tolerance = float(text), _claim_tolerance(text.lstrip("+-"))
                    nxt = float(later["value"])
                    verdicts = [
                        f"{_f(nxt)} − {_f(v)} = {_signed(nxt - v)} "
                        + ("agrees" if abs(nxt - v - claimed) <= tolerance + EPS else "does not")
                        for v in (value, other)
                    ]
                    parts.append(f"{year + 1} note '{claim.group(0)}': " + "; ".join(verdicts))
            if pd.notna(row["rank"]):
                rank = float(row["rank"])
                same = table[
                    (table["year"] == year)
                    & (table["dataset"] == row["dataset"])
                    & table["rank"].notna()
                    & table["value"].notna()
                    & (table["province"] != name)
                ]
                above = same[same["rank"] < rank]
                below = same[same["rank"] > rank]
                hi = above.loc[above["value"].idxmin()] if len(above) else None
                lo = below.loc[below["value"].idxmax()] if len(below) else None

                def fits(v: float, hi: pd.Series | None = hi, lo: pd.Series | None = lo) -> bool:
                    return (hi is None or v <= hi["value"] + EPS) and (
                        lo is None or v >= lo["value"] - EPS
                    )

                bounds = []
                if hi is not None:
                    bounds.append(f"rank {hi['rank']:g} {hi['province']} {_f(hi['value'])}")
                if lo is not None:
                    bounds.append(f"rank {lo['rank']:g} {lo['province']} {_f(lo['value'])}")
                verdicts = [
                    f"{_f(v)} {'fits' if fits(v) else 'does not fit'}" for v in (value, other)
                ]
                parts.append(
                    f"at rank {rank:g} between {' and '.join(bounds)}: " + ", ".join(verdicts)
                )
            out.append(
                Finding(row["dataset"], _where(row), "printed_value", "; ".join(parts), "conflict")
            )
    return out


def _check_delta_range(table: pd.DataFrame, national: pd.DataFrame) -> list[Finding]:
    """Year-on-year changes computed from the province rows must lie within the largest
    and smallest rise and fall the national note states."""
    out = []
    par = table[table["dataset"] != "sipas_provinces"]
    for i, row in national.iterrows():
        note = str(row["note"]) if pd.notna(row["note"]) else ""
        rise = re.search(r"largest rise(?: [^+\-−;]*?)?\s*([+\-−]\d+(?:\.\d+)?)", note)
        small_rise = re.search(r"smallest(?: rise)?(?: [^+\-−;]*?)?\s*(\+\d+(?:\.\d+)?)", note)
        fall = re.search(r"largest fall(?: [^+\-−;]*?)?\s*([\-−]\d+(?:\.\d+)?)", note)
        small_fall = re.search(r"smallest(?: fall)?(?: [^+\-−;]*?)?\s*([\-−]\d+(?:\.\d+)?)", note)
        if not (rise and fall):
            continue
        year = int(row["year"])

        def num(m: re.Match[str] | None) -> float | None:
            return float(m.group(1).replace("−", "-")) if m else None

        hi_rise, lo_rise, hi_fall, lo_fall = num(rise), num(small_rise), num(fall), num(small_fall)
        now = par[(par["year"] == year) & par["value"].notna()].set_index("province")["value"]
        before = par[(par["year"] == year - 1) & par["value"].notna()].set_index("province")[
            "value"
        ]
        deltas = (now - before).dropna().sort_values()
        tolerance = 4 * ROUNDING
        bad = []
        for name, d in deltas.items():
            if d > EPS:
                low, high = lo_rise or 0.0, hi_rise
            elif d < -EPS:
                low, high = hi_fall, lo_fall if lo_fall is not None else 0.0
            else:
                continue
            if (high is not None and d > high + tolerance) or (
                low is not None and d < low - tolerance
            ):
                bad.append(f"{name} {_signed(d)}")
        bounds = (
            f"rises {_signed(lo_rise) if lo_rise is not None else '?'} to {_signed(hi_rise)}, "
            f"falls {_signed(lo_fall) if lo_fall is not None else '?'} to {_signed(hi_fall)}"
        )
        where = f"{_row(i)} ({year})"
        if deltas.empty:
            out.append(
                Finding(
                    "par_index_national",
                    where,
                    "unverifiable",
                    f"{bounds}: no province has published indices for both {year - 1} and {year}",
                )
            )
        elif bad:
            out.append(
                Finding(
                    "par_index_national",
                    where,
                    "change_range",
                    f"changes outside the published range ({bounds}): {', '.join(bad)}",
                    "conflict",
                )
            )
        else:
            listed = ", ".join(f"{n} {_signed(d)}" for n, d in deltas.items())
            out.append(
                Finding(
                    "par_index_national",
                    where,
                    "change_range",
                    f"changes from the province rows within the published range ({bounds}): {listed}",
                )
            )
    return out


# --------------------------------------------------------------------------- dossiers


def _check_dvcqg(d: pd.DataFrame) -> list[Finding]:
    name = "dvcqg_progress_phutho_2026"
    out = []
    rows = f"rows 2–{len(d) + 1}"
    received = d["total_received"].astype("float64")
    on_time = d["total_on_time"].astype("float64")
    overdue = d["total_overdue"].astype("float64")

    def report(bad: pd.Series, kind: str, ok_text: str, bad_text: str) -> None:
        if bad.any():
            for i in np.flatnonzero(bad.to_numpy()):
                out.append(
                    Finding(
                        name,
                        f"{_row(int(i))} ({d['unit_code'].iloc[i]})",
                        kind,
                        bad_text.format(**{k: d[k].iloc[i] for k in d.columns}),
                        "conflict",
                    )
                )
        else:
            out.append(Finding(name, rows, kind, ok_text))

    report(
        on_time + overdue != received,
        "dossier_counts",
        f"{len(d)} rows: on time + overdue = received",
        "{total_on_time} on time + {total_overdue} overdue ≠ {total_received} received",
    )
    ratio = on_time / received.where(received > 0) * 100
    report(
        (ratio - d["ratio_pct"]).abs() > ROUNDING + 1e-6,
        "on_time_ratio",
        f"{len(d)} rows: ratio_pct = on time / received × 100 within ±{ROUNDING}",
        "ratio_pct {ratio_pct} ≠ {total_on_time} / {total_received} × 100",
    )
    score = ratio / 100 * d["max_score"].astype("float64")
    report(
        (score - d["score"]).abs() > ROUNDING + 1e-6,
        "progress_score",
        f"{len(d)} rows: score = on-time ratio × max_score within ±{ROUNDING}",
        "score {score} ≠ on-time ratio × {max_score}",
    )
    total = d[d["level"] == "PROVINCE_TOTAL"]
    units = d[d["level"] != "PROVINCE_TOTAL"]
    if len(total) == 1:
        cols = ["total_received", "total_on_time", "total_overdue"]
        sums = units[cols].sum()
        first = total.iloc[0]
        diffs = [c for c in cols if int(sums[c]) != int(first[c])]
        i = int(total.index[0])
        where = f"{_row(i)} ({first['unit_code']})"
        if diffs:
            out.append(
                Finding(
                    name,
                    where,
                    "province_total",
                    "; ".join(f"{c}: total row {first[c]} ≠ sum of units {sums[c]}" for c in diffs),
                    "conflict",
                )
            )
        else:
            out.append(
                Finding(
                    name,
                    where,
                    "province_total",
                    f"province total = sum of its {len(units)} units "
                    f"({int(sums['total_received'])} received, {int(sums['total_on_time'])} on time, "
                    f"{int(sums['total_overdue'])} overdue)",
                )
            )
    return out


# --------------------------------------------------------------------------- entry point


def consistency_check(tables: Mapping[str, pd.DataFrame] | None = None) -> list[Finding]:
    """Cross-check every published dataset; nothing is changed.

    Checks: 2020 components add up to the index (tolerance 0.005 × number of components);
    2012 "appraisal X + survey Y" notes add up to the index; national average(year) −
    average(year − 1) = change; units up + down and groups A + B + C against the number of
    provinces; ranks and values in order within a year; ranks and values against the group
    counts; "up/down N places" and "+X points" notes against the previous year's row;
    notes naming another printed value (always a conflict, with the evidence for each
    value); changes within the national note's largest/smallest rise and fall; the portal
    dossier counts, ratios, scores and province total.

    `tables` (name → DataFrame) replaces some datasets, e.g. to check a corrected copy or
    a newer table before it is added; the others are read from the package data.
    """
    given = dict(tables or {})
    unknown = set(given) - set(DATASETS)
    if unknown:
        raise ValueError(f"unknown published dataset(s): {', '.join(sorted(unknown))}")

    def get(name: str) -> pd.DataFrame:
        return given[name].reset_index(drop=True) if name in given else load_published(name)

    prov = get("par_index_provinces")
    comps = get("par_index_components_2020")
    national = get("par_index_national")
    sipas = get("sipas_provinces")
    dvcqg = get("dvcqg_progress_phutho_2026")
    par = _par_table(prov, comps)
    sip = _sipas_table(sipas)
    findings: list[Finding] = []
    findings += _check_components(comps)
    findings += _check_appraisal_survey(prov)
    findings += _check_national(national)
    findings += _check_rank_order(par, "index")
    findings += _check_rank_order(sip, "SIPAS")
    findings += _check_groups(par, national)
    findings += _check_claims(par, "index")
    findings += _check_claims(sip, "SIPAS")
    findings += _check_printed_values(par, "index")
    findings += _check_printed_values(sip, "SIPAS")
    findings += _check_delta_range(par, national)
    findings += _check_dvcqg(dvcqg)
    return findings
