"""Generate realistic synthetic dossier records at any size, as Parquet, in chunks.

    python benchmarks/gen_dossiers.py --n 1000000 --out /tmp/dossiers-1m [--year 2026]

Writes ``OUT/dossiers-00000.parquet …`` (the store schema of `parindex.dossiers.ingest`,
one file per chunk), ``OUT/procedures.csv`` (the synthetic procedure catalogue) and
``OUT/units.csv``. Memory stays constant: each chunk (default 1 M records) is generated
with a numpy Generator, vectorised, written and dropped.

What is drawn from the real Phú Thọ figures (the shipped
``parindex/data/published/dvcqg_progress_phutho_2026.csv``): the units, their share of
the dossiers (total received), their on-time rate (metric 2.1) and their mean processing
time. Units are replicated (``H44.45``, ``H44.45.r2`` …) once per million records so that a
unit's daily sequence stays within the code's 4 digits and 100 M records look like a
country rather than one province. Assumptions, since the shipped table has no figures
for them: the online share of each unit ~ Beta(4, 3) (mean 57%), the share paid online of
dossiers with fees ~ Beta(5, 3), 30% of procedures with fees, 20% requiring a paper
result; 6% of dossiers with one supplement request and 0.5% with two; electronic result
70%, digitised 80%; complaints 0.2%; 0.5% not received (status 3). Receipts fall on the
year's working days (Vietnam calendar), in office hours; a dossier whose end falls after
the cut (the end of the year) is still open.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parindex.analysis.published import load_published
from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.dossiers.ingest import COLUMNS, arrow_schema

US_PER_DAY = 86_400_000_000
US_PER_HOUR = 3_600_000_000
N_PROCEDURES = 400


def units_table(n: int) -> pd.DataFrame:
    """Units with weights, on-time rates and mean processing days (replicated for size)."""
    real = load_published("dvcqg_progress_phutho_2026")
    real = real[(real["level"] != "PROVINCE_TOTAL") & (real["total_received"] > 0)]
    copies = max(1, math.ceil(n / 1_000_000))
    frames = []
    for k in range(copies):
        suffix = "" if k == 0 else f".r{k + 1}"
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": real["unit_code"].astype(str) + suffix,
                    "unit_name": real["unit_name"].astype(str) + (f" ({k + 1})" if k else ""),
                    "level": real["level"].astype(str),
                    "weight": real["total_received"].astype(float),
                    "on_time": (real["total_on_time"] / real["total_received"]).astype(float),
                    "avg_days": real["avg_processing_days"].astype(float).clip(lower=0.2),
                }
            )
        )
    units = pd.concat(frames, ignore_index=True)
    units["weight"] /= units["weight"].sum()
    return units


def procedures_table(rng: np.random.Generator) -> pd.DataFrame:
    p = N_PROCEDURES
    unit = rng.choice(["working_days", "days", "hours"], size=p, p=[0.92, 0.04, 0.04])
    limit = np.where(
        unit == "hours",
        rng.choice([4, 8, 16, 24], size=p),
        rng.choice(
            [1, 2, 3, 5, 7, 10, 15, 20, 30],
            size=p,
            p=[0.1, 0.1, 0.15, 0.2, 0.15, 0.12, 0.08, 0.06, 0.04],
        ),
    )
    return pd.DataFrame(
        {
            "code": [f"{1 + (i % 2)}.{i + 1000:06d}" for i in range(p)],
            "name": [f"Thủ tục tổng hợp số {i + 1}" for i in range(p)],
            "field": [f"Lĩnh vực {i % 25 + 1}" for i in range(p)],
            "levels": rng.choice(["province", "commune", "province;commune"], size=p),
            "time_limit": limit,
            "time_unit": unit,
            "has_fee": rng.random(p) < 0.3,
            "channels": "1;2;3",
            "paper_result": rng.random(p) < 0.2,
            "result_document": rng.random(p) < 0.95,
            "online_level": rng.choice(["full", "partial", "none"], size=p, p=[0.5, 0.4, 0.1]),
        }
    )


class Generator:
    def __init__(self, n: int, year: int = 2026, seed: int = 1):
        self.rng = np.random.default_rng(seed)
        self.year = year
        self.units = units_table(n)
        self.procs = procedures_table(self.rng)
        cal = WorkCalendar.vietnam([year, year + 1], load_default_exceptions())
        self.weekday_off = (
            cal._np_weekday_off
        )  # for np.busday_offset (approximate: no make-up Saturdays)
        days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
        self.workdays = days[np.is_busday(days, holidays=self.weekday_off)]
        self.day_index = {d: i for i, d in enumerate(days)}
        self.year_start = days[0]
        self.cut_us = (np.datetime64(f"{year + 1}-01-01", "us") - np.datetime64(0, "us")).astype(
            np.int64
        )
        self.counters = np.zeros((len(self.units), len(days) + 1), dtype=np.int64)
        pop = 1.0 / np.arange(1, N_PROCEDURES + 1) ** 0.9
        self.proc_p = pop / pop.sum()
        self.online_share = self.rng.beta(4, 3, size=len(self.units))
        self.pay_share = self.rng.beta(5, 3, size=len(self.units))
        self.unit_codes = pa.array(self.units["unit_code"].to_numpy(dtype=object), pa.string())
        self.day_text = pa.array(
            [str(d.astype(datetime).strftime("%y%m%d")) for d in days], pa.string()
        )
        self.seq_text = pa.array([f"{i:04d}" for i in range(10000)], pa.string())

    def chunk(self, m: int) -> pa.Table:
        rng = self.rng
        u = rng.choice(len(self.units), size=m, p=self.units["weight"].to_numpy())
        day = self.workdays[rng.integers(0, len(self.workdays), size=m)]
        minute = rng.integers(0, 9 * 60 + 30, size=m)  # 7:30 + up to 9h30
        received = (
            day.astype("datetime64[us]")
            + np.timedelta64(7 * 60 + 30, "m")
            + minute.astype("timedelta64[m]")
        )
        rec_us = (received - np.datetime64(0, "us")).astype(np.int64)

        proc = rng.choice(N_PROCEDURES, size=m, p=self.proc_p)
        limit = self.procs["time_limit"].to_numpy()[proc]
        lunit = self.procs["time_unit"].to_numpy()[proc]
        wd = np.where(lunit == "hours", np.ceil(limit / 8), limit).astype(np.int64)
        due_day = np.busday_offset(day, wd, roll="forward", holidays=self.weekday_off)
        due_day = np.where(lunit == "days", day + limit.astype("timedelta64[D]"), due_day)
        due = due_day.astype("datetime64[us]") + np.timedelta64(17, "h")
        due_us = (due - np.datetime64(0, "us")).astype(np.int64)

        # supplements: 6% one request, 0.5% two
        r = rng.random(m)
        supp = np.where(r < 0.005, 2, np.where(r < 0.065, 1, 0)).astype(np.int16)
        wait_us = np.where(
            supp > 0, (rng.exponential(2.0, size=m) * US_PER_DAY).astype(np.int64), 0
        )

        # processing: on time with the unit's rate; late by ~Exp(3 days)
        on_time = rng.random(m) < self.units["on_time"].to_numpy()[u]
        span = np.maximum(due_us - rec_us, US_PER_HOUR)
        mean_days = self.units["avg_days"].to_numpy()[u]
        took = (rng.gamma(2.0, mean_days / 2.0) * US_PER_DAY).astype(np.int64)
        ok_end = rec_us + np.minimum(took, span - 1)
        late_end = due_us + (rng.exponential(3.0, size=m) * US_PER_DAY).astype(np.int64) + 1
        end_us = np.where(on_time, ok_end, late_end) + wait_us
        sreq_us = rec_us + (rng.random(m) * np.maximum(end_us - wait_us - rec_us, 1)).astype(
            np.int64
        )
        sdone_us = sreq_us + wait_us

        finished = end_us < self.cut_us
        # open at the cut: only what happened before it is known
        supp = np.where(~finished & (sreq_us >= self.cut_us), 0, supp).astype(np.int16)
        waiting = ~finished & (supp > 0) & (sdone_us >= self.cut_us)
        kind = rng.random(m)
        status = np.where(
            finished,
            np.where(kind < 0.90, 10, np.where(kind < 0.97, 9, np.where(kind < 0.985, 8, 7))),
            np.where(waiting, 5, 4),
        ).astype(np.int8)
        not_received = rng.random(m) < 0.005
        status = np.where(not_received, 3, status).astype(np.int8)
        open_ = ~finished | not_received
        processed = np.where(open_, np.iinfo(np.int64).min, end_us)
        returned = np.where(
            (status == 10),
            end_us + (rng.random(m) * 2 * US_PER_HOUR).astype(np.int64),
            np.iinfo(np.int64).min,
        )
        sdone_us = np.where(waiting | not_received, np.iinfo(np.int64).min, sdone_us)

        online = rng.random(m) < self.online_share[u]
        channel = np.where(online, 2, np.where(rng.random(m) < 0.05, 3, 1)).astype(np.int8)
        fee = self.procs["has_fee"].to_numpy()[proc]
        paid = fee & (rng.random(m) < self.pay_share[u])
        paid_online = np.where(paid, np.where(rng.random(m) < 0.8, 1, 2), 0).astype(np.int8)

        # dossier codes: per (unit, day) sequence numbers carried across chunks
        didx = (day - self.year_start).astype(np.int64)
        key = u.astype(np.int64) * self.counters.shape[1] + didx
        order = np.argsort(key, kind="stable")
        sk = key[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
        rank = np.arange(m) - np.repeat(starts, np.diff(np.r_[starts, m]))
        flat = self.counters.reshape(-1)
        seq = np.empty(m, dtype=np.int64)
        seq[order] = flat[sk] + rank + 1
        np.add.at(flat, key, 1)
        if seq.max() > 9999:
            raise RuntimeError("more than 9999 dossiers in a unit-day: raise the unit replicas")
        code = pc.binary_join_element_wise(
            self.unit_codes.take(pa.array(u)),
            self.day_text.take(pa.array(didx)),
            self.seq_text.take(pa.array(seq)),
            "-",
        )

        def ts(us: np.ndarray, mask=None) -> pa.Array:
            """Whole seconds, as the systems export them (yyyyMMddHHmmss)."""
            valid = us != np.iinfo(np.int64).min if mask is None else mask
            whole = np.where(valid, us - us % 1_000_000, 0)
            return pa.array(whole, type=pa.int64(), mask=~valid).cast(pa.timestamp("us"))

        never = np.zeros(m, dtype=bool)
        has_supp = (supp > 0) & ~not_received
        received_mask = ~not_received
        month = (day.astype("datetime64[M]").astype(np.int64) % 12 + 1) + self.year * 100
        cols = {
            "dossier_code": code,
            "unit_code": self.unit_codes.take(pa.array(u)),
            "procedure_code": pa.array(
                self.procs["code"].to_numpy(dtype=object)[proc], pa.string()
            ),
            "received_at": ts(rec_us, received_mask),
            "due_at": ts(due_us, received_mask),
            "original_due_at": ts(due_us, never),
            "reschedule_count": pa.array(np.zeros(m, dtype=np.int8)),
            "processed_at": ts(processed),
            "returned_at": ts(returned),
            "channel": pa.array(channel),
            "status": pa.array(status),
            "paid_online": pa.array(paid_online),
            "has_fee": pa.nulls(m, pa.bool_()),
            "fee_amount": pa.array(np.where(fee, 50_000.0, np.nan), mask=~fee),
            "supplement_requested_at": ts(sreq_us, has_supp),
            "supplement_completed_at": ts(
                sdone_us, has_supp & (sdone_us != np.iinfo(np.int64).min)
            ),
            "supplement_count": pa.array(supp),
            "result_electronic": pa.array(rng.random(m) < 0.7),
            "digitized": pa.array(rng.random(m) < 0.8),
            "reused_data": pa.array(rng.random(m) < 0.3),
            "shared_data": pa.array(rng.random(m) < 0.4),
            "citizen_data": pa.array(rng.random(m) < 0.5),
            "synced": pa.array(rng.random(m) < 0.97),
            "complaint": pa.array(rng.random(m) < 0.002),
            "receipt_month": pa.array(month.astype(np.int32)),
        }
        return pa.Table.from_pydict({c: cols[c] for c in COLUMNS}, schema=arrow_schema())


def generate(n: int, out: Path, *, year: int = 2026, seed: int = 1, chunk: int = 1_000_000) -> dict:
    """Write `n` records under `out`; returns a summary (files, seconds)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("dossiers-*.parquet"):
        old.unlink()
    t0 = time.perf_counter()
    gen = Generator(n, year, seed)
    gen.procs.to_csv(out / "procedures.csv", index=False)
    gen.units[["unit_code", "unit_name", "level"]].to_csv(out / "units.csv", index=False)
    con = duckdb.connect()  # written the way the store writes (DuckDB's Parquet writer)
    done = k = 0
    while done < n:
        m = min(chunk, n - done)
        con.register("chunk", gen.chunk(m))
        path = str(out / f"dossiers-{k:05d}.parquet").replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM chunk) TO '{path}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 262144)"
        )
        con.unregister("chunk")
        done += m
        k += 1
    con.close()
    return {"files": k, "seconds": time.perf_counter() - t0, "units": len(gen.units)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, required=True, help="records, e.g. 1e6")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=1_000_000)
    args = ap.parse_args()
    info = generate(int(args.n), args.out, year=args.year, seed=args.seed, chunk=args.chunk)
    size = sum(p.stat().st_size for p in args.out.glob("dossiers-*.parquet"))
    print(
        f"{int(args.n):,} dossiers of {info['units']} units in {info['files']} file(s), "
        f"{size / 1e6:,.0f} MB, {info['seconds']:.1f} s → {args.out}"
    )


if __name__ == "__main__":
    main()
