"""Benchmark: records per second through `parindex dossiers import` into the web database
and the Parquet store (target ≥ 20,000/s), with the straightforward alternative.

    python benchmarks/bench_ingest.py [--records 200000] [--work /tmp/parindex-ingest]
                                      [--sample 2000]

Writes a national-format CSV export (MaHoSo, NgayTiepNhan as ``yyyyMMddHHmmss``,
NgayHenTra as ``dd/mm/yyyy HH:MM:SS`` …) from `gen_dossiers.py`, then:

1. database only, in a separate process per database (validated records, one transaction,
   rolled back at the end so nothing stays): the bulk upsert
   (`parindex.web.dossiers.dbstore.upsert`) of every record, inserted then updated, and
   the straightforward alternatives on a sample of ``--sample`` records (new codes, then
   again): ``Dossier.objects.update_or_create`` per record, extrapolated to the export,
   and ``bulk_create(update_conflicts=True)`` of model instances (the records already
   converted to model values: only building the instances and the write are timed);
2. the real command end to end (process start, Django set-up, CSV reading, validation,
   the database writes, Parquet staging and the DuckDB commit), run twice (inserts, then
   every record an update): into the Parquet store alone (``--store``), into SQLite + the
   store (``--data-dir``), and, when ``DATABASE_URL`` is set, into PostgreSQL + the store.

The command is timed three times per target: "first" (every record new), "again" (the
same file re-sent: counted as updates, but unchanged rows are not rewritten) and "changed"
(every record changed: real updates). Records/second (wall clock), the CPU time (user + system: on a shared machine the wall
clock includes waiting for a core; the load average is printed) and the peak RSS of each
command run are printed. The PostgreSQL command
runs *write into* ``DATABASE_URL``: point it at a scratch database.
"""

from __future__ import annotations

import argparse
import os
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


def run_import(
    csv_path: Path, args: list[str], env: dict[str, str]
) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one command run."""
    exe = Path(sys.executable).with_name("parindex")
    cmd = ["/usr/bin/time", "-v", str(exe), "dossiers", "import", str(csv_path), *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = sum(
        float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr)
    )
    mb = int(rss.group(1)) / 1024 if rss else float("nan")
    return seconds, cpu, mb, proc.stdout.strip()


def write_changed(source: Path, target: Path) -> None:
    """The same export with every record changed (DaSoHoa flipped): a run of updates."""
    table = pacsv.read_csv(
        source,
        convert_options=pacsv.ConvertOptions(
            column_types={"MaHoSo": pa.string(), "DaSoHoa": pa.string()},
            strings_can_be_null=False,
        ),
    )
    flipped = pc.if_else(pc.equal(table["DaSoHoa"], "1"), "0", "1")
    table = table.set_column(table.schema.get_field_index("DaSoHoa"), "DaSoHoa", flipped)
    pacsv.write_csv(table, target)


def prepare_database(data_dir: Path, database_url: str | None) -> None:
    """Migrate the web database of `data_dir` before the timed runs (a new installation's
    tables are created once, not by every import)."""
    exe = Path(sys.executable).with_name("parindex")
    subprocess.run(
        [str(exe), "manage", "migrate", "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
        env=environment(database_url),
    )


def environment(database_url: str | None) -> dict[str, str]:
    """The command's environment: SQLite in the data dir, or the given PostgreSQL URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "PARINDEX_DOSSIER_STORE", "PARINDEX_DATA_DIR")
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def rate(n: int, seconds: float) -> str:
    return f"{seconds:7.2f} s {n / seconds:10,.0f} records/s"


# -- in-process: the database alone, bulk upsert against update_or_create --------------------


def database_only(csv_path: Path, data_dir: Path, sample: int) -> None:
    """Run inside a child process (Django is set up once per process)."""
    import pandas as pd

    from parindex.dossiers.ingest import COLUMNS, iter_csv_chunks, validate_records
    from parindex.web.setup import django_setup, migrate

    django_setup(data_dir)
    migrate()
    from django.db import connection, transaction

    from parindex.web.dossiers import dbstore
    from parindex.web.dossiers.models import Dossier

    frames = [validate_records(f, csv_path.name)[0] for f in iter_csv_chunks(csv_path)]
    valid = pd.concat(frames, ignore_index=True)
    n = len(valid)
    label = f"{connection.vendor:<10}"
    changed = valid.copy()
    changed["digitized"] = ~changed["digitized"].fillna(False)
    with transaction.atomic():
        for what, frame in (
            ("insert", valid),
            ("update (every record changed)", changed),
            ("re-sent unchanged", changed),
        ):
            t0 = time.perf_counter()
            counts = dbstore.upsert(frame)
            secs = time.perf_counter() - t0
            print(
                f"{label} bulk upsert, {what}: {rate(n, secs)}  "
                f"({counts.inserted:,} inserted, {counts.updated:,} updated)"
            )
        rows = valid.head(sample).copy()
        rows["dossier_code"] = rows["dossier_code"].astype(str) + "-N"  # new codes
        records = _model_values(rows)
        for what in ("insert", "update"):
            t0 = time.perf_counter()
            for values in records:
                code = values.pop("dossier_code")
                Dossier.objects.update_or_create(dossier_code=code, defaults=values)
                values["dossier_code"] = code
            secs = time.perf_counter() - t0
            print(
                f"{label} update_or_create per record, {what} ({len(records):,} sample): "
                f"{rate(len(records), secs)}  → {n:,} in ~{secs * n / len(records):,.0f} s"
            )
        rows["dossier_code"] = rows["dossier_code"].astype(str) + "B"  # new codes again
        records = _model_values(rows)
        update_fields = [c for c in COLUMNS if c != "dossier_code"] + ["updated_at"]
        for what in ("insert", "update"):
            t0 = time.perf_counter()
            Dossier.objects.bulk_create(
                [Dossier(**values) for values in records],
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["dossier_code"],
                update_fields=update_fields,
            )
            secs = time.perf_counter() - t0
            print(
                f"{label} bulk_create(update_conflicts) of model instances, {what} "
                f"({len(records):,} sample): {rate(len(records), secs)}"
            )
        transaction.set_rollback(True)  # leave the database as it was


def _model_values(frame) -> list[dict]:
    """Records as the keyword arguments of the model (aware moments, None for NULL)."""
    import pandas as pd
    from django.utils import timezone

    from parindex.web.dossiers.dbstore import DATETIME_COLUMNS, TZ

    out = []
    now = timezone.now()
    for row in frame.astype(object).to_dict("records"):
        values = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        for name in DATETIME_COLUMNS:
            if values[name] is not None:
                values[name] = pd.Timestamp(values[name]).tz_localize(TZ).to_pydatetime()
        for name in ("channel", "status", "paid_online", "reschedule_count", "supplement_count"):
            values[name] = int(values[name])
        values["receipt_month"] = int(values["receipt_month"])
        values["updated_at"] = now
        out.append(values)
    return out


def run_database_only(csv_path: Path, work: Path, sample: int, database_url: str | None) -> None:
    data_dir = work / ("inproc-pg" if database_url else "inproc-sqlite")
    shutil.rmtree(data_dir, ignore_errors=True)
    cmd = [sys.executable, __file__, "--database-only", str(csv_path), "--work", str(data_dir)]
    cmd += ["--sample", str(sample)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=environment(database_url))
    if proc.returncode != 0:
        raise SystemExit(f"database-only run failed:\n{proc.stdout}\n{proc.stderr}")
    print("   " + proc.stdout.strip().replace("\n", "\n   "))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", "--n", dest="records", type=float, default=2e5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/parindex-ingest"))
    ap.add_argument("--sample", type=int, default=2000, help="update_or_create sample size")
    ap.add_argument("--database-only", type=Path, help=argparse.SUPPRESS)  # child process
    args = ap.parse_args()
    if args.database_only:
        database_only(args.database_only, args.work, args.sample)
        return
    n = int(args.records)
    args.work.mkdir(parents=True, exist_ok=True)
    csv_path = args.work / f"export-{n}.csv"
    if not csv_path.exists():
        secs = write_export(n, csv_path)
        print(
            f"export: {n:,} records, {csv_path.stat().st_size / 1e6:,.0f} MB CSV "
            f"written in {secs:.1f} s"
        )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    pg = os.environ.get("DATABASE_URL", "").strip() or None
    databases = [None, pg] if pg else [None]

    print("database only (in-process, one transaction, rolled back):")
    for url in databases:
        run_database_only(csv_path, args.work, args.sample, url)

    changed_path = args.work / f"export-{n}-changed.csv"
    if not changed_path.exists():
        write_changed(csv_path, changed_path)
    print("the import command, end to end (first: inserts; again: the same file re-sent;")
    print("changed: every record changed, i.e. updates):")
    runs = [("parquet store only", ["--store", str(args.work / "store")], None, "store")]
    runs.append(
        ("sqlite + parquet", ["--data-dir", str(args.work / "web-sqlite")], None, "web-sqlite")
    )
    if pg:
        runs.append(
            ("postgresql + parquet", ["--data-dir", str(args.work / "web-pg")], pg, "web-pg")
        )
    for label, cmd_args, url, directory in runs:
        shutil.rmtree(args.work / directory, ignore_errors=True)
        if cmd_args[0] == "--data-dir":  # create the database first: not part of an import
            prepare_database(args.work / directory, url)
        for what, path in (("first", csv_path), ("again", csv_path), ("changed", changed_path)):
            secs, cpu, rss, out = run_import(path, cmd_args, environment(url))
            print(
                f"   {label:<21} {what:<8}{rate(n, secs)}  CPU {cpu:6.2f} s  peak RSS {rss:,.0f} MB"
            )
            print("      " + out.replace("\n", "\n      "))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
