"""The one mapping from Reddit's JSON fields to :data:`SOURCE_POSTS_SCHEMA`.

Reddit's API (through praw), Pushshift / Arctic-Shift dumps and Reddit-style CSV or Parquet
exports all describe submissions (``t3``) and comments (``t1``) with the same field names;
:func:`reddit_json_to_contract` maps a frame of those fields, and :func:`records_frame` builds
such a frame from the API's JSON records. :data:`REDDIT_JSON_COLUMN_MAPPING` documents the
mapping column by column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from tft_assets.sources.columns import (
    blank_to_null,
    ensure_columns,
    integer,
    number,
    posts_contract,
    strip_kind_prefix,
    text,
    timestamps,
)

REDDIT_WWW = "https://www.reddit.com"

#: Reddit JSON fields read (everything else on a record is skipped).
REDDIT_JSON_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "link_id",
    "parent_id",
    "subreddit",
    "author",
    "created_utc",
    "title",
    "selftext",
    "body",
    "url",
    "permalink",
    "score",
    "upvote_ratio",
    "num_comments",
)

#: Contract column -> the Reddit JSON field(s) it comes from.
REDDIT_JSON_COLUMN_MAPPING: dict[str, str] = {
    "post_id": "`id` (else `name` without t1_/t3_)",
    "kind": "comment if `link_id` set or `name` is t1_*; submission if `title` or t3_*; else from file name (RC_/comments -> comment)",
    "parent_id": "comments: `link_id` without t3_ (the submission); submissions: null",
    "subreddit": "`subreddit`",
    "author": "`author`",
    "created_utc": "`created_utc` epoch seconds (int, float or string; ms if > 1e11) or ISO-8601",
    "title": "`title`",
    "body": "`selftext` (submissions) / `body` (comments)",
    "url": "`url`, else https://www.reddit.com + `permalink`",
    "score": "`score`",
    "upvote_ratio": "`upvote_ratio`",
    "num_comments": "`num_comments`",
}


def records_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Reddit JSON records -> a frame of :data:`REDDIT_JSON_FIELDS` as text."""
    columns = {
        name: [None if r.get(name) is None else str(r.get(name)) for r in records]
        for name in REDDIT_JSON_FIELDS
    }
    return pl.DataFrame(columns, schema={name: pl.String for name in REDDIT_JSON_FIELDS})


def _is_comment(default_kind: str) -> pl.Expr:
    """A comment if it names a submission (``link_id``) or is a t1; a submission if titled
    or a t3; else ``default_kind``."""
    name = text("name")
    return (
        pl.when(blank_to_null(pl.col("link_id")).is_not_null() | name.str.starts_with("t1_"))
        .then(True)
        .when(text("title").is_not_null() | name.str.starts_with("t3_"))
        .then(False)
        .otherwise(default_kind == "comment")
    )


def _permalink_url() -> pl.Expr:
    permalink = text("permalink")
    return (
        pl.when(permalink.str.starts_with("http"))
        .then(permalink)
        .otherwise(pl.lit(REDDIT_WWW) + permalink)
    )


def reddit_json_to_contract(
    df: pl.DataFrame,
    *,
    source: str,
    default_kind: str = "submission",
    subreddit: str | None = None,
) -> pl.DataFrame:
    """Map a frame of Reddit JSON fields (:data:`REDDIT_JSON_FIELDS`, any dtype) to the contract.

    Shared by the NDJSON dumps, Reddit-style CSV/Parquet and the live Reddit source.
    """
    df = ensure_columns(df, REDDIT_JSON_FIELDS)
    df = df.with_columns(timestamps(df, "created_utc").alias("_created"))
    is_comment = _is_comment(default_kind)
    link_id = blank_to_null(pl.col("link_id"))
    mapped = df.select(
        pl.coalesce(blank_to_null(pl.col("id")), strip_kind_prefix(pl.col("name"))).alias(
            "post_id"
        ),
        pl.when(is_comment).then(pl.lit("comment")).otherwise(pl.lit("submission")).alias("kind"),
        pl.when(is_comment)
        .then(pl.coalesce(strip_kind_prefix(link_id), strip_kind_prefix(pl.col("parent_id"))))
        .otherwise(None)
        .alias("parent_id"),
        text("subreddit").alias("subreddit"),
        text("author").alias("author"),
        pl.col("_created").alias("created_utc"),
        text("title").alias("title"),
        pl.when(is_comment)
        .then(pl.coalesce(text("body"), text("selftext")))
        .otherwise(pl.coalesce(text("selftext"), text("body")))
        .alias("body"),
        pl.coalesce(blank_to_null(pl.col("url")), _permalink_url()).alias("url"),
        integer(pl.col("score")).alias("score"),
        number(pl.col("upvote_ratio")).alias("upvote_ratio"),
        integer(pl.col("num_comments")).alias("num_comments"),
        # set by the NDJSON reader on a line that is not a JSON object
        *([pl.col("parse_error").cast(pl.String)] if "parse_error" in df.columns else []),
    )
    return posts_contract(mapped, source, subreddit)
