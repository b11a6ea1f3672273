"""Benchmark: all dossier metrics, all units, one year, from Parquet (DuckDB), with the
time and peak memory (RSS) of each run, and — in the same run, as the comparison — a
straightforward pandas implementation on the same files (checked to agree).

    python benchmarks/bench_service_index.py [--sizes 1e6,1e7] [--data /tmp/parindex-bench]
                                             [--threads 2] [--memory-limit 3GB]

Targets at 100 M dossiers (``--sizes 1e6,1e7,1e8``): under 20 s and under 4 GB on 2 cores.
The DuckDB time is the best of ``--repeat`` runs (the files are then in the OS cache).
Data sets are generated once by `gen_dossiers.py` under ``--data`` and re-used. Each
measurement runs in a fresh process so its peak RSS is its own. pandas is run up to
``--pandas-max`` records (default 1e7): beyond, it needs more memory than the target.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

YEAR = 2026
METRICS = [
    "dossier_on_time",
    "avg_processing_days",
    "online_dossier_share",
    "payment_dossier_online",
    "result_electronic",
    "dossier_digitized",
    "digitized_data_reused",
    "digitized_data_shared",
    "citizen_data_dossier",
    "dossier_sync",
    "dossier_satisfaction",
]


def peak_rss_mb() -> float:
    """Peak RSS of this process: VmHWM (reset by exec, so a spawned child does not inherit
    its parent's high-water mark as ru_maxrss does), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def ensure_data(root: Path, n: int) -> Path:
    from gen_dossiers import generate

    out = root / f"n{n}"
    meta = out / "meta.json"
    if meta.exists() and json.loads(meta.read_text()).get("n") == n:
        return out
    info = generate(n, out, year=YEAR)
    size = sum(p.stat().st_size for p in out.glob("dossiers-*.parquet"))
    meta.write_text(json.dumps({"n": n, "seconds": info["seconds"], "bytes": size}))
    print(f"  generated {n:,} dossiers in {info['seconds']:.1f} s ({size / 1e9:.2f} GB) → {out}")
    return out


# -- the product: DuckDB over Parquet ----------------------------------------------------------


def run_duckdb(data: str, threads: int, memory_limit: str, queue) -> None:
    from parindex.commands.tableio import read_table
    from parindex.dossiers.compute import compute_metrics
    from parindex.dossiers.procedures import procedures_from_frame

    t0 = time.perf_counter()
    procs = procedures_from_frame(read_table(Path(data) / "procedures.csv"))
    counts = compute_metrics(data, procs, YEAR, threads=threads, memory_limit=memory_limit)
    seconds = time.perf_counter() - t0
    queue.put((seconds, peak_rss_mb(), counts[["unit_code", "metric", "numerator", "denominator"]]))


# -- the comparison: straightforward pandas --------------------------------------------------


def run_pandas(data: str, queue) -> None:
    t0 = time.perf_counter()
    files = sorted(Path(data).glob("dossiers-*.parquet"))
    cols = [
        "unit_code", "procedure_code", "status", "channel", "received_at", "due_at",
        "original_due_at", "processed_at", "returned_at", "supplement_requested_at",
        "supplement_completed_at", "supplement_count", "paid_online", "has_fee", "fee_amount",
        "result_electronic", "digitized", "reused_data", "shared_data", "citizen_data", "synced",
        "complaint",
    ]  # fmt: skip
    df = pd.concat([pd.read_parquet(f, columns=cols) for f in files], ignore_index=True)
    procs = pd.read_csv(Path(data) / "procedures.csv", dtype={"code": str})
    start, cut = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR + 1}-01-01")
    df = df[df.received_at.notna() & ~df.status.isin([1, 3]) & (df.received_at < cut)]
    df = df.merge(
        procs[["code", "has_fee", "paper_result", "result_document"]].rename(
            columns={"code": "procedure_code", "has_fee": "p_fee"}
        ),
        on="procedure_code",
        how="left",
    )
    fin = df[["processed_at", "returned_at"]].min(axis=1)
    finished = fin.notna() & (fin < cut)
    eff = fin.where(finished, cut)
    sreq, sdone = df.supplement_requested_at, df.supplement_completed_at
    waiting = sreq.notna() & (sreq < eff)
    stop = sdone.where(sdone.notna() & (sdone < eff), eff)
    wait = (stop - sreq).where(waiting, pd.Timedelta(0))
    due = df.original_due_at.fillna(df.due_at)
    supp_over = df.supplement_count > 1
    on_time = ~supp_over & due.notna() & (eff - wait <= due)
    handled = ~finished | (fin >= start)
    recv_in = df.received_at >= start
    done_in = finished & (fin >= start) & df.status.isin([9, 10])
    eres = df.result_electronic.fillna(False).astype(bool)
    fee = df.has_fee.astype("boolean")
    fee = fee.fillna(df.fee_amount.gt(0).where(df.fee_amount.notna())).fillna(
        df.p_fee.fillna(False)
    )
    fee = fee.astype(bool)
    paid = df.paid_online.isin([1, 2])
    paper = df.paper_result.fillna(False).astype(bool)
    result_doc = df.result_document.fillna(True).astype(bool)
    days = (fin - df.received_at - wait).dt.total_seconds() / 86400
    f = pd.DataFrame(
        {
            "unit_code": df.unit_code,
            "handled": handled,
            "on_time": handled & on_time,
            "complained": handled & df.complaint.fillna(False).astype(bool),
            "recv": recv_in,
            "online": recv_in & (df.channel == 2) & (~paper | eres),
            "fee_den": recv_in & fee,
            "fee_num": recv_in & fee & paid,
            "done": done_in,
            "days": days.where(done_in, 0.0),
            "res_den": done_in & result_doc,
            "res_num": done_in & result_doc & eres,
            **{
                k: recv_in & df[k].fillna(False).astype(bool)
                for k in ("digitized", "reused_data", "shared_data", "citizen_data", "synced")
            },
        }
    )
    g = f.groupby("unit_code").sum()
    overdue = g.handled - g.on_time
    pairs = {
        "dossier_on_time": (g.on_time, g.handled),
        "avg_processing_days": (np.rint(g.days), g.done),
        "online_dossier_share": (g.online, g.recv),
        "payment_dossier_online": (g.fee_num, g.fee_den),
        "result_electronic": (g.res_num, g.res_den),
        "dossier_digitized": (g.digitized, g.recv),
        "digitized_data_reused": (g.reused_data, g.recv),
        "digitized_data_shared": (g.shared_data, g.recv),
        "citizen_data_dossier": (g.citizen_data, g.recv),
        "dossier_sync": (g.synced, g.recv),
        "dossier_satisfaction": ((g.handled - overdue - g.complained).clip(lower=0), g.handled),
    }
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "unit_code": g.index,
                    "metric": m,
                    "numerator": num.to_numpy(),
                    "denominator": den.to_numpy(),
                }
            )
            for m, (num, den) in pairs.items()
        ],
        ignore_index=True,
    )
    seconds = time.perf_counter() - t0
    queue.put((seconds, peak_rss_mb(), out))


def measure(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def same_counts(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    key = ["unit_code", "metric"]
    a = a[a.metric.isin(METRICS)].astype({"numerator": "int64", "denominator": "int64"})
    b = b.astype({"numerator": "int64", "denominator": "int64"})
    merged = a.merge(b, on=key, how="outer", suffixes=("_duck", "_pandas"), indicator=True)
    return bool(
        (merged["_merge"] == "both").all()
        and (merged.numerator_duck == merged.numerator_pandas).all()
        and (merged.denominator_duck == merged.denominator_pandas).all()
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--data", type=Path, default=Path("/tmp/parindex-bench"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="3GB")
    ap.add_argument("--pandas-max", type=float, default=1e7)
    ap.add_argument("--repeat", type=int, default=2, help="DuckDB runs per size (best time)")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(
        f"{datetime.now():%Y-%m-%d %H:%M} — DuckDB threads={args.threads}, "
        f"memory_limit={args.memory_limit}; year {YEAR}, all units, {len(METRICS)} metrics; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    rows = []
    for n in sizes:
        print(f"{n:,} dossiers")
        data = ensure_data(args.data, n)
        runs = [
            measure(run_duckdb, str(data), args.threads, args.memory_limit)
            for _ in range(args.repeat)
        ]
        secs = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        duck = runs[0][2]
        units = duck.unit_code.nunique()
        print(
            f"  duckdb : {secs:7.2f} s  peak RSS {rss:7.0f} MB  ({units} units, {len(duck)} counts)"
        )
        row = {"n": n, "duckdb_s": secs, "duckdb_rss_mb": rss}
        if n <= args.pandas_max:
            psecs, prss, pand = measure(run_pandas, str(data))
            agree = same_counts(duck, pand)
            print(
                f"  pandas : {psecs:7.2f} s  peak RSS {prss:7.0f} MB  agree={agree}  ({psecs / secs:.1f}× slower)"
            )
            row |= {"pandas_s": psecs, "pandas_rss_mb": prss, "agree": agree}
            if not agree:
                raise SystemExit("DuckDB and pandas disagree")
        rows.append(row)
    print()
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
