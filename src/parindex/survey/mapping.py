"""Mapping of an instrument to elements, indices and framework leaves; survey → scoring inputs.

A mapping file (YAML; the built-in ones are package data in `data/survey/`) says:

    id: sipas-bnv-2022-example-commune-2025
    instrument: {id: sipas-bnv-2022, version: "2022.1"}
    framework: {id: example-commune-2025, version: "2025.1"}
    satisfied: ["4", "5"]            # or scores: {A: 1, B: 0.6, C: 0.2, D: 0}
    scale: ["1", "2", "3", "4", "5"]
    missing_answers: []              # answers that count as missing (e.g. E)
    elements:                        # element → its questions and its index (part)
      access: {name: Tiếp cận dịch vụ, index: service, questions: [q9_15, q9_16]}
    indices: {service: "...", overall: "..."}   # display names of the parts / overall
    leaves: {"8.1.1": access}        # framework leaf → element, index or overall
    expectations: {top: ["3"], scale: ["1", "2", "3"], items: [q10_01, ...]}

`design(mapping)` turns it into an estimation design; `survey_inputs(estimates, mapping)`
turns the estimate table into scoring inputs: one appraised value per unit and survey leaf,
the index as a fraction 0–1, so that points = leaf maximum × index.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from parindex.errors import InputError, Problem
from parindex.survey.estimate import ALL, OVERALL, answer_key

BUILTIN_MAPPINGS = ("sipas-bnv-2022", "dtxhh-example")


@dataclass
class Element:
    key: str
    name: str
    questions: list[str]
    index: str = ""


@dataclass
class SurveyMapping:
    id: str
    instrument_id: str
    instrument_version: str
    framework_id: str
    framework_version: str
    elements: list[Element]
    leaves: dict[str, str]
    answers: dict = field(default_factory=dict)  # satisfied/scale or scores, missing_answers
    index_names: dict[str, str] = field(default_factory=dict)
    expectations: dict = field(default_factory=dict)

    @property
    def parts(self) -> dict[str, list[str]]:
        parts: dict[str, list[str]] = {}
        for e in self.elements:
            if e.index:
                parts.setdefault(e.index, []).append(e.key)
        return parts

    @property
    def names(self) -> dict[str, str]:
        """Display name of every element, part and `overall`."""
        out = {e.key: e.name for e in self.elements}
        out.update(self.index_names)
        return out

    def design(
        self,
        columns: MappingABC | None = None,
        **options,
    ) -> dict:
        """The estimation design (a dict for `parindex.survey.estimate`)."""
        design = {
            "columns": dict(columns or {}),
            "elements": {e.key: list(e.questions) for e in self.elements},
            **self.answers,
            **options,
        }
        if self.parts:
            design["parts"] = self.parts
        return design


def load_mapping(text: str | MappingABC, source: str = "mapping") -> SurveyMapping:
    """Read a mapping (YAML text or an already parsed mapping); every problem at once."""
    if isinstance(text, MappingABC):
        data = dict(text)
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError([Problem(source, "", "", f"is not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(source, "", "", "a mapping file must be a YAML mapping")])
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(source, "", key, message))

    known = {
        "id",
        "instrument",
        "framework",
        "satisfied",
        "scale",
        "scores",
        "missing_answers",
        "elements",
        "indices",
        "leaves",
        "expectations",
    }
    for key in data:
        if key not in known:
            bad(str(key), f"unknown key (known: {', '.join(sorted(known))})")
    instrument = data.get("instrument") or {}
    framework = data.get("framework") or {}
    if not isinstance(instrument, dict):
        bad("instrument", "must be {id, version}")
        instrument = {}
    if not isinstance(framework, dict):
        bad("framework", "must be {id, version}")
        framework = {}

    elements: list[Element] = []
    raw = data.get("elements")
    if not isinstance(raw, dict) or not raw:
        bad("elements", "must map each element to {name, index, questions}")
        raw = {}
    for key, spec in raw.items():
        if not isinstance(spec, dict):
            bad(f"elements.{key}", "must be {name, index, questions}")
            continue
        questions = spec.get("questions")
        if not isinstance(questions, list) or not questions:
            bad(f"elements.{key}.questions", "must be a non-empty list of questions")
            questions = []
        for extra in set(spec) - {"name", "index", "questions"}:
            bad(f"elements.{key}.{extra}", "unknown key (known: name, index, questions)")
        elements.append(
            Element(
                str(key),
                str(spec.get("name") or key),
                [str(q) for q in questions],
                str(spec.get("index") or ""),
            )
        )
    keys = [e.key for e in elements]
    indices = {e.index for e in elements if e.index}
    for name in sorted(indices & set(keys)):
        bad("elements", f"{name!r} is both an element and an index")
    leaves_raw = data.get("leaves") or {}
    if not isinstance(leaves_raw, dict):
        bad("leaves", "must map framework leaf codes to elements, e.g. {'8.1.1': access}")
        leaves_raw = {}
    targets = {*keys, *indices, OVERALL}
    leaves: dict[str, str] = {}
    for code, target in leaves_raw.items():
        if str(target) not in targets:
            bad(
                f"leaves.{code}",
                f"{target!r} is not an element, an index or {OVERALL!r} of this mapping",
            )
        leaves[str(code)] = str(target)
    answers = {k: data[k] for k in ("satisfied", "scale", "scores", "missing_answers") if k in data}
    expectations = data.get("expectations") or {}
    if expectations and not (
        isinstance(expectations, dict) and expectations.get("items") and expectations.get("top")
    ):
        bad("expectations", "must be {items: [...], top: [...], scale: [...]}")
    if problems:
        raise InputError(problems)
    mapping = SurveyMapping(
        id=str(data.get("id") or ""),
        instrument_id=str(instrument.get("id") or ""),
        instrument_version=str(instrument.get("version") or ""),
        framework_id=str(framework.get("id") or ""),
        framework_version=str(framework.get("version") or ""),
        elements=elements,
        leaves=leaves,
        answers=answers,
        index_names={str(k): str(v) for k, v in (data.get("indices") or {}).items()},
        expectations=dict(expectations),
    )
    # the answer rules must make a valid design
    from parindex.survey.estimate import parse_design

    parse_design(mapping.design(), source)
    return mapping


def builtin_mapping(instrument_id: str) -> SurveyMapping:
    if instrument_id not in BUILTIN_MAPPINGS:
        raise InputError(
            [
                Problem(
                    "mapping",
                    "",
                    "id",
                    f"no built-in mapping for {instrument_id!r} "
                    f"(built-in: {', '.join(BUILTIN_MAPPINGS)})",
                )
            ]
        )
    text = (
        resources.files("parindex")
        .joinpath("data", "survey", f"{instrument_id}.mapping.yaml")
        .read_text(encoding="utf-8")
    )
    return load_mapping(text, f"{instrument_id}.mapping.yaml")


def check_mapping(mapping: SurveyMapping, instrument=None, framework=None) -> list[Problem]:
    """Problems between a mapping and its instrument (questions, answers) and framework
    (leaves exist and are survey leaves)."""
    problems: list[Problem] = []
    source = mapping.id or "mapping"
    if instrument is not None:
        answers = {answer_key(a) for a in mapping.answers.get("scale", [])} | {
            answer_key(a) for a in mapping.answers.get("scores", {})
        }
        for e in mapping.elements:
            for q in e.questions:
                try:
                    question = instrument.question(q)
                except KeyError:
                    problems.append(
                        Problem(source, f"element {e.key}", q, f"not a question of {instrument.id}")
                    )
                    continue
                if question.is_select and answers:
                    names = set(instrument.choice_names(question))
                    missing = sorted(answers - names)
                    if missing:
                        problems.append(
                            Problem(
                                source,
                                f"element {e.key}",
                                q,
                                f"answers {', '.join(missing)} are not choices of the question",
                            )
                        )
    if framework is not None:
        leaves = {}

        def walk(nodes) -> None:
            for node in nodes:
                leaves[node.code] = node
                walk(node.children)

        walk(framework.nodes)
        for code in mapping.leaves:
            node = leaves.get(code)
            if node is None:
                problems.append(
                    Problem(source, f"leaf {code}", "leaves", f"not a node of {framework.id}")
                )
            elif node.children or getattr(node, "rule_type", None) != "survey":
                problems.append(
                    Problem(source, f"leaf {code}", "leaves", "is not a survey leaf (rule: survey)")
                )
    return problems


def survey_inputs(
    estimates: pd.DataFrame,
    mapping: SurveyMapping | MappingABC,
    *,
    source: str = "estimates",
) -> pd.DataFrame:
    """Scoring inputs from survey estimates: `unit_code, criterion_code, value, track`.

    One row per unit (not ALL) and mapped leaf, `value` = estimate_pct / 100 (a fraction
    0–1, what a survey rule expects), `track = appraised` (units never self-score survey
    criteria). A unit without an estimate for the leaf's element gets no row (the scoring
    then reports the leaf as missing instead of inventing a value).
    """
    if not isinstance(mapping, SurveyMapping):
        mapping = load_mapping(mapping)
    problems: list[Problem] = []
    for col in ("unit_code", "element", "estimate_pct"):
        if col not in estimates.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    if problems:
        raise InputError(problems)
    table = estimates[estimates["unit_code"].astype(str) != ALL]
    value = pd.to_numeric(table["estimate_pct"], errors="coerce")
    text = table["estimate_pct"].map(lambda v: "" if pd.isna(v) else str(v).strip())
    for pos in np.flatnonzero((value.isna() & (text != "")).to_numpy()):
        problems.append(
            Problem(
                source,
                f"row {table.index[pos] + 2}",
                "estimate_pct",
                f"{text.iloc[pos]!r} is not a number",
            )
        )
    present = set(table["element"].astype(str))
    for code, target in mapping.leaves.items():
        if target not in present:
            problems.append(
                Problem(source, "", "element", f"no estimate of {target!r} (needed by leaf {code})")
            )
    if problems:
        raise InputError(problems)
    est = pd.DataFrame(
        {
            "unit_code": table["unit_code"].astype(str).to_numpy(),
            "element": table["element"].astype(str).to_numpy(),
            "value": (value / 100.0).to_numpy(),
        }
    )
    leaf_map = pd.DataFrame(
        {"criterion_code": list(mapping.leaves), "element": list(mapping.leaves.values())}
    )
    out = leaf_map.merge(est, on="element", how="inner")
    out = out[out["value"].notna()]
    out["value"] = out["value"].clip(0.0, 1.0)
    out["track"] = "appraised"
    out = out.sort_values(["unit_code", "criterion_code"], kind="stable")
    return out[["unit_code", "criterion_code", "value", "track"]].reset_index(drop=True)
