"""Archive files dropped into ``$TFT_DATA_DIR/inbox/{posts,prices}/``: what they are and which
daily partitions they cover. Pure helpers for the inbox sensor and the import commands."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tft_assets.settings import MARKET_TIMEZONE

INBOX_KINDS = ("posts", "prices")
#: File endings the archive readers take (compressed files by their last suffix).
ARCHIVE_SUFFIXES = (
    ".csv", ".parquet", ".pq", ".ndjson", ".jsonl", ".json", ".zst", ".zstd", ".gz", ".gzip",
)  # fmt: skip


@dataclass(frozen=True)
class InboxFile:
    kind: str  # "posts" | "prices"
    path: Path
    key: str  # stable identity: kind, name, size and mtime (a re-dropped changed file is new)


def file_key(kind: str, path: Path) -> str:
    st = path.stat()
    digest = hashlib.sha256(
        f"{kind}|{path.name}|{st.st_size}|{st.st_mtime_ns}".encode()
    ).hexdigest()[:16]
    return f"{kind}:{path.name}:{digest}"


def scan_inbox(inbox: Path) -> list[InboxFile]:
    """Archive files under ``inbox/posts`` and ``inbox/prices`` (hidden and partial files skipped)."""
    found = []
    for kind in INBOX_KINDS:
        folder = inbox / kind
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            name = path.name.lower()
            if path.is_file() and not name.startswith(".") and name.endswith(ARCHIVE_SUFFIXES):
                found.append(InboxFile(kind, path, file_key(kind, path)))
    return found


def _day_range(days: pl.Series, last_day: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """First and last of ``days`` (nulls and days after ``last_day`` left out), or None."""
    days = days.drop_nulls()
    if last_day is not None:
        days = days.filter(days <= last_day)
    return (days.min(), days.max()) if days.len() else None  # type: ignore[return-value]


def posts_date_range(
    path: str | Path, last_day: dt.date | None = None
) -> tuple[dt.date, dt.date] | None:
    """First and last New York calendar day of the posts in ``path`` (streamed; days after
    ``last_day`` left out), or None."""
    from tft_assets.sources.archive import iter_posts_file

    lo = hi = None
    for batch in iter_posts_file(path):
        days = batch.select(
            pl.col("created_utc").dt.convert_time_zone(MARKET_TIMEZONE).dt.date()
        ).to_series()
        if (window := _day_range(days, last_day)) is not None:
            lo = min(lo, window[0]) if lo else window[0]
            hi = max(hi, window[1]) if hi else window[1]
    return (lo, hi) if lo and hi else None


def prices_date_range(
    path: str | Path, last_day: dt.date | None = None
) -> tuple[dt.date, dt.date] | None:
    """First and last day of the bars in ``path`` (days after ``last_day`` left out), or None."""
    from tft_assets.sources.files import read_prices_file

    return _day_range(read_prices_file(path).get_column("date"), last_day)


def date_range(
    kind: str, path: str | Path, last_day: dt.date | None = None
) -> tuple[dt.date, dt.date] | None:
    if kind not in INBOX_KINDS:
        raise ValueError(f"unknown inbox kind {kind!r}")
    reader = posts_date_range if kind == "posts" else prices_date_range
    return reader(path, last_day)


def import_window(
    kind: str, path: Path, first_day: dt.date, last_day: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The daily partitions an import of ``path`` fills: the days its rows cover, from
    ``first_day`` (the first partition) to ``last_day`` (the last: a row dated later is in
    the future, and the import quarantines it rather than reaching for partitions that do not
    exist). A file with nothing to import is a one-line ``ValueError``."""
    window = date_range(kind, path, last_day)
    if window is None:
        beyond = "" if last_day is None else f" on or before the last partition {last_day}"
        raise ValueError(f"{path.name}: no dated rows{beyond} to import")
    start, end = max(window[0], first_day), window[1]
    if end < start:
        raise ValueError(
            f"{path.name} ends on {end}, before the first partition {first_day} (TFT_START_DATE)"
        )
    return start, end
