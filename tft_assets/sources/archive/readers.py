"""Reading an archive file as a stream of contract frames, whatever its format.

NDJSON dumps are decompressed and parsed block by block (bounded memory); Parquet is read row
group by row group; CSV exports are read whole (they are megabytes) and yielded in batches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tft_assets.schemas import ARCHIVE_POSTS_SCHEMA, conform, empty_frame
from tft_assets.sources.archive.csv_layouts import map_csv, read_csv_text
from tft_assets.sources.archive.formats import ArchiveFormat, Undated, detect_format
from tft_assets.sources.columns import posts_contract
from tft_assets.sources.file_io import READ_CHUNK_BYTES, open_binary
from tft_assets.sources.reddit_json import REDDIT_JSON_FIELDS, reddit_json_to_contract

DEFAULT_BATCH_ROWS = 50_000
#: Upper bound on the decompressed bytes parsed at once (bounds memory for wide dump lines).
DEFAULT_BATCH_BYTES = 32 * 1024 * 1024

_NDJSON_SCHEMA = {name: pl.String() for name in REDDIT_JSON_FIELDS}


@dataclass
class ArchiveStats:
    """What a read saw (filled in while iterating)."""

    format: str = ""
    rows: int = 0
    batches: int = 0
    malformed_lines: int = 0
    bytes_read: int = 0


@dataclass(frozen=True)
class _Read:
    """One file being read: what every format's reader needs."""

    path: Path
    fmt: ArchiveFormat
    source: str
    batch_rows: int
    batch_bytes: int
    undated: Undated
    subreddit: str | None
    stats: ArchiveStats


def default_kind_from_name(name: str) -> str:
    """``comment`` for comment dumps (``RC_*``, ``*comment*``), else ``submission``."""
    lowered = name.lower()
    return "comment" if lowered.startswith("rc_") or "comment" in lowered else "submission"


def _split_lines(block: bytes) -> tuple[list[bytes], list[str], list[str]]:
    """``(lines that are JSON objects, every other non-blank line as text, why each failed)``."""
    good: list[bytes] = []
    bad: list[str] = []
    errors: list[str] = []
    for line in block.split(b"\n"):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except ValueError as exc:
            parsed, error = None, str(exc)
        else:
            error = f"a JSON {type(parsed).__name__}, not an object"
        if isinstance(parsed, dict):
            good.append(line)
        else:
            bad.append(line.decode("utf-8", errors="replace"))
            errors.append(f"malformed JSON: {error}"[:300])
    return good, bad, errors


def _parse_ndjson_block(block: bytes, stats: ArchiveStats) -> pl.DataFrame:
    """Reddit fields of every line in ``block``; a malformed line becomes a row of its text
    (``body``) and the parser's message (``parse_error``), for ingestion to quarantine."""
    try:
        return pl.read_ndjson(block, schema=_NDJSON_SCHEMA)
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, ValueError):
        pass
    good, bad, errors = _split_lines(block)
    stats.malformed_lines += len(bad)
    frames = []
    if good:
        frames.append(pl.read_ndjson(b"\n".join(good), schema=_NDJSON_SCHEMA))
    if bad:
        frames.append(
            pl.DataFrame(
                {"body": bad, "parse_error": errors},
                schema={"body": pl.String, "parse_error": pl.String},
            )
        )
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
    with open_binary(path) as fh:
        while True:
            chunk = fh.read(READ_CHUNK_BYTES)
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


def _ndjson_frames(read: _Read) -> Iterator[pl.DataFrame]:
    default_kind = default_kind_from_name(read.path.name)
    for block in _iter_ndjson_blocks(read.path, read.batch_rows, read.batch_bytes, read.stats):
        raw = _parse_ndjson_block(block, read.stats)
        del block  # not held while the next block is read: peak ~2 blocks, not 3
        frame = reddit_json_to_contract(
            raw, source=read.source, default_kind=default_kind, subreddit=read.subreddit
        )
        del raw
        yield frame


def _parquet_frames(read: _Read) -> Iterator[pl.DataFrame]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(read.path)
    for record_batch in parquet.iter_batches(batch_size=read.batch_rows):
        raw = pl.from_arrow(record_batch)
        assert isinstance(raw, pl.DataFrame)
        if read.fmt == "contract_parquet":
            yield posts_contract(raw, read.source, read.subreddit)
        else:
            yield reddit_json_to_contract(
                raw,
                source=read.source,
                default_kind=default_kind_from_name(read.path.name),
                subreddit=read.subreddit,
            )


def _csv_frames(read: _Read) -> Iterator[pl.DataFrame]:
    raw = read_csv_text(read.path)
    mapped = map_csv(
        raw, read.fmt, source=read.source, undated=read.undated, subreddit=read.subreddit
    )
    for offset in range(0, mapped.height, read.batch_rows):
        yield mapped.slice(offset, read.batch_rows)


#: Formats read by something other than the CSV reader.
_READERS: dict[str, Callable[[_Read], Iterator[pl.DataFrame]]] = {
    "reddit_ndjson": _ndjson_frames,
    "contract_parquet": _parquet_frames,
    "reddit_parquet": _parquet_frames,
}


def iter_posts_file(
    path: str | Path,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    undated: Undated = "null",
    subreddit: str | None = None,
    stats: ArchiveStats | None = None,
) -> Iterator[pl.DataFrame]:
    """Stream an archive file as contract frames (:data:`ARCHIVE_POSTS_SCHEMA`: the contract
    and ``parse_error``), in order.

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
    read = _Read(
        path=path,
        fmt=fmt,
        source=f"archive:{path.name}",
        batch_rows=batch_rows,
        batch_bytes=batch_bytes,
        undated=undated,
        subreddit=subreddit,
        stats=stats,
    )
    for raw in _READERS.get(fmt, _csv_frames)(read):
        frame = conform(raw, ARCHIVE_POSTS_SCHEMA, keep_ground_truth=False)
        stats.rows += frame.height
        stats.batches += 1
        yield frame


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
        return empty_frame(ARCHIVE_POSTS_SCHEMA)
    return pl.concat(frames, how="vertical")
