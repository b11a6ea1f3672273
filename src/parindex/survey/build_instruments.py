"""Build the packaged XLSForm instruments from their readable YAML sources.

The source of each built-in instrument is `data/instruments/<id>.yaml`: the three XLSForm
sheets written as YAML (`settings` a mapping, `choices` list name → [{name, label}], `survey`
a list of rows with XLSForm columns). This module turns a source into .xlsx bytes, the same
bytes every time (fixed document dates and zip timestamps), so the shipped workbook can be
checked against its source by a test.

Labels are written to `label::<default_language>` (and `hint::…`, `constraint_message::…`),
the way ODK and KoboToolbox expect a translated form.

Developer use (rewrites the packaged .xlsx files next to their sources):

    python -m parindex.survey.build_instruments [--out DIR]
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from importlib import resources
from pathlib import Path

import yaml

from parindex.survey.instrument import BUILTIN_INSTRUMENTS

_TRANSLATABLE = ("label", "hint", "constraint_message", "required_message", "guidance_hint")
_FIXED_DATE = "2024-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def load_definition(instrument_id: str) -> dict:
    """The YAML source of a built-in instrument (package data)."""
    text = (
        resources.files("parindex")
        .joinpath("data", "instruments", f"{instrument_id}.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.safe_load(text)


def _column(key: str, language: str) -> str:
    return f"{key}::{language}" if key in _TRANSLATABLE and language else key


def definition_to_xlsx(definition: dict) -> bytes:
    """The XLSForm workbook of a definition, byte-for-byte reproducible."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    settings = dict(definition["settings"])
    language = str(settings.get("default_language", ""))
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    keys: list[str] = []
    for row in definition["survey"]:
        for k in row:
            if k not in keys:
                keys.append(k)
    ws.append([_column(k, language) for k in keys])
    for row in definition["survey"]:
        ws.append([str(row.get(k, "")) if row.get(k) is not None else "" for k in keys])

    cs = wb.create_sheet("choices")
    ckeys = ["list_name", "name", "label"]
    cs.append([_column(k, language) for k in ckeys])
    for list_name, items in definition["choices"].items():
        for item in items:
            cs.append([list_name, str(item["name"]), str(item["label"])])

    ss = wb.create_sheet("settings")
    ss.append(list(settings))
    ss.append([str(v) for v in settings.values()])

    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for sheet, widths in ((ws, {"A": 28, "B": 18, "C": 90}), (cs, {"A": 18, "B": 12, "C": 70})):
        for col, width in widths.items():
            sheet.column_dimensions[col].width = width

    raw = io.BytesIO()
    wb.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Fixed timestamps inside and around the parts, so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + _FIXED_DATE + m.group(3),
                    text,
                )
                content = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


def build(instrument_id: str) -> bytes:
    return definition_to_xlsx(load_definition(instrument_id))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "data" / "instruments",
        help="folder for the .xlsx files (default: the package data folder)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for instrument_id in BUILTIN_INSTRUMENTS:
        target = args.out / f"{instrument_id}.xlsx"
        target.write_bytes(build(instrument_id))
        print(f"{instrument_id} → {target}")


if __name__ == "__main__":
    main()
