"""What the survey pages do, on top of the core (`parindex.survey`).

* `survey_instrument(survey)`: the Instrument (built-in or the stored XLSForm), cached.
* `sections(instrument, data)`: the citizen form's sections (runs of questions of a group).
* `draw_sample(survey, frame, design, seed)`: `select_sample`, stored as SampledHousehold.
* `import_export(survey, frame, source, ...)`: `import_responses`; valid rows stored.
* `responses_frame(survey)`: submitted responses of sampled households, with the design
  columns `unit_code, stratum, psu, weight` (what `design_for` names).
* `survey_estimates(survey)`: `estimate` on that frame with the survey's design.
* `feed_campaign(survey, campaign, user)`: `survey_inputs` + the shipped mapping →
  `campaigns.services.import_survey_values`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import yaml
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.errors import InputError, Problem
from parindex.survey import estimate, parse_design, select_sample
from parindex.survey.instrument import (
    BUILTIN_INSTRUMENTS,
    Instrument,
    _label_column,
    _sheet_rows,
    builtin_instrument_bytes,
    load_instrument,
)
from parindex.survey.mapping import BUILTIN_MAPPINGS, SurveyMapping, builtin_mapping, survey_inputs
from parindex.survey.responses import import_responses, key_question
from parindex.web.surveys.models import (
    CampaignSurveyEstimate,
    Response,
    SampledHousehold,
    Survey,
)
from parindex.web.units.models import Unit

DESIGN_COLUMNS = {"stratum": "stratum", "psu": "psu", "weight": "weight", "unit": "unit_code"}
DEFAULT_SAMPLING_YAML = """\
# Frame columns: unit_code (the unit evaluated), village, household_code.
stratum: unit_code
household: household_code
stages:
  - {column: village, n: 2, method: srs}
  - {column: household_code, n: 15, method: srs}
"""
FRAME_COLUMNS = ("unit_code", "village", "household_code")


def default_design_yaml(instrument_id: str) -> str:
    lines = []
    if instrument_id in BUILTIN_MAPPINGS:
        lines.append(f"mapping: {instrument_id}")
    lines.append("lonely_psu: adjust")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- instrument


@lru_cache(maxsize=32)
def _instrument_from(builtin: str, data: bytes) -> Instrument:
    if builtin:
        data = builtin_instrument_bytes(builtin)
        return load_instrument(data, f"{builtin}.xlsx")
    return load_instrument(data, "instrument.xlsx")


def instrument_bytes(survey: Survey) -> bytes:
    if survey.instrument_builtin:
        return builtin_instrument_bytes(survey.instrument_builtin)
    return bytes(survey.instrument_file)


def survey_instrument(survey: Survey) -> Instrument:
    return _instrument_from(survey.instrument_builtin, bytes(survey.instrument_file or b""))


def check_instrument(builtin: str, data: bytes | None) -> Instrument:
    """The instrument chosen on the creation form (raises InputError with the core's messages)."""
    if data:
        return load_instrument(data, "XLSForm")
    if builtin not in BUILTIN_INSTRUMENTS:
        raise InputError([Problem("instrument", "", "id", f"unknown built-in {builtin!r}")])
    return _instrument_from(builtin, b"")


@lru_cache(maxsize=32)
def _group_labels(builtin: str, data: bytes) -> dict[str, str]:
    from openpyxl import load_workbook

    raw = builtin_instrument_bytes(builtin) if builtin else data
    wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        rows = _sheet_rows(wb, "survey") or []
        settings = (_sheet_rows(wb, "settings") or [{}])[0] if _sheet_rows(wb, "settings") else {}
    finally:
        wb.close()
    columns = set().union(*(r.keys() for r in rows)) if rows else set()
    label = _label_column(columns, settings.get("default_language", ""))
    out = {}
    for r in rows:
        typ = " ".join(r.get("type", "").split()).lower()
        if typ.startswith(("begin_group", "begin group", "begin_repeat", "begin repeat")):
            out[r.get("name", "")] = r.get(label, "") or r.get("name", "")
    return out


def group_labels(survey: Survey) -> dict[str, str]:
    try:
        return _group_labels(survey.instrument_builtin, bytes(survey.instrument_file or b""))
    except Exception:  # labels are a nicety; the form works without them
        return {}


@dataclass
class Section:
    index: int
    titles: list[str]
    questions: list = field(default_factory=list)


def sections(instrument: Instrument, labels: dict[str, str]) -> list[Section]:
    """Runs of consecutive questions sharing their group path (the household code excluded)."""
    key = key_question(instrument)
    out: list[Section] = []
    current: tuple | None = None
    for q in instrument.questions:
        if q.name == key:
            continue
        if q.group != current or not out:
            current = q.group
            out.append(Section(len(out), [labels.get(g, g) for g in q.group]))
        out[-1].questions.append(q)
    return out


def is_scale(instrument: Instrument, question) -> bool:
    return question.type == "select_one" and len(instrument.choice_names(question)) == 5


# ----------------------------------------------------------------------------- design


def design_for(survey: Survey) -> dict:
    """The estimation design: the survey's YAML (with `mapping:` expanded) and our columns."""
    data = yaml.safe_load(survey.design_yaml or "") or {}
    if not isinstance(data, dict):
        raise InputError([Problem("design", "", "", "a design must be a YAML mapping")])
    mapping_id = data.pop("mapping", None)
    if mapping_id:
        data = {**builtin_mapping(str(mapping_id)).design(), **data}
    data["columns"] = {**DESIGN_COLUMNS, **(data.get("columns") or {})}
    parse_design(data, "design")
    return data


def survey_mapping(survey: Survey) -> SurveyMapping | None:
    if survey.instrument_id in BUILTIN_MAPPINGS:
        return builtin_mapping(survey.instrument_id)
    return None


def element_names(survey: Survey) -> dict[str, str]:
    mapping = survey_mapping(survey)
    return mapping.names if mapping else {}


# ----------------------------------------------------------------------------- sample


def read_table(upload) -> pd.DataFrame:
    """A CSV or XLSX upload as text cells."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    try:
        if name.endswith((".xlsx", ".xlsm")):
            return pd.read_excel(io.BytesIO(data), dtype=str).fillna("")
        return pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, sep=None, engine="python",
            encoding="utf-8-sig",
        )  # fmt: skip
    except Exception as exc:
        raise InputError([Problem(name or "file", "", "", f"cannot be read: {exc}")]) from None


def draw_sample(survey: Survey, frame: pd.DataFrame, sampling_yaml: str, seed: int) -> int:
    """Draw the sample and store it (replacing an earlier one that has no response)."""
    try:
        spec = yaml.safe_load(sampling_yaml) or {}
    except yaml.YAMLError as exc:
        raise InputError(
            [Problem("sampling design", "", "", f"is not valid YAML: {exc}")]
        ) from None
    if not isinstance(spec, dict):
        raise InputError([Problem("sampling design", "", "", "must be a YAML mapping")])
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            [Problem("frame", "header", c, "required column is missing") for c in missing]
        )
    units = {u.code: u for u in Unit.objects.subtree(survey.root_unit).in_force()}
    problems = [
        Problem(
            "frame",
            f"row {i + 2}",
            "unit_code",
            f"{code!r} is not a unit under {survey.root_unit.code}",
        )
        for i, code in enumerate(frame["unit_code"].astype(str).str.strip())
        if code not in units
    ][:50]
    if problems:
        raise InputError(problems)
    sample = select_sample(frame, spec, seed, source="frame", design_source="sampling design")
    stage_cols = [c for c in sample.columns if c.startswith("prob")]
    stratum_col = spec.get("stratum") or ""
    with transaction.atomic():
        if survey.responses.exclude(household=None).exists():
            raise InputError(
                [Problem("sample", "", "", "responses are already linked to the sample")]
            )
        survey.households.all().delete()
        SampledHousehold.objects.bulk_create(
            [
                SampledHousehold(
                    survey=survey,
                    unit=units[str(row["unit_code"]).strip()],
                    village=str(row["village"]).strip(),
                    household_code=str(row["household_code"]).strip(),
                    stratum=str(row[stratum_col]).strip() if stratum_col else "",
                    psu=str(row["psu"]),
                    weight=float(row["weight"]),
                    probabilities={c: float(row[c]) for c in stage_cols},
                )
                for row in sample.to_dict("records")
            ]
        )
        survey.sampling_yaml = sampling_yaml
        survey.seed = seed
        if survey.status == Survey.Status.DRAFT:
            survey.status = Survey.Status.COLLECTING
        survey.save()
    return len(sample)


# ----------------------------------------------------------------------------- import


def existing_keys(survey: Survey) -> set[str]:
    keys = set(survey.responses.filter(submitted=True).values_list("instance_id", flat=True))
    keys |= set(
        survey.households.filter(responses__submitted=True).values_list("household_code", flat=True)
    )
    return keys


@dataclass
class ImportResult:
    added: int
    rejected: list[Problem]


def import_export(
    survey: Survey, frame: pd.DataFrame, source: str, file_name: str, accept_versions=()
) -> ImportResult:
    """Validate an export with the core; store the valid rows (re-import adds nothing)."""
    instrument = survey_instrument(survey)
    households = {h.household_code: h for h in survey.households.all()}
    sample = pd.DataFrame({"household": list(households)}) if households else None
    valid, rejected = import_responses(
        frame,
        instrument,
        sample=sample,
        existing_keys=existing_keys(survey),
        source=file_name,
        accept_versions=[v for v in accept_versions if v],
    )
    key = key_question(instrument)
    names = instrument.names
    now = timezone.now()
    with transaction.atomic():
        added = 0
        for row in valid.to_dict("records"):
            answers = {n: ("" if pd.isna(row[n]) else str(row[n])) for n in names}
            hh = households.get(answers.get(key, "")) if key else None
            if hh is not None:
                hh.responses.filter(submitted=False).delete()  # a web draft gives way
                if hh.used_at is None:
                    hh.used_at = now
                    hh.save(update_fields=["used_at"])
            Response.objects.create(
                survey=survey,
                household=hh,
                instrument_version=str(row["instrument_version"]),
                answers=answers,
                source=source,
                instance_id=str(row["instance_id"]),
                submitted=True,
            )
            added += 1
    return ImportResult(added, rejected)


# ----------------------------------------------------------------------------- progress


def progress(survey: Survey) -> list[dict]:
    """Sampled households and submitted responses by unit and village."""
    rows = (
        survey.households.values("unit__code", "unit__name", "village")
        .annotate(
            sampled=Count("pk", distinct=True),
            answered=Count("pk", filter=Q(responses__submitted=True), distinct=True),
        )
        .order_by("unit__code", "village")
    )
    return [
        {
            "unit_code": r["unit__code"],
            "unit_name": r["unit__name"],
            "village": r["village"],
            "sampled": r["sampled"],
            "answered": r["answered"],
            "pct": 100.0 * r["answered"] / r["sampled"] if r["sampled"] else 0.0,
        }
        for r in rows
    ]


# ----------------------------------------------------------------------------- estimates


def responses_frame(survey: Survey) -> pd.DataFrame:
    """Submitted responses of sampled households, answers plus the design columns."""
    instrument = survey_instrument(survey)
    names = instrument.names
    records = []
    qs = survey.responses.filter(submitted=True, household__isnull=False).select_related(
        "household__unit"
    )
    for r in qs.order_by("pk"):
        hh = r.household
        rec = {n: r.answers.get(n, "") for n in names}
        rec.update(
            unit_code=hh.unit.code, stratum=hh.stratum or hh.unit.code, psu=hh.psu, weight=hh.weight
        )
        records.append(rec)
    columns = [*names, "unit_code", "stratum", "psu", "weight"]
    return pd.DataFrame.from_records(records, columns=columns)


def survey_estimates(survey: Survey) -> pd.DataFrame:
    frame = responses_frame(survey)
    if frame.empty:
        raise InputError([Problem("responses", "", "", _("no submitted response yet"))])
    return estimate(frame, design_for(survey), source="responses")


def feed_campaign(survey: Survey, campaign, user) -> int:
    from parindex.web.campaigns.services import import_survey_values

    mapping = survey_mapping(survey)
    if mapping is None:
        raise InputError([Problem("mapping", "", "", _("no shipped mapping for this instrument"))])
    est = survey_estimates(survey)
    inputs = survey_inputs(est, mapping)
    spec = campaign.spec()
    leaves = {c for c, leaf in spec.by_code.items() if leaf.is_survey}
    units = set(campaign.assessments.values_list("unit__code", flat=True))
    inputs = inputs[inputs["criterion_code"].isin(leaves) & inputs["unit_code"].isin(units)]
    if inputs.empty:
        raise InputError(
            [
                Problem(
                    "mapping",
                    "",
                    "",
                    _("no estimate matches a survey leaf and unit of the campaign"),
                )
            ]
        )
    with transaction.atomic():
        n = import_survey_values(
            campaign, inputs, source=f"survey {survey.pk}: {survey.name}", user=user
        )
        store_campaign_estimates(survey, campaign, est, inputs, mapping)
    return n


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def store_campaign_estimates(survey: Survey, campaign, est: pd.DataFrame, inputs, mapping) -> int:
    """Keep the estimates behind the fed values (one row per unit and element, with the
    leaves it fed); the campaign's earlier rows are replaced."""
    leaves: dict[tuple[str, str], list[str]] = {}
    for unit_code, code in zip(inputs["unit_code"], inputs["criterion_code"], strict=True):
        element = mapping.leaves.get(code)
        if element is not None:
            leaves.setdefault((str(unit_code), element), []).append(str(code))
    units = dict(Unit.objects.filter(code__in={u for u, _ in leaves}).values_list("code", "pk"))
    names = element_names(survey)
    rows = []
    for r in est.to_dict("records"):
        key = (str(r["unit_code"]), str(r["element"]))
        if key not in leaves or key[0] not in units or _float(r["estimate_pct"]) is None:
            continue
        rows.append(
            CampaignSurveyEstimate(
                campaign=campaign,
                unit_id=units[key[0]],
                survey=survey,
                element=key[1],
                element_name=str(names.get(key[1], key[1]))[:255],
                leaf_codes=sorted(leaves[key]),
                estimate_pct=float(r["estimate_pct"]),
                ci_low_pct=_float(r.get("ci_low_pct")),
                ci_high_pct=_float(r.get("ci_high_pct")),
                se_pct=_float(r.get("se_pct")),
                n=int(r.get("n") or 0),
            )
        )
    CampaignSurveyEstimate.objects.filter(campaign=campaign).delete()
    CampaignSurveyEstimate.objects.bulk_create(rows)
    return len(rows)
