"""Two overlapping single-run backfills of ingestion -> features, launched at once as two
``dagster asset materialize`` processes on one lake and one ``DAGSTER_HOME`` (SQLite), write the
same bytes, file for file, as one serial backfill of their union in another lake.

Both backfills write the partitions of their overlap (each through its own temporary file and
rename) while the other reads them; ``feature_snapshots`` reads the whole price and post
history up to its last day. For the serial run to be the reference, that history must be the
same whatever the other backfill has written yet: every partition before the second backfill's
range is ingested first (the first backfill rewrites some of them, with equal bytes), and each
backfill ingests its own range before its features (one run, steps in dependency order).

The quarantine is compared without the posts that have no creation time: ingestion files those
under the first partition of whichever run fetched them, so that part of a quarantine file
depends on the run's range (a serial run files them elsewhere, and overlapping runs file some
twice), unlike every asset partition.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import polars as pl

from tft_assets.cli.runner import failure_message
from tft_assets.definitions import build_definitions
from tft_assets_tests.conftest import materialize
from tft_assets_tests.defs import processes

INGESTION = ["raw_posts", "raw_prices", "scored_posts"]
FEATURES = ["feature_snapshots", "feature_lineage"]
WARMUP = ("2024-01-04", "2024-01-09")  # everything before the second backfill's range
#: overlapping on 01-10..01-12; the second spans a weekend and a holiday (01-15) too
BACKFILLS = {"first": ("2024-01-08", "2024-01-12"), "second": ("2024-01-10", "2024-01-16")}
UNDATED = "missing or unparsable created_utc"
RUN_TIMEOUT_S = 300


def _files(lake: Path) -> dict[str, bytes]:
    """Every file of the lake (quarantine included, temporary files included) by path."""
    return {
        str(p.relative_to(lake)): p.read_bytes() for p in sorted(lake.rglob("*")) if p.is_file()
    }


def _dated(blob: bytes | None) -> list[tuple]:
    """The rows of a quarantine file (None: no file) that name their own partition."""
    if blob is None:
        return []
    return pl.read_parquet(io.BytesIO(blob)).filter(pl.col("reason") != UNDATED).rows()


def test_overlapping_backfills_in_parallel_equal_a_serial_run(settings, instance, tmp_path):
    import dagster as dg

    settings = dataclasses.replace(settings, demo_tickers=3)
    defs = build_definitions(settings)
    lake = Path(settings.lake_url)
    assert materialize(defs, INGESTION, *WARMUP, instance).success
    serial_lake = tmp_path / "serial_lake"
    shutil.copytree(lake, serial_lake)

    home = processes.dagster_home(tmp_path)
    env = processes.deployment_env(settings, home)
    procs = {}
    for name, (first, last) in BACKFILLS.items():
        log = tmp_path / f"{name}.log"
        args = processes.materialize_args(INGESTION + FEATURES, first, last)
        procs[name] = (processes.start_python(processes.DAGSTER_MAIN, args, env, log), log)
    for proc, log in procs.values():
        assert proc.wait(timeout=RUN_TIMEOUT_S) == 0, processes.log_tail(log)

    # the serial reference: one backfill of the union, stage by stage, in-process
    serial = build_definitions(dataclasses.replace(settings, lake_url=str(serial_lake)))
    union = (BACKFILLS["first"][0], BACKFILLS["second"][1])
    for keys in (INGESTION, FEATURES):
        res = materialize(serial, keys, *union, instance)
        assert res.success, failure_message(res)

    files, reference = _files(lake), _files(serial_lake)
    parts = {f for f in reference if not f.startswith("quarantine/")}
    assert {f for f in files if not f.startswith("quarantine/")} == parts  # no temporary file
    assert [f for f in sorted(parts) if files[f] != reference[f]] == []
    assert sum(f.startswith("feature_snapshots/") for f in files) == 9  # 01-08..01-16
    assert sum(f.startswith("scored_posts/") for f in files) == 13  # 01-04..01-16
    quarantine = {f for f in {*files, *reference} if f.startswith("quarantine/")}
    assert quarantine, "the demo world quarantines some rows every day"
    for f in sorted(quarantine):
        assert _dated(files.get(f)) == _dated(reference.get(f)), f

    # both runs recorded as successes in the shared instance, and they did run at once
    with dg.DagsterInstance.from_config(str(home)) as shared:
        records = shared.get_run_records()
    assert sorted(r.dagster_run.status.value for r in records) == ["SUCCESS", "SUCCESS"]
    (a_start, a_end), (b_start, b_end) = sorted((r.start_time, r.end_time) for r in records)
    assert b_start < a_end, "the backfills ran one after the other, not in parallel"
