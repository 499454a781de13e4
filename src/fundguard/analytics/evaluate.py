"""Measured accuracy (模型效果评估): ROC AUC and precision@k per entity type on a labelled city.

Labels come from ``anomalies.csv`` (entity_type, entity_id, kind, note) written by the synthetic
city generator (``fundguard.synth.service.generate``) or, when that is not installed, by
``fundguard.analytics.minicity``. Every scored entity not listed is a negative. k defaults to the
number of positives of the type (so precision@k = recall@k = R-precision).

Seeds: the risk weights and thresholds were tuned on the synthetic city of seed 101 (202 was also
inspected, and minicity seed ``TUNING_SEED``) — ``TUNING_SEEDS``; evaluation uses ``EVAL_SEEDS``,
which were never used to choose a feature, weight or threshold (decision 0013).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from fundguard.analytics import minicity, service, source

TUNING_SEED = 7  # minicity
TUNING_SEEDS = (TUNING_SEED, 101, 202)  # synthetic city 101 (and 202) while tuning
EVAL_SEEDS = (303, 404)
TEST_SCALE = 0.5  # the accuracy test's synthetic city: 20 institutions, 5 of them pharmacies


def evaluate_scores(scores: pd.DataFrame, anomalies: pd.DataFrame, k: int | None = None) -> pd.DataFrame:
    """Rows: entity_type, n, positives, auc, k, precision_at_k (NaN AUC when a class is missing)."""
    rows = []
    for etype, sub in scores.groupby("entity_type"):
        pos_ids = set(anomalies.loc[anomalies["entity_type"] == etype, "entity_id"].astype(str))
        y = sub["entity_id"].astype(str).isin(pos_ids)
        n_pos = int(y.sum())
        auc = float(roc_auc_score(y, sub["score"])) if 0 < n_pos < len(sub) else float("nan")
        kk = k or max(n_pos, 1)
        top = sub.sort_values("rank").head(kk)
        prec = float(top["entity_id"].astype(str).isin(pos_ids).mean()) if len(top) else float("nan")
        rows.append(
            {
                "entity_type": etype,
                "n": len(sub),
                "positives": n_pos,
                "auc": auc,
                "k": kk,
                "precision_at_k": prec,
            }
        )
    return pd.DataFrame(rows)


def synth_available() -> bool:
    return service.available("fundguard.synth.service")


def make_city(out_dir: Path, seed: int, scale: float = 1.0, generator: str = "auto") -> tuple[Path, str]:
    """Write a labelled city into ``out_dir``; returns the folder and which generator wrote it.

    ``generator``: ``synth`` (the synthetic city), ``minicity`` (the small hand-made one) or
    ``auto`` (synth when installed)."""
    if generator == "synth" or (generator == "auto" and synth_available()):
        from fundguard.synth import service as synth_service

        synth_service.generate(out_dir, scale, seed, "parquet")
        return Path(out_dir), "synth"
    minicity.write(Path(out_dir), seed=seed)
    return Path(out_dir), "minicity"


def evaluate_city(
    seed: int, scale: float = 1.0, workdir: Path | None = None, generator: str = "auto"
) -> dict:
    """Generate a city, score it (read directly from the folder) and measure accuracy."""
    with tempfile.TemporaryDirectory() as tmp:
        folder, generator = make_city(Path(workdir or tmp) / f"city_{seed}", seed, scale, generator)
        anomalies = pd.read_csv(folder / "anomalies.csv", dtype=str)
        start = time.perf_counter()
        con = source.open_folder(folder)
        result = service.analyse(con, service.load_findings(folder))
        seconds = time.perf_counter() - start
    return {
        "seed": seed,
        "generator": generator,
        "metrics": evaluate_scores(result.scores, anomalies),
        "seconds": seconds,
        "timings": result.timings,
    }
