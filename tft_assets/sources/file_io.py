"""Opening local source files: transparent decompression, CSV as text, path/glob resolution.

Shared by the archive posts reader and the prices file reader. ``.zst``/``.zstd`` files are
decompressed frame by frame (``max_window_size=2**31``, as the Pushshift ``--long=31`` dumps
need), ``.gz``/``.gzip`` with gzip; nothing is read whole here. A compressed file that is
corrupt or ends early (an interrupted download) is a one-line ``ValueError`` naming the file
and the line the data stops in, never a shorter file: zstandard's own stream reader returns
what it has of a truncated frame without a word.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import polars as pl

#: Bytes asked of a (decompressing) stream per read.
READ_CHUNK_BYTES = 1024 * 1024
#: Compressed bytes fed to the zstd decompressor at once (bounds the output of one step).
ZSTD_INPUT_CHUNK_BYTES = 64 * 1024
#: Pushshift dumps are compressed with ``zstd --long=31``.
ZSTD_MAX_WINDOW_BYTES = 2**31

_COMPRESSION_BY_SUFFIX: dict[str, str] = {".zst": "zst", ".zstd": "zst", ".gz": "gz", ".gzip": "gz"}


def compression(path: Path) -> str | None:
    """``"zst"``, ``"gz"`` or None (plain), from the file extension."""
    return _COMPRESSION_BY_SUFFIX.get(path.suffix.lower())


class _TruncatedError(Exception):
    """The compressed input ended inside a frame."""


class _ZstdFrames:
    """Every zstd frame of ``raw`` decompressed in turn (concatenated frames are one stream);
    an input that ends inside a frame raises :class:`_TruncatedError`."""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW_BYTES)
        self._frame = None  # the decompressor of the frame being read
        self._buffer = bytearray()
        self._at_end = False

    def _feed(self, data: bytes) -> None:
        while data:
            if self._frame is None:
                self._frame = self._dctx.decompressobj()
            self._buffer += self._frame.decompress(data)
            if not self._frame.eof:
                return
            data = self._frame.unused_data
            self._frame = None

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all with ``-1``); what a truncated frame held is returned
        first, and the next read raises."""
        while not self._at_end and (size < 0 or len(self._buffer) < size):
            chunk = self._raw.read(ZSTD_INPUT_CHUNK_BYTES)
            if not chunk:
                self._at_end = True
                break
            self._feed(chunk)
        if self._at_end and not self._buffer and self._frame is not None:
            raise _TruncatedError("the data ends inside a zstd frame")
        size = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def close(self) -> None:
        self._raw.close()


class _CheckedStream:
    """A decompressing stream whose read errors become one line: the file, the line the data
    stops in and the decompressor's message."""

    def __init__(self, inner, path: Path, kind: str) -> None:
        self._inner = inner
        self._path = path
        self._kind = kind
        self._lines = 0

    def read(self, size: int = -1) -> bytes:
        import zstandard

        if size < 0:  # chunk by chunk, so an error knows the line it stops in
            chunks = []
            while chunk := self.read(READ_CHUNK_BYTES):
                chunks.append(chunk)
            return b"".join(chunks)
        try:
            data = self._inner.read(size)
        except (_TruncatedError, zstandard.ZstdError, EOFError, OSError, zlib.error) as exc:
            where = f"after line {self._lines}" if self._lines else "in line 1"
            raise ValueError(
                f"{self._path.name}: corrupt or truncated {self._kind} data {where} "
                f"({_first_line_of(exc)})"
            ) from None
        self._lines += data.count(b"\n")
        return data

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> _CheckedStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_binary(path: Path) -> BinaryIO:
    """A decompressing binary stream over ``path`` (never reads the file whole)."""
    kind = compression(path)
    if kind == "zst":
        raw = open(path, "rb")  # noqa: SIM115 - closed with the stream
        return _CheckedStream(_ZstdFrames(raw), path, "zstd")  # type: ignore[return-value]
    if kind == "gz":
        return _CheckedStream(gzip.open(path, "rb"), path, "gzip")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def looks_binary(line: bytes) -> bool:
    """A NUL byte, undecodable UTF-8 or many control characters: not a line of text."""
    if b"\x00" in line:
        return True
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r")
    return controls > max(2, len(text) // 100)


def unbalanced_quote_line(data: bytes) -> int | None:
    """The 1-based line where a double-quoted field opens and is never closed, if any."""
    inside, opened = False, None
    for i, line in enumerate(data.split(b"\n"), start=1):
        if line.count(b'"') % 2:
            inside = not inside
            opened = i if inside else None
    return opened if inside else None


def read_csv_text(path: Path) -> pl.DataFrame:
    """A CSV file (plain or compressed) with every column as text; numbers are parsed by the
    mappings, tolerantly. Undecodable bytes become U+FFFD; a row with more fields than the
    header keeps the header's; an empty file is a frame without columns. A binary header or a
    quote that never closes is a one-line ``ValueError`` naming the file and the line."""
    import polars as pl

    with open_binary(path) as fh:
        data = fh.read()
    header = data.split(b"\n", 1)[0].strip().removeprefix(b"\xef\xbb\xbf")
    if header and looks_binary(header):
        raise ValueError(f"{path.name}: line 1 is binary, not a CSV header")
    try:
        return pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        )
    except pl.exceptions.NoDataError:
        return pl.DataFrame()
    except pl.exceptions.PolarsError as exc:
        line = unbalanced_quote_line(data)
        where = (
            f"line {line}: a quoted field that never closes" if line else str(exc).splitlines()[0]
        )
        raise ValueError(f"{path.name}: not a readable CSV ({where})") from None


def _first_line_of(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def parquet_columns(path: Path) -> list[str]:
    """Column names of a Parquet file; an unreadable file is a one-line ``ValueError``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(
            f"{path.name}: not a readable Parquet file ({_first_line_of(exc)})"
        ) from None


def read_parquet(path: Path) -> pl.DataFrame:
    """A whole Parquet file; an unreadable one is a one-line ``ValueError`` naming it."""
    import polars as pl
    import pyarrow as pa

    try:
        return pl.read_parquet(path)
    except (pa.ArrowException, OSError, pl.exceptions.PolarsError) as exc:
        raise ValueError(
            f"{path.name}: not a readable Parquet file ({_first_line_of(exc)})"
        ) from None


def parquet_batches(path: Path, batch_rows: int) -> Iterator[pl.DataFrame]:
    """A Parquet file as frames of at most ``batch_rows`` rows (row group by row group); a
    file or a batch that cannot be decoded is a one-line ``ValueError`` naming the row."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            rows += frame.height
            yield frame
    except (pa.ArrowException, OSError, pl.exceptions.PolarsError) as exc:
        raise ValueError(
            f"{path.name}: not a readable Parquet file (after row {rows}: {_first_line_of(exc)})"
        ) from None


def resolve_paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Paths from a path, a glob (``*``, ``?``, ``[``; matches sorted) or a list of either."""
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
