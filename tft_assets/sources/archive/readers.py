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

from tft_assets.schemas import ARCHIVE_POSTS_SCHEMA, PARSE_ERROR, conform, empty_frame
from tft_assets.sources.archive.csv_layouts import map_csv
from tft_assets.sources.archive.formats import ArchiveFormat, Undated, detect_format
from tft_assets.sources.columns import posts_contract
from tft_assets.sources.file_io import (
    READ_CHUNK_BYTES,
    open_binary,
    parquet_batches,
    read_csv_text,
)
from tft_assets.sources.reddit_json import REDDIT_JSON_FIELDS, reddit_json_to_contract

DEFAULT_BATCH_ROWS = 50_000
#: Upper bound on the decompressed bytes parsed at once (bounds memory for wide dump lines).
DEFAULT_BATCH_BYTES = 32 * 1024 * 1024

_NDJSON_SCHEMA = {name: pl.String() for name in REDDIT_JSON_FIELDS}
UTF8_BOM = b"\xef\xbb\xbf"


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


def _as_text(value: object) -> str | None:
    """A parsed JSON value as the text polars' NDJSON reader gives a String field: a string
    as it is, anything else as JSON; lone surrogates (``"\\ud800"``) replaced, since polars
    holds UTF-8 only."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8", "replace").decode("utf-8")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _first_key_wins(pairs: list[tuple[str, object]]) -> dict:
    """An object whose repeated key keeps its first value, as polars' reader does."""
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _parse_line(line: bytes) -> tuple[dict | None, str | None]:
    """``(the object, None)``, or ``(None, why it is not one)``, for one NDJSON line."""
    try:
        parsed = json.loads(
            line, parse_constant=_reject_constant, object_pairs_hook=_first_key_wins
        )
    except (ValueError, RecursionError) as exc:
        return None, f"malformed JSON: {exc}"[:300]
    if not isinstance(parsed, dict):
        return None, f"malformed JSON: a JSON {type(parsed).__name__}, not an object"
    return parsed, None


def _parse_lines(block: bytes) -> tuple[pl.DataFrame, int]:
    """Every non-blank line of ``block`` parsed on its own (for a block polars refused as a
    whole): ``(rows of the Reddit fields and parse_error, malformed lines)``. A line that is
    not a JSON object becomes a row of its text (``body``) and the parser's message."""
    names = (*REDDIT_JSON_FIELDS, PARSE_ERROR)
    columns: dict[str, list[str | None]] = {name: [] for name in names}
    malformed = 0
    for line in block.split(b"\n"):
        if not line.strip():
            continue
        record, error = _parse_line(line)
        if record is None:
            malformed += 1
            record = {"body": line.decode("utf-8", errors="replace")}
        for name in REDDIT_JSON_FIELDS:
            columns[name].append(_as_text(record.get(name)))
        columns[PARSE_ERROR].append(error)
    return pl.DataFrame(columns, schema={name: pl.String() for name in names}), malformed


def _parse_ndjson_block(block: bytes, stats: ArchiveStats) -> pl.DataFrame:
    """Reddit fields of every line in ``block``; a malformed line becomes a row of its text
    (``body``) and the parser's message (``parse_error``), for ingestion to quarantine."""
    try:
        return pl.read_ndjson(block, schema=_NDJSON_SCHEMA)
    except (pl.exceptions.PolarsError, ValueError):
        pass
    frame, malformed = _parse_lines(block)
    stats.malformed_lines += malformed
    return frame


def _iter_ndjson_blocks(
    path: Path, batch_rows: int, batch_bytes: int, stats: ArchiveStats
) -> Iterator[bytes]:
    """Blocks of whole lines, each at most ~``batch_rows`` lines or ~``batch_bytes`` bytes."""
    pending: list[bytes] = []
    pending_lines = 0
    pending_bytes = 0
    tail = b""
    first = True
    with open_binary(path) as fh:
        while True:
            chunk = fh.read(READ_CHUNK_BYTES)
            if not chunk:
                break
            stats.bytes_read += len(chunk)
            if first:  # a byte order mark, as some exporters write, is not part of line 1
                chunk, first = chunk.removeprefix(UTF8_BOM), False
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
    for raw in parquet_batches(read.path, read.batch_rows):
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
