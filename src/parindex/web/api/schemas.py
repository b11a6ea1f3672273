"""Request and response bodies of the API (pydantic, via django-ninja).

Numbers are plain, unrounded floats as computed and stored (round them for display only);
`null` means "no value" (e.g. no index for a unit without points, no change without a
previous year). Dates are ISO 8601; times are UTC with their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store (nor compare with) NUL characters: refuse them up front.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a database id (bigint)

# --- errors ------------------------------------------------------------------------------------


class Detail(Schema):
    detail: str


class LeafError(Schema):
    leaf_code: str = Field(description="The criterion (leaf) code; empty if not known.")
    field: str = Field(
        description="What is wrong: value, inputs, inputs.<name>, not_applicable, "
        "leaf_code, or the location in the request body."
    )
    message: str


class Errors(Schema):
    detail: str
    errors: list[LeafError]


ERRORS = {400: Errors, 401: Detail, 403: Detail, 404: Detail}
READ_ERRORS = {400: Errors, 401: Detail, 403: Detail, 404: Detail}  # 400: bad parameters

# --- units and campaigns -------------------------------------------------------------------------


class UnitBrief(Schema):
    code: str
    name: str


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    peer_group: str
    region: str
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="Last day in force (inclusive); null: in force.")


class UnitList(Schema):
    count: int
    on: dt.date
    items: list[UnitOut]


class Window(Schema):
    kind: str = Field(
        description="self_assessment, explanation, appraisal_1, appraisal_2, publication"
    )
    opens_on: dt.date
    closes_on: dt.date = Field(description="Last day (inclusive), Asia/Ho_Chi_Minh.")


class FieldOut(Schema):
    code: str
    name: str
    max_points: float


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    status: str = Field(description="draft, open, finalised, published")
    unit_kind: str
    root_unit: UnitBrief
    framework_id: str
    framework_version: str
    framework_name: str
    previous_id: int | None
    units_in_scope: int
    has_results: bool
    finalised_at: dt.datetime | None
    published_at: dt.datetime | None


class CampaignDetail(CampaignOut):
    windows: list[Window]
    fields: list[FieldOut]


class CampaignUnit(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    peer_group: str
    region: str
    valid_from: dt.date
    valid_to: dt.date | None
    assessment_status: str | None = Field(
        description="not_started, in_progress, submitted, appraised, finalised; "
        "null when the caller's roles do not cover the unit."
    )


class CampaignUnits(Schema):
    campaign_id: int
    count: int
    items: list[CampaignUnit]


# --- results -----------------------------------------------------------------------------------


class ResultRow(Schema):
    unit_code: str
    unit_name: str
    peer_group: str
    points: float
    max_points: float
    index_pct: float | None
    rank: int | None = Field(description="Competition rank within the peer group (1, 2, 2, 4).")
    class_: str = Field(alias="class", description="Classification label; empty if none.")
    fields: dict[str, float | None] = Field(description="Index (%) of each top-level field.")
    bonus_points: float
    penalty_points: float
    missing_values: int
    self_points: float | None
    self_index_pct: float | None
    self_rank: int | None
    self_class: str
    diff_points: float | None = Field(description="points − self_points")
    diff_index_pct: float | None = Field(description="index_pct − self_index_pct")
    prev_index_pct: float | None
    index_change: float | None
    prev_rank: int | None
    rank_change: int | None = Field(description="> 0: moved up since last year.")
    yoy_note: str
    framework_id: str
    framework_version: str


class Results(Schema):
    campaign_id: int
    campaign_name: str
    year: int
    status: str
    framework_id: str
    framework_version: str
    computed_at: dt.datetime | None
    fields: list[FieldOut]
    count: int
    rows: list[ResultRow]


class NodeOut(Schema):
    code: str
    name: str
    depth: int
    is_leaf: bool
    points: float
    max_points: float = Field(description="0 for a leaf that is not applicable to the unit.")
    lost_points: float
    self_points: float | None
    applicable: bool
    children: list[NodeOut] = []


class UnitScores(Schema):
    campaign_id: int
    framework_id: str
    framework_version: str
    unit: UnitBrief
    peer_group: str
    result: ResultRow | None
    nodes: list[NodeOut]


# --- self-assessment values ----------------------------------------------------------------------


class AppraisedOut(Schema):
    value: str | float | None
    inputs: dict[str, str | float]
    not_applicable: bool | None = Field(description="null: as the unit declared.")
    reason: str
    appraised_at: dt.datetime | None
    round: int | None


class LeafValueOut(Schema):
    leaf_code: str
    name: str
    field_code: str
    block: str = Field(description="main, bonus or penalty")
    rule_type: str
    max_points: float
    options: list[str] = Field(description="Option labels (options leaves).")
    input_names: list[str] = Field(description="Declared inputs (formula leaves).")
    required: bool
    value: str | float | None = Field(
        description="Points (manual), option label (options), ratio 0–1 (bands, linear, "
        "survey), count (deduction); null if none."
    )
    inputs: dict[str, str | float] = Field(description="Formula inputs.")
    not_applicable: bool
    explanation: str
    filled: bool
    updated_at: dt.datetime | None
    updated_by: str | None
    appraised: AppraisedOut | None = Field(
        description="The appraisal of this leaf, for appraisers and campaign administrators, "
        "and for the unit once the campaign has results; null otherwise."
    )


class UnitValues(Schema):
    campaign_id: int
    unit_code: str
    assessment_status: str
    editable: bool = Field(description="The caller may change the self-assessment now.")
    refusal: str | None = Field(description="Why the self-assessment cannot change now.")
    values: list[LeafValueOut]


class _Input(BaseModel):
    # Plain pydantic (not ninja's Schema, which reads attributes of anything it is given):
    # the body must be a JSON object, and an unknown key is an error, so that a typo
    # ("explaination") cannot silently empty a field.
    model_config = ConfigDict(extra="forbid")


class ValueIn(_Input):
    value: Text | float | None = Field(
        None,
        description="As stored: points (manual), option label (options), ratio 0–1 "
        "(bands, linear), count (deduction). Not for formula leaves.",
    )
    inputs: dict[Text, Text | float | None] | None = Field(
        None, description="Formula leaves: one number per declared input."
    )
    not_applicable: bool = False
    explanation: Text = Field("", max_length=20000)


class BatchItem(ValueIn):
    leaf_code: Text = Field(min_length=1, max_length=32)


class BatchIn(_Input):
    values: list[BatchItem] = Field(min_length=1, max_length=2000)


class Saved(Schema):
    saved: list[LeafValueOut]


class Me(Schema):
    username: str
    full_name: str
    authenticated_by: str = Field(description="token or session")
    token_name: str | None
    roles: list[dict[str, Any]]


CampaignDetail.model_rebuild()
NodeOut.model_rebuild()
