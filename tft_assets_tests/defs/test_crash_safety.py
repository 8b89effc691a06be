"""A materialisation killed with SIGKILL in the middle of publishing a partition: readers (the
lake's listing, DuckDB as ``tft-trader sql`` reads it) see whole partitions only, and a rerun
succeeds, cleans up after the dead writer and writes what an uninterrupted run writes.

The child is the real ``dagster asset materialize`` of a demo deployment. An audit hook in it (no
hook in the product) stops it with SIGSTOP when it is about to rename one chosen temporary file
over its partition, that is with the temporary file complete on disk and not yet published; the
test looks at the lake while it is frozen, then kills it by its pid.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import signal
import time
from pathlib import Path

import polars as pl
import pytest

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets.lake.query import query
from tft_assets.lake.storage import TEMP_DIR, list_partitions, partition_path
from tft_assets_tests.conftest import materialize
from tft_assets_tests.defs import processes

ASSET = "raw_prices"
DAYS = ("2024-01-03", "2024-01-04")  # the first is stored before the crash, the second is new
OLD_SEED = 3  # the stored partition comes from another demo world: its bytes differ
STOP_TIMEOUT_S = 180

#: Stops this process (SIGSTOP) when it is about to rename a file over $STOP_BEFORE_REPLACING.
STOPPING_DAGSTER = (
    "import os, signal, sys\n"
    "target = os.environ['STOP_BEFORE_REPLACING']\n"
    "def stop(event, args):\n"
    "    if event == 'os.rename' and os.fspath(args[1]) == target:\n"
    "        os.kill(os.getpid(), signal.SIGSTOP)\n"
    "sys.addaudithook(stop)\n" + processes.DAGSTER_MAIN
)


def _state(pid: int) -> str:
    """The process state letter of /proc/<pid>/stat (``T``: stopped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0]


def _wait_stopped(proc, log: Path) -> None:
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before the write:\n{processes.log_tail(log)}"
        if _state(proc.pid) == "T":
            return
        time.sleep(0.05)
    raise AssertionError(f"the run never reached the write:\n{processes.log_tail(log)}")


def _temp_files(lake: str) -> list[str]:
    folder = Path(lake) / ASSET / TEMP_DIR
    return sorted(p.name for p in folder.iterdir())


def _bytes(lake: str) -> dict[str, bytes]:
    return {k: partition_path(lake, ASSET, k).read_bytes() for k in list_partitions(lake, ASSET)}


def _sql_view(lake: str) -> dict[str, int]:
    """Rows per file of the ``raw_prices`` view, as ``tft-trader sql`` reads the lake."""
    rows = query(lake, f"SELECT filename, count(*) AS n FROM {ASSET} GROUP BY filename")
    return {Path(f).name.removesuffix(".parquet"): n for f, n in rows.iter_rows()}


def _checksum_metadata(result) -> str:
    """The IO manager's checksum of a range run's partitions, from its metadata (which every
    partition's materialisation event carries)."""
    event = result.asset_materializations_for_node(ASSET)[0]
    return event.metadata["sha256_of_partition_checksums"].value


@pytest.fixture
def reference(settings, instance, tmp_path) -> tuple[dict[str, bytes], str]:
    """The partitions of an uninterrupted run, in a lake of their own, and its checksum."""
    other = dataclasses.replace(settings, lake_url=str(tmp_path / "reference_lake"))
    res = materialize(build_definitions(other), [ASSET], DAYS[0], DAYS[-1], instance)
    assert res.success, failure_message(res)
    return _bytes(other.lake_url), _checksum_metadata(res)


@pytest.mark.parametrize(
    ("killed_at", "visible_after_kill"),
    [
        # replacing a stored partition: the old one stays whole, the next is never written
        (DAYS[0], {DAYS[0]: "old"}),
        # publishing a new partition: it stays absent, the one written before it is whole
        (DAYS[1], {DAYS[0]: "new"}),
    ],
)
def test_a_killed_write_publishes_nothing_partial_and_a_rerun_repairs_it(
    settings, tmp_path, reference, killed_at, visible_after_kill
):
    from dagster import DagsterInstance, DagsterRunStatus

    lake = settings.lake_url
    reference, reference_checksum = reference
    old_world = dataclasses.replace(settings, demo_seed=OLD_SEED)
    home = processes.dagster_home(tmp_path)
    with DagsterInstance.from_config(str(home)) as instance:
        assert materialize(build_definitions(old_world), [ASSET], DAYS[0], None, instance).success
    old = _bytes(lake)
    assert old[DAYS[0]] != reference[DAYS[0]]

    target = partition_path(lake, ASSET, killed_at)
    env = processes.deployment_env(settings, home) | {"STOP_BEFORE_REPLACING": str(target.path)}
    log = tmp_path / "killed.log"
    proc = processes.start_python(
        STOPPING_DAGSTER, processes.materialize_args([ASSET], *DAYS), env, log
    )
    try:
        _wait_stopped(proc, log)
        # frozen between writing the temporary file and renaming it over the partition
        (tmp,) = _temp_files(lake)
        assert tmp.startswith(f"{killed_at}.parquet.")
        assert (Path(lake) / ASSET / TEMP_DIR / tmp).stat().st_size == len(reference[killed_at])
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()

    expected = {k: (old if v == "old" else reference)[k] for k, v in visible_after_kill.items()}
    assert _bytes(lake) == expected  # whole partitions only: the old one, the new one, or none
    assert _temp_files(lake) == [tmp]  # the dead writer's file is still there, unseen
    assert _sql_view(lake) == {
        k: pl.read_parquet(io.BytesIO(b)).height for k, b in expected.items()
    }

    # the rerun, recorded in the same instance as the killed run
    with DagsterInstance.from_config(str(home)) as instance:
        res = materialize(build_definitions(settings), [ASSET], *DAYS, instance)
        assert res.success, failure_message(res)
        statuses = [r.status for r in instance.get_runs()]
    # the old world's run and the rerun succeeded; the killed run never finished
    assert len(statuses) == 3 and statuses.count(DagsterRunStatus.SUCCESS) == 2
    assert _bytes(lake) == reference
    assert _checksum_metadata(res) == reference_checksum
    checksums = [hashlib.sha256(reference[k]).hexdigest() for k in DAYS]
    assert reference_checksum == hashlib.sha256("".join(checksums).encode()).hexdigest()
    assert _temp_files(lake) == []  # the rerun removed the dead writer's temporary file
    assert set(_sql_view(lake)) == set(DAYS)
