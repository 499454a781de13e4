"""Benchmark of ingest (数据接入性能): validated rows per second against a plain DuckDB scan.

``run(quick)`` writes N fee_list rows (plus their visits and one institution) as typed Parquet
with numpy/pyarrow into a temporary folder (and the same rows as CSV), times ``ingest_folder`` on
it (read, validate, quarantine, write the lake, commit) in a fresh ``FUNDGUARD_HOME``, and in the
same run times two baselines on the same files: a DuckDB scan that reads every column
(``count(*)`` plus one aggregate per column) and a DuckDB copy into a lake of the same shape
(typed columns, month partitions) without any validation — the least a load can cost. CPU
seconds of the ingest (all threads) are reported too: the machine is shared, wall time is not
steady. Target: ≥ 1 M rows/s for Parquet input on 2 cores.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fundguard.contract import DUCKDB_TYPES, TABLES

HOSPITAL = "H11010500001"


def _yuan(cents: np.ndarray, scale: int) -> pa.Array:
    """Exact decimals from integer cents (via text: no float touches money)."""
    text = np.char.add(
        np.char.add((cents // 100).astype(str), "."), np.char.zfill((cents % 100).astype(str), 2)
    )
    return pa.array(text).cast(pa.decimal128(18, scale))


def write_input(folder: Path, fee_rows: int, lines_per_visit: int = 10) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    visits = max(fee_rows // lines_per_visit, 1)
    rng = np.random.default_rng(0)
    pq.write_table(
        pa.table(
            {
                "fixmedins_code": [HOSPITAL],
                "fixmedins_name": ["第一医院"],
                "fixmedins_type": ["1"],
                "hosp_lv": ["01"],
            }
        ),
        folder / "fixmedins.parquet",
    )
    v = np.arange(visits)
    visit_ids = np.char.add("M", v.astype(str))
    start = np.datetime64("2024-01-01T08:00:00")
    begin = start + (v % (24 * 360)).astype("timedelta64[h]")
    pq.write_table(
        pa.table(
            {
                "mdtrt_id": visit_ids,
                "psn_no": np.char.add("P", (v % 50_000).astype(str)),
                "gend": np.where(v % 2 == 0, "1", "2"),
                "age": (v % 90).astype(np.int32),
                "fixmedins_code": np.full(visits, HOSPITAL),
                "med_type": np.where(v % 5 == 0, "21", "11"),
                "begntime": pa.array(begin.astype("datetime64[s]"), pa.timestamp("s")),
                "endtime": pa.array(
                    (begin + np.timedelta64(72, "h")).astype("datetime64[s]"), pa.timestamp("s")
                ),
            }
        ),
        folder / "mdtrt.parquet",
    )
    i = np.arange(fee_rows)
    of = i % visits
    cnt = rng.integers(1, 6, fee_rows)
    pric = rng.integers(100, 100_000, fee_rows)
    pq.write_table(
        pa.table(
            {
                "feedetl_sn": np.char.add("F", i.astype(str)),
                "mdtrt_id": visit_ids[of],
                "psn_no": np.char.add("P", (of % 50_000).astype(str)),
                "fixmedins_code": np.full(fee_rows, HOSPITAL),
                "fee_ocur_time": pa.array(
                    (begin[of] + np.timedelta64(1, "h")).astype("datetime64[s]"), pa.timestamp("s")
                ),
                "med_list_codg": np.char.add("XA01", (i % 3000).astype(str)),
                "cnt": _yuan(cnt * 100, 4),
                "pric": _yuan(pric, 4),
                "det_item_fee_sumamt": _yuan(cnt * pric, 2),
                "chrgitm_lv": np.full(fee_rows, "01"),
                "bilg_dr_codg": np.char.add("D1101050", (i % 500).astype(str)),
            }
        ),
        folder / "fee_list.parquet",
    )
    return {"fixmedins": 1, "mdtrt": visits, "fee_list": fee_rows}


def write_csv(parquet_folder: Path, folder: Path) -> None:
    """The same tables as UTF-8 CSV (times as ``YYYY-MM-DD HH:MM:SS``)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for name in ("fixmedins", "mdtrt", "fee_list"):
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{parquet_folder / (name + '.parquet')}')) TO "
            f"'{folder / (name + '.csv')}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')"
        )


def _scan(folder: Path, name: str) -> str:
    path = folder / f"{name}.parquet"
    if path.exists():
        return f"read_parquet('{path}')"
    return f"read_csv('{folder / (name + '.csv')}', all_varchar=true, header=true)"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _scan_seconds(folder: Path) -> float:
    con = duckdb.connect()
    start = time.perf_counter()
    for name in ("fixmedins", "mdtrt", "fee_list"):
        scan = _scan(folder, name)
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        aggs = ", ".join(
            f'count("{c}")' if c.endswith(("_id", "_sn", "codg", "code", "_no")) else f'max("{c}")'
            for c in cols
        )
        con.execute(f"SELECT count(*), {aggs} FROM {scan}").fetchall()
    return time.perf_counter() - start


def _copy_seconds(folder: Path, out: Path) -> float:
    """DuckDB copying the same files into a lake of the same shape, without any validation: every
    contract column with its lake type, month partitions (``ym=YYYY-MM``) for tables with a partition
    time. The least work a load into this lake can do."""
    con = duckdb.connect()
    start = time.perf_counter()
    for name in ("fixmedins", "mdtrt", "fee_list"):
        scan = _scan(folder, name)
        have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
        spec = TABLES[name]
        cols = ", ".join(
            f"CAST({c.name} AS {DUCKDB_TYPES[c.type]}) AS {c.name}"
            if c.name in have
            else f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}"
            for c in spec.columns
        )
        target = out / name
        if spec.partition_time:
            month = f"strftime(CAST({spec.partition_time} AS TIMESTAMP), '%Y-%m')"
            con.execute(
                f"COPY (SELECT {cols}, {month} AS ym FROM {scan}) TO '{target}' (FORMAT parquet, PARTITION_BY (ym))"
            )
        else:
            target.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT {cols} FROM {scan}) TO '{target / 'part-0.parquet'}' (FORMAT parquet)")
    return time.perf_counter() - start


def _ingest_seconds(folder: Path, home: Path) -> tuple[float, float, dict]:
    """Wall and CPU seconds (all threads of this process) of one ``ingest_folder``."""
    os.environ["FUNDGUARD_HOME"] = str(home)
    os.environ.pop("FUNDGUARD_DATABASE_URL", None)
    from fundguard import db, migrate, profiles, settings

    settings.reset_settings_cache()
    profiles.reset_profile_cache()
    db.reset_engines()
    migrate.upgrade()
    from fundguard.ingest.service import ingest_folder
    from fundguard.profiles import get_profile

    get_profile()  # a CLI loads the profile at start-up; not part of the ingest
    start, cpu = time.perf_counter(), _cpu()
    report = ingest_folder(folder)
    return time.perf_counter() - start, _cpu() - cpu, report.contract_json()


def _row(name, value, unit, baseline_name="", baseline_value=None, notes=""):
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": baseline_value,
        "ratio": value / baseline_value if baseline_value else None,
        "notes": notes,
    }


def _measure(fmt: str, folder: Path, tmp: Path, counts: dict[str, int]) -> list[dict]:
    rows = sum(counts.values())
    scan = _scan_seconds(folder)
    copy = _copy_seconds(folder, tmp / f"copy-{fmt}")
    seconds, cpu, report = _ingest_seconds(folder, tmp / f"home-{fmt}")
    assert all(report[t]["loaded"] == n for t, n in counts.items()), report
    again, again_cpu, report2 = _ingest_seconds(folder, tmp / f"home-{fmt}")
    assert all(report2[t]["duplicate"] == n for t, n in counts.items()), report2
    label = "ingest parquet" if fmt == "parquet" else "ingest csv"
    target = "; target ≥ 1,000,000 rows/s on 2 cores" if fmt == "parquet" else ""
    return [
        _row(
            f"{label} (fee_list+mdtrt+fixmedins)",
            rows / seconds,
            "rows/s",
            "duckdb scan of the same files",
            rows / scan,
            f"{rows:,} rows in {seconds:.2f}s{target}",
        ),
        _row(
            f"{label} vs plain partitioned copy",
            rows / seconds,
            "rows/s",
            "duckdb copy of the same files into month-partitioned Parquet, no validation",
            rows / copy,
            f"copy {copy:.2f}s; ratio 1 = validation costs nothing beyond writing the lake",
        ),
        _row(
            f"{label} per CPU-second",
            rows / cpu,
            "rows/cpu-s",
            notes=f"{cpu:.2f} CPU-s (all threads); steadier than wall time on a shared machine",
        ),
        _row(
            f"re-{label}, same folder (all duplicate)",
            rows / again,
            "rows/s",
            "duckdb scan of the same files",
            rows / scan,
            f"{rows:,} rows in {again:.2f}s, {again_cpu:.2f} CPU-s",
        ),
    ]


def run(quick: bool = False) -> list[dict]:
    fee_rows = 200_000 if quick else 2_000_000
    saved = {k: os.environ.get(k) for k in ("FUNDGUARD_HOME", "FUNDGUARD_DATABASE_URL")}
    results: list[dict] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "in"
            counts = write_input(folder, fee_rows)
            # Warm-up in its own home: imports and first-use set-up are paid once per process (at
            # CLI start-up), they are not throughput.
            _ingest_seconds(write_input(Path(tmp) / "tiny", 10) and Path(tmp) / "tiny", Path(tmp) / "warm")
            results += _measure("parquet", folder, Path(tmp), counts)
            write_csv(folder, Path(tmp) / "csv")
            results += _measure("csv", Path(tmp) / "csv", Path(tmp), counts)
    finally:
        for k, value in saved.items():
            if value is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = value
    return results


if __name__ == "__main__":
    import sys

    for result in run("--quick" in sys.argv):
        print(result)
