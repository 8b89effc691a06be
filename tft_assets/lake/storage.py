"""Lake layout and atomic Parquet writes. No Dagster here: the IO manager and the CLI share it.

Layout under the base URL ``<lake>``::

    <lake>/<asset>/<partition_key>.parquet            one file per asset partition
    <lake>/quarantine/<asset>/<partition_key>.parquet  rows rejected by validation, with reasons

Writes are atomic: on local disks the frame is written to a hidden temporary file in the same
directory and renamed over the target (``os.replace``), so a reader or a killed writer never
sees a partial partition. (No fsync per file: a rename is atomic against process death, which
is what parallel and killed runs need; an OS crash may lose the last writes, which a rerun of
the idempotent partition restores.) On object stores (s3, gcs, az) an object only becomes visible when its
upload completes, which gives the same guarantee.

Parquet bytes are deterministic for equal frames (fixed compression, no timestamps in the
footer), so a re-materialised partition with equal inputs has an equal checksum.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterable

import polars as pl
from upath import UPath

QUARANTINE_DIR = "quarantine"
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
_LOCAL_PROTOCOLS = {"", "file", "local"}


def _is_local(path: UPath) -> bool:
    return getattr(path, "protocol", "") in _LOCAL_PROTOCOLS


def asset_dir(base: str | UPath, asset: str) -> UPath:
    return UPath(base) / asset


def partition_path(base: str | UPath, asset: str, partition_key: str) -> UPath:
    """Where partition ``partition_key`` of ``asset`` lives."""
    if "/" in partition_key or partition_key.startswith("."):
        raise ValueError(f"unsafe partition key {partition_key!r}")
    return asset_dir(base, asset) / f"{partition_key}.parquet"


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(
        buf,
        compression=PARQUET_COMPRESSION,
        compression_level=PARQUET_COMPRESSION_LEVEL,
        statistics=True,
    )
    return buf.getvalue()


def atomic_write_parquet(frame: pl.DataFrame, path: UPath) -> str:
    """Write ``frame`` to ``path`` atomically; return the SHA-256 of the bytes written."""
    data = _parquet_bytes(frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_local(path):
        target = os.fspath(path.path if hasattr(path, "path") else path)
        tmp = os.path.join(
            os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp"
        )
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)  # atomic: readers see the old file or the whole new one
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    else:
        with path.open("wb") as fh:  # object stores publish on successful close
            fh.write(data)
    return hashlib.sha256(data).hexdigest()


def file_checksum(path: UPath) -> str:
    """SHA-256 of a stored partition file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def frame_checksum(frame: pl.DataFrame) -> str:
    """SHA-256 of the canonical Parquet encoding of ``frame`` (equal frames, equal checksums)."""
    return hashlib.sha256(_parquet_bytes(frame)).hexdigest()


def read_partition(path: UPath, columns: list[str] | None = None) -> pl.DataFrame:
    with path.open("rb") as fh:
        if columns is None:
            return pl.read_parquet(fh)
        present = set(pl.read_parquet_schema(fh))
        fh.seek(0)
        return pl.read_parquet(fh, columns=[c for c in columns if c in present])


def read_partitions(
    base: str | UPath,
    asset: str,
    partition_keys: Iterable[str],
    *,
    missing_ok: bool = False,
    columns: list[str] | None = None,
) -> pl.DataFrame:
    """Concatenate the given partitions of ``asset`` (schemas unified diagonally)."""
    frames = []
    for key in partition_keys:
        path = partition_path(base, asset, key)
        if not path.exists():
            if missing_ok:
                continue
            raise FileNotFoundError(f"{asset} partition {key} is not in the lake ({path})")
        frames.append(read_partition(path, columns))
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed")


def list_partitions(base: str | UPath, asset: str) -> list[str]:
    """Partition keys of ``asset`` present in the lake, sorted."""
    d = asset_dir(base, asset)
    if not d.exists():
        return []
    return sorted(
        p.name[: -len(".parquet")]
        for p in d.iterdir()
        if p.name.endswith(".parquet") and not p.name.startswith(".")
    )


def list_assets(base: str | UPath) -> list[str]:
    """Asset folders in the lake (excluding the quarantine folder)."""
    b = UPath(base)
    if not b.exists():
        return []
    return sorted(
        p.name
        for p in b.iterdir()
        if p.is_dir() and p.name != QUARANTINE_DIR and not p.name.startswith(".")
    )
