"""Frameworks shipped with parindex as package data (`parindex/data/frameworks/*.yaml`).

The file name is the framework id plus ".yaml". What ships:

- `par-province-2017`: the national provincial framework of Decision 2948/QĐ-BNV at field
  level (the level published in text form);
- `par-province-published-2022`: two parts (appraisal 68 + survey 32) to import the
  published national results under 876/QĐ-BNV and 892/QĐ-BNV — not for scoring;
- `example-department-2025`, `example-commune-2025`: complete EXAMPLE frameworks made by
  the product (flagged `example: true`), never presented as official decisions.

Reading package data through `importlib.resources` is the one kind of file access the
core allows itself (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from importlib import resources

from parindex.errors import InputError, Problem
from parindex.framework.model import Framework

SUFFIX = ".yaml"


def _directory():
    return resources.files("parindex").joinpath("data", "frameworks")


def builtin_ids() -> list[str]:
    """Ids of every shipped framework, sorted."""
    return sorted(
        entry.name.removesuffix(SUFFIX)
        for entry in _directory().iterdir()
        if entry.is_file() and entry.name.endswith(SUFFIX)
    )


def builtin_text(framework_id: str) -> str:
    """The YAML text of a shipped framework, as stored (comments included)."""
    entry = _directory().joinpath(framework_id + SUFFIX)
    if "/" in framework_id or "\\" in framework_id or not entry.is_file():
        known = ", ".join(builtin_ids())
        raise InputError(
            [
                Problem(
                    "built-in frameworks",
                    "",
                    "id",
                    f"no built-in framework {framework_id!r} (known: {known})",
                )
            ]
        )
    return entry.read_text(encoding="utf-8")


def load_builtin(framework_id: str) -> Framework:
    """Parse and validate a shipped framework; raises InputError if it has problems."""
    from parindex.framework import load_yaml_text

    return load_yaml_text(builtin_text(framework_id), framework_id + SUFFIX)


def list_builtin() -> list[dict]:
    """id, name, version, unit_kind and example flag of every shipped framework."""
    out = []
    for framework_id in builtin_ids():
        fw = load_builtin(framework_id)
        out.append(
            {
                "id": fw.id,
                "name": fw.name,
                "version": fw.version,
                "unit_kind": fw.unit_kind,
                "example": fw.example,
            }
        )
    return out
