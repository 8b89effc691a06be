"""Prices ingestion: validate OHLCV bars, quarantine bad ones with a reason, split by day.

Partitions are trading dates. A partition key that is not an NYSE session gets an empty frame
(the asset says so in metadata); a bar dated on a non-session is quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tft_assets.ingest.posts import (
    REASON_CODE_PATTERN,
    IngestResult,
    quarantine_frame,
    split_by_key,
)
from tft_assets.schemas import (
    QUARANTINE_SCHEMA,
    RAW_PRICES_SCHEMA,
    SOURCE_PRICES_SCHEMA,
    conform,
    ground_truth_columns,
)


def ingest_prices(
    source_rows: pl.DataFrame, partition_keys: Sequence[str], trading_days: Sequence[str]
) -> IngestResult:
    """Validate bars and split them into the given daily partitions.

    Args:
        source_rows: rows in :data:`SOURCE_PRICES_SCHEMA` (``gt_*`` kept).
        partition_keys: ``YYYY-MM-DD`` keys of this run.
        trading_days: the NYSE sessions among ``partition_keys``.

    Rejects (reason per row): missing ticker/date, a NaN, infinite or non-positive price,
    ``high < low``, open/close outside ``[low, high]``, negative volume, a repeated
    ``(ticker, date)``, a date that is not a session, a date outside the run.
    """
    keys = list(partition_keys)
    sessions = set(trading_days)
    df = conform(source_rows, SOURCE_PRICES_SCHEMA).with_columns(
        pl.col("ticker").str.strip_chars().str.to_uppercase(),
        pl.col("date").cast(pl.String).alias("_partition"),
        pl.col("adj_close").fill_null(pl.col("close")),
        pl.col("split_ratio").fill_null(1.0),
        pl.int_range(pl.len()).alias("_row"),
    )
    prices = ["open", "high", "low", "close", "adj_close"]
    bad_price = pl.any_horizontal(
        [
            pl.col(c).is_null() | pl.col(c).is_nan() | pl.col(c).is_infinite() | (pl.col(c) <= 0)
            for c in prices
        ]
    )
    reason = (
        pl.when(pl.col("ticker").is_null() | (pl.col("ticker") == "") | pl.col("date").is_null())
        .then(pl.lit("missing ticker or date"))
        .when(~pl.col("_partition").is_in(keys))
        .then(pl.lit("date outside the run's partitions: ") + pl.col("_partition"))
        .when(~pl.col("_partition").is_in(list(sessions)))
        .then(pl.lit("not a trading day: ") + pl.col("_partition"))
        .when(bad_price)
        .then(pl.lit("non-positive or NaN price"))
        .when(pl.col("high") < pl.col("low"))
        .then(pl.lit("high < low"))
        .when(
            (pl.col("high") < pl.max_horizontal("open", "close"))
            | (pl.col("low") > pl.min_horizontal("open", "close"))
        )
        .then(pl.lit("OHLC inconsistent: open/close outside [low, high]"))
        .when(pl.col("volume").is_null() | (pl.col("volume") < 0))
        .then(pl.lit("negative volume"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_reason")
    )
    df = df.with_columns(reason)
    valid = df.filter(pl.col("_reason").is_null()).with_columns(
        pl.when(pl.col("_row") != pl.col("_row").first().over("ticker", "date"))
        .then(pl.lit("duplicate (ticker, date)"))
        .alias("_reason")
    )
    rejected = pl.concat(
        [df.filter(pl.col("_reason").is_not_null()), valid.filter(pl.col("_reason").is_not_null())]
    ).sort("_row")
    kept = valid.filter(pl.col("_reason").is_null())
    gt = ground_truth_columns(kept)
    kept = kept.select(
        [pl.col(c).cast(t) for c, t in RAW_PRICES_SCHEMA.items()]
        + [pl.col(c) for c in gt]
        + ["_partition"]
    ).sort(["date", "ticker"])
    fallback = keys[0] if keys else "unknown"
    q_part = pl.Series(
        [
            p if p in keys else fallback
            for p in rejected.get_column("_partition").fill_null(fallback).to_list()
        ],
        dtype=pl.String,
    )
    quarantine = quarantine_frame(
        "raw_prices",
        rejected.select(list(SOURCE_PRICES_SCHEMA) + ground_truth_columns(rejected)),
        rejected.get_column("_reason"),
        q_part,
    ).with_columns(pl.col("partition").alias("_partition"))
    stats = {"rows_in": df.height, "rows_kept": kept.height, "rows_quarantined": rejected.height}
    by_reason = rejected.group_by(pl.col("_reason").str.extract(REASON_CODE_PATTERN)).len()
    stats.update({f"quarantined[{r}]": n for r, n in by_reason.iter_rows()})
    return IngestResult(
        partitions=split_by_key(kept, keys, "_partition", RAW_PRICES_SCHEMA),
        quarantine=split_by_key(quarantine, keys, "_partition", QUARANTINE_SCHEMA),
        stats=stats,
    )
