"""Value-based checksums of frames: equal values and dtypes give equal digests.

Independent of chunk layout and of the Parquet/IPC encoder, so a frame read back from the lake
has the same checksum as the frame that was written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

_SEP = "\x1f"
_NULL = "\x00"
GENESIS = hashlib.sha256(b"genesis").hexdigest()


@dataclass(frozen=True)
class _Col:
    header: bytes
    valid: np.ndarray  # bool per row
    data: np.ndarray | list[str]  # fixed-width values, or one encoded string per row


#: Dtypes whose columns are encoded together, one NumPy block per dtype (``fill_null(0)`` keeps
#: them); the block's columns have the bytes of the per-column encoding.
_BLOCK_DTYPES = (pl.Float64, pl.Int64)


def _encode(frame: pl.DataFrame) -> list[_Col]:
    if frame.width == 0:
        return []
    valid_all = frame.select(pl.all().is_not_null()).to_numpy()
    blocks: dict[str, np.ndarray] = {}
    for dtype in _BLOCK_DTYPES:
        names = [n for n, t in frame.schema.items() if t == dtype]
        if names:
            block = frame.select(pl.col(names).fill_null(0)).to_numpy()
            blocks.update({n: block[:, j] for j, n in enumerate(names)})
    cols = []
    for j, name in enumerate(frame.columns):
        s = frame[name]
        dtype = s.dtype
        valid = valid_all[:, j]
        data: np.ndarray | list[str]
        if name in blocks:
            data = np.ascontiguousarray(blocks[name])
        elif dtype == pl.String:
            data = (s.fill_null(_NULL) + _SEP).to_list()
        elif dtype.is_numeric() or dtype == pl.Boolean:
            data = np.ascontiguousarray(s.fill_null(0).to_numpy())
        elif dtype == pl.Date:
            data = np.ascontiguousarray(s.cast(pl.Int32).fill_null(0).to_numpy())
        elif isinstance(dtype, pl.Datetime):
            data = np.ascontiguousarray(s.dt.epoch("us").fill_null(0).to_numpy())
        else:
            data = [f"{v!r}{_SEP}" for v in s.to_list()]
        cols.append(_Col(f"|{name}:{dtype}|".encode(), valid, data))
    return cols


def _update(h, cols: list[_Col], a: int, b: int, width: int) -> None:
    h.update(f"{b - a}x{width}".encode())
    for c in cols:
        h.update(c.header)
        h.update(np.packbits(c.valid[a:b]).tobytes())
        if isinstance(c.data, list):
            h.update("".join(c.data[a:b]).encode())
        else:
            h.update(c.data[a:b].tobytes())


def frame_digest(frame: pl.DataFrame) -> str:
    """SHA-256 hex digest of ``frame``'s column names, dtypes, validity and values (row order matters)."""
    h = hashlib.sha256()
    _update(h, _encode(frame), 0, frame.height, frame.width)
    return h.hexdigest()


def chained_digests(frame: pl.DataFrame, key: str, keys: list) -> dict:
    """Running digest after each value of ``keys`` (sorted): ``H_k = sha256(H_prev | k | rows with key == k)``.

    The digest at ``k`` covers every row with ``key <= k`` in ``keys`` order (rows keep their
    order within a key), so a prefix of history always has the same digest however long the
    frame is. Rows whose key is not in ``keys`` are ignored.
    """
    frame = frame.sort(key, maintain_order=True)
    cols = _encode(frame)
    key_values = frame[key].to_numpy()
    out = {}
    prev = GENESIS
    for k in keys:
        kv = np.asarray(k, dtype=key_values.dtype) if key_values.size else None
        a = int(np.searchsorted(key_values, kv, side="left")) if kv is not None else 0
        b = int(np.searchsorted(key_values, kv, side="right")) if kv is not None else 0
        h = hashlib.sha256()
        h.update(prev.encode())
        h.update(str(k).encode())
        _update(h, cols, a, b, frame.width)
        prev = h.hexdigest()
        out[k] = prev
    return out
