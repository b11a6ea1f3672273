"""POST /api/dossiers/batch: one-stop-shop systems send dossier records (national names).

Added to the site's API with `api.add_router("/dossiers", ...)` (web/api/api.py), so it
has the same authentication (API token or session with CSRF) and error shapes.

Body: a JSON list of records (objects with the national field names: MaHoSo, MaDonVi,
MaTTHC, NgayTiepNhan, NgayHenTra, TrangThaiHoSo, …; see `parindex.dossiers.ingest`).
Every record is checked with `validate_records`; a record is also rejected when its unit
(MaDonVi, else the unit part of MaHoSo) is unknown or not covered by the caller's
`parindex.submit_dossiers` (campaign_admin on the unit, or sysadmin). The other records
are stored in the web database and the Parquet store, in one transaction
(`writing.save_records`: idempotent by MaHoSo, re-sending updates; the batch is logged as
a `DossierBatch`). Answer: ``{"inserted", "updated", "rejected", "errors": [{"position",
"dossier_code", "field", "message"}]}`` — inserted/updated as counted in the database;
`position` is the 0-based place of the record in the list. 503 when the store is busy
(another import writing): nothing is stored, the caller sends the batch again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema

from parindex.dossiers import validate_records
from parindex.dossiers.store import StoreError
from parindex.errors import InputError
from parindex.web.accounts.rules import has_role
from parindex.web.api.access import ApiError
from parindex.web.dossiers import writing
from parindex.web.dossiers.models import DossierBatch
from parindex.web.dossiers.rules import SUBMIT_DOSSIER_ROLES
from parindex.web.units.models import Unit, today

PERM = "parindex.submit_dossiers"
MAX_RECORDS = 50_000

router = Router(tags=["dossiers"])


class RecordError(Schema):
    position: int
    dossier_code: str
    field: str
    message: str


class BatchResult(Schema):
    inserted: int
    updated: int
    rejected: int
    errors: list[RecordError]


class Detail(Schema):
    detail: str


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _unit_of(record: pd.Series) -> str:
    code = str(record["unit_code"] or "").strip()
    return code


@router.post(
    "/batch",
    response={200: BatchResult, 400: Detail, 401: Detail, 403: Detail, 503: Detail},
    url_name="dossiers_batch",
)
def post_batch(request: HttpRequest, records: list[dict[str, Any]] = Body(...)):  # noqa: B008
    """Store a batch of dossier records; bad ones are reported, the rest stored."""
    user = request.auth
    if not has_role(user, SUBMIT_DOSSIER_ROLES):
        raise ApiError(403, _("Your roles do not allow submitting dossiers."))
    if len(records) > MAX_RECORDS:
        raise ApiError(400, _("At most %(n)d records per batch.") % {"n": MAX_RECORDS})
    errors: list[dict[str, Any]] = []
    rows: list[dict[str, str]] = []
    positions: list[int] = []
    for i, record in enumerate(records):
        rows.append({str(k): _cell(v) for k, v in record.items()})
        positions.append(i)

    def code_of(i: int) -> str:
        rec = records[i]
        for key in ("MaHoSo", "mahoso", "dossier_code"):
            if key in rec and rec[key] is not None:
                return str(rec[key])
        return ""

    if not rows:
        return {"inserted": 0, "updated": 0, "rejected": 0, "errors": []}
    frame = pd.DataFrame(rows).fillna("")
    try:
        valid, problems = validate_records(
            frame, "batch", first_row=0, row_label="record", dedupe=False
        )
    except InputError as exc:
        message = "; ".join(f"{p.field}: {p.message}" for p in exc.problems)
        errors = [
            {"position": i, "dossier_code": code_of(i), "field": "", "message": message}
            for i in range(len(rows))
        ]
        return {"inserted": 0, "updated": 0, "rejected": len(rows), "errors": errors}
    bad = set()
    for p in problems:
        bad.add(p.position)
        errors.append(
            {
                "position": p.position,
                "dossier_code": code_of(p.position),
                "field": p.field,
                "message": p.message,
            }
        )
    kept = [i for i in range(len(rows)) if i not in bad]  # the rows of `valid`, in order
    valid = valid.reset_index(drop=True)
    codes = {c for c in valid["unit_code"].astype(str).str.strip() if c}
    units = {u.code: u for u in Unit.objects.in_force(today()).filter(code__in=codes)}
    allowed = {c: user.has_perm(PERM, u) for c, u in units.items()}
    keep = []
    for k, i in enumerate(kept):
        code = _unit_of(valid.iloc[k])
        if code not in units:
            message = _("Unknown unit %(code)s.") % {"code": code or "—"}
        elif not allowed[code]:
            message = _("You may not submit dossiers of unit %(code)s.") % {"code": code}
        else:
            keep.append(k)
            continue
        errors.append(
            {"position": i, "dossier_code": code_of(i), "field": "MaDonVi", "message": message}
        )
    errors.sort(key=lambda e: (e["position"], e["field"]))
    rejected = len({e["position"] for e in errors})
    kept = valid.iloc[keep].reset_index(drop=True)
    try:
        counts = writing.save_records(
            kept,
            via=DossierBatch.Via.API,
            source="POST /api/dossiers/batch",
            user=user,
            received=len(records),
            rejected=rejected,
        )
    except StoreError as exc:
        raise ApiError(503, _("The dossier store is busy; try again.")) from exc
    return {
        "inserted": counts.inserted,
        "updated": counts.updated,
        "rejected": rejected,
        "errors": errors,
    }
