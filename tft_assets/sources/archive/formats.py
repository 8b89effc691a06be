"""Which archive format a file holds: from the extension, then the first line / CSV header."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from tft_assets.sources.file_io import looks_binary, open_binary, parquet_columns

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

PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")

#: CSV layouts, first match wins: (format, header columns required, header columns forbidden).
CSV_LAYOUTS: tuple[tuple[ArchiveFormat, frozenset[str], frozenset[str]], ...] = (
    (
        "kaggle_csv",
        frozenset({"title", "score", "id", "url", "comms_num", "created", "body"}),
        frozenset(),
    ),
    (
        "daily_normalized_csv",
        frozenset({"id", "date", "day_epoch_est_midnight", "title_normalized"}),
        frozenset(),
    ),
    (
        "ticker_search_comments_csv",
        frozenset({"ticker_query", "created_utc", "body"}),
        frozenset({"id"}),
    ),
    (
        "window_submissions_csv",
        frozenset({"window_start", "window_end", "id", "title", "selftext"}),
        frozenset(),
    ),
    (
        "window_comments_csv",
        frozenset({"window_start", "window_end", "id", "parent_id", "body"}),
        frozenset(),
    ),
    ("reddit_csv", frozenset({"id", "created_utc"}), frozenset()),
)

_FORMAT_NOTES: dict[str, str] = {
    "daily_normalized_csv": "day-resolution timestamps stamped at 23:59:59 America/New_York; text normalized by the source",
    "ticker_search_comments_csv": "no ids in the file: post_id derived from a content hash; no parent_id",
    "window_submissions_csv": "no per-item timestamps or scores in the file",
    "window_comments_csv": "no per-item timestamps or scores in the file; parent_id may be a comment",
    "kaggle_csv": "no author or upvote_ratio in the file",
}


def format_note(fmt: str) -> str | None:
    """A one-line caveat about what ``fmt`` lacks, or None."""
    return _FORMAT_NOTES.get(fmt)


def _first_line(path: Path, limit_bytes: int = 1 << 16) -> bytes:
    with open_binary(path) as fh:
        head = fh.read(limit_bytes)
    return head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")


def _csv_header(line: bytes) -> set[str]:
    cells = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
    return {c.strip().lower() for c in cells}


def _parquet_format(path: Path) -> ArchiveFormat:
    cols = set(parquet_columns(path))
    if "post_id" in cols:
        return "contract_parquet"
    if "id" in cols:
        return "reddit_parquet"
    raise ValueError(f"{path.name}: Parquet has neither post_id nor id columns: {sorted(cols)}")


def csv_format(header: set[str]) -> ArchiveFormat | None:
    """The first of :data:`CSV_LAYOUTS` whose header rule ``header`` meets, or None."""
    for fmt, required, forbidden in CSV_LAYOUTS:
        if required <= header and not forbidden & header:
            return fmt
    return None


def detect_format(path: str | Path) -> ArchiveFormat:
    """The archive format of ``path`` (extension first, then the first line / header)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"archive file not found: {path}")
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        return _parquet_format(path)
    line = _first_line(path)
    # An empty dump is still a dump; an empty CSV has no header to go by.
    if not line or line.startswith(b"{"):
        return "reddit_ndjson"
    if looks_binary(line):
        raise ValueError(
            f"{path.name}: line 1 is binary, not text (a compressed or corrupt file? .gz and .zst "
            "are read by their extension); expected Reddit NDJSON, a known CSV export or Parquet"
        )
    try:
        header = _csv_header(line)
    except csv.Error as exc:
        raise ValueError(f"{path.name}: line 1 is not a CSV header ({exc})") from None
    fmt = csv_format(header)
    if fmt is None:
        raise ValueError(
            f"{path.name}: unrecognised archive layout (header: {', '.join(sorted(header)) or 'empty'}); "
            "expected Reddit NDJSON, a known CSV export or Parquet"
        )
    return fmt
