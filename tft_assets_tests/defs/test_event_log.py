"""The CLI's SQLite instance: pooled event-log engines, the same files as Dagster's own storage.

``dagster_instance`` gives an instance whose ``dagster.yaml`` leaves storage at the SQLite
default the pooled event log (:mod:`tft_assets.defs.event_log`); what it writes, a stock
instance on the same directory (the UI's, the daemon's) reads, and the other way round. A
``dagster.yaml`` that names a storage (PostgreSQL) is left alone.
"""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from tft_assets.cli.runner import _pooled_event_log, dagster_instance
from tft_assets.defs.event_log import MAX_RUN_ENGINES, PooledSqliteEventLogStorage
from tft_assets.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

REPO = Path(__file__).resolve().parents[2]
DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def days(context: dg.AssetExecutionContext) -> None:
    context.log.info(f"{len(context.partition_keys)} partitions")


def _backfill(instance: dg.DagsterInstance, first: str, last: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [days],
        instance=instance,
        run_config=QUIET,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
    )


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A ``DAGSTER_HOME`` with the repository's ``dagster.yaml`` (SQLite storage)."""
    path = tmp_path / "home"
    path.mkdir()
    shutil.copy(REPO / "dagster.yaml", path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(path))
    return path


@pytest.fixture
def cli(home, settings):
    """The settings of a CLI run against ``home``."""
    from tft_assets.settings import load_settings

    loaded = load_settings()
    assert loaded.instance_dir == home
    return loaded


def _materialized(instance: dg.DagsterInstance) -> set[str]:
    return set(instance.get_materialized_partitions(days.key))


def test_the_cli_instance_pools_the_event_log_and_a_stock_instance_reads_it(home, cli):
    with dagster_instance(cli) as pooled:
        assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
        result = _backfill(pooled, "2024-01-01", "2024-01-20")
        assert result.success
    with dg.DagsterInstance.from_config(str(home)) as stock:  # the UI's view: Dagster's class
        assert type(stock.event_log_storage) is not PooledSqliteEventLogStorage
        assert _materialized(stock) == set(DAYS.get_partition_keys()[:20])
        logs = stock.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        assert len(logs) == 20
        assert _backfill(stock, "2024-01-21", "2024-01-25").success
    with dagster_instance(cli) as pooled:  # and back: the stock instance's writes
        assert _materialized(pooled) == set(DAYS.get_partition_keys()[:25])
        assert len(pooled.get_run_records()) == 2


def test_old_run_engines_are_disposed_and_deleted_runs_go(home, cli):
    with dagster_instance(cli) as pooled:
        storage = pooled.event_log_storage
        runs = [
            _backfill(pooled, f"2024-01-{d:02d}", f"2024-01-{d:02d}").run_id
            for d in range(1, MAX_RUN_ENGINES + 4)
        ]
        run_shards = [s for s in storage._engines if s in runs]
        assert run_shards == runs[-MAX_RUN_ENGINES:]  # the most recent ones, in order
        pooled.delete_run(runs[-1])
        assert runs[-1] not in storage._engines
        assert pooled.get_run_by_id(runs[-1]) is None
        assert pooled.all_logs(runs[-1]) == []
        assert len(pooled.all_logs(runs[-2])) > 0
        pooled.wipe()
        assert set(storage._engines) <= {"index"}  # the run shards went with their files
        assert _backfill(pooled, "2024-01-31", "2024-01-31").success  # usable after a wipe


def test_a_named_storage_is_left_alone(tmp_path):
    postgres = tmp_path / "pg"
    postgres.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.postgres.yaml", postgres / "dagster.yaml")
    assert _pooled_event_log(postgres) == {}
    sqlite = tmp_path / "sqlite"
    sqlite.mkdir()
    overrides = _pooled_event_log(sqlite)  # no dagster.yaml at all: Dagster's SQLite default
    assert overrides["event_log_storage"]["config"] == {
        "base_dir": str(sqlite / "history" / "runs")
    }


def test_a_run_shard_file_is_touched_on_every_write_for_the_live_log_watchers(home, cli):
    import os

    with dagster_instance(cli) as pooled:
        run_id = _backfill(pooled, "2024-01-01", "2024-01-01").run_id
        storage = pooled.event_log_storage
        path = storage.path_for_shard(run_id)
        os.utime(path, (0, 0))
        pooled.report_engine_event("still here", pooled.get_run_by_id(run_id))
        assert os.path.getmtime(path) > 0  # the watchdog of ``watch`` sees a modification
