"""Archived Reddit posts (dumps and exports) mapped to :data:`SOURCE_POSTS_SCHEMA`.

The reader maps columns and nothing else: it never validates, dedupes or hashes authors
(ingestion does that and quarantines what fails). Unparsable timestamps and numbers become
null; fields a format lacks are null. ``source`` is ``"archive:<file name>"``.

Formats (detected from the file extension, then the first line / CSV header):

``reddit_ndjson``
    Pushshift / Arctic-Shift dumps: one Reddit JSON object per line, submissions (t3) and
    comments (t1), plain, ``.gz`` or ``.zst``. Streamed in batches with bounded memory (a
    ``.zst`` dump is decompressed with zstandard's stream reader, ``max_window_size=2**31`` as
    the Pushshift ``--long=31`` dumps need). Only the fields below are parsed; the dozens of
    other keys are skipped. A line that is not valid JSON becomes a row whose fields are all
    null except ``body`` (the raw line), so ingestion quarantines it rather than it vanishing.
``kaggle_csv``
    "Reddit WallStreetBets Posts" layout: ``title, score, id, url, comms_num, created, body,
    timestamp``. ``timestamp`` is ignored: it is a naive wall-clock time of the exporter's zone
    (8 h off UTC in the shipped file); ``created`` (epoch seconds) is used.
``daily_normalized_csv``
    ``id, date, day_epoch_est_midnight, title_normalized, body_normalized, flair, score,
    upvote_ratio, num_comments, url, ticker_auto``. The source keeps the day only, so
    ``created_utc`` is stamped at 23:59:59 America/New_York of ``date``: the latest instant
    the post can have existed, so it never reaches a feature before it was written (the
    information cutoff stays honest; the cost is that same-day posts count for the next
    session). Text was lowercased and stripped of digits by that source.
``ticker_search_comments_csv``
    ``ticker_query, created_utc, body`` (Pushshift comment search results). No ids: ``post_id``
    is derived as ``"hash_" + blake2b-64(created_utc, body)`` hex, deterministic, so the same
    comment found by two ticker queries gets the same id and dedupes at ingestion.
    ``parent_id`` and ``subreddit`` are unknown (pass ``subreddit=`` to fill the latter).
``window_submissions_csv`` / ``window_comments_csv``
    Pushshift keyword-search exports with ``query_keyword, window_start, window_end`` and no
    per-item timestamp or score. ``created_utc`` is null by default (ingestion quarantines
    those rows with that reason); ``undated="window_end"`` stamps them at 23:59:59
    America/New_York of ``window_end`` instead (the latest possible time, same reasoning as
    above). For comments, ``parent_id`` is the file's prefix-less parent, which may be a
    comment rather than the submission.
``reddit_csv``
    Any other CSV whose header has Reddit's own field names (``id`` and ``created_utc``):
    mapped like NDJSON.
``contract_parquet`` / ``reddit_parquet``
    Parquet already in contract form (has ``post_id``) is conformed to the schema; Parquet with
    Reddit field names is mapped like NDJSON. Read batch by batch (row groups).

CSV files (plain, ``.gz``, ``.zst``) are read whole and yielded in batches: exports are
megabytes; the multi-gigabyte dumps are NDJSON and are streamed.

:data:`ARCHIVE_COLUMN_MAPPING` is the same mapping as a table (``archive_mapping_markdown``
renders it for the README).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import polars as pl

from tft_assets.schemas import SOURCE_POSTS_SCHEMA, conform, empty_frame
from tft_assets.sources.base import Fetched

ArchiveFormat = Literal[
    "reddit_ndjson",
    "kaggle_csv",
    "daily_normalized_csv",
    "ticker_search_comments_csv",
    "window_submissions_csv",
    "window_comments_csv",
    "reddit_csv",
    "contract_parquet",
    "reddit_parquet",
]
Undated = Literal["null", "window_end"]

DEFAULT_BATCH_ROWS = 50_000
#: Upper bound on the decompressed bytes parsed at once (bounds memory for wide dump lines).
DEFAULT_BATCH_BYTES = 32 * 1024 * 1024
_READ_CHUNK_BYTES = 1024 * 1024
#: Pushshift dumps are compressed with ``zstd --long=31``.
ZSTD_MAX_WINDOW_BYTES = 2**31
DERIVED_ID_PREFIX = "hash_"
REDDIT_WWW = "https://www.reddit.com"
MARKET_TIMEZONE = "America/New_York"

#: Reddit JSON fields read from dumps (everything else on the line is skipped).
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

#: Contract column -> how each format fills it ("null" = not in the source).
ARCHIVE_COLUMN_MAPPING: dict[str, dict[str, str]] = {
    "reddit_ndjson / reddit_csv / reddit_parquet": {
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
    },
    "kaggle_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "from `url` when it is the post's own permalink, else null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`created` epoch seconds (`timestamp` ignored: naive local time)",
        "title": "`title`",
        "body": "`body`",
        "url": "`url`",
        "score": "`score`",
        "upvote_ratio": "null",
        "num_comments": "`comms_num`",
    },
    "daily_normalized_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "from `url` when it is the post's own permalink, else null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`date` at 23:59:59 America/New_York (day resolution only)",
        "title": "`title_normalized`",
        "body": "`body_normalized`",
        "url": "`url`",
        "score": "`score`",
        "upvote_ratio": "`upvote_ratio`",
        "num_comments": "`num_comments`",
    },
    "ticker_search_comments_csv": {
        "post_id": "derived: hash_ + blake2b-64 hex of (`created_utc`, `body`)",
        "kind": "comment",
        "parent_id": "null",
        "subreddit": "null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "`created_utc` (YYYY-MM-DD HH:MM:SS, UTC)",
        "title": "null",
        "body": "`body`",
        "url": "null",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "null",
    },
    "window_submissions_csv": {
        "post_id": "`id`",
        "kind": "submission",
        "parent_id": "null",
        "subreddit": "`subreddit`",
        "author": "null",
        "created_utc": "null (or `window_end` at 23:59:59 America/New_York with undated='window_end')",
        "title": "`title`",
        "body": "`selftext`",
        "url": "`link`",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "`num_comments`",
    },
    "window_comments_csv": {
        "post_id": "`id`",
        "kind": "comment",
        "parent_id": "`parent_id` (prefix-less; may be a comment id)",
        "subreddit": "null (or the `subreddit=` argument)",
        "author": "null",
        "created_utc": "null (or `window_end` at 23:59:59 America/New_York with undated='window_end')",
        "title": "null",
        "body": "`body`",
        "url": "null",
        "score": "null",
        "upvote_ratio": "null",
        "num_comments": "null",
    },
    "contract_parquet": {
        "*": "columns of SOURCE_POSTS_SCHEMA taken by name and cast; missing ones null",
    },
}

_FORMAT_NOTES: dict[str, str] = {
    "daily_normalized_csv": "day-resolution timestamps stamped at 23:59:59 America/New_York; text normalized by the source",
    "ticker_search_comments_csv": "no ids in the file: post_id derived from a content hash; no parent_id",
    "window_submissions_csv": "no per-item timestamps or scores in the file",
    "window_comments_csv": "no per-item timestamps or scores in the file; parent_id may be a comment",
    "kaggle_csv": "no author or upvote_ratio in the file",
}


@dataclass
class ArchiveStats:
    """What a read saw (filled in while iterating)."""

    format: str = ""
    rows: int = 0
    batches: int = 0
    malformed_lines: int = 0
    bytes_read: int = 0


def archive_mapping_markdown() -> str:
    """:data:`ARCHIVE_COLUMN_MAPPING` as a Markdown table (formats as columns)."""
    formats = [f for f in ARCHIVE_COLUMN_MAPPING if f != "contract_parquet"]
    header = "| column | " + " | ".join(formats) + " |"
    sep = "|---|" + "---|" * len(formats)
    rows = [
        f"| `{col}` | " + " | ".join(ARCHIVE_COLUMN_MAPPING[f][col] for f in formats) + " |"
        for col in SOURCE_POSTS_SCHEMA
        if col != "source"
    ]
    footer = (
        "\n\nEvery format: `source` = `archive:<file name>`. Parquet already in contract form "
        "(`contract_parquet`): " + ARCHIVE_COLUMN_MAPPING["contract_parquet"]["*"] + "."
    )
    return "\n".join([header, sep, *rows]) + footer


# --------------------------------------------------------------------------------------------
# Format detection and opening
# --------------------------------------------------------------------------------------------


def _compression(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {".zst": "zst", ".zstd": "zst", ".gz": "gz", ".gzip": "gz"}.get(suffix)


def _open_binary(path: Path) -> BinaryIO:
    """A decompressing binary stream over ``path`` (never reads the file whole)."""
    kind = _compression(path)
    if kind == "zst":
        import zstandard

        raw = open(path, "rb")  # noqa: SIM115 - closed by the stream reader (closefd)
        reader = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW_BYTES).stream_reader(
            raw, read_size=_READ_CHUNK_BYTES, closefd=True
        )
        return reader  # type: ignore[return-value]
    if kind == "gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def _first_line(path: Path, limit_bytes: int = 1 << 16) -> bytes:
    with _open_binary(path) as fh:
        head = fh.read(limit_bytes)
    return head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")


def _csv_header(line: bytes) -> set[str]:
    import csv

    cells = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
    return {c.strip().lower() for c in cells}


def detect_format(path: str | Path) -> ArchiveFormat:
    """The archive format of ``path`` (extension first, then the first line / header)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"archive file not found: {path}")
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        cols = set(pq.ParquetFile(path).schema_arrow.names)
        if "post_id" in cols:
            return "contract_parquet"
        if "id" in cols:
            return "reddit_parquet"
        raise ValueError(f"{path.name}: Parquet has neither post_id nor id columns: {sorted(cols)}")
    line = _first_line(path)
    if line.startswith(b"{"):
        return "reddit_ndjson"
    if not line:
        # An empty dump is still a dump; an empty CSV has no header to go by.
        return "reddit_ndjson"
    header = _csv_header(line)
    if {"title", "score", "id", "url", "comms_num", "created", "body"} <= header:
        return "kaggle_csv"
    if {"id", "date", "day_epoch_est_midnight", "title_normalized"} <= header:
        return "daily_normalized_csv"
    if {"ticker_query", "created_utc", "body"} <= header and "id" not in header:
        return "ticker_search_comments_csv"
    if {"window_start", "window_end", "id", "title", "selftext"} <= header:
        return "window_submissions_csv"
    if {"window_start", "window_end", "id", "parent_id", "body"} <= header:
        return "window_comments_csv"
    if {"id", "created_utc"} <= header:
        return "reddit_csv"
    raise ValueError(
        f"{path.name}: unrecognised archive layout (header: {', '.join(sorted(header)) or 'empty'}); "
        "expected Reddit NDJSON, a known CSV export or Parquet"
    )


def format_note(fmt: str) -> str | None:
    """A one-line caveat about what ``fmt`` lacks, or None."""
    return _FORMAT_NOTES.get(fmt)


# --------------------------------------------------------------------------------------------
# Column expressions (vectorised)
# --------------------------------------------------------------------------------------------

_UTC = pl.Datetime("us", "UTC")


def _str(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String, strict=False)


def _int(expr: pl.Expr) -> pl.Expr:
    """Integer from strings like "7", "7.0", " -3 "; unparsable -> null."""
    as_float = expr.cast(pl.String, strict=False).str.strip_chars().cast(pl.Float64, strict=False)
    return (
        pl.when(as_float.is_finite())
        .then(as_float.round(0))
        .otherwise(None)
        .cast(pl.Int64, strict=False)
    )


def _float(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String, strict=False).str.strip_chars().cast(pl.Float64, strict=False)


def _epoch_timestamp(text: pl.Expr) -> pl.Expr:
    """UTC datetime from epoch seconds (ms when > 1e11) given as text; else null."""
    epoch = text.cast(pl.Float64, strict=False)
    epoch_us = (
        pl.when(epoch.abs() > 1e11).then(epoch * 1_000.0).otherwise(epoch * 1_000_000.0)
    ).round(0)
    return (
        pl.when(epoch.is_finite() & (epoch_us.abs() < 1e17))
        .then(epoch_us)
        .otherwise(None)
        .cast(pl.Int64, strict=False)
        .cast(_UTC)
    )


def _timestamp(expr: pl.Expr) -> pl.Expr:
    """UTC datetime from epoch seconds (ms when > 1e11), or ISO-8601 text; else null."""
    text = expr.cast(pl.String, strict=False).str.strip_chars()
    iso = text.str.replace(r"Z$", "+00:00").str.replace("T", " ", literal=True)
    naive = iso.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
    aware = iso.str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", strict=False, time_unit="us")
    return pl.coalesce(
        _epoch_timestamp(text),
        aware.dt.convert_time_zone("UTC"),
        naive.dt.replace_time_zone("UTC"),
    )


def _timestamps(df: pl.DataFrame, column: str) -> pl.Series:
    """:func:`_timestamp` of ``df[column]``, skipping the (costly) ISO parsers when every
    non-blank value is an epoch, as in Reddit dumps."""
    text = pl.col(column).cast(pl.String, strict=False).str.strip_chars()
    quick = df.select(
        _epoch_timestamp(text).alias("created_utc"),
        (text.is_not_null() & (text != "")).alias("_present"),
    )
    if (quick["_present"] & quick["created_utc"].is_null()).any():
        return df.select(_timestamp(pl.col(column)).alias("created_utc")).to_series()
    return quick["created_utc"]


def _end_of_market_day(expr: pl.Expr) -> pl.Expr:
    """23:59:59 America/New_York of a ``YYYY-MM-DD`` date, in UTC (null if unparsable)."""
    day = expr.cast(pl.String, strict=False).str.strip_chars().str.slice(0, 10)
    local = day.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    return (
        (local + pl.duration(hours=23, minutes=59, seconds=59))
        .dt.replace_time_zone(MARKET_TIMEZONE, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def _strip_prefix(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String, strict=False).str.replace(r"^t\d_", "")


def _subreddit_from_permalink(url: pl.Expr, post_id: pl.Expr) -> pl.Expr:
    """The subreddit in ``url`` when ``url`` is the post's own permalink
    (``/r/<sub>/comments/<post_id>/``); null for links, galleries and cross-posts."""
    text = url.cast(pl.String, strict=False)
    own = text.str.extract(r"/comments/([0-9a-z]+)", 1) == post_id.cast(pl.String, strict=False)
    return pl.when(own).then(text.str.extract(r"/r/([^/?#]+)/comments/", 1)).otherwise(None)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String, strict=False)
    return pl.when(text.str.strip_chars() == "").then(None).otherwise(text)


def _ensure(df: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    missing = [pl.lit(None, dtype=pl.String).alias(n) for n in names if n not in df.columns]
    return df.with_columns(missing) if missing else df


def _finish(df: pl.DataFrame, source: str, subreddit: str | None) -> pl.DataFrame:
    out = df.with_columns(pl.lit(source, dtype=pl.String).alias("source"))
    if subreddit is not None:
        out = _ensure(out, ["subreddit"]).with_columns(
            pl.col("subreddit").fill_null(pl.lit(subreddit))
        )
    return conform(out, SOURCE_POSTS_SCHEMA, keep_ground_truth=False)


def _default_kind_from_name(name: str) -> str:
    lowered = name.lower()
    return "comment" if lowered.startswith("rc_") or "comment" in lowered else "submission"


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
    df = _ensure(df, REDDIT_JSON_FIELDS)
    df = df.with_columns(_timestamps(df, "created_utc").alias("_created"))
    name = _str("name")
    link_id = _blank_to_null(pl.col("link_id"))
    title = pl.col("title").cast(pl.String, strict=False)
    is_comment = (
        pl.when(link_id.is_not_null() | name.str.starts_with("t1_"))
        .then(True)
        .when(title.is_not_null() | name.str.starts_with("t3_"))
        .then(False)
        .otherwise(default_kind == "comment")
    )
    permalink = _str("permalink")
    permalink_url = (
        pl.when(permalink.str.starts_with("http"))
        .then(permalink)
        .otherwise(pl.lit(REDDIT_WWW) + permalink)
    )
    mapped = df.select(
        pl.coalesce(_blank_to_null(pl.col("id")), _strip_prefix(pl.col("name"))).alias("post_id"),
        pl.when(is_comment).then(pl.lit("comment")).otherwise(pl.lit("submission")).alias("kind"),
        pl.when(is_comment)
        .then(pl.coalesce(_strip_prefix(link_id), _strip_prefix(pl.col("parent_id"))))
        .otherwise(None)
        .alias("parent_id"),
        _str("subreddit").alias("subreddit"),
        _str("author").alias("author"),
        pl.col("_created").alias("created_utc"),
        title.alias("title"),
        pl.when(is_comment)
        .then(pl.coalesce(_str("body"), _str("selftext")))
        .otherwise(pl.coalesce(_str("selftext"), _str("body")))
        .alias("body"),
        pl.coalesce(_blank_to_null(pl.col("url")), permalink_url).alias("url"),
        _int(pl.col("score")).alias("score"),
        _float(pl.col("upvote_ratio")).alias("upvote_ratio"),
        _int(pl.col("num_comments")).alias("num_comments"),
    )
    return _finish(mapped, source, subreddit)


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


def _map_csv(
    df: pl.DataFrame, fmt: ArchiveFormat, *, source: str, undated: Undated, subreddit: str | None
) -> pl.DataFrame:
    df = df.rename({c: c.strip().lower() for c in df.columns})
    if fmt == "reddit_csv":
        return reddit_json_to_contract(df, source=source, subreddit=subreddit)
    if fmt == "kaggle_csv":
        mapped = df.select(
            _str("id").alias("post_id"),
            pl.lit("submission").alias("kind"),
            _subreddit_from_permalink(pl.col("url"), pl.col("id")).alias("subreddit"),
            _timestamp(pl.col("created")).alias("created_utc"),
            _str("title").alias("title"),
            _str("body").alias("body"),
            _str("url").alias("url"),
            _int(pl.col("score")).alias("score"),
            _int(pl.col("comms_num")).alias("num_comments"),
        )
    elif fmt == "daily_normalized_csv":
        mapped = _ensure(df, ["upvote_ratio", "num_comments", "score"]).select(
            _str("id").alias("post_id"),
            pl.lit("submission").alias("kind"),
            _subreddit_from_permalink(pl.col("url"), pl.col("id")).alias("subreddit"),
            _end_of_market_day(pl.col("date")).alias("created_utc"),
            _str("title_normalized").alias("title"),
            _str("body_normalized").alias("body"),
            _str("url").alias("url"),
            _int(pl.col("score")).alias("score"),
            _float(pl.col("upvote_ratio")).alias("upvote_ratio"),
            _int(pl.col("num_comments")).alias("num_comments"),
        )
    elif fmt == "ticker_search_comments_csv":
        mapped = df.select(
            pl.lit("comment").alias("kind"),
            _timestamp(pl.col("created_utc")).alias("created_utc"),
            _str("body").alias("body"),
        ).with_columns(_derived_ids(df["created_utc"], df["body"]))
    elif fmt in ("window_submissions_csv", "window_comments_csv"):
        created = (
            _end_of_market_day(pl.col("window_end"))
            if undated == "window_end"
            else pl.lit(None, dtype=_UTC)
        )
        if fmt == "window_submissions_csv":
            df = _ensure(df, ["subreddit", "link", "num_comments"])
            mapped = df.select(
                _str("id").alias("post_id"),
                pl.lit("submission").alias("kind"),
                _str("subreddit").alias("subreddit"),
                created.alias("created_utc"),
                _str("title").alias("title"),
                _str("selftext").alias("body"),
                _str("link").alias("url"),
                _int(pl.col("num_comments")).alias("num_comments"),
            )
        else:
            mapped = df.select(
                _str("id").alias("post_id"),
                pl.lit("comment").alias("kind"),
                _strip_prefix(pl.col("parent_id")).alias("parent_id"),
                created.alias("created_utc"),
                _str("body").alias("body"),
            )
    else:  # pragma: no cover - detect_format only returns known formats
        raise ValueError(f"not a CSV format: {fmt}")
    return _finish(mapped, source, subreddit)


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------

_NDJSON_SCHEMA = {name: pl.String() for name in REDDIT_JSON_FIELDS}


def _parse_ndjson_block(block: bytes, stats: ArchiveStats) -> pl.DataFrame:
    """Reddit fields of every line in ``block``; malformed lines become body-only rows."""
    try:
        return pl.read_ndjson(block, schema=_NDJSON_SCHEMA)
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, ValueError):
        pass
    good: list[bytes] = []
    bad: list[str] = []
    for line in block.split(b"\n"):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            good.append(line)
        else:
            bad.append(line.decode("utf-8", errors="replace"))
    stats.malformed_lines += len(bad)
    frames = []
    if good:
        frames.append(pl.read_ndjson(b"\n".join(good), schema=_NDJSON_SCHEMA))
    if bad:
        frames.append(pl.DataFrame({"body": bad}, schema={"body": pl.String}))
    if not frames:
        return pl.DataFrame(schema=_NDJSON_SCHEMA)
    return pl.concat(frames, how="diagonal")


def _iter_ndjson_blocks(
    path: Path, batch_rows: int, batch_bytes: int, stats: ArchiveStats
) -> Iterator[bytes]:
    """Blocks of whole lines, each at most ~``batch_rows`` lines or ~``batch_bytes`` bytes."""
    pending: list[bytes] = []
    pending_lines = 0
    pending_bytes = 0
    tail = b""
    with _open_binary(path) as fh:
        while True:
            chunk = fh.read(_READ_CHUNK_BYTES)
            if not chunk:
                break
            stats.bytes_read += len(chunk)
            cut = chunk.rfind(b"\n")
            if cut < 0:
                tail += chunk
                continue
            complete = tail + chunk[: cut + 1]
            tail = chunk[cut + 1 :]
            pending.append(complete)
            pending_lines += complete.count(b"\n")
            pending_bytes += len(complete)
            if pending_lines >= batch_rows or pending_bytes >= batch_bytes:
                block = b"".join(pending)
                pending.clear()  # the chunks go now: the peak is ~2x one block, briefly
                pending_lines = pending_bytes = 0
                yield block
                del block
    if tail.strip():
        pending.append(tail)
    if pending:
        yield b"".join(pending)


def _split(df: pl.DataFrame, batch_rows: int) -> Iterator[pl.DataFrame]:
    for offset in range(0, df.height, batch_rows):
        yield df.slice(offset, batch_rows)


def iter_posts_file(
    path: str | Path,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    undated: Undated = "null",
    subreddit: str | None = None,
    stats: ArchiveStats | None = None,
) -> Iterator[pl.DataFrame]:
    """Stream an archive file as contract frames (:data:`SOURCE_POSTS_SCHEMA`, in order).

    NDJSON is decompressed and parsed block by block (at most ``batch_rows`` lines or about
    ``batch_bytes`` decompressed bytes at once), so memory stays bounded whatever the dump
    size; NDJSON batch sizes are therefore approximate. ``undated`` applies to the
    window-search CSVs, ``subreddit`` fills a missing subreddit. ``stats`` (optional) is
    filled while iterating.
    """
    assert batch_rows > 0, "batch_rows must be > 0"
    path = Path(path)
    stats = stats if stats is not None else ArchiveStats()
    fmt = detect_format(path)
    stats.format = fmt
    source = f"archive:{path.name}"

    def emit(frame: pl.DataFrame) -> pl.DataFrame:
        stats.rows += frame.height
        stats.batches += 1
        return frame

    if fmt == "reddit_ndjson":
        default_kind = _default_kind_from_name(path.name)
        for block in _iter_ndjson_blocks(path, batch_rows, batch_bytes, stats):
            raw = _parse_ndjson_block(block, stats)
            del block  # not held while the next block is read: peak ~2 blocks, not 3
            frame = reddit_json_to_contract(
                raw, source=source, default_kind=default_kind, subreddit=subreddit
            )
            del raw
            yield emit(frame)
        return
    if fmt in ("contract_parquet", "reddit_parquet"):
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        for record_batch in parquet.iter_batches(batch_size=batch_rows):
            raw = pl.from_arrow(record_batch)
            assert isinstance(raw, pl.DataFrame)
            if fmt == "contract_parquet":
                yield emit(_finish(raw, source, subreddit))
            else:
                yield emit(
                    reddit_json_to_contract(
                        raw,
                        source=source,
                        default_kind=_default_kind_from_name(path.name),
                        subreddit=subreddit,
                    )
                )
        return
    raw = _read_csv_text(path)
    mapped = _map_csv(raw, fmt, source=source, undated=undated, subreddit=subreddit)
    for part in _split(mapped, batch_rows):
        yield emit(part)


def _read_csv_text(path: Path) -> pl.DataFrame:
    """Every column as text (numbers are parsed by the mapping, tolerantly)."""
    with _open_binary(path) as fh:
        data = fh.read()
    return pl.read_csv(
        io.BytesIO(data),
        infer_schema=False,
        encoding="utf8-lossy",
        truncate_ragged_lines=True,
    )


def read_posts_file(
    path: str | Path,
    *,
    undated: Undated = "null",
    subreddit: str | None = None,
    stats: ArchiveStats | None = None,
) -> pl.DataFrame:
    """The whole file as one contract frame (convenience over :func:`iter_posts_file`)."""
    frames = list(iter_posts_file(path, undated=undated, subreddit=subreddit, stats=stats))
    if not frames:
        return empty_frame(SOURCE_POSTS_SCHEMA)
    return pl.concat(frames, how="vertical")


def _resolve_paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        text = str(item)
        if any(ch in text for ch in "*?["):
            base = Path(text)
            anchor = base.anchor or "."
            rel = str(base.relative_to(anchor)) if base.is_absolute() else text
            out.extend(sorted(Path(anchor).glob(rel)))
        else:
            out.append(Path(text))
    return out


class ArchivePostsSource:
    """A :class:`~tft_assets.sources.base.PostsSource` over archive files (paths or globs).

    ``fetch_posts`` streams every file and keeps rows with ``start_utc <= created_utc <
    end_utc``. Rows without a timestamp cannot belong to a window: they are counted in the
    file's note, or, with ``keep_undated`` (``tft-trader import-posts``), passed on for
    ingestion to quarantine.
    """

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        undated: Undated = "null",
        subreddit: str | None = None,
        keep_undated: bool = False,
    ) -> None:
        self.paths = paths
        self.keep_undated = keep_undated
        self.batch_rows = batch_rows
        self.undated: Undated = undated
        self.subreddit = subreddit

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        assert start_utc.tzinfo is not None and end_utc.tzinfo is not None, "use aware datetimes"
        start = start_utc.astimezone(dt.UTC)
        end = end_utc.astimezone(dt.UTC)
        files = _resolve_paths(self.paths)
        notes: dict[str, str] = {}
        if not files:
            notes[str(self.paths)] = "no archive files matched"
        frames: list[pl.DataFrame] = []
        for path in files:
            if not path.exists():
                notes[path.name] = "file not found"
                continue
            stats = ArchiveStats()
            kept = undated_rows = 0
            for batch in iter_posts_file(
                path,
                self.batch_rows,
                undated=self.undated,
                subreddit=self.subreddit,
                stats=stats,
            ):
                undated_rows += batch["created_utc"].null_count()
                in_window = (pl.col("created_utc") >= start) & (pl.col("created_utc") < end)
                if self.keep_undated:
                    in_window = in_window | pl.col("created_utc").is_null()
                window = batch.filter(in_window)
                kept += window.height
                if window.height:
                    frames.append(window)
            parts = []
            if kept == 0:
                parts.append(f"no rows in {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} UTC")
            if undated_rows:
                fate = "passed on" if self.keep_undated else "skipped"
                parts.append(f"{undated_rows} rows without a timestamp {fate}")
            if stats.malformed_lines:
                parts.append(f"{stats.malformed_lines} malformed JSON lines (kept as id-less rows)")
            if (note := format_note(stats.format)) is not None and kept:
                parts.append(note)
            if parts:
                notes[path.name] = f"{stats.format}: " + "; ".join(parts)
        frame = pl.concat(frames, how="vertical") if frames else empty_frame(SOURCE_POSTS_SCHEMA)
        return Fetched(frame=frame, notes=notes)
