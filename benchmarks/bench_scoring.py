"""Benchmark: score 10,000 units × 100 leaves × 2 tracks (target: under 1 s on 2 cores).

Prints the time of `parindex.scoring.score` on a long inputs table of strings (as read
from a CSV), the peak memory it allocates, and — in the same run, as the comparison —
the time of a straightforward per-unit Python loop computing the same totals (and checks
that both agree).

    python benchmarks/bench_scoring.py [--units 10000] [--leaves 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from parindex.framework.model import Band, Framework, Node
from parindex.scoring import score

RULES = [
    {"type": "manual", "step": 0.25},
    {"type": "bands", "bands": [{"min": 1.0, "share": 1}, {"min": 0.95, "share": 0.5}]},
    {"type": "linear", "target": 0.8},
    {"type": "deduction", "per": 0.25},
    {"type": "survey"},
    {
        "type": "options",
        "options": [{"label": "Đạt", "share": 1}, {"label": "Chưa đạt", "share": 0}],
    },
]


def build_framework(n_leaves: int) -> Framework:
    per_field = 10
    fields = []
    for f in range(n_leaves // per_field):
        children = []
        for j in range(per_field):
            rule = RULES[(f * per_field + j) % len(RULES)]
            method = "survey" if rule["type"] == "survey" else "appraisal"
            children.append(
                Node(f"{f + 1}.{j + 1}", f"TC {f + 1}.{j + 1}", 1, method=method, rule=rule)
            )
        fields.append(Node(str(f + 1), f"Lĩnh vực {f + 1}", per_field, children=children))
    return Framework(
        id="bench",
        name="bench",
        version="1",
        unit_kind="commune",
        max_points=n_leaves,
        nodes=fields,
        classification=[Band("A", 90), Band("B", 80), Band("C", 0)],
    )


def build_inputs(fw: Framework, n_units: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    leaves = fw.leaves()
    frames = []
    for track in ("appraised", "self"):
        for leaf in leaves:
            kind = leaf.rule_type
            if track == "self" and kind == "survey":
                continue
            if kind == "manual":
                values = (rng.integers(0, 5, n_units) * 0.25).astype(str)
            elif kind == "deduction":
                values = rng.integers(0, 4, n_units).astype(str)
            elif kind == "options":
                values = rng.choice(["Đạt", "Chưa đạt"], n_units)
            else:
                values = np.round(rng.uniform(0.7, 1.0, n_units), 4).astype(str)
            frames.append(
                pd.DataFrame(
                    {
                        "unit_code": [f"U{i:05d}" for i in range(n_units)],
                        "criterion_code": leaf.code,
                        "value": values,
                        "track": track,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def python_loop_totals(fw: Framework, inputs: pd.DataFrame) -> dict[str, float]:
    """The straightforward way: a dict per unit, a loop over its leaves, rules in Python."""
    leaves = {n.code: n for n in fw.leaves()}
    values: dict[str, dict[str, str]] = {}
    for unit, crit, value, track in inputs[
        ["unit_code", "criterion_code", "value", "track"]
    ].itertuples(index=False):
        if track == "appraised":
            values.setdefault(unit, {})[crit] = value
    totals = {}
    for unit, by_leaf in values.items():
        total = 0.0
        for code, node in leaves.items():
            raw = by_leaf.get(code)
            if raw is None:
                continue
            m = node.max_points
            rule = node.rule
            kind = rule["type"]
            if kind == "options":
                pts = next(o["share"] * m for o in rule["options"] if o["label"] == raw)
            else:
                v = float(raw)
                if kind == "manual":
                    pts = v
                elif kind == "bands":
                    pts = 0.0
                    for band in sorted(rule["bands"], key=lambda b: -b["min"]):
                        if v >= band["min"]:
                            pts = band["share"] * m
                            break
                elif kind == "linear":
                    pts = m * min(1.0, v / rule["target"])
                elif kind == "deduction":
                    pts = max(0.0, m - rule["per"] * v)
                else:
                    pts = m * v
            total += min(max(pts, 0.0), m)
        totals[unit] = total
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--leaves", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    fw = build_framework(args.leaves)
    inputs = build_inputs(fw, args.units)
    print(f"inputs: {args.units:,} units × {args.leaves} leaves × 2 tracks = {len(inputs):,} rows")

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = score(fw, inputs)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(
        f"parindex.scoring.score: best {best:.3f} s of {args.repeat} (all: {', '.join(f'{t:.3f}' for t in times)})"
    )
    print(f"  target < 1 s: {'met' if best < 1 else 'NOT met'}")

    tracemalloc.start()
    score(fw, inputs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory allocated while scoring: {peak / 2**20:.0f} MiB")

    start = time.perf_counter()
    loop = python_loop_totals(fw, inputs)
    loop_time = time.perf_counter() - start
    print(f"straightforward per-unit Python loop (appraised track only): {loop_time:.3f} s")
    print(f"  speed-up: {loop_time / best:.1f}× (the loop does half the work: one track)")

    ours = result.results.set_index("unit_code")["points"]
    diff = max(abs(ours[u] - t) for u, t in loop.items())
    print(f"  largest difference between the two totals: {diff:.2e}")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if diff > 1e-6:
        raise SystemExit("the two computations disagree")


if __name__ == "__main__":
    main()
