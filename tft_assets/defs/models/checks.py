"""Checks on trained_models and predictions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
import numpy as np
import polars as pl

CHECK_TRAINED_MODELS_BEAT_BASE_RATE = "check_trained_models_beat_base_rate"
CHECK_PREDICTIONS_VALID = "check_predictions_valid"

TRAINED_MODEL_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_TRAINED_MODELS_BEAT_BASE_RATE, asset="trained_models", blocking=False,
        description="Warning: no training of the run has an ensemble whose validation log loss is "
        "worse than the base-rate predictor's (the fit rows' share of up moves) on the same tail "
        "beyond the tail's noise: the 95 % block-bootstrap interval (over days) of the excess log "
        "loss lies above 0.",
    ),
]  # fmt: skip
PREDICTION_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_PREDICTIONS_VALID, asset="predictions", blocking=True,
        description="Every probability is finite and in [0, 1], every interval has low <= high, and "
        "every prediction names a model version registered in the MLflow model registry.",
    ),
]  # fmt: skip


def trained_model_checks(outcomes: list[Any]) -> Iterator[dg.AssetCheckResult]:
    worse, above = [], 0
    for o in outcomes:
        if o.bundle is None or not o.retrained:
            continue
        info = o.bundle.info
        ll, base = info["validation"]["ensemble"]["log_loss"], info["base_rate_log_loss"]
        low, high = info["log_loss_excess"]["ci95"]
        above += ll > base
        if low > 0:
            worse.append(
                f"{o.day}: {ll:.5f} > base rate {base:.5f}, excess 95 % {low:+.5f} .. {high:+.5f}"
            )
    yield dg.AssetCheckResult(
        check_name=CHECK_TRAINED_MODELS_BEAT_BASE_RATE,
        passed=not worse,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "trainings": sum(1 for o in outcomes if o.bundle is not None and o.retrained),
            "worse_than_base_rate": len(worse),
            "above_base_rate_within_noise": above - len(worse),
            "examples": dg.MetadataValue.json(worse[:20]),
        },
    )


def prediction_checks(
    rows: pl.DataFrame, store: Any, registered: str
) -> Iterator[dg.AssetCheckResult]:
    problems: list[str] = []
    if rows.height:
        p = rows["p_up"].to_numpy()
        bad = int((~np.isfinite(p) | (p < 0) | (p > 1)).sum())
        if bad:
            problems.append(f"{bad} probabilities not finite or outside [0, 1]")
        inverted = rows.filter(pl.col("return_low") > pl.col("return_high")).height
        if inverted:
            problems.append(f"{inverted} intervals with low > high")
        pairs = rows.select("registry_version", "mlflow_run_id").unique()
        for version, run_id in pairs.iter_rows():
            if version is None or run_id is None:
                problems.append("predictions without a registered model version")
                continue
            if store.version_run_id(registered, version) != run_id:
                problems.append(f"{registered} v{version} is not the run {run_id} the rows name")
    yield dg.AssetCheckResult(
        check_name=CHECK_PREDICTIONS_VALID,
        passed=not problems,
        metadata={"rows": rows.height, "problems": dg.MetadataValue.json(problems[:20])},
    )
