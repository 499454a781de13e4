"""Diagnoses (诊断, ICD-10 医保版 shape) per department, names from nhsa-codes/disease_categories.csv."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fundguard import refdata
from fundguard.synth.city import (
    EMERGENCY,
    ICU,
    INTERNAL,
    OBGYN,
    ONCOLOGY,
    ORTHO,
    PEDIATRICS,
    REHAB,
    SURGERY,
)

# 3-character category per department; "F" women only, "M" men only.
DEPT_DISEASES = {
    INTERNAL: ["I10", "E11", "J44", "K29", "I25", "J18", "I63", "K21", "R51", "D64"],
    SURGERY: ["K35", "K80", "K81", "K40", "L03", "R10", "N40:M"],
    OBGYN: ["N73:F", "N83:F", "O80:F", "O82:F", "O03:F"],
    PEDIATRICS: ["J06", "J20", "A09", "J18", "R50", "J02"],
    ORTHO: ["S72", "S82", "M17", "M51", "S52", "M54"],
    ONCOLOGY: ["C34", "C16", "C50:F", "C18", "C22", "Z51"],
    REHAB: ["I69", "G81", "M54"],
    ICU: ["J96", "A41", "I21"],
    EMERGENCY: ["S06", "T14", "R10", "I21", "H10"],
}
# Main diagnosis → surgery item name (catalog.ORDINARY) performed on an inpatient stay.
SURGERY_FOR = {
    "K35": "阑尾切除术(常规)",
    "K80": "腹腔镜胆囊切除术(常规)",
    "K81": "腹腔镜胆囊切除术(常规)",
    "K40": "腹股沟疝修补术(常规)",
    "O82": "子宫下段剖宫产术(常规)",
    "S72": "股骨骨折切开复位内固定术(常规)",
    "C34": "肺癌根治性切除术(常规)",
}
SECONDARY = ["I10", "E11"]


@lru_cache(maxsize=1)
def disease_table() -> dict:
    names = {
        r["类目编码"].rstrip("."): r["类目名称"]
        for r in refdata.read_rows("nhsa-codes/disease_categories.csv")
        if r["类目类型"] == "西医诊断"
    }
    cats = sorted({c.split(":")[0] for lst in DEPT_DISEASES.values() for c in lst} | set(SECONDARY))
    return {
        "cat": np.array(cats),
        "code": np.array([f"{c}.900" for c in cats]),
        "name": np.array([names[c] for c in cats]),
        "index": {c: i for i, c in enumerate(cats)},
    }


def pick(rng: np.random.Generator, dept: np.ndarray, gend: np.ndarray) -> np.ndarray:
    """A main diagnosis index per visit, consistent with department and sex."""
    table = disease_table()
    out = np.full(len(dept), -1, dtype=np.int16)
    for d, lst in DEPT_DISEASES.items():
        for g, excluded in ((1, "F"), (2, "M")):
            rows = np.flatnonzero((dept == d) & (gend == g))
            if not len(rows):
                continue
            allowed = [table["index"][c.split(":")[0]] for c in lst if not c.endswith(":" + excluded)]
            out[rows] = np.array(allowed)[rng.integers(0, len(allowed), len(rows))]
    if (out < 0).any():
        raise ValueError("department without diagnoses")
    return out
