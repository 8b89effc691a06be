"""Prices ingestion: validate OHLCV bars, quarantine bad ones with a reason, split by day.

Partitions are trading dates. A partition key that is not an NYSE session gets an empty frame
(the asset says so in metadata); a bar dated on a non-session is quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tft_assets.ingest.results import (
    AFTER_LAST_PARTITION,
    BEFORE_FIRST_PARTITION,
    IngestResult,
    split_checked_rows,
)
from tft_assets.schemas import RAW_PRICES_SCHEMA, SOURCE_PRICES_SCHEMA, conform

#: A market symbol after trimming and upper-casing: letters, digits and the separators Yahoo
#: uses (``BRK-B``, ``BF.B``, ``^GSPC``, ``EURUSD=X``, ``BRK/B``), at most 24 characters. Anything
#: else (blanks or control characters inside, other scripts, a paragraph) is not a ticker.
TICKER_PATTERN = r"^[A-Z0-9^][A-Z0-9.\-=^/]{0,23}$"


def ingest_prices(
    source_rows: pl.DataFrame,
    partition_keys: Sequence[str],
    trading_days: Sequence[str],
    first_partition: str | None = None,
    last_partition: str | None = None,
) -> IngestResult:
    """Validate bars and split them into the given daily partitions.

    Args:
        source_rows: rows in :data:`SOURCE_PRICES_SCHEMA` (``gt_*`` kept).
        partition_keys: ``YYYY-MM-DD`` keys of this run.
        trading_days: the NYSE sessions among ``partition_keys``.
        first_partition: the asset's first partition key: a row dated before it can never be
            stored, and is quarantined as ``before the first partition`` (not silently left out).
        last_partition: the asset's last partition key: a row dated after it (in the future)
            is quarantined as ``after the last partition``.

    Rejects (reason per row): missing ticker/date, a ticker that is not a symbol (see
    :data:`TICKER_PATTERN`), a NaN, infinite or non-positive price, ``high < low``,
    open/close outside ``[low, high]``, a NaN, infinite or non-positive split ratio, a
    missing or negative volume, a repeated ``(ticker, date)``, a date that is not a session,
    a date outside the run.
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
        .when(~pl.col("ticker").str.contains(TICKER_PATTERN))
        .then(pl.lit("invalid ticker"))
        .when(pl.col("_partition") < (first_partition or ""))
        .then(pl.lit(BEFORE_FIRST_PARTITION) + pl.col("_partition"))
        .when(pl.col("_partition") > (last_partition or "9999-12-31"))
        .then(pl.lit(AFTER_LAST_PARTITION) + pl.col("_partition"))
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
        .when(
            pl.col("split_ratio").is_nan()
            | pl.col("split_ratio").is_infinite()
            | (pl.col("split_ratio") <= 0)
        )
        .then(pl.lit("invalid split ratio"))
        .when(pl.col("volume").is_null())
        .then(pl.lit("missing volume"))
        .when(pl.col("volume") < 0)
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
    return split_checked_rows(
        df,
        valid,
        asset="raw_prices",
        partition_keys=keys,
        raw_schema=RAW_PRICES_SCHEMA,
        sort_by=["date", "ticker"],
        record_columns=list(SOURCE_PRICES_SCHEMA),
    )
