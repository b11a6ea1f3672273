"""Benchmark: survey estimates for 40,000 respondents × 150 questions, 100 units
(target: `parindex.survey.estimate` under 5 s on 2 cores).

The synthetic survey is a stratified cluster design: 100 units (districts) × 2 strata ×
5 PSUs (villages) × 20 respondents, 150 questions on a 5-point scale with ~8 % blanks,
10 elements of 15 questions and two parts. Prints the time of `estimate` (estimates, SEs,
intervals and deff for every unit × element/part/overall), its peak Python memory, and —
in the same run, as the comparison — the time of a straightforward implementation that
loops over units with pandas groupby/apply, checking that both agree.

    python benchmarks/bench_survey.py [--respondents 40000] [--questions 150] [--units 100]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from parindex.survey.estimate import ALL, estimate, parse_design, respondent_scores


def build(n: int, n_questions: int, n_units: int, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    per_unit = n // n_units
    unit = np.repeat(np.arange(n_units), per_unit)
    within = np.tile(np.arange(per_unit), n_units)
    stratum_in_unit = within * 2 // per_unit  # 2 strata per unit
    psu_in_unit = within * 10 // per_unit  # 10 PSUs per unit, 5 per stratum
    unit_effect = rng.normal(0, 0.4, n_units)[unit]
    psu_effect = rng.normal(0, 0.3, n_units * 10)[unit * 10 + psu_in_unit]
    latent = 3.6 + unit_effect + psu_effect
    answers = np.clip(np.rint(latent[:, None] + rng.normal(0, 1.0, (len(unit), n_questions))), 1, 5)
    answers[rng.random(answers.shape) < 0.08] = np.nan
    frame = pd.DataFrame(answers, columns=[f"q{j + 1:03d}" for j in range(n_questions)])
    frame.insert(0, "unit_code", [f"U{u:03d}" for u in unit])
    frame.insert(
        1, "stratum", [f"U{u:03d}-{s}" for u, s in zip(unit, stratum_in_unit, strict=True)]
    )
    frame.insert(2, "psu", psu_in_unit)
    frame.insert(3, "weight", rng.uniform(50, 150, len(unit)))
    n_elements = 10
    size = n_questions // n_elements
    elements = {
        f"e{k + 1:02d}": [f"q{j + 1:03d}" for j in range(k * size, (k + 1) * size)]
        for k in range(n_elements)
    }
    design = {
        "columns": {"stratum": "stratum", "psu": "psu", "weight": "weight", "unit": "unit_code"},
        "satisfied": [4, 5],
        "elements": elements,
        "parts": {"policy": list(elements)[:4], "service": list(elements)[4:]},
        "lonely_psu": "error",
    }
    return frame, design


def straightforward(frame: pd.DataFrame, design: dict) -> pd.DataFrame:
    """Per-unit loop with pandas groupby/apply: the plain way to write the same estimator."""
    d = parse_design(design)
    scores = respondent_scores(frame, d)
    data = pd.concat([frame[["unit_code", "stratum", "psu", "weight"]], scores], axis=1)
    n_h = data.groupby("stratum")["psu"].nunique()
    rows = []
    domains = [(u, data["unit_code"] == u) for u in sorted(data["unit_code"].unique())]
    domains.append((ALL, pd.Series(True, index=data.index)))
    for unit, mask in domains:
        for name in d.names:
            inside = mask & data[name].notna()
            sub = data[inside]
            wsum = sub["weight"].sum()
            r = (sub["weight"] * sub[name]).sum() / wsum
            z = pd.Series(0.0, index=data.index)
            z[inside] = sub["weight"] * (sub[name] - r) / wsum
            totals = z.groupby([data["stratum"], data["psu"]]).sum()

            def stratum_var(t: pd.Series) -> float:
                k = n_h[t.name]
                return k / (k - 1) * ((t - t.mean()) ** 2).sum()

            var = totals.groupby(level=0).apply(stratum_var).sum()
            rows.append((unit, name, 100 * r, 100 * np.sqrt(var), int(inside.sum())))
    return pd.DataFrame(rows, columns=["unit_code", "element", "estimate_pct", "se_pct", "n"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=40_000)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument(
        "--numbers",
        action="store_true",
        help="answers as numbers (default: as text, the way a CSV is read)",
    )
    args = parser.parse_args()

    frame, design = build(args.respondents, args.questions, args.units)
    if not args.numbers:
        for col in [c for c in frame.columns if c.startswith("q")]:
            frame[col] = frame[col].map(lambda v: "" if v != v else str(int(v)))
    print(
        f"{len(frame):,} respondents × {args.questions} questions, "
        f"{frame['unit_code'].nunique()} units, {frame['stratum'].nunique()} strata, "
        f"{frame.groupby(['stratum', 'psu']).ngroups} PSUs"
    )
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = estimate(frame, design)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    estimate(frame, design)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"estimate: best {min(times):.2f} s of {args.repeat} ({len(result)} rows); "
        f"peak memory allocated by estimate {peak / 2**20:.0f} MiB "
        f"(process max RSS {rss:.0f} MiB, data included)"
    )
    if args.skip_naive:
        return
    start = time.perf_counter()
    naive = straightforward(frame, design)
    naive_time = time.perf_counter() - start
    merged = result.merge(naive, on=["unit_code", "element"], suffixes=("", "_naive"))
    assert len(merged) == len(result) == len(naive)
    est_gap = np.nanmax(np.abs(merged["estimate_pct"] - merged["estimate_pct_naive"]))
    se_gap = np.nanmax(np.abs(merged["se_pct"] - merged["se_pct_naive"]))
    assert est_gap < 1e-9 and se_gap < 1e-9, (est_gap, se_gap)
    assert (merged["n"] == merged["n_naive"]).all()
    print(
        f"straightforward per-unit groupby/apply: {naive_time:.2f} s "
        f"({naive_time / min(times):.0f}× slower); results agree "
        f"(max gap: estimate {est_gap:.1e}, SE {se_gap:.1e} points)"
    )


if __name__ == "__main__":
    main()
