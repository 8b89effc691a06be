"""Posts ingestion: validate, quarantine with reasons, de-duplicate, hash authors, split by day.

Nothing is silently dropped: every input row ends up either in a partition or in the quarantine
with a reason (``rows_in == rows_kept + rows_quarantined``; tests assert it).
Partitions are calendar days of ``created_utc`` in America/New_York.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from tft_assets.ingest.privacy import hash_authors
from tft_assets.ingest.results import (
    AFTER_LAST_PARTITION,
    BEFORE_FIRST_PARTITION,
    IngestResult,
    split_checked_rows,
)
from tft_assets.schemas import (
    ARCHIVE_POSTS_SCHEMA,
    PARSE_ERROR,
    RAW_POSTS_SCHEMA,
    SOURCE_POSTS_SCHEMA,
    conform,
)
from tft_assets.settings import MARKET_TIMEZONE

#: Reddit's own limit for a self-post body; longer text is rejected as oversized.
MAX_TEXT_CHARS = 40_000
#: A post id: Reddit's base36 ids, the derived ``hash_<hex>`` ids and other exporters' plain
#: identifiers (letters, digits, ``_ . : -``), at most 100 characters. Anything else (blanks or
#: control characters inside, a JSON object, a paragraph) is not an id.
POST_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,100}$"


def canonical_url_expr(col: str = "url") -> pl.Expr:
    """Canonical form of a URL: lower-case scheme/host, no ``www.``/``old.``/``np.``/``m.``,
    no query string tracking parameters, no fragment, no trailing slash.
    ``https://old.reddit.com/r/x/comments/ab/t/?utm_source=share`` and
    ``http://www.reddit.com/r/x/comments/ab/t`` map to the same string.
    """
    u = pl.col(col).str.strip_chars()
    return (
        u.str.replace(r"^[A-Za-z]+://", "")
        .str.replace(r"#.*$", "")
        .str.replace(r"\?.*$", "")
        .str.replace(r"^(?i)(www\.|old\.|new\.|np\.|m\.|i\.)", "")
        .str.replace(r"/+$", "")
        .str.to_lowercase()
        .alias("canonical_url")
    )


def ingest_posts(
    source_rows: pl.DataFrame,
    partition_keys: Sequence[str],
    *,
    author_salt: str,
    max_text_chars: int = MAX_TEXT_CHARS,
    first_partition: str | None = None,
    last_partition: str | None = None,
) -> IngestResult:
    """Validate and split source posts into the given daily partitions.

    Args:
        source_rows: rows in :data:`SOURCE_POSTS_SCHEMA` (missing columns become null; ``gt_*`` kept).
        partition_keys: ``YYYY-MM-DD`` keys of this run (America/New_York calendar days).
        author_salt: HMAC key for author hashes.
        max_text_chars: bodies or titles longer than this are quarantined as oversized.
        first_partition: the asset's first partition key: a post dated before it can never be
            stored, and is quarantined as ``before the first partition`` (not silently left out).
        last_partition: the asset's last partition key: a post dated after it (in the future)
            is quarantined as ``after the last partition``.

    Returns:
        :class:`IngestResult` whose partitions have :data:`RAW_POSTS_SCHEMA` (+ ``gt_*``), sorted
        by ``(created_utc, post_id)``; quarantine rows carry the original record and a reason.
    """
    keys = list(partition_keys)
    key_set = set(keys)
    df = conform(source_rows, ARCHIVE_POSTS_SCHEMA).with_columns(
        pl.col("created_utc")
        .dt.convert_time_zone(MARKET_TIMEZONE)
        .dt.date()
        .cast(pl.String)
        .alias("_partition"),
        pl.int_range(pl.len()).alias("_row"),
    )
    text_len = pl.max_horizontal(
        pl.col("body").str.len_chars().fill_null(0), pl.col("title").str.len_chars().fill_null(0)
    )
    reason = (
        pl.when(pl.col(PARSE_ERROR).is_not_null())
        .then(pl.col(PARSE_ERROR))
        .when(pl.col("post_id").is_null() | (pl.col("post_id").str.strip_chars() == ""))
        .then(pl.lit("missing post_id"))
        .when(~pl.col("post_id").str.contains(POST_ID_PATTERN))
        .then(pl.lit("invalid post_id"))
        .when(pl.col("created_utc").is_null())
        .then(pl.lit("missing or unparsable created_utc"))
        .when(pl.col("_partition") < (first_partition or ""))
        .then(pl.lit(BEFORE_FIRST_PARTITION) + pl.col("_partition"))
        .when(pl.col("_partition") > (last_partition or "9999-12-31"))
        .then(pl.lit(AFTER_LAST_PARTITION) + pl.col("_partition"))
        .when(~pl.col("_partition").is_in(list(key_set)))
        .then(pl.lit("created_utc outside the run's partitions: ") + pl.col("_partition"))
        .when(text_len > max_text_chars)
        .then(
            pl.lit(f"oversized text: more than {max_text_chars} characters (")
            + text_len.cast(pl.String)
            + pl.lit(")")
        )
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_reason")
    )
    df = df.with_columns(
        reason, canonical_url_expr("url"), hash_authors(df.get_column("author"), author_salt)
    ).drop("author")
    # De-duplicate valid rows: by id, then by canonical URL (earliest post wins, ties by id).
    valid = df.filter(pl.col("_reason").is_null()).sort(["created_utc", "post_id", "_row"])
    first_by_id = pl.col("post_id").first().over("post_id")
    valid = valid.with_columns(
        pl.when(pl.col("_row") != pl.col("_row").first().over("post_id"))
        .then(pl.lit("duplicate post_id: ") + first_by_id)
        .alias("_reason")
    )
    url_ok = (
        pl.col("canonical_url").is_not_null()
        & (pl.col("canonical_url") != "")
        & pl.col("_reason").is_null()
    )
    first_url_row = pl.col("_row").filter(url_ok).first().over("canonical_url")
    valid = valid.with_columns(
        pl.when(url_ok & (pl.col("_row") != first_url_row))
        .then(
            pl.lit("duplicate canonical_url: first seen as post ")
            + pl.col("post_id").filter(url_ok).first().over("canonical_url")
        )
        .otherwise(pl.col("_reason"))
        .alias("_reason")
    )
    return split_checked_rows(
        df,
        valid,
        asset="raw_posts",
        partition_keys=keys,
        raw_schema=RAW_POSTS_SCHEMA,
        sort_by=["created_utc", "post_id"],
        record_columns=[c if c != "author" else "author_hash" for c in SOURCE_POSTS_SCHEMA],
        extra_stats=_author_stats,
    )


def _author_stats(kept: pl.DataFrame) -> dict[str, int]:
    return {"authors_hashed": int(kept.get_column("author_hash").is_not_null().sum())}


def utc_window(partition_keys: Sequence[str]) -> tuple[dt.datetime, dt.datetime]:
    """``[first day 00:00, day after last 00:00)`` America/New_York, in UTC, for a run's keys."""
    from tft_assets.calendar import day_bounds_utc

    days = sorted(dt.date.fromisoformat(k) for k in partition_keys)
    return day_bounds_utc(days[0])[0], day_bounds_utc(days[-1])[1]
