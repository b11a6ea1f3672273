"""Benchmark: records per second through `parindex dossiers import` into the Parquet store
(target ≥ 20,000/s).

    python benchmarks/bench_ingest.py [--n 1e6] [--work /tmp/parindex-ingest]

Writes a national-format CSV export (MaHoSo, NgayTiepNhan as ``yyyyMMddHHmmss``,
NgayHenTra as ``dd/mm/yyyy HH:MM:SS`` …) from `gen_dossiers.py`, then times the real
command end to end (process start, CSV reading, validation, staging, the DuckDB commit)
twice: into an empty store (inserts) and again (every record an update), and prints
records/second and the peak RSS of each run.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))

NATIONAL = {
    "dossier_code": "MaHoSo",
    "unit_code": "MaDonVi",
    "procedure_code": "MaTTHC",
    "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra",
    "processed_at": "NgayKetThucXuLy",
    "returned_at": "NgayTra",
    "channel": "KenhThucHien",
    "status": "TrangThaiHoSo",
    "paid_online": "DuocThanhToanTrucTuyen",
    "fee_amount": "PhiLePhi",
    "supplement_requested_at": "NgayYeuCauBoSung",
    "supplement_completed_at": "NgayBoSungXong",
    "supplement_count": "SoLanBoSung",
    "result_electronic": "CoKetQuaDienTu",
    "digitized": "DaSoHoa",
    "complaint": "CoPhanAnh",
}


def national_table(table: pa.Table) -> pa.Table:
    cols = {}
    for name, national in NATIONAL.items():
        col = table[name]
        if pa.types.is_timestamp(col.type):
            fmt = "%d/%m/%Y %H:%M:%S" if name == "due_at" else "%Y%m%d%H%M%S"
            col = pc.strftime(
                pc.floor_temporal(col, unit="second").cast(pa.timestamp("s")), format=fmt
            )
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "1", "0")
        else:
            col = pc.cast(col, pa.string())
        cols[national] = pc.fill_null(col, "")
    return pa.table(cols)


def write_export(n: int, path: Path) -> float:
    from gen_dossiers import Generator

    t0 = time.perf_counter()
    gen = Generator(n)
    writer = None
    done = 0
    while done < n:
        m = min(1_000_000, n - done)
        table = national_table(gen.chunk(m))
        if writer is None:
            writer = pacsv.CSVWriter(str(path), table.schema)
        writer.write_table(table)
        done += m
    writer.close()
    return time.perf_counter() - t0


def run_import(csv_path: Path, store: Path) -> tuple[float, float, str]:
    exe = Path(sys.executable).with_name("parindex")
    cmd = [
        "/usr/bin/time",
        "-v",
        str(exe),
        "dossiers",
        "import",
        str(csv_path),
        "--store",
        str(store),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return seconds, (int(rss.group(1)) / 1024 if rss else float("nan")), proc.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--work", type=Path, default=Path("/tmp/parindex-ingest"))
    args = ap.parse_args()
    n = int(args.n)
    args.work.mkdir(parents=True, exist_ok=True)
    csv_path = args.work / f"export-{n}.csv"
    if not csv_path.exists():
        secs = write_export(n, csv_path)
        print(
            f"export: {n:,} records, {csv_path.stat().st_size / 1e6:,.0f} MB CSV written in {secs:.1f} s"
        )
    store = args.work / "store"
    shutil.rmtree(store, ignore_errors=True)
    for label in ("insert", "update"):
        secs, rss, out = run_import(csv_path, store)
        print(f"{label}: {secs:6.1f} s  {n / secs:10,.0f} records/s  peak RSS {rss:,.0f} MB")
        print("   " + out.replace("\n", "\n   "))


if __name__ == "__main__":
    main()
