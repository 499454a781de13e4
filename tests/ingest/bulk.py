"""A large, valid folder (fixmedins + mdtrt + fee_list as typed Parquet) for atomicity tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HOSPITAL = "H11010500001"


def yuan(cents: np.ndarray, scale: int) -> pa.Array:
    """Exact decimals from integer cents (via text: no float ever touches money)."""
    text = np.char.add(
        np.char.add((cents // 100).astype(str), "."), np.char.zfill((cents % 100).astype(str), 2)
    )
    return pa.array(text).cast(pa.decimal128(18, scale))


def write_fee_folder(folder: Path, fee_rows: int, lines_per_visit: int = 10) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    visits = max(fee_rows // lines_per_visit, 1)
    start = datetime(2024, 1, 1, 8, 0, 0)
    pq.write_table(
        pa.table({"fixmedins_code": [HOSPITAL], "fixmedins_name": ["第一医院"], "fixmedins_type": ["1"]}),
        folder / "fixmedins.parquet",
    )
    visit_ids = np.char.add("M", np.arange(visits).astype(str))
    begin = np.array(
        [start + timedelta(hours=int(h)) for h in np.arange(visits) % (24 * 300)], dtype="datetime64[s]"
    )
    pq.write_table(
        pa.table(
            {
                "mdtrt_id": visit_ids,
                "psn_no": np.char.add("P", (np.arange(visits) % 5000).astype(str)),
                "gend": np.where(np.arange(visits) % 2 == 0, "1", "2"),
                "age": (np.arange(visits) % 90).astype(np.int32),
                "fixmedins_code": np.full(visits, HOSPITAL),
                "med_type": np.full(visits, "11"),
                "begntime": pa.array(begin, pa.timestamp("s")),
            }
        ),
        folder / "mdtrt.parquet",
    )
    idx = np.arange(fee_rows)
    visit_of = idx % visits
    cnt = (idx % 5 + 1).astype(np.int64)
    pric_cents = (idx % 997 + 100).astype(np.int64)
    pq.write_table(
        pa.table(
            {
                "feedetl_sn": np.char.add("F", idx.astype(str)),
                "mdtrt_id": visit_ids[visit_of],
                "psn_no": np.char.add("P", (visit_of % 5000).astype(str)),
                "fixmedins_code": np.full(fee_rows, HOSPITAL),
                "fee_ocur_time": pa.array(begin[visit_of] + np.timedelta64(1, "h"), pa.timestamp("s")),
                "med_list_codg": np.char.add("XA01", (idx % 300).astype(str)),
                "cnt": yuan(cnt * 100, 4),
                "pric": yuan(pric_cents, 4),
                "det_item_fee_sumamt": yuan(cnt * pric_cents, 2),
            }
        ),
        folder / "fee_list.parquet",
    )
    return folder
