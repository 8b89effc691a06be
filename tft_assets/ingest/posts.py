"""Posts ingestion: validate, quarantine with reasons, de-duplicate, hash authors, split by day.

Nothing is silently dropped: every input row ends up either in a partition or in the quarantine
with a reason (``rows_in == rows_kept + rows_quarantined``; tests assert it).
Partitions are calendar days of ``created_utc`` in America/New_York.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from tft_assets.ingest.privacy import hash_authors
from tft_assets.schemas import (
    QUARANTINE_SCHEMA,
    RAW_POSTS_SCHEMA,
    SOURCE_POSTS_SCHEMA,
    conform,
    empty_frame,
    ground_truth_columns,
)
from tft_assets.settings import MARKET_TIMEZONE

#: Reddit's own limit for a self-post body; longer text is rejected as oversized.
MAX_TEXT_CHARS = 40_000
#: Extracts the reason code (the stable prefix) from a quarantine reason message.
REASON_CODE_PATTERN = (
    r"^(missing post_id|missing or unparsable created_utc|created_utc outside|oversized text"
    r"|duplicate post_id|duplicate canonical_url|missing ticker or date|non-positive or NaN price"
    r"|high < low|OHLC inconsistent|negative volume|duplicate \(ticker, date\)|not a trading day"
    r"|date outside)"
)


@dataclass(frozen=True)
class IngestResult:
    """Validated rows split by partition key, rejected rows with reasons, and counts."""

    partitions: dict[str, pl.DataFrame]
    quarantine: dict[str, pl.DataFrame]
    stats: Mapping[str, int] = field(default_factory=dict)

    @property
    def quarantined_rows(self) -> int:
        return sum(f.height for f in self.quarantine.values())

    @property
    def kept_rows(self) -> int:
        return sum(f.height for f in self.partitions.values())


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


def _record_json(frame: pl.DataFrame) -> pl.Series:
    """One JSON string per row (for the quarantine ``record`` column)."""
    if frame.height == 0:
        return pl.Series("record", [], dtype=pl.String)
    return pl.Series(
        "record", [json.dumps(r, default=str, ensure_ascii=False) for r in frame.to_dicts()]
    )


def quarantine_frame(
    asset: str, frame: pl.DataFrame, reasons: pl.Series, partitions: pl.Series
) -> pl.DataFrame:
    """Build quarantine rows (schema :data:`QUARANTINE_SCHEMA`) from rejected ``frame`` rows."""
    return pl.DataFrame(
        {
            "asset": [asset] * frame.height,
            "partition": partitions,
            "reason": reasons,
            "record": _record_json(frame),
        },
        schema=QUARANTINE_SCHEMA,
    )


def split_by_key(
    frame: pl.DataFrame, keys: Sequence[str], key_col: str, schema: dict
) -> dict[str, pl.DataFrame]:
    """``{key: rows of frame whose key_col == key}`` for every key (empty frames included)."""
    groups = (
        {k[0]: g.drop(key_col) for k, g in frame.partition_by(key_col, as_dict=True).items()}
        if frame.height
        else {}
    )
    out = {}
    for key in keys:
        out[key] = groups.get(
            key, empty_frame(schema) if not frame.columns else frame.drop(key_col).clear()
        )
    return out


def ingest_posts(
    source_rows: pl.DataFrame,
    partition_keys: Sequence[str],
    *,
    author_salt: str,
    max_text_chars: int = MAX_TEXT_CHARS,
) -> IngestResult:
    """Validate and split source posts into the given daily partitions.

    Args:
        source_rows: rows in :data:`SOURCE_POSTS_SCHEMA` (missing columns become null; ``gt_*`` kept).
        partition_keys: ``YYYY-MM-DD`` keys of this run (America/New_York calendar days).
        author_salt: HMAC key for author hashes.
        max_text_chars: bodies or titles longer than this are quarantined as oversized.

    Returns:
        :class:`IngestResult` whose partitions have :data:`RAW_POSTS_SCHEMA` (+ ``gt_*``), sorted
        by ``(created_utc, post_id)``; quarantine rows carry the original record and a reason.
    """
    keys = list(partition_keys)
    key_set = set(keys)
    df = conform(source_rows, SOURCE_POSTS_SCHEMA).with_columns(
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
        pl.when(pl.col("post_id").is_null() | (pl.col("post_id").str.strip_chars() == ""))
        .then(pl.lit("missing post_id"))
        .when(pl.col("created_utc").is_null())
        .then(pl.lit("missing or unparsable created_utc"))
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
        .then(pl.lit("duplicate post_id ") + first_by_id)
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
            pl.lit("duplicate canonical_url of post ")
            + pl.col("post_id").filter(url_ok).first().over("canonical_url")
        )
        .otherwise(pl.col("_reason"))
        .alias("_reason")
    )
    rejected = pl.concat(
        [df.filter(pl.col("_reason").is_not_null()), valid.filter(pl.col("_reason").is_not_null())]
    )
    kept = valid.filter(pl.col("_reason").is_null())

    gt = ground_truth_columns(kept)
    kept = kept.select(
        [pl.col(c).cast(t) for c, t in RAW_POSTS_SCHEMA.items()]
        + [pl.col(c) for c in gt]
        + ["_partition"]
    )
    kept = kept.sort(["created_utc", "post_id"])

    q_part = rejected.get_column("_partition").fill_null(keys[0] if keys else "unknown")
    q_part = pl.Series(
        [p if p in key_set else (keys[0] if keys else p) for p in q_part.to_list()], dtype=pl.String
    )
    rejected = rejected.with_columns(q_part.alias("_qpartition")).sort("_row")
    quarantine = quarantine_frame(
        "raw_posts",
        rejected.select(
            [c if c != "author" else "author_hash" for c in SOURCE_POSTS_SCHEMA]
            + ground_truth_columns(rejected)
        ),
        rejected.get_column("_reason"),
        rejected.get_column("_qpartition"),
    ).with_columns(pl.col("partition").alias("_partition"))

    stats = {
        "rows_in": df.height,
        "rows_kept": kept.height,
        "rows_quarantined": rejected.height,
        "authors_hashed": int(kept.get_column("author_hash").is_not_null().sum()),
    }
    by_reason = rejected.group_by(pl.col("_reason").str.extract(REASON_CODE_PATTERN)).len()
    stats.update({f"quarantined[{r}]": n for r, n in by_reason.iter_rows()})
    return IngestResult(
        partitions=split_by_key(kept, keys, "_partition", RAW_POSTS_SCHEMA),
        quarantine=split_by_key(quarantine, keys, "_partition", QUARANTINE_SCHEMA),
        stats=stats,
    )


def utc_window(partition_keys: Sequence[str]) -> tuple[dt.datetime, dt.datetime]:
    """``[first day 00:00, day after last 00:00)`` America/New_York, in UTC, for a run's keys."""
    from tft_assets.calendar import day_bounds_utc

    days = sorted(dt.date.fromisoformat(k) for k in partition_keys)
    return day_bounds_utc(days[0])[0], day_bounds_utc(days[-1])[1]
