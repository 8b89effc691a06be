"""Tolerant column expressions that turn source text into contract columns (vectorised).

Shared by the archive readers and the Reddit-JSON mapping: whatever a column holds (text,
numbers, nulls), an unparsable value becomes null, never an error. Validation is left to
ingestion.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tft_assets.schemas import ARCHIVE_POSTS_SCHEMA, PARSE_ERROR, SOURCE_POSTS_SCHEMA, conform
from tft_assets.settings import MARKET_TIMEZONE

UTC_DATETIME = pl.Datetime("us", "UTC")


def text(name: str) -> pl.Expr:
    """Column ``name`` as text."""
    return pl.col(name).cast(pl.String, strict=False)


def integer(expr: pl.Expr) -> pl.Expr:
    """Integer from strings like "7", "7.0", " -3 "; unparsable -> null."""
    as_float = expr.cast(pl.String, strict=False).str.strip_chars().cast(pl.Float64, strict=False)
    return (
        pl.when(as_float.is_finite())
        .then(as_float.round(0))
        .otherwise(None)
        .cast(pl.Int64, strict=False)
    )


def number(expr: pl.Expr) -> pl.Expr:
    """Float from text (surrounding blanks allowed); unparsable -> null."""
    return expr.cast(pl.String, strict=False).str.strip_chars().cast(pl.Float64, strict=False)


def epoch_timestamp(value: pl.Expr) -> pl.Expr:
    """UTC datetime from epoch seconds (ms when > 1e11) given as text; else null."""
    epoch = value.cast(pl.Float64, strict=False)
    epoch_us = (
        pl.when(epoch.abs() > 1e11).then(epoch * 1_000.0).otherwise(epoch * 1_000_000.0)
    ).round(0)
    return (
        pl.when(epoch.is_finite() & (epoch_us.abs() < 1e17))
        .then(epoch_us)
        .otherwise(None)
        .cast(pl.Int64, strict=False)
        .cast(UTC_DATETIME)
    )


def timestamp(expr: pl.Expr) -> pl.Expr:
    """UTC datetime from epoch seconds (ms when > 1e11), or ISO-8601 text; else null."""
    value = expr.cast(pl.String, strict=False).str.strip_chars()
    iso = value.str.replace(r"Z$", "+00:00").str.replace("T", " ", literal=True)
    naive = iso.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
    aware = iso.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_unit="us")
    return pl.coalesce(
        epoch_timestamp(value),
        aware.dt.convert_time_zone("UTC"),
        naive.dt.replace_time_zone("UTC"),
    )


def timestamps(df: pl.DataFrame, column: str) -> pl.Series:
    """:func:`timestamp` of ``df[column]``, skipping the (costly) ISO parsers when every
    non-blank value is an epoch, as in Reddit dumps."""
    value = pl.col(column).cast(pl.String, strict=False).str.strip_chars()
    quick = df.select(
        epoch_timestamp(value).alias("created_utc"),
        (value.is_not_null() & (value != "")).alias("_present"),
    )
    if (quick["_present"] & quick["created_utc"].is_null()).any():
        return df.select(timestamp(pl.col(column)).alias("created_utc")).to_series()
    return quick["created_utc"]


def end_of_market_day(expr: pl.Expr) -> pl.Expr:
    """23:59:59 America/New_York of a ``YYYY-MM-DD`` date, in UTC (null if unparsable)."""
    day = expr.cast(pl.String, strict=False).str.strip_chars().str.slice(0, 10)
    local = day.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    return (
        (local + pl.duration(hours=23, minutes=59, seconds=59))
        .dt.replace_time_zone(MARKET_TIMEZONE, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def strip_kind_prefix(expr: pl.Expr) -> pl.Expr:
    """A Reddit fullname without its kind prefix (``t3_abc`` -> ``abc``)."""
    return expr.cast(pl.String, strict=False).str.replace(r"^t\d_", "")


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Text with blank values as null."""
    value = expr.cast(pl.String, strict=False)
    return pl.when(value.str.strip_chars() == "").then(None).otherwise(value)


def ensure_columns(df: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``df`` with every column of ``names`` it lacks added as null text."""
    missing = [pl.lit(None, dtype=pl.String).alias(n) for n in names if n not in df.columns]
    return df.with_columns(missing) if missing else df


def posts_contract(df: pl.DataFrame, source: str, subreddit: str | None) -> pl.DataFrame:
    """Mapped posts conformed to :data:`SOURCE_POSTS_SCHEMA`, stamped with ``source``;
    ``subreddit`` (if given) fills a missing subreddit. A ``parse_error`` column (archive
    readers) is kept."""
    out = df.with_columns(pl.lit(source, dtype=pl.String).alias("source"))
    if subreddit is not None:
        out = ensure_columns(out, ["subreddit"]).with_columns(
            pl.col("subreddit").fill_null(pl.lit(subreddit))
        )
    schema = ARCHIVE_POSTS_SCHEMA if PARSE_ERROR in out.columns else SOURCE_POSTS_SCHEMA
    return conform(out, schema, keep_ground_truth=False)
