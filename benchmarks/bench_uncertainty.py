"""Benchmark: rank uncertainty, 10,000 runs × 1,000 units × 8 fields (target: under 10 s
on 2 cores).

Prints the time and the peak memory (tracemalloc: what numpy allocates) of
`parindex.analysis.uncertainty.rank_uncertainty` with the weights perturbed ±20 %, then
the same with survey uncertainty on two fields and the alternative aggregation switched
on; and, in the same process as the comparison, the straightforward implementation — a
Python loop over runs computing each run's index with pandas and ranking it with
`Series.rank(method="min")` per peer group — on fewer runs, extrapolated to the full
number, after checking that both give the same rank percentiles on those runs.

    python benchmarks/bench_uncertainty.py [--runs 10000] [--units 1000] [--fields 8]
                                           [--loop-runs 300] [--groups 1]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from parindex.analysis.uncertainty import rank_uncertainty, simulated_weights

FIELD_MAX_2017 = [10, 10, 14.5, 11, 16, 7, 16, 15.5]  # the 8 fields of 2948/QĐ-BNV


def build_results(n_units: int, n_fields: int, n_groups: int, seed: int = 1):
    """An R.csv-like table: field indices around 80 %, index = their weighted mean."""
    rng = np.random.default_rng(seed)
    maxima = (FIELD_MAX_2017 * (n_fields // 8 + 1))[:n_fields]
    field_max = {str(i + 1): float(m) for i, m in enumerate(maxima)}
    w0 = np.array(maxima, dtype=float)
    pct = np.clip(rng.normal(82, 9, (n_units, n_fields)), 0, 100)
    frame = pd.DataFrame(
        {
            "unit_code": [f"X{i:05d}" for i in range(n_units)],
            "unit_name": [f"Xã {i}" for i in range(n_units)],
            "peer_group": [f"Nhóm {i % n_groups}" for i in range(n_units)],
            "index_pct": pct @ w0 / w0.sum(),
            **{f"field_{c}_pct": pct[:, i] for i, c in enumerate(field_max)},
        }
    )
    return frame, field_max


def survey_table(frame: pd.DataFrame, field_codes: list[str]) -> pd.DataFrame:
    """One survey estimate per unit feeding the last two fields (as SIPAS feeds field 8)."""
    codes = frame["unit_code"].to_numpy()
    rows = []
    for field in field_codes[-2:]:
        rows.append(pd.DataFrame({"unit_code": codes, "field_code": field,
                                  "sd_points": 0.4, "source": "sipas"}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def loop_reference(frame: pd.DataFrame, field_max: dict[str, float], runs: int, seed: int):
    """The straightforward way: per run, the index with pandas, then a grouped rank."""
    weights = simulated_weights(field_max, runs, 0.2, seed).to_numpy()
    pct = frame[[f"field_{c}_pct" for c in field_max]]
    groups = frame["peer_group"]
    ranks = []
    for w in weights:
        index = (pct * w).sum(axis=1) / w.sum()
        snapped = (index / 1e-9).round() * 1e-9
        ranks.append(snapped.groupby(groups).rank(method="min", ascending=False).to_numpy())
    return np.array(ranks)


def timed(label: str, func):
    tracemalloc.start()
    start = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<58} {elapsed:8.2f} s   peak {peak / 2**20:7.1f} MiB")
    return value, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--fields", type=int, default=8)
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--loop-runs", type=int, default=300)
    args = parser.parse_args()

    frame, field_max = build_results(args.units, args.fields, args.groups)
    print(f"{args.runs:,} runs × {args.units:,} units × {args.fields} fields, "
          f"{args.groups} peer group(s)")  # fmt: skip

    result, fast = timed(
        "rank_uncertainty (weights ±20 %)",
        lambda: rank_uncertainty(frame, field_max, runs=args.runs, seed=1),
    )
    timed(
        "rank_uncertainty (+ survey on 2 fields, + aggregation)",
        lambda: rank_uncertainty(
            frame, field_max, runs=args.runs, seed=1,
            survey_sd=survey_table(frame, list(field_max)), alternative_aggregation=True,
        ),
    )  # fmt: skip

    small = args.loop_runs
    reference, slow = timed(
        f"pandas loop over {small:,} runs",
        lambda: loop_reference(frame, field_max, small, seed=1),
    )
    check = rank_uncertainty(frame, field_max, runs=small, seed=1).table.set_index("unit_code")
    check = check.loc[frame["unit_code"]]
    for q, col in ((5, "rank_p05"), (50, "median_rank"), (95, "rank_p95")):
        expected = np.percentile(reference, q, axis=0, method="inverted_cdf")
        assert (check[col].to_numpy() == expected).all(), f"{col} differs from the loop"
    print(f"  same percentiles as rank_uncertainty on those {small:,} runs: yes")
    extrapolated = slow / small * args.runs
    print(f"pandas loop extrapolated to {args.runs:,} runs: {extrapolated:8.1f} s "
          f"→ rank_uncertainty is {extrapolated / fast:,.0f}× faster")  # fmt: skip
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    marked = int(result.table["indistinguishable"].sum())
    print(f"{marked:,} of {len(result.table):,} units indistinguishable from a neighbour; "
          f"median width of the 5–95 % interval: "
          f"{float((result.table['rank_p95'] - result.table['rank_p05']).median()):.0f} places")  # fmt: skip
    target = 10.0
    status = "OK" if fast < target else "SLOWER THAN TARGET"
    print(f"target < {target:.0f} s for the weights case: {status}")


if __name__ == "__main__":
    main()
