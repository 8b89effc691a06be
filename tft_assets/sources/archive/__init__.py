"""Archived Reddit posts (dumps and exports) mapped to :data:`SOURCE_POSTS_SCHEMA`.

The reader maps columns and nothing else: it never validates, dedupes or hashes authors
(ingestion does that and quarantines what fails). Unparsable timestamps and numbers become
null; fields a format lacks are null. ``source`` is ``"archive:<file name>"``.

Formats (detected from the file extension, then the first line / CSV header):

``reddit_ndjson``
    Pushshift / Arctic-Shift dumps: one Reddit JSON object per line, submissions (t3) and
    comments (t1), plain, ``.gz`` or ``.zst``. Streamed in batches with bounded memory (a
    ``.zst`` dump is decompressed frame by frame, ``max_window_size=2**31`` as the Pushshift
    ``--long=31`` dumps need; a dump cut short is an error naming the line it stops after,
    not a shorter dump). Only the fields below are parsed; the dozens of
    other keys are skipped. A line that is not valid JSON becomes a row whose fields are all
    null except ``body`` (the raw line), so ingestion quarantines it rather than it vanishing;
    a block polars' parser refuses as a whole is read line by line (a repeated key keeps its
    first value either way). A byte order mark before line 1 is skipped.
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
megabytes; the multi-gigabyte dumps are NDJSON and are streamed. A file no reader can take
(binary, a cut-off or corrupt compressed stream, corrupt Parquet, a quote that never closes)
is a one-line ``ValueError`` naming the file, and the line where there is one.

:data:`ARCHIVE_COLUMN_MAPPING` is the same mapping as a table (``archive_mapping_markdown``
renders it for the README).

Modules: :mod:`~tft_assets.sources.archive.formats` (detection),
:mod:`~tft_assets.sources.archive.csv_layouts` (the CSV mappings),
:mod:`~tft_assets.sources.archive.readers` (streaming a file),
:mod:`~tft_assets.sources.archive.source` (the windowed posts source) and
:mod:`~tft_assets.sources.archive.mapping` (the table); the Reddit field mapping itself is
:mod:`tft_assets.sources.reddit_json`, shared with the live Reddit source.
"""

from tft_assets.sources.archive.csv_layouts import DERIVED_ID_PREFIX
from tft_assets.sources.archive.formats import ArchiveFormat, Undated, detect_format, format_note
from tft_assets.sources.archive.mapping import ARCHIVE_COLUMN_MAPPING, archive_mapping_markdown
from tft_assets.sources.archive.readers import (
    DEFAULT_BATCH_BYTES,
    DEFAULT_BATCH_ROWS,
    ArchiveStats,
    iter_posts_file,
    read_posts_file,
)
from tft_assets.sources.archive.source import ArchivePostsSource
from tft_assets.sources.file_io import ZSTD_MAX_WINDOW_BYTES
from tft_assets.sources.reddit_json import REDDIT_JSON_FIELDS, reddit_json_to_contract

__all__ = [
    "ARCHIVE_COLUMN_MAPPING",
    "DEFAULT_BATCH_BYTES",
    "DEFAULT_BATCH_ROWS",
    "DERIVED_ID_PREFIX",
    "REDDIT_JSON_FIELDS",
    "ZSTD_MAX_WINDOW_BYTES",
    "ArchiveFormat",
    "ArchivePostsSource",
    "ArchiveStats",
    "Undated",
    "archive_mapping_markdown",
    "detect_format",
    "format_note",
    "iter_posts_file",
    "read_posts_file",
    "reddit_json_to_contract",
]
