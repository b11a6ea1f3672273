"""Benchmark: server time of the ranking and unit-profile pages (target < 200 ms each) at
1,000 units × 100 leaves, against a naive implementation of the same pages in the same run.

    python benchmarks/bench_pages.py [--units 1000] [--leaves 100] [--requests 20] [--exports]

Creates a throw-away test database (Django's test utilities: SQLite in memory, or
`<name>_test` on the server of DATABASE_URL when it is set), two finalised campaigns of a
province (this year and last year, chained by `previous`) scored by the core
(`parindex.scoring.score`) and stored with bulk_create as UnitResult / NodeResult
(8 fields × 3 criteria × 100 leaves: 132 NodeResult rows per unit and campaign), then times
with the Django test client, signed in as a viewer of the province:

- the ranking page (every unit in one table per peer group),
- the profile of a unit (peer comparison, year over year, lost and recurring points),

first with the app's queries, then with naive replacements (a query per unit for the
ranking; model objects looped over field by field for the profile), printing the median
and 95th percentile over `--requests` requests and the number of SQL queries of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.web.settings_test")
os.environ.setdefault("PARINDEX_DATA_DIR", tempfile.mkdtemp(prefix="parindex-bench-"))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402

FIELDS, CRITERIA = 8, 3


# --- data ----------------------------------------------------------------------------------------


def framework_yaml(leaves: int) -> str:
    import yaml

    per_criterion = np.array_split(np.arange(leaves), FIELDS * CRITERIA)
    nodes, k = [], 0
    for f in range(1, FIELDS + 1):
        criteria = []
        for c in range(1, CRITERIA + 1):
            children = [
                {"code": f"{f}.{c}.{j}", "name": f"Tiêu chí thành phần {f}.{c}.{j}",
                 "max_points": 1, "method": "appraisal", "rule": {"type": "manual"}}
                for j in range(1, len(per_criterion[k]) + 1)
            ]  # fmt: skip
            k += 1
            criteria.append(
                {"code": f"{f}.{c}", "name": f"Tiêu chí {f}.{c}",
                 "max_points": len(children), "children": children}
            )  # fmt: skip
        nodes.append(
            {"code": str(f), "name": f"Lĩnh vực {f}",
             "max_points": sum(c["max_points"] for c in criteria), "children": criteria}
        )  # fmt: skip
    doc = {
        "id": "bench", "name": "Benchmark", "version": "1", "unit_kind": "commune",
        "max_points": leaves, "example": True,
        "classification": [{"label": "Tốt", "min": 85}, {"label": "Khá", "min": 70},
                           {"label": "Trung bình", "min": 50}, {"label": "Yếu", "min": 0}],
        "nodes": nodes,
    }  # fmt: skip
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def build(n_units: int, n_leaves: int):
    from parindex.framework import load_yaml_text
    from parindex.scoring import score
    from parindex.web.accounts.models import Role, RoleAssignment, User
    from parindex.web.campaigns.models import Campaign, NodeResult, UnitResult
    from parindex.web.units.models import Unit

    start = pd.Timestamp("2020-01-01").date()
    province = Unit.objects.create(code="BT", name="Tỉnh Thử", kind="province", valid_from=start)
    units = Unit.objects.bulk_create(
        Unit(code=f"X{i:04d}", name=f"Xã Thử Nghiệm {i:04d}", kind="commune", parent=province,
             peer_group="Xã" if i % 10 else "Phường", valid_from=start,
             path=f"{province.path}x{i}/", depth=1)
        for i in range(n_units)
    )  # fmt: skip
    # bulk_create skips Unit.save(): set the materialised paths of the children
    for unit in units:
        unit.path = f"{province.path}{unit.pk}/"
    Unit.objects.bulk_update(units, ["path"], batch_size=1000)

    text = framework_yaml(n_leaves)
    fw = load_yaml_text(text, "bench.yaml")
    leaves = [n.code for n in fw.leaves()]
    frame = pd.DataFrame(
        {
            "unit_code": [u.code for u in units],
            "unit_name": [u.name for u in units],
            "unit_kind": "commune",
            "peer_group": [u.peer_group for u in units],
        }
    )
    rng = np.random.default_rng(2025)
    previous_campaign = None
    previous_results = None
    for year in (2024, 2025):
        points = rng.choice([0, 0.5, 1, 1, 1, 1], size=(n_units, len(leaves)))
        inputs = pd.DataFrame(
            {
                "unit_code": np.repeat(frame["unit_code"].to_numpy(), len(leaves)),
                "criterion_code": np.tile(leaves, n_units),
                "value": points.ravel().astype(str),
            }
        )
        own = inputs.assign(track="self", value="1")
        scored = score(fw, pd.concat([inputs, own]), frame, previous_results)
        campaign = Campaign.objects.create(
            name=f"Chỉ số CCHC cấp xã {year}", year=year, root_unit=province,
            framework_id=fw.id, framework_version=fw.version, framework_name=fw.name,
            unit_kind="commune", framework_yaml=text, status=Campaign.Status.FINALISED,
            previous=previous_campaign, finalised_at=timezone.now(),
        )  # fmt: skip
        store(campaign, fw, scored, units, UnitResult, NodeResult)
        previous_campaign, previous_results = campaign, scored.results
    viewer = User.objects.create_user(username="bench.viewer", password="bench-password-1")
    RoleAssignment.objects.create(user=viewer, role=Role.VIEWER, unit=province, valid_from=start)
    return campaign, units, viewer


def store(campaign, fw, scored, units, UnitResult, NodeResult) -> None:
    """The rows services.compute_results writes (appraised track, and the self track)."""
    by_code = {u.code: u for u in units}
    now = timezone.now()
    codes = [n.code for n in fw.nodes]

    def num(x):
        return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)

    rows = []
    for row in scored.results.to_dict("records"):
        for track, prefix in (("appraised", ""), ("self", "self_")):
            rows.append(
                UnitResult(
                    campaign=campaign, unit=by_code[row["unit_code"]], unit_code=row["unit_code"],
                    unit_name=row["unit_name"], peer_group=row["peer_group"], track=track,
                    points=row[f"{prefix}points"] if prefix else row["points"],
                    max_points=row["max_points"],
                    index_pct=num(row[f"{prefix}index_pct"]),
                    rank=int(row[f"{prefix}rank"]),
                    class_label=str(row["class" if not prefix else "self_class"]),
                    fields={c: num(row[f"field_{c}_pct"]) for c in codes},
                    prev_index_pct=num(row.get("prev_index_pct")) if not prefix else None,
                    index_change=num(row.get("index_change")) if not prefix else None,
                    prev_rank=None if prefix or num(row.get("prev_rank")) is None else int(row["prev_rank"]),
                    rank_change=None if prefix or num(row.get("rank_change")) is None else int(row["rank_change"]),
                    framework_id=fw.id, framework_version=fw.version, computed_at=now,
                )
            )  # fmt: skip
    UnitResult.objects.bulk_create(rows, batch_size=2000)
    d = scored.detail
    NodeResult.objects.bulk_create(
        (
            NodeResult(
                campaign=campaign, unit=by_code[u], node_code=c, node_name=n, parent_code=p,
                depth=int(dep), is_leaf=bool(leaf), points=float(pts), max_points=float(mx),
                lost_points=float(lost), self_points=num(sp), applicable=bool(app),
            )
            for u, c, n, p, dep, leaf, pts, mx, lost, sp, app in d[
                ["unit_code", "node_code", "node_name", "parent_code", "depth", "is_leaf",
                 "points", "max_points", "lost_points", "self_points", "applicable"]
            ].itertuples(index=False, name=None)
        ),
        batch_size=5000,
    )  # fmt: skip


# --- naive versions of the pages' queries -------------------------------------------------------


def naive_ranking_rows(campaign, scope=None):
    """A query per unit: the unit through its foreign key, the field points from NodeResult."""
    from parindex.web.campaigns.models import NodeResult, UnitResult
    from parindex.web.results.queries import fold, parse_yoy_note

    rows = []
    for r in UnitResult.objects.filter(campaign=campaign, track="appraised"):
        fields = {}
        for node in NodeResult.objects.filter(campaign=campaign, unit=r.unit, depth=0):
            fields[node.node_code] = (
                node.points / node.max_points * 100 if node.max_points else None
            )
        rows.append(
            {
                "unit_id": r.unit_id, "unit_code": r.unit.code, "unit_name": r.unit.name,
                "peer_group": r.unit.peer_group, "points": r.points, "max_points": r.max_points,
                "index_pct": r.index_pct, "rank": r.rank, "class_label": r.class_label,
                "fields": fields, "bonus_points": r.bonus_points, "penalty_points": r.penalty_points,
                "prev_index_pct": r.prev_index_pct, "index_change": r.index_change,
                "prev_rank": r.prev_rank, "rank_change": r.rank_change, "yoy_note": r.yoy_note,
                "yoy": parse_yoy_note(r.yoy_note),
                "places": None if r.rank_change is None else abs(r.rank_change),
                "_name": fold(r.unit.name), "_code": fold(r.unit.code),
            }
        )  # fmt: skip
    return rows


def naive_field_profile(campaign, result, fields):
    """Loop over NodeResult objects field by field for the peer average and best."""
    from parindex.web.campaigns.models import NodeResult, UnitResult

    peers = list(
        UnitResult.objects.filter(
            campaign=campaign, track="appraised", peer_group=result["peer_group"]
        )
    )
    out = []
    for f in fields:
        values = {}
        for node in NodeResult.objects.filter(campaign=campaign, node_code=f.code):
            if node.unit.peer_group == result["peer_group"]:
                values[node.unit_id] = (
                    node.points / node.max_points * 100 if node.max_points else None
                )
        present = [v for v in values.values() if v is not None]
        average = sum(present) / len(present) if present else None
        best = max(present) if present else None
        mine = values.get(result["unit_id"])
        out.append(
            {
                "code": f.code, "name": f.name, "value": mine, "average": average, "best": best,
                "best_units": [NodeResult.objects.filter(unit_id=uid).first().unit.name
                               for uid, v in values.items() if v is not None and v >= best - 1e-9],
                "gap_to_average": None if mine is None else mine - average,
                "gap_to_best": None if mine is None else mine - best,
                "label": "",
            }
        )  # fmt: skip
    return out, len(peers)


def naive_unit_nodes(campaign, unit):
    """The unit's nodes field by field, as model objects."""
    from parindex.web.campaigns.models import NodeResult
    from parindex.web.results.queries import NODE_COLUMNS

    out = []
    for field in NodeResult.objects.filter(campaign=campaign, unit=unit, depth=0).order_by("id"):
        for node in NodeResult.objects.filter(campaign=campaign, unit=unit).order_by("id"):
            if node.node_code == field.node_code or node.node_code.startswith(
                field.node_code + "."
            ):
                out.append({c: getattr(node, c) for c in NODE_COLUMNS})
    return out


# --- timing --------------------------------------------------------------------------------------


def measure(client: Client, url: str, n: int) -> tuple[list[float], int, int]:
    for _ in range(2):  # warm up: templates, framework parse cache, session
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return times, len(queries.captured_queries), len(response.content)


def report(label: str, times: list[float], queries: int, size: int) -> float:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    median = statistics.median(ordered)
    print(
        f"  {label:<34} median {median:8.1f} ms   p95 {p95:8.1f} ms   "
        f"{queries:5d} queries   {size / 1024:7.0f} KiB"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--leaves", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--naive-requests", type=int, default=5)
    parser.add_argument("--exports", action="store_true", help="also time Excel/PDF exports")
    args = parser.parse_args()

    from parindex.web.results import queries

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t0 = time.perf_counter()
        campaign, units, viewer = build(args.units, args.leaves)
        from parindex.web.campaigns.models import NodeResult, UnitResult

        print(
            f"{connection.vendor}: {args.units} units × {args.leaves} leaves, 2 campaigns: "
            f"{UnitResult.objects.count()} UnitResult, {NodeResult.objects.count()} NodeResult "
            f"rows in {time.perf_counter() - t0:.1f} s"
        )
        client = Client()
        client.force_login(viewer)
        unit = units[len(units) // 2]
        ranking = f"/rankings/{campaign.pk}/"
        profile = f"/rankings/{campaign.pk}/units/{unit.pk}/"
        public = f"/results/{campaign.pk}/units/{unit.pk}/"
        print(f"app ({args.requests} requests each):")
        fast = {
            "ranking": report("ranking (all units)", *measure(client, ranking, args.requests)),
            "profile": report("unit profile", *measure(client, profile, args.requests)),
        }
        report(
            "ranking, one peer group (htmx)",
            *measure(client, ranking + "?group=Phường", args.requests),
        )
        report("ranking sorted by field 3", *measure(client, ranking + "?sort=-f.3", args.requests))
        from parindex.web.campaigns.models import Campaign

        Campaign.objects.filter(pk__in=[campaign.pk, campaign.previous_id]).update(
            status=Campaign.Status.PUBLISHED
        )
        report("public profile (anonymous)", *measure(Client(), public, args.requests))
        Campaign.objects.filter(pk__in=[campaign.pk, campaign.previous_id]).update(
            status=Campaign.Status.FINALISED
        )

        print(f"naive ({args.naive_requests} requests each):")
        saved = (queries.ranking_rows, queries.field_profile, queries.unit_nodes)
        queries.ranking_rows = naive_ranking_rows
        queries.field_profile = naive_field_profile
        queries.unit_nodes = naive_unit_nodes
        try:
            slow = {
                "ranking": report(
                    "ranking (all units)", *measure(client, ranking, args.naive_requests)
                ),
                "profile": report("unit profile", *measure(client, profile, args.naive_requests)),
            }
        finally:
            queries.ranking_rows, queries.field_profile, queries.unit_nodes = saved
        for page in ("ranking", "profile"):
            print(f"  {page}: app is {slow[page] / fast[page]:.0f}× faster than the naive version")
        if args.exports:
            print("exports (3 requests each):")
            report("ranking.xlsx", *measure(client, ranking + "ranking.xlsx", 3))
            report("score-sheet.xlsx", *measure(client, profile + "score-sheet.xlsx", 3))
            report("score-sheet.pdf", *measure(client, profile + "score-sheet.pdf", 3))
            report(
                "ranking.pdf (one group)", *measure(client, ranking + "ranking.pdf?group=Phường", 1)
            )
        target = 200.0
        ok = fast["ranking"] < target and fast["profile"] < target
        print(f"target < {target:.0f} ms (median): {'met' if ok else 'NOT met'}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        data_dir = Path(os.environ["PARINDEX_DATA_DIR"])
        if data_dir.name.startswith("parindex-bench-"):
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
