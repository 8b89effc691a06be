"""Checks on feature_snapshots, feature_sequences and labels."""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from tft_assets.defs.metadata import schema_mismatches
from tft_assets.features import (
    FEATURE_NAMES,
    LABELS_SCHEMA,
    SNAPSHOT_SCHEMA,
    FeatureConfig,
    correlated_pairs,
)

PREVIEW_FEATURES = (
    "ret_1d",
    "rsi_14",
    "macd_hist",
    "mention_count",
    "sentiment_mean",
    "missing_pct",
)
MAX_MEAN_MISSING_PCT = 50.0
SEQUENCE_INDEX = {"ticker", "end_date", "step", "date"}

CHECK_FEATURE_SNAPSHOTS_CONTRACT = "check_feature_snapshots_contract"
CHECK_FEATURE_SNAPSHOTS_CORRELATED = "check_feature_snapshots_correlated_pairs"
CHECK_FEATURE_SNAPSHOTS_MISSING = "check_feature_snapshots_missing"
CHECK_FEATURE_SEQUENCES_SHAPE = "check_feature_sequences_shape"
CHECK_LABELS_CONSISTENT = "check_labels_consistent"

FEATURE_SNAPSHOT_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_FEATURE_SNAPSHOTS_CONTRACT, asset="feature_snapshots", blocking=True,
        description="Exactly the documented snapshot columns (no ground-truth, label or unknown column "
        "can reach a model); one row per ticker per day; one snapshot_id per day.",
    ),
    dg.AssetCheckSpec(
        CHECK_FEATURE_SNAPSHOTS_CORRELATED, asset="feature_snapshots", blocking=False,
        description=f"Scale-free feature pairs with |corr| > {FeatureConfig().corr_threshold:g} over "
        f"the run's rows (tickers x days, at least {FeatureConfig().corr_min_rows}); price-level "
        "features (SMA, ATR, MACD lines), which move with the price by design, are left out "
        "(warning).",
    ),
    dg.AssetCheckSpec(
        CHECK_FEATURE_SNAPSHOTS_MISSING, asset="feature_snapshots", blocking=False,
        description=f"Mean missing_pct at most {MAX_MEAN_MISSING_PCT:g}% (warning).",
    ),
]  # fmt: skip
FEATURE_SEQUENCE_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_FEATURE_SEQUENCES_SHAPE, asset="feature_sequences", blocking=True,
        description="Every sequence has steps 0..29 once, dates strictly increasing and ending at its "
        "end_date, and only registry features.",
    ),
]  # fmt: skip
LABEL_CHECKS = [
    dg.AssetCheckSpec(
        CHECK_LABELS_CONSISTENT, asset="labels", blocking=True,
        description="label_up equals fwd_return > 0; one label per ticker per day; schema.",
    ),
]  # fmt: skip


def _problems_result(check_name: str, problems: list[str], **metadata) -> dg.AssetCheckResult:
    """Passed when ``problems`` is empty; the first 20 problems go into the metadata."""
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not problems,
        metadata={"problems": dg.MetadataValue.json(problems[:20]), **metadata},
    )


def feature_snapshot_checks(snaps: dict) -> Iterator[dg.AssetCheckResult]:
    problems: list[str] = []
    for day, snap in snaps.items():
        f = snap.frame
        # any other column (ground truth, a label, an unknown one) breaks the contract
        extra = [c for c in f.columns if c not in SNAPSHOT_SCHEMA]
        if extra:
            problems.append(f"{day}: unexpected columns {sorted(extra)}")
        problems += [f"{day}: {p}" for p in schema_mismatches(f, SNAPSHOT_SCHEMA)]
        if f.height and f.select(pl.col("ticker").is_duplicated().any()).item():
            problems.append(f"{day}: duplicate tickers")
        if f.height and f["snapshot_id"].n_unique() != 1:
            problems.append(f"{day}: several snapshot ids")
    yield _problems_result(CHECK_FEATURE_SNAPSHOTS_CONTRACT, problems, features=len(FEATURE_NAMES))
    frames = [s.frame for s in snaps.values() if s.frame.height]
    yield _correlated_pairs_result(pl.concat(frames) if frames else pl.DataFrame())
    mean_missing = float(pl.concat(frames)["missing_pct"].mean()) if frames else 0.0
    yield dg.AssetCheckResult(
        check_name=CHECK_FEATURE_SNAPSHOTS_MISSING, passed=mean_missing <= MAX_MEAN_MISSING_PCT,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed_mean_missing_pct": round(mean_missing, 3), "expected_at_most": MAX_MEAN_MISSING_PCT},
    )  # fmt: skip


def _correlated_pairs_result(rows: pl.DataFrame) -> dg.AssetCheckResult:
    """Pooled over every row of the run: a day of a few tickers is too small a sample alone."""
    config = FeatureConfig()
    pairs = (
        correlated_pairs(rows, config.corr_threshold, config.corr_min_rows) if rows.height else None
    )
    meta = {
        "rows": rows.height,
        "min_rows": config.corr_min_rows,
        "threshold": config.corr_threshold,
    }
    if pairs is None:
        return dg.AssetCheckResult(
            check_name=CHECK_FEATURE_SNAPSHOTS_CORRELATED, passed=True, severity=dg.AssetCheckSeverity.WARN,
            metadata={**meta, "evaluated": False,
                      "note": f"{rows.height} rows < {config.corr_min_rows}: not evaluated"},
        )  # fmt: skip
    return dg.AssetCheckResult(
        check_name=CHECK_FEATURE_SNAPSHOTS_CORRELATED, passed=not pairs, severity=dg.AssetCheckSeverity.WARN,
        metadata={**meta, "evaluated": True, "n_pairs": len(pairs),
                  "pairs_over_threshold": dg.MetadataValue.json([list(p) for p in pairs[:30]])},
    )  # fmt: skip


def feature_sequence_checks(frames: dict[str, pl.DataFrame]) -> Iterator[dg.AssetCheckResult]:
    problems: list[str] = []
    for key, f in frames.items():
        if not f.height:
            continue
        unknown = [c for c in f.columns if c not in SEQUENCE_INDEX and c not in FEATURE_NAMES]
        if unknown:
            problems.append(f"{key}: non-feature columns {unknown}")
        per = (
            f.sort("ticker", "step")
            .group_by("ticker", maintain_order=True)
            .agg(
                (pl.col("step") == pl.int_range(pl.len())).all().alias("steps_ok"),
                (pl.col("date").diff().drop_nulls() > pl.duration(days=0)).all().alias("rising"),
                (pl.col("date").last() == pl.col("end_date").first()).alias("ends_ok"),
            )
        )
        bad_steps = per.filter(~pl.col("steps_ok")).height
        not_rising = per.filter(~pl.col("rising")).height
        ends = per.filter(~pl.col("ends_ok")).height
        if bad_steps or not_rising or ends:
            problems.append(
                f"{key}: {bad_steps} sequences without steps 0..n-1 once, {not_rising} with "
                f"dates not strictly increasing, {ends} not ending at end_date"
            )
    yield _problems_result(CHECK_FEATURE_SEQUENCES_SHAPE, problems)


def label_checks(frames: dict[str, pl.DataFrame]) -> Iterator[dg.AssetCheckResult]:
    problems: list[str] = []
    for key, f in frames.items():
        if not f.height:
            continue
        wrong = f.filter(
            pl.col("fwd_return").is_not_null() & (pl.col("label_up") != (pl.col("fwd_return") > 0))
        ).height
        dup = f.height - f["ticker"].n_unique()
        if wrong or dup:
            problems.append(f"{key}: {wrong} inconsistent, {dup} duplicate")
        problems += [f"{key}: {p}" for p in schema_mismatches(f, LABELS_SCHEMA)]
    yield _problems_result(CHECK_LABELS_CONSISTENT, problems)
