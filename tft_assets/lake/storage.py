"""Lake layout and atomic Parquet writes. No Dagster here: the IO manager and the CLI share it.

Layout under the base URL ``<lake>``::

    <lake>/<asset>/<partition_key>.parquet            one file per asset partition
    <lake>/quarantine/<asset>/<partition_key>.parquet  rows rejected by validation, with reasons

Writes are atomic: a partition is the whole old file, the whole new file, or (the first time)
absent; never a partial file. See :func:`atomic_write_parquet` for how, on local disks (temp file
and rename) and on object stores (one upload of the finished bytes; S3 has no rename).

Object-store lakes (``s3://bucket/prefix``) take their endpoint and credentials from the
environment the standard way (botocore reads ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_S3``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, profiles, instance roles): nothing secret is
passed here, so nothing secret can reach a path, a log line or metadata. Their directory listings
are not cached (:func:`lake_path`): a long-lived process (a code server evaluating sensors) must
see partitions that other processes wrote.

Parquet bytes are deterministic for equal frames (fixed compression, no timestamps in the
footer), so a re-materialised partition with equal inputs has an equal checksum.

Local writes go through temporary files ``<folder>/.tmp/<file>.<host>.<pid>.<random>.tmp`` in a
hidden folder beside their target (the same disk, so the rename is atomic): listings and DuckDB's
``<asset>/*.parquet`` globs never see them. A writer killed before its rename leaves one
behind; the next write of the same file deletes it once its writer is known to be gone (see
:func:`remove_stale_temp_files`), looking at that small folder only, not at every partition.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import socket
import time
import uuid
from collections.abc import Iterable

import polars as pl
from upath import UPath

QUARANTINE_DIR = "quarantine"
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
_LOCAL_PROTOCOLS = {"", "file", "local"}
#: S3 uploads: an object under twice this size goes up in one PUT, a larger one as a multipart
#: upload of parts this size (S3 wants parts of at least 5 MiB, the last one excepted).
OBJECT_PART_BYTES = 64 * 2**20
#: A temporary file older than this belongs to a dead writer, whichever host it names (a write
#: takes seconds); the rule for other hosts' files on a shared disk, whose processes cannot be
#: asked.
STALE_TEMP_SECONDS = 24 * 3600
#: The hidden folder, beside the files it is for, that holds writes in progress.
TEMP_DIR = ".tmp"
TEMP_SUFFIX = ".tmp"


def is_local(path: UPath) -> bool:
    """Whether ``path`` is on a local disk (as opposed to an object store such as S3)."""
    return getattr(path, "protocol", "") in _LOCAL_PROTOCOLS


def lake_path(url: str | UPath) -> UPath:
    """The UPath of a lake location; object stores get a filesystem without a listings cache.

    fsspec caches directory listings per filesystem instance for ever by default, and its
    ``exists``/``info`` answer from a cached parent listing: a process that listed a folder
    before another process wrote into it would call the new partition missing.
    """
    if isinstance(url, UPath):
        return url
    path = UPath(url)
    return path if is_local(path) else UPath(url, use_listings_cache=False)


def asset_dir(base: str | UPath, asset: str) -> UPath:
    return lake_path(base) / asset


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
    """Write ``frame`` to ``path`` atomically; return the SHA-256 of the bytes written.

    The whole Parquet file is encoded in memory first, so an encoder that fails half-way has
    written nothing anywhere. Then:

    * local disk: the bytes go to a hidden temporary file in the target's directory, which is
      renamed over the target (:func:`atomic_write_local`), so a reader or a killed writer never
      sees a partial partition. (No fsync per file: a rename is atomic against process death,
      which is what parallel and killed runs need; an OS crash may lose the last writes, which a
      rerun of the idempotent partition restores.)
    * object stores: one upload call of the finished bytes (``fs.pipe_file``). S3 has no rename,
      so there is no temporary key (and nothing for readers to skip): a PUT creates or replaces
      the object only once its whole body has arrived, and a larger file goes up as a multipart
      upload, which S3 publishes only on ``CompleteMultipartUpload``; s3fs aborts the upload when
      a part fails, so no orphan parts are left either (a killed process cannot abort: its parts
      stay invisible until the bucket's ``AbortIncompleteMultipartUpload`` lifecycle rule drops
      them). A killed writer therefore leaves the old object or none. Never stream into ``path.open("wb")`` instead: fsspec's file objects
      upload on ``__exit__`` even when the ``with`` block raised, publishing a truncated object.
    """
    data = _parquet_bytes(frame)
    if is_local(path):
        atomic_write_local(path.path if hasattr(path, "path") else path, data)
    elif getattr(path, "protocol", "") in ("s3", "s3a"):  # no mkdir: s3fs would make a bucket
        path.fs.pipe_file(path.path, data, chunksize=OBJECT_PART_BYTES)
    else:  # other fsspec stores (gcs, az, ...), some of which want their folders made
        path.parent.mkdir(parents=True, exist_ok=True)
        path.fs.pipe_file(path.path, data)
    return hashlib.sha256(data).hexdigest()


def atomic_write_local(target: str | os.PathLike[str], data: bytes) -> None:
    """Publish ``data`` at the local path ``target`` atomically: a temporary file of this
    process in the hidden :data:`TEMP_DIR` beside ``target``, renamed over ``target``. Readers
    see the old file or the whole new one; concurrent writers of the same target never share a
    temporary file. Stale temporary files of ``target`` (their writer was killed) are removed
    first."""
    target = os.fspath(target)
    folder, name = os.path.split(target)
    temp_dir = os.path.join(folder, TEMP_DIR)
    os.makedirs(temp_dir, exist_ok=True)
    remove_stale_temp_files(target)
    tmp = os.path.join(temp_dir, f"{name}.{_HOST}.{os.getpid()}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)  # atomic: readers see the old file or the whole new one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


#: This host's name as it appears in temporary file names (dots and separators dashed).
_HOST = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname()) or "localhost"


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _is_stale(entry: os.DirEntry, middle: str, now: float) -> bool:
    """``middle`` is the ``<host>.<pid>.<random>`` of a temporary file's name."""
    parts = middle.split(".")
    if len(parts) == 3 and parts[0] == _HOST and parts[1].isdigit():
        pid = int(parts[1])
        if pid != os.getpid() and not _writer_alive(pid):
            return True
    try:
        return now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
    except FileNotFoundError:  # its writer renamed or removed it meanwhile
        return False


def remove_stale_temp_files(target: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files of ``target`` whose writer is gone; return their names.

    A writer is gone when its temporary file names this host and a process id that no longer
    exists, or when the file is older than :data:`STALE_TEMP_SECONDS` (another host's). Live
    writers' files are left alone, so concurrent writers of one partition never disturb each
    other. (Machines or containers that share a lake folder therefore need distinct host names,
    which they have by default.)
    """
    folder, name = os.path.split(os.fspath(target))
    prefix = f"{name}."
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(os.scandir(os.path.join(folder, TEMP_DIR)))
    except FileNotFoundError:
        return removed
    for entry in entries:
        n = entry.name
        if not (n.startswith(prefix) and n.endswith(TEMP_SUFFIX)):
            continue
        if _is_stale(entry, n[len(prefix) : -len(TEMP_SUFFIX)], now):
            with contextlib.suppress(FileNotFoundError):  # another writer removed it first
                os.unlink(entry.path)
                removed.append(n)
    return removed


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
    b = lake_path(base)
    if not b.exists():
        return []
    return sorted(
        p.name
        for p in b.iterdir()
        if p.is_dir() and p.name != QUARANTINE_DIR and not p.name.startswith(".")
    )
