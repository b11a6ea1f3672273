"""The tile grid: one square per unit at a (row, column), read from CSV text; see
`load_tile_grid`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from parindex.analysis.maps.codes import code_key
from parindex.analysis.maps.messages import message
from parindex.errors import InputError, Problem

TILE_COLUMNS = ("code", "name", "label", "row", "col", "region")


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    label: str  # a few letters written on the square
    row: int  # 0 = northernmost
    col: int  # 0 = westernmost
    region: str


def load_tile_grid(text: str, source: str = "tile grid", lang: str = "en") -> list[Tile]:
    """Tiles from CSV text with the columns of `TILE_COLUMNS` (lines starting with "#" are
    comments). Raises InputError naming the row and column of every problem: missing
    columns or cells, non-integer positions, a code or a cell used twice."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in TILE_COLUMNS if c not in header]
    if missing:
        raise InputError(
            [Problem(source, "", "", message("grid_columns", lang, names=", ".join(missing)))]
        )
    problems: list[Problem] = []
    tiles: list[Tile] = []
    codes: dict[str, int] = {}
    cells: dict[tuple[int, int], str] = {}
    for number, record in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        where = message("row", lang, number=number)
        bad = False
        for column in ("code", "name", "label"):
            if not row.get(column):
                problems.append(Problem(source, where, column, message("grid_empty", lang)))
                bad = True
        position: dict[str, int] = {}
        for column in ("row", "col"):
            cell = row.get(column, "")
            if not cell.isdigit():
                problems.append(
                    Problem(source, where, column, message("grid_integer", lang, found=repr(cell)))
                )
                bad = True
            else:
                position[column] = int(cell)
        if bad:
            continue
        key = code_key(row["code"])
        if key in codes:
            problems.append(
                Problem(
                    source,
                    where,
                    "code",
                    message("grid_duplicate_code", lang, code=row["code"], first=codes[key]),
                )
            )
            continue
        codes[key] = number
        cell = (position["row"], position["col"])
        if cell in cells:
            problems.append(
                Problem(
                    source,
                    where,
                    "row",
                    message(
                        "grid_duplicate_cell", lang, row=cell[0], col=cell[1], code=cells[cell]
                    ),
                )
            )
            continue
        cells[cell] = row["code"]
        tiles.append(
            Tile(row["code"], row["name"], row["label"], cell[0], cell[1], row.get("region", ""))
        )
    if problems:
        raise InputError(problems)
    return tiles
