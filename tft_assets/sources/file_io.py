"""Opening local source files: transparent decompression and path/glob resolution.

Shared by the archive posts reader and the prices file reader. ``.zst``/``.zstd`` files are
decompressed with zstandard's stream reader (``max_window_size=2**31``, as the Pushshift
``--long=31`` dumps need), ``.gz``/``.gzip`` with gzip; nothing is read whole here.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

#: Bytes asked of a (decompressing) stream per read.
READ_CHUNK_BYTES = 1024 * 1024
#: Pushshift dumps are compressed with ``zstd --long=31``.
ZSTD_MAX_WINDOW_BYTES = 2**31

_COMPRESSION_BY_SUFFIX: dict[str, str] = {".zst": "zst", ".zstd": "zst", ".gz": "gz", ".gzip": "gz"}


def compression(path: Path) -> str | None:
    """``"zst"``, ``"gz"`` or None (plain), from the file extension."""
    return _COMPRESSION_BY_SUFFIX.get(path.suffix.lower())


def open_binary(path: Path) -> BinaryIO:
    """A decompressing binary stream over ``path`` (never reads the file whole)."""
    kind = compression(path)
    if kind == "zst":
        import zstandard

        raw = open(path, "rb")  # noqa: SIM115 - closed by the stream reader (closefd)
        reader = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW_BYTES).stream_reader(
            raw, read_size=READ_CHUNK_BYTES, closefd=True
        )
        return reader  # type: ignore[return-value]
    if kind == "gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


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
