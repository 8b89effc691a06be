"""The known CSV exports mapped to the contract, one small function per layout.

Every column is read as text; numbers and timestamps are parsed tolerantly by the mapping
(:mod:`tft_assets.sources.columns`). ``reddit_csv`` (Reddit's own field names) goes through
the shared Reddit-JSON mapping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import polars as pl

from tft_assets.sources.archive.formats import ArchiveFormat, Undated
from tft_assets.sources.columns import (
    UTC_DATETIME,
    end_of_market_day,
    ensure_columns,
    integer,
    number,
    posts_contract,
    strip_kind_prefix,
    text,
    timestamp,
)
from tft_assets.sources.reddit_json import reddit_json_to_contract

DERIVED_ID_PREFIX = "hash_"


def _subreddit_from_permalink(url: pl.Expr, post_id: pl.Expr) -> pl.Expr:
    """The subreddit in ``url`` when ``url`` is the post's own permalink
    (``/r/<sub>/comments/<post_id>/``); null for links, galleries and cross-posts."""
    value = url.cast(pl.String, strict=False)
    own = value.str.extract(r"/comments/([0-9a-z]+)", 1) == post_id.cast(pl.String, strict=False)
    return pl.when(own).then(value.str.extract(r"/r/([^/?#]+)/comments/", 1)).otherwise(None)


def _derived_ids(created: pl.Series, body: pl.Series) -> pl.Series:
    """Deterministic ids from content: blake2b (8-byte digest) of created + body, hex.

    hashlib has no vectorised form; this is one C call per value over two Series (polars'
    own ``hash`` is not stable across versions, and ids must be).
    """
    ids = [
        DERIVED_ID_PREFIX
        + hashlib.blake2b(f"{c or ''}\x1f{b or ''}".encode(), digest_size=8).hexdigest()
        for c, b in zip(created.to_list(), body.to_list(), strict=True)
    ]
    return pl.Series("post_id", ids, dtype=pl.String)


def _permalink_submissions(
    df: pl.DataFrame,
    *,
    created: pl.Expr,
    title: str,
    body: str,
    upvote_ratio: pl.Expr,
    num_comments: str,
) -> pl.DataFrame:
    """Submission exports with ``id, url, score``: the subreddit comes from the permalink."""
    return df.select(
        text("id").alias("post_id"),
        pl.lit("submission").alias("kind"),
        _subreddit_from_permalink(pl.col("url"), pl.col("id")).alias("subreddit"),
        created.alias("created_utc"),
        text(title).alias("title"),
        text(body).alias("body"),
        text("url").alias("url"),
        integer(pl.col("score")).alias("score"),
        upvote_ratio.alias("upvote_ratio"),
        integer(pl.col(num_comments)).alias("num_comments"),
    )


def _kaggle(df: pl.DataFrame, undated: Undated) -> pl.DataFrame:
    return _permalink_submissions(
        df,
        created=timestamp(pl.col("created")),
        title="title",
        body="body",
        upvote_ratio=pl.lit(None, dtype=pl.Float64),
        num_comments="comms_num",
    )


def _daily_normalized(df: pl.DataFrame, undated: Undated) -> pl.DataFrame:
    return _permalink_submissions(
        ensure_columns(df, ["upvote_ratio", "num_comments", "score"]),
        created=end_of_market_day(pl.col("date")),
        title="title_normalized",
        body="body_normalized",
        upvote_ratio=number(pl.col("upvote_ratio")),
        num_comments="num_comments",
    )


def _ticker_search_comments(df: pl.DataFrame, undated: Undated) -> pl.DataFrame:
    return df.select(
        pl.lit("comment").alias("kind"),
        timestamp(pl.col("created_utc")).alias("created_utc"),
        text("body").alias("body"),
    ).with_columns(_derived_ids(df["created_utc"], df["body"]))


def _window_created(undated: Undated) -> pl.Expr:
    """``created_utc`` of the window-search exports (they carry no per-item time)."""
    if undated == "window_end":
        return end_of_market_day(pl.col("window_end"))
    return pl.lit(None, dtype=UTC_DATETIME)


def _window_submissions(df: pl.DataFrame, undated: Undated) -> pl.DataFrame:
    return ensure_columns(df, ["subreddit", "link", "num_comments"]).select(
        text("id").alias("post_id"),
        pl.lit("submission").alias("kind"),
        text("subreddit").alias("subreddit"),
        _window_created(undated).alias("created_utc"),
        text("title").alias("title"),
        text("selftext").alias("body"),
        text("link").alias("url"),
        integer(pl.col("num_comments")).alias("num_comments"),
    )


def _window_comments(df: pl.DataFrame, undated: Undated) -> pl.DataFrame:
    return df.select(
        text("id").alias("post_id"),
        pl.lit("comment").alias("kind"),
        strip_kind_prefix(pl.col("parent_id")).alias("parent_id"),
        _window_created(undated).alias("created_utc"),
        text("body").alias("body"),
    )


#: CSV format -> its column mapping (lower-cased header in, mapped columns out).
CSV_MAPPINGS: dict[str, Callable[[pl.DataFrame, Undated], pl.DataFrame]] = {
    "kaggle_csv": _kaggle,
    "daily_normalized_csv": _daily_normalized,
    "ticker_search_comments_csv": _ticker_search_comments,
    "window_submissions_csv": _window_submissions,
    "window_comments_csv": _window_comments,
}


def map_csv(
    df: pl.DataFrame, fmt: ArchiveFormat, *, source: str, undated: Undated, subreddit: str | None
) -> pl.DataFrame:
    """A CSV export (every column text) of format ``fmt`` as a contract frame."""
    df = df.rename({c: c.strip().lower() for c in df.columns})
    if fmt == "reddit_csv":
        return reddit_json_to_contract(df, source=source, subreddit=subreddit)
    mapping = CSV_MAPPINGS.get(fmt)
    if mapping is None:  # pragma: no cover - detect_format only returns known formats
        raise ValueError(f"not a CSV format: {fmt}")
    return posts_contract(mapping(df, undated), source, subreddit)
