import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import polars as pl
import pytest
from upath import UPath

from tft_assets.lake.storage import (
    STALE_TEMP_SECONDS,
    TEMP_DIR,
    atomic_write_parquet,
    file_checksum,
    frame_checksum,
    list_partitions,
    partition_path,
    read_partitions,
    remove_stale_temp_files,
)


def _frame(n: int = 100) -> pl.DataFrame:
    return pl.DataFrame(
        {"ticker": ["GME"] * n, "date": [dt.date(2024, 1, 2)] * n, "x": list(range(n))}
    )


def test_write_read_roundtrip_and_checksum(tmp_path):
    path = partition_path(tmp_path, "raw_prices", "2024-01-02")
    digest = atomic_write_parquet(_frame(), path)
    assert digest == file_checksum(path) == frame_checksum(_frame())
    assert read_partitions(tmp_path, "raw_prices", ["2024-01-02"]).equals(_frame())
    assert list_partitions(tmp_path, "raw_prices") == ["2024-01-02"]


def test_rewrite_is_byte_identical(tmp_path):
    path = partition_path(tmp_path, "a", "2024-01-02")
    first = atomic_write_parquet(_frame(), path)
    second = atomic_write_parquet(_frame(), path)
    assert first == second
    assert frame_checksum(_frame(101)) != first


def test_no_temp_files_left_behind(tmp_path):
    for key in ("2024-01-02", "2024-01-03"):
        atomic_write_parquet(_frame(), partition_path(tmp_path, "a", key))
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        TEMP_DIR,
        "2024-01-02.parquet",
        "2024-01-03.parquet",
    ]
    assert list((tmp_path / "a" / TEMP_DIR).iterdir()) == []


@pytest.mark.parametrize("bad", ["../x", "a/b", ".hidden"])
def test_unsafe_partition_keys_rejected(tmp_path, bad):
    with pytest.raises(ValueError):
        partition_path(tmp_path, "a", bad)


def test_missing_partition_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="partition 2024-01-05"):
        read_partitions(tmp_path, "raw_prices", ["2024-01-05"])


def test_killed_writer_leaves_no_partial_partition(tmp_path):
    """SIGKILL a process in the middle of a large write: the old file stays intact and whole."""
    path = partition_path(tmp_path, "big", "2024-01-02")
    old = atomic_write_parquet(_frame(10), path)
    script = textwrap.dedent(
        f"""
        import numpy as np, polars as pl, sys
        from upath import UPath
        from tft_assets.lake import storage
        real_write = storage._parquet_bytes
        def slow(frame):
            data = real_write(frame)
            print("encoded", flush=True)
            return data
        storage._parquet_bytes = slow
        big = pl.DataFrame({{"x": np.random.default_rng(0).random(20_000_000)}})
        import builtins, time
        real_open = builtins.open
        class SlowFile:
            def __init__(self, fh): self.fh = fh
            def __enter__(self): return self
            def __exit__(self, *a): return self.fh.__exit__(*a)
            def write(self, data):
                for i in range(0, len(data), 1 << 20):
                    self.fh.write(data[i:i + (1 << 20)]); self.fh.flush(); time.sleep(0.02)
            def flush(self): self.fh.flush()
            def fileno(self): return self.fh.fileno()
        def slow_open(p, mode="r", *a, **k):
            fh = real_open(p, mode, *a, **k)
            return SlowFile(fh) if "w" in mode and str(p).endswith(".tmp") else fh
        builtins.open = slow_open
        storage.atomic_write_parquet(big, UPath({str(path)!r}))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "encoded"
    # wait until the temporary file exists and is growing, then kill the writer
    tmp_files: list = []
    for _ in range(200):
        tmp_files = [p for p in (tmp_path / "big" / TEMP_DIR).iterdir() if p.name.endswith(".tmp")]
        if tmp_files and tmp_files[0].stat().st_size > (2 << 20):
            break
        time.sleep(0.02)
    assert tmp_files, "writer never started its temporary file"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert file_checksum(UPath(path)) == old
    assert pl.read_parquet(path).equals(_frame(10))
    assert list_partitions(tmp_path, "big") == ["2024-01-02"]
    # the next write of the partition removes the dead writer's temporary file
    (leftover,) = tmp_files
    assert leftover.exists()
    atomic_write_parquet(_frame(10), path)
    assert not leftover.exists() and list_partitions(tmp_path, "big") == ["2024-01-02"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


DAY_OLD_S = 2 * STALE_TEMP_SECONDS


@pytest.mark.parametrize(
    ("middle", "age_s", "removed"),
    [
        ("{host}.{dead}.0f0f", 0, True),  # this host, its writer is gone
        ("{host}.{parent}.0f0f", 0, False),  # this host, its writer is alive
        ("{host}.{parent}.0f0f", DAY_OLD_S, True),  # alive pid, but a day old: a reused pid
        ("other-host.{dead}.0f0f", 0, False),  # another host's process cannot be asked
        ("other-host.{dead}.0f0f", DAY_OLD_S, True),
        ("0f0f", 0, False),  # a name without host and pid: by age only
        ("0f0f", DAY_OLD_S, True),
    ],
)
def test_stale_temp_files_of_dead_writers_are_removed_by_the_next_write(
    tmp_path, middle, age_s, removed
):
    from tft_assets.lake.storage import _HOST

    path = partition_path(tmp_path, "a", "2024-01-02")
    folder = tmp_path / "a" / TEMP_DIR
    folder.mkdir(parents=True)
    fields = {"host": _HOST, "dead": _dead_pid(), "parent": os.getppid()}
    temp = folder / f"2024-01-02.parquet.{middle.format(**fields)}.tmp"
    other_partition = folder / f"2024-01-03.parquet.{_HOST}.{fields['dead']}.0f0f.tmp"
    for p in (temp, other_partition):
        p.write_bytes(b"PAR1 partial")
        os.utime(p, (time.time() - age_s, time.time() - age_s))
    assert remove_stale_temp_files(path.path) == ([temp.name] if removed else [])
    atomic_write_parquet(_frame(), path)
    assert temp.exists() is not removed
    assert other_partition.exists()  # only the written partition's files are looked at
    assert list_partitions(tmp_path, "a") == ["2024-01-02"]
