"""Frameworks to and from plain data and YAML (the canonical format), and file helpers.

`framework_from_dict` is the single gate every source goes through (YAML text, an Excel
workbook, a dict built in code): it checks keys and types, collects every problem, then
runs `validate`, and raises one `InputError` with all of them — nothing is half-loaded.

Codes are text. YAML reads an unquoted `1` as a number and `1.10` as the number 1.1, which
would silently lose a digit; integer codes are therefore accepted (1 → "1") but a code
YAML read as a decimal number is a problem asking to quote it ("1.10"). The same rule
applies to other text values (version, labels).

`framework_to_dict` is the inverse: it omits what is empty or default, orders keys the way
people read a framework, and writes whole numbers as ints (10, not 10.0), so YAML → model
→ YAML is stable and diffs stay small.

`load_framework` / `save_framework` take a path chosen by the caller; they are the only
helpers of the core that touch files (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from parindex.errors import InputError, Problem
from parindex.framework.model import Band, Block, Framework, Node
from parindex.framework.validate import (
    RULE_PARAMS,
    entry_location,
    located,
    node_location,
    validate,
)

FRAMEWORK_KEYS = (
    "id",
    "name",
    "version",
    "unit_kind",
    "max_points",
    "example",
    "description",
    "source",
    "classification",
    "nodes",
    "bonus",
    "penalty",
)
NODE_KEYS = ("code", "name", "max_points", "method", "rule", "scoring_text", "note", "children")
BAND_KEYS = ("label", "min", "inclusive", "name")
BLOCK_KEYS = ("name", "cap", "nodes")
ENTRY_KEYS = ("label", "min", "points", "share")  # output order inside options / bands


class _AlreadyReported:
    """A value the caller could not read and has already reported as a problem (the Excel
    reader uses it for a cell that is not a number): taken as missing, not reported again."""

    def __repr__(self) -> str:
        return "<already reported>"


ALREADY_REPORTED = _AlreadyReported()


# --- dict → model -------------------------------------------------------------------


def framework_from_dict(
    data: dict, source: str, locations: dict[str, str] | None = None
) -> Framework:
    """Build and validate a framework from plain data; raise `InputError` listing every
    problem. `locations` (node code → place in the file) makes messages point at lines or
    rows; see `validate` for the keys."""
    builder = _Builder(source, locations or {})
    fw = builder.framework(data)
    problems = builder.problems
    if fw is not None:
        # A value the builder already complained about (a missing key, a wrong type) is
        # not reported a second time by the validator.
        taken = {(p.location, p.field) for p in problems}
        problems += [
            p for p in validate(fw, source, locations) if (p.location, p.field) not in taken
        ]
    if problems:
        raise InputError(problems)
    assert fw is not None
    return fw


class _Builder:
    def __init__(self, source: str, locations: dict[str, str]):
        self.source = source
        self.locations = locations
        self.problems: list[Problem] = []

    def add(self, location: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, location, field, message))

    def unknown_keys(self, data: dict, known: tuple[str, ...], where: str, what: str) -> None:
        for key in data:
            if key not in known:
                self.add(
                    where, str(key), f"unknown key {key!r} for {what} (known: {', '.join(known)})"
                )

    def number(self, data: dict, key: str, where: str, required: bool = True) -> Any:
        """The number under `key`; NaN (reported) when missing or not a number."""
        value = data.get(key)
        if value is ALREADY_REPORTED:
            return math.nan
        if value is None:
            if required:
                self.add(where, key, f"missing required key {key!r}")
                return math.nan
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, key, f"{key} must be a number, got {value!r}")
            return math.nan
        if not math.isfinite(value):
            self.add(where, key, f"{key} must be a finite number, got {value!r}")
            return math.nan
        return value

    def text(self, data: dict, key: str, where: str, required: bool = False) -> str | None:
        """The text under `key`. Whole numbers become text; decimals must be quoted."""
        value = data.get(key)
        if value is ALREADY_REPORTED:
            return ""
        if value is None:
            if required:
                self.add(where, key, f"missing required key {key!r}")
                return ""
            return None
        return self.as_text(value, where, key)

    def as_text(self, value: Any, where: str, key: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            self.add(
                where,
                key,
                f"{key} {value!r} was read as a decimal number, which can lose digits "
                f'(1.10 becomes 1.1); quote it: {key}: "..."',
            )
            return repr(value)
        self.add(where, key, f"{key} must be text, got {value!r}")
        return str(value)

    def mapping(self, value: Any, where: str, field: str, what: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.add(where, field, f"{what} must be a mapping (key: value), got {value!r}")
        return None

    def sequence(self, data: dict, key: str, where: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.add(where, key, f"{key} must be a list, got {value!r}")
        return []

    # --- the framework and its parts ------------------------------------------------

    def framework(self, data: Any) -> Framework | None:
        where = "framework"
        if self.mapping(data, where, "", "a framework") is None:
            return None
        self.unknown_keys(data, FRAMEWORK_KEYS, where, "a framework")
        example = data.get("example", False)
        if example is None or example is ALREADY_REPORTED:
            example = False
        if not isinstance(example, bool):
            self.add(where, "example", f"example must be true or false, got {example!r}")
            example = False
        if "nodes" not in data:
            self.add(where, "nodes", "missing required key 'nodes'")
        return Framework(
            id=self.text(data, "id", where, required=True),
            name=self.text(data, "name", where, required=True),
            version=self.text(data, "version", where, required=True),
            unit_kind=self.text(data, "unit_kind", where, required=True),
            max_points=self.number(data, "max_points", where),
            nodes=self.nodes(data, "nodes", where, "nodes", None),
            classification=self.classification(data),
            bonus=self.block(data, "bonus"),
            penalty=self.block(data, "penalty"),
            description=self.text(data, "description", where),
            source=self.source_info(data.get("source"), where),
            example=example,
        )

    def source_info(self, value: Any, where: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if self.mapping(value, where, "source", "source") is None:
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(where, "source", f"source keys must be text, got {key!r}")
            elif isinstance(item, str | int | float | bool):
                out[key] = item
            else:
                self.add(
                    where,
                    f"source.{key}",
                    "source values must be text, numbers or true/false "
                    f"(each fits one Excel cell), got {item!r}",
                )
        return out

    def classification(self, data: dict) -> list[Band]:
        bands = []
        for i, item in enumerate(self.sequence(data, "classification", "framework")):
            where = located(f"classification band {i + 1}", self.locations, f"classification[{i}]")
            if self.mapping(item, where, "", "a classification band") is None:
                continue
            self.unknown_keys(item, BAND_KEYS, where, "a classification band")
            inclusive = item.get("inclusive", True)
            if inclusive is None or inclusive is ALREADY_REPORTED:
                inclusive = True
            if not isinstance(inclusive, bool):
                self.add(where, "inclusive", f"inclusive must be true or false, got {inclusive!r}")
                inclusive = True
            bands.append(
                Band(
                    label=self.text(item, "label", where, required=True),
                    min=self.number(item, "min", where),
                    inclusive=inclusive,
                    name=self.text(item, "name", where),
                )
            )
        return bands

    def block(self, data: dict, which: str) -> Block | None:
        value = data.get(which)
        if value is None:
            return None
        if self.mapping(value, which, "", f"the {which} block") is None:
            return None
        self.unknown_keys(value, BLOCK_KEYS, which, f"the {which} block")
        return Block(
            cap=self.number(value, "cap", which),
            nodes=self.nodes(value, "nodes", which, f"{which}.nodes", which),
            name=self.text(value, "name", which),
        )

    def nodes(self, data: dict, key: str, where: str, path: str, block: str | None) -> list[Node]:
        out = []
        for i, item in enumerate(self.sequence(data, key, where)):
            node = self.node(item, f"{path}[{i}]", block)
            if node is not None:
                out.append(node)
        return out

    def node(self, data: Any, path: str, block: str | None) -> Node | None:
        if self.mapping(data, f"node at {path}", "", "a node") is None:
            return None
        code = self.node_code(data, path, block)
        where = node_location(code, self.locations, block)
        if data.get("code") is None:
            self.add(where, "code", "missing required key 'code'")
        self.unknown_keys(data, NODE_KEYS, where, "a node")
        rule = data.get("rule")
        if rule is not None:
            rule = self.rule(rule, code, where, block)
        return Node(
            code=code,
            name=self.text(data, "name", where, required=True),
            max_points=self.number(data, "max_points", where),
            method=self.text(data, "method", where),
            rule=rule,
            scoring_text=self.text(data, "scoring_text", where),
            note=self.text(data, "note", where),
            children=self.nodes(data, "children", where, f"{path}.children", block),
        )

    def node_code(self, data: dict, path: str, block: str | None) -> str:
        """The node's code as text; a stand-in naming its position when it has none."""
        code = data.get("code")
        if code is None or code is ALREADY_REPORTED:
            return f"(no code, at {path})"
        return self.as_text(code, node_location(str(code), self.locations, block), "code")

    def rule(self, rule: Any, code: str, where: str, block: str | None) -> dict | None:
        """A copy of the rule with labels as text; parameter checks belong to `validate`."""
        if self.mapping(rule, where, "rule", "rule") is None:
            return None
        out = {key: _reported_to_nan(value) for key, value in rule.items()}
        if "type" in out and out["type"] is not None:
            out["type"] = self.as_text(out["type"], where, "rule.type")
        for key in ("options", "bands"):
            items = out.get(key)
            if not isinstance(items, list):
                continue
            copied = []
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    item = dict(item)
                    if item.get("label") is not None:
                        item_where = entry_location(code, key, i, self.locations, block)
                        item["label"] = self.as_text(item["label"], item_where, "label")
                copied.append(item)
            out[key] = copied
        if isinstance(out.get("inputs"), list):
            out["inputs"] = list(out["inputs"])
        return out


def _reported_to_nan(value: Any) -> Any:
    if value is ALREADY_REPORTED:
        return math.nan
    if isinstance(value, list):
        return [_reported_to_nan(v) for v in value]
    if isinstance(value, dict):
        return {k: _reported_to_nan(v) for k, v in value.items()}
    return value


# --- model → dict -------------------------------------------------------------------


def _num(value: Any) -> Any:
    """Whole floats as ints (10.0 → 10) so the output does not depend on how a number was
    typed; everything else unchanged."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def framework_to_dict(fw: Framework) -> dict:
    """Plain data for `fw`, without empty or default values, keys in reading order."""
    out: dict[str, Any] = {
        "id": fw.id,
        "name": fw.name,
        "version": fw.version,
        "unit_kind": fw.unit_kind,
        "max_points": _num(fw.max_points),
    }
    if fw.example:
        out["example"] = True
    if not _empty(fw.description):
        out["description"] = fw.description
    if not _empty(fw.source):
        out["source"] = {k: _num(v) for k, v in fw.source.items()}
    if fw.classification:
        out["classification"] = [_band_to_dict(b) for b in fw.classification]
    out["nodes"] = [_node_to_dict(n) for n in fw.nodes]
    for which, block in (("bonus", fw.bonus), ("penalty", fw.penalty)):
        if block is not None:
            out[which] = _block_to_dict(block)
    return out


def _band_to_dict(band: Band) -> dict:
    out: dict[str, Any] = {"label": band.label, "min": _num(band.min)}
    if band.inclusive is not True:
        out["inclusive"] = band.inclusive
    if not _empty(band.name):
        out["name"] = band.name
    return out


def _block_to_dict(block: Block) -> dict:
    out: dict[str, Any] = {}
    if not _empty(block.name):
        out["name"] = block.name
    out["cap"] = _num(block.cap)
    if block.nodes:
        out["nodes"] = [_node_to_dict(n) for n in block.nodes]
    return out


def _node_to_dict(node: Node) -> dict:
    out: dict[str, Any] = {
        "code": node.code,
        "name": node.name,
        "max_points": _num(node.max_points),
    }
    if not _empty(node.method):
        out["method"] = node.method
    if node.rule is not None:
        out["rule"] = _rule_to_dict(node.rule)
    for key in ("scoring_text", "note"):
        value = getattr(node, key)
        if not _empty(value):
            out[key] = value
    if node.children:
        out["children"] = [_node_to_dict(c) for c in node.children]
    return out


def _ordered(data: dict, order: tuple[str, ...]) -> dict:
    keys = [k for k in order if k in data] + [k for k in data if k not in order]
    return {k: _plain(data[k]) for k in keys if not _empty(data[k])}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return _ordered(value, ENTRY_KEYS)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _num(value)


def _rule_to_dict(rule: dict) -> dict:
    return _ordered(rule, ("type", *RULE_PARAMS.get(rule.get("type"), ())))


# --- YAML ---------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Indented lists, multi-line text as `|` blocks, short mappings on one line."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _FlowMap(dict):
    pass


class _FlowList(list):
    pass


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_flow_map(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def _flow_nodes(nodes: list[dict]) -> None:
    for node in nodes:
        rule = node.get("rule")
        if rule and all(not isinstance(v, list | dict) for v in rule.values()) and len(rule) <= 3:
            node["rule"] = _FlowMap(rule)  # {type: manual, step: 0.25} reads best on one line
        elif rule:
            for key in ("options", "bands"):
                if key in rule:
                    rule[key] = [_FlowMap(item) for item in rule[key]]
            if "inputs" in rule:
                rule["inputs"] = _FlowList(rule["inputs"])
        _flow_nodes(node.get("children", []))


def dump_yaml(fw: Framework) -> str:
    """The framework as canonical YAML text (Vietnamese kept as is)."""
    data = framework_to_dict(fw)
    if "classification" in data:
        data["classification"] = [_FlowMap(b) for b in data["classification"]]
    _flow_nodes(data["nodes"])
    for which in ("bonus", "penalty"):
        _flow_nodes(data.get(which, {}).get("nodes", []))
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)


def load_yaml_text(text: str, source: str) -> Framework:
    """Parse and validate a framework from YAML text; problems name YAML lines."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        detail = getattr(exc, "problem", None) or str(exc)
        raise InputError([Problem(source, where, "", f"YAML syntax error: {detail}")]) from None
    finally:
        loader.dispose()
    locations: dict[str, str] = {}
    problems: list[Problem] = []
    if root is not None:
        _yaml_locations(root, locations)
        _duplicate_keys(root, source, problems)
    try:
        fw = framework_from_dict(data, source, locations)
    except InputError as exc:
        raise InputError(problems + exc.problems) from None
    if problems:
        raise InputError(problems)
    return fw


def _mapping_items(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _sequence(node: yaml.Node | None) -> list[yaml.Node]:
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _yaml_locations(root: yaml.Node, out: dict[str, str]) -> None:
    """Record the line of every node, option, band and classification band by key."""
    top = _mapping_items(root)
    for i, band in enumerate(_sequence(top.get("classification"))):
        out[f"classification[{i}]"] = f"line {band.start_mark.line + 1}"
    # Depth first in document order, the order `validate` walks, so that the n-th node
    # using a code is recorded under "code@n".
    tops = list(_sequence(top.get("nodes")))
    for which in ("bonus", "penalty"):
        tops += _sequence(_mapping_items(top.get(which)).get("nodes"))
    stack = list(reversed(tops))
    seen: dict[str, int] = {}
    while stack:
        item = stack.pop()
        fields = _mapping_items(item)
        code_node = fields.get("code")
        if isinstance(code_node, yaml.ScalarNode):
            code = _code_key(code_node)
            seen[code] = seen.get(code, 0) + 1
            key = code if seen[code] == 1 else f"{code}@{seen[code]}"
            out[key] = f"line {item.start_mark.line + 1}"
            rule = _mapping_items(fields.get("rule"))
            for name in ("options", "bands"):
                for i, entry in enumerate(_sequence(rule.get(name))):
                    out.setdefault(f"{code}#{name}[{i}]", f"line {entry.start_mark.line + 1}")
        stack += reversed(_sequence(fields.get("children")))


def _code_key(node: yaml.ScalarNode) -> str:
    """The code as the builder will spell it (an unquoted 01 is the int 1, so "1")."""
    if node.tag.endswith((":int", ":float")):
        value = yaml.safe_load(node.value)
        return repr(value) if isinstance(value, float) else str(value)
    return node.value


def _duplicate_keys(node: yaml.Node, source: str, problems: list[Problem]) -> None:
    """YAML silently keeps the last of two equal keys; report them instead."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in item.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        problems.append(
                            Problem(
                                source,
                                f"line {key.start_mark.line + 1}",
                                key.value,
                                f"key {key.value!r} appears twice in the same mapping",
                            )
                        )
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)


# --- files --------------------------------------------------------------------------


def _kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".xlsx":
        return "xlsx"
    return None


def load_framework(path: str | Path) -> Framework:
    """Load and validate a framework from a .yaml/.yml or .xlsx file chosen by the caller."""
    from parindex.framework.excel import framework_from_excel  # excel builds on this module

    path = Path(path)
    kind = _kind(path)
    if kind is None:
        raise InputError(
            [Problem(path.name, "", "", "unknown file type; use .yaml, .yml or .xlsx")]
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path.name, "", "", f"cannot read file: {exc}")]) from None
    if kind == "xlsx":
        return framework_from_excel(raw, path.name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path.name, "", "", f"not UTF-8 text: {exc}")]) from None
    return load_yaml_text(text, path.name)


def save_framework(fw: Framework, path: str | Path) -> None:
    """Write `fw` as YAML or Excel (by extension). The file is replaced in one step, so a
    failure never leaves half a file. Callers validate first (loaders already do)."""
    from parindex.framework.excel import framework_to_excel_bytes

    path = Path(path)
    kind = _kind(path)
    if kind is None:
        raise InputError(
            [Problem(path.name, "", "", "unknown file type; use .yaml, .yml or .xlsx")]
        )
    payload = dump_yaml(fw).encode("utf-8") if kind == "yaml" else framework_to_excel_bytes(fw)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
