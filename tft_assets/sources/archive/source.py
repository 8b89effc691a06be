""":class:`ArchivePostsSource`: the posts of archive files that fall in a time window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tft_assets.schemas import ARCHIVE_POSTS_SCHEMA, empty_frame
from tft_assets.sources.archive.formats import Undated, format_note
from tft_assets.sources.archive.readers import DEFAULT_BATCH_ROWS, ArchiveStats, iter_posts_file
from tft_assets.sources.base import Fetched
from tft_assets.sources.file_io import resolve_paths


@dataclass(frozen=True)
class _FileWindow:
    """The rows one file holds in the window, and what the note says about the file."""

    frames: list[pl.DataFrame]
    kept: int
    undated_rows: int
    stats: ArchiveStats


class ArchivePostsSource:
    """A :class:`~tft_assets.sources.base.PostsSource` over archive files (paths or globs).

    ``fetch_posts`` streams every file and keeps rows with ``start_utc <= created_utc <
    end_utc``. Rows without a timestamp cannot belong to a window: they are counted in the
    file's note, or, with ``keep_undated`` (``tft-trader import-posts``), passed on for
    ingestion to quarantine. With ``keep_after``, rows created at or after that instant (in
    the future of every partition) are passed on too, for the same reason.
    """

    def __init__(
        self,
        paths: str | Path | Sequence[str | Path],
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        undated: Undated = "null",
        subreddit: str | None = None,
        keep_undated: bool = False,
        keep_after: dt.datetime | None = None,
    ) -> None:
        assert keep_after is None or keep_after.tzinfo is not None, "use an aware datetime"
        self.paths = paths
        self.keep_undated = keep_undated
        self.keep_after = keep_after
        self.batch_rows = batch_rows
        self.undated: Undated = undated
        self.subreddit = subreddit

    def _read_window(self, path: Path, start: dt.datetime, end: dt.datetime) -> _FileWindow:
        stats = ArchiveStats()
        frames: list[pl.DataFrame] = []
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
            if self.keep_after is not None:
                in_window = in_window | (pl.col("created_utc") >= self.keep_after)
            window = batch.filter(in_window)
            kept += window.height
            if window.height:
                frames.append(window)
        return _FileWindow(frames=frames, kept=kept, undated_rows=undated_rows, stats=stats)

    def _note(self, read: _FileWindow, start: dt.datetime, end: dt.datetime) -> str | None:
        """One line on what the file lacked in the window, or None when there is nothing to say."""
        stats = read.stats
        parts = []
        if read.kept == 0:
            parts.append(f"no rows in {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} UTC")
        if read.undated_rows:
            fate = "passed on" if self.keep_undated else "skipped"
            parts.append(f"{read.undated_rows} rows without a timestamp {fate}")
        if stats.malformed_lines:
            parts.append(f"{stats.malformed_lines} malformed JSON lines (kept as id-less rows)")
        if (note := format_note(stats.format)) is not None and read.kept:
            parts.append(note)
        return f"{stats.format}: " + "; ".join(parts) if parts else None

    def fetch_posts(self, start_utc: dt.datetime, end_utc: dt.datetime) -> Fetched:
        assert start_utc.tzinfo is not None and end_utc.tzinfo is not None, "use aware datetimes"
        start = start_utc.astimezone(dt.UTC)
        end = end_utc.astimezone(dt.UTC)
        files = resolve_paths(self.paths)
        notes: dict[str, str] = {}
        if not files:
            notes[str(self.paths)] = "no archive files matched"
        frames: list[pl.DataFrame] = []
        for path in files:
            if not path.exists():
                notes[path.name] = "file not found"
                continue
            read = self._read_window(path, start, end)
            frames.extend(read.frames)
            if (note := self._note(read, start, end)) is not None:
                notes[path.name] = note
        frame = pl.concat(frames, how="vertical") if frames else empty_frame(ARCHIVE_POSTS_SCHEMA)
        return Fetched(frame=frame, notes=notes)
